/**
 * SEC-28, FNB-3.3, SEC-26: key operations are audited. A key ring with an
 * audit log attached leaves admin.key.add / admin.key.rotate /
 * admin.key.destroy records naming the key id and purpose, never its material.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/create-audit-log.js';
import { findEvents } from '../../src/audit/query.js';
import { fileAuditSink } from '../../src/audit/sinks/file/file-sink.js';
import { memoryAuditSink } from '../../src/audit/sinks/memory.js';
import { verifyAuditLog } from '../../src/audit/verify/verify-audit-log.js';
import { attachKeyAudit } from '../../src/keys/key-audit.js';
import { createKeyRing, type KeyRing } from '../../src/keys/key-ring.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const secret1 = Buffer.alloc(32, 0x11);
const secret2 = Buffer.alloc(32, 0x22);

describe('SEC-28, FNB-3.3: key operations audited', () => {
  it('rotating and destroying a key leaves admin.key.* records with ids and purpose; no file holds key material', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kanmon-key-audit-'));
    dirs.push(dir);
    const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: secret1 }], current: 'k1' });
    let t = 1_775_000_000_000;
    const sink = fileAuditSink({ dir });
    const log = createAuditLog({ sink, keyRing, stream: 'ops', now: () => (t += 1000) });
    const keyAudit = attachKeyAudit(keyRing, log, { actor: 'operator-1', purpose: 'seal,audit-mac' });
    keyRing.add({ id: 'k2', secret: secret2.toString('base64url') });
    keyRing.setCurrent('k2');
    keyRing.destroy('k1');
    await keyAudit.flush();
    const records = await findEvents(sink, {});
    expect(records.map((r) => [r.type, r.target, r.actor])).toEqual([
      ['admin.key.add', 'k2', 'operator-1'],
      ['admin.key.rotate', 'k2', 'operator-1'],
      ['admin.key.destroy', 'k1', 'operator-1'],
    ]);
    expect(records[1]).toMatchObject({ before: { current: 'k1' }, after: { kid: 'k2', purpose: 'seal,audit-mac', current: 'k2' }, clauses: ['EXT-6', 'SEC-26', 'SEC-28'] });
    expect(records[2]!.after).toEqual({ kid: 'k1', purpose: 'seal,audit-mac', destroyed: true });
    await log.close();
    // the records written under k1 before its destruction and k2 after: the verifier holds only k2 now
    const files = readdirSync(join(dir, 'ops')).map((n) => readFileSync(join(dir, 'ops', n)));
    const all = Buffer.concat(files);
    for (const material of [secret1, secret2]) {
      for (const text of [material.toString('hex'), material.toString('base64'), material.toString('base64url')]) expect(all.includes(text)).toBe(false);
      expect(all.includes(material)).toBe(false);
    }
    for (const purpose of ['seal', 'audit-mac']) {
      const subkey = createKeyRing({ keys: [{ id: 'x', secret: secret2 }], current: 'x' }).derive('x', purpose);
      expect(all.includes(subkey.toString('base64url'))).toBe(false);
      expect(all.includes(subkey.toString('hex'))).toBe(false);
    }
  });

  it('a failed append is surfaced by flush(), and detach() stops the records', async () => {
    const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: secret1 }], current: 'k1' });
    const failing = { ...memoryAuditSink(), write: () => Promise.reject(new Error('disk full')) };
    const log = createAuditLog({ sink: failing, keyRing, stream: 'ops', now: () => 1 });
    const keyAudit = attachKeyAudit(keyRing, log);
    keyRing.add({ id: 'k2', secret: secret2 });
    await expect(keyAudit.flush()).rejects.toMatchObject({ code: 'ERR_AUDIT_WRITE' });

    const sink = memoryAuditSink();
    const other = createKeyRing({ keys: [{ id: 'a', secret: secret1 }], current: 'a' });
    const okLog = createAuditLog({ sink, keyRing: other, stream: 'ops', now: () => 1 });
    const audit = attachKeyAudit(other, okLog);
    other.add({ id: 'b', secret: secret2 });
    await audit.flush();
    audit.detach();
    other.setCurrent('b');
    await audit.flush();
    expect((await findEvents(sink, {})).map((r) => r.type)).toEqual(['admin.key.add']);
    expect((await verifyAuditLog(sink, other)).ok).toBe(true);
  });

  it('a refused operation (destroying the current key) leaves no record; a key ring without watch() is refused with a code', async () => {
    const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: secret1 }], current: 'k1' });
    const sink = memoryAuditSink();
    const keyAudit = attachKeyAudit(keyRing, createAuditLog({ sink, keyRing, stream: 'ops', now: () => 1 }));
    expect(() => keyRing.destroy('k1')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    await keyAudit.flush();
    expect(await findEvents(sink, {})).toEqual([]);
    const noWatch: KeyRing = { ...keyRing, currentId: keyRing.currentId, watch: undefined };
    expect(() => attachKeyAudit(noWatch, { append: () => Promise.resolve() })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});
