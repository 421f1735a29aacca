/**
 * Issue 19 point 5 (RM-18, SEC-34, FNB-4.3, SEC-28): per-tenant keys on one key ring, `keyRing.forTenant(id)`.
 * A tenant's view serves its own keys and the shared ones (read-compatible migration), never another tenant's;
 * destroying a tenant's keys leaves no material in the ring that reproduces them (crypto-shredding) while the
 * other tenants' keys still work; values sealed with the shared key before the tenant had a key stay readable
 * and are re-sealed under the tenant's key on use; the key file round-trips tenant keys and destroyed ids; key
 * operations are audited with the tenant and never the material.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  attachKeyAudit,
  consumeRecoveryCode,
  createAuditLog,
  createKeyRing,
  generateRecoveryCodes,
  hashRecoveryCodes,
  memoryAuditSink,
  openSecret,
  sealSecret,
  verifyAuditLog,
  verifyTotp,
} from '../../src/index.js';
import type { CliIo } from '../../src/cli/command.js';
import { keyRingFromFlags } from '../../src/cli/key-ring.js';
import { manualClock, memoryState, policyWith, totpAt } from '../mfa/support.js';
import { kanmonError } from '../support/errors.js';

const policy = policyWith('funabashi');
const two = () =>
  createKeyRing({
    keys: [
      { id: 'shared-1', secret: randomBytes(32) },
      { id: 'a-1', secret: randomBytes(32), tenant: 'city-a' },
      { id: 'b-1', secret: randomBytes(32), tenant: 'city-b' },
    ],
    current: 'shared-1',
  });

describe('issue 19 point 5: keyRing.forTenant', () => {
  it("a tenant's view: its own current key, its keys and the shared ones, never another tenant's (ERR_KEY_NOT_FOUND)", () => {
    const ring = two();
    const a = ring.forTenant!('city-a');
    expect(a.currentId).toBe('a-1');
    expect(a.ids().sort()).toEqual(['a-1', 'shared-1']);
    expect(ring.ids()).toEqual(['shared-1']);
    expect(a.has('b-1')).toBe(false);
    expect(a.derive('shared-1', 'seal')).toEqual(ring.derive('shared-1', 'seal'));
    const err = kanmonError(() => a.derive('b-1', 'seal'));
    expect(err).toMatchObject({ code: 'ERR_KEY_NOT_FOUND', details: { keyId: 'b-1', keyTenant: 'city-b', tenant: 'city-a' } });
    expect(kanmonError(() => a.destroy('shared-1')).code).toBe('ERR_INVALID_ARGUMENT');
    expect(kanmonError(() => a.forTenant!('city-b')).code).toBe('ERR_INVALID_ARGUMENT');
    expect(ring.tenantOf!('a-1')).toBe('city-a');
    expect(ring.tenantKeyIds!('city-a')).toEqual(['a-1']);
    // a tenant without a key of its own uses the shared current key (as before per-tenant keys)
    expect(ring.forTenant!('city-c').currentId).toBe('shared-1');
    expect(ring.forTenant!('city-c').ids()).toEqual(['shared-1']);
    // the tenant is bound into the subkey: one secret given to two tenants by mistake still gives each its own keys
    const same = randomBytes(32);
    const mistaken = createKeyRing({ keys: [{ id: 's', secret: randomBytes(32) }, { id: 'x', secret: same, tenant: 'city-x' }, { id: 'y', secret: same, tenant: 'city-y' }], current: 's' });
    expect(mistaken.derive('x', 'seal').equals(mistaken.derive('y', 'seal'))).toBe(false);
  });

  it('a tenant key may not be the shared current key, nor a tenant id malformed, nor tenantCurrent name another tenant\'s key', () => {
    const secret = randomBytes(32);
    expect(kanmonError(() => createKeyRing({ keys: [{ id: 'a', secret, tenant: 'city-a' }], current: 'a' })).code).toBe('ERR_KEY_NOT_FOUND');
    expect(kanmonError(() => createKeyRing({ keys: [{ id: 's', secret }, { id: 'a', secret, tenant: 'city a/..' }], current: 's' })).code).toBe('ERR_INVALID_ARGUMENT');
    expect(kanmonError(() => createKeyRing({ keys: [{ id: 's', secret }, { id: 'a', secret, tenant: 'city-a' }], current: 's', tenantCurrent: { 'city-b': 'a' } })).code).toBe('ERR_KEY_NOT_FOUND');
  });

  it("crypto-shredding one tenant: after destroy no material in the ring reproduces A's keys; B's and the shared key still work", () => {
    const ring = two();
    const sealedA = sealSecret(ring, 'seed-a', { tenant: 'city-a', account: 'u', purpose: 'totp' });
    const sealedB = sealSecret(ring, 'seed-b', { tenant: 'city-b', account: 'u', purpose: 'totp' });
    const subkeyA = ring.derive('a-1', 'seal'); // the ring's cached subkey
    ring.destroy('a-1'); // a tenant's current key may be destroyed: that ends the tenant
    expect(subkeyA.equals(Buffer.alloc(32))).toBe(true); // wiped in place
    for (const purpose of ['seal', 'audit-mac', 'recovery', 'pepper']) {
      expect(kanmonError(() => ring.derive('a-1', purpose)).code).toBe('ERR_KEY_DESTROYED');
      expect(kanmonError(() => ring.forTenant!('city-a').derive('a-1', purpose)).code).toBe('ERR_KEY_DESTROYED');
    }
    const err = kanmonError(() => openSecret(ring, sealedA, { tenant: 'city-a', account: 'u', purpose: 'totp' }));
    expect(err).toMatchObject({ code: 'ERR_KEY_DESTROYED', details: { keyId: 'a-1', tenant: 'city-a' } });
    expect(openSecret(ring, sealedB, { tenant: 'city-b', account: 'u', purpose: 'totp' }).value.toString()).toBe('seed-b');
    // no fallback to the shared key: a shredded tenant cannot be sealed for again
    expect(kanmonError(() => sealSecret(ring, 'x', { tenant: 'city-a', account: 'u', purpose: 'totp' })).code).toBe('ERR_KEY_DESTROYED');
    expect(sealSecret(ring, 'x', { tenant: 'city-c', account: 'u', purpose: 'totp' })).toMatch(/^kmn1\.shared-1\./);
    // ids are never reused
    expect(kanmonError(() => ring.add({ id: 'a-1', secret: randomBytes(32), tenant: 'city-a' })).code).toBe('ERR_INVALID_ARGUMENT');
    // a key added for the tenant after its end becomes its current key (a new contract), with nothing of the old one
    ring.add({ id: 'a-2', secret: randomBytes(32), tenant: 'city-a' });
    expect(ring.forTenant!('city-a').currentId).toBe('a-2');
    expect(kanmonError(() => openSecret(ring, sealedA, { tenant: 'city-a', account: 'u', purpose: 'totp' })).code).toBe('ERR_KEY_DESTROYED');
  });
});

describe('issue 19 point 5: migration from the shared ring is read-compatible and re-seals on use', () => {
  it('TOTP secrets and recovery codes made under the shared key keep working after the tenant gets a key; TOTP comes back re-sealed under it', async () => {
    const ring = createKeyRing({ keys: [{ id: 'shared-1', secret: randomBytes(32) }], current: 'shared-1' });
    const clock = manualClock();
    const options = { policy, keyRing: ring, now: clock.now, ...memoryState(policy, clock.now) };
    const seed = randomBytes(20);
    const binding = { tenant: 'city-a', account: 'u', purpose: 'totp' };
    const old = sealSecret(ring, seed, binding);
    const codes = generateRecoveryCodes(3);
    const set = hashRecoveryCodes(codes, { keyRing: ring, tenant: 'city-a', account: 'u' });
    const sink = memoryAuditSink();
    const log = createAuditLog({ sink, keyRing: ring, stream: 'auth', now: clock.now });
    await log.append({ type: 'auth.login.failure', tenant: 'city-a', actor: 'u', reason: 'invalid_password' });

    ring.add({ id: 'a-1', secret: randomBytes(32), tenant: 'city-a' }); // the city's first key becomes its current key
    expect(ring.forTenant!('city-a').currentId).toBe('a-1');
    expect(openSecret(ring, old, binding)).toMatchObject({ keyId: 'shared-1', needsReseal: true });
    const result = await verifyTotp({ account: 'u', tenant: 'city-a', sealedSecret: old, code: totpAt(seed, clock.now()) }, options);
    expect(result).toMatchObject({ ok: true, resealedSecret: expect.stringMatching(/^kmn1\.a-1\./) as unknown });
    const resealed = result.ok ? result.resealedSecret! : '';
    expect(openSecret(ring, resealed, binding)).toMatchObject({ keyId: 'a-1', needsReseal: false });
    await expect(consumeRecoveryCode({ account: 'u', tenant: 'city-a', set, code: codes[0] }, options)).resolves.toMatchObject({ ok: true });
    // a new set is made under the tenant's key
    expect(hashRecoveryCodes(generateRecoveryCodes(1), { keyRing: ring, tenant: 'city-a', account: 'u' }).hashes[0]).toContain('.a-1.');
    // the audit log: the old record stays under the shared key, new ones of the tenant under its own
    await log.append({ type: 'auth.login.failure', tenant: 'city-a', actor: 'u', reason: 'invalid_password' });
    await log.append({ type: 'auth.login.failure', tenant: 'city-b', actor: 'v', reason: 'invalid_password' });
    expect(sink.streams.get('auth')!.lines.map((l) => (JSON.parse(l) as { kid: string }).kid)).toEqual(['shared-1', 'a-1', 'shared-1']);
    await expect(verifyAuditLog(sink, ring)).resolves.toMatchObject({ ok: true, count: 3, shredded: [] });

    // after the re-seal, destroying the tenant's key shreds the re-sealed value
    clock.advance(30_000);
    ring.destroy('a-1');
    await expect(verifyTotp({ account: 'u', tenant: 'city-a', sealedSecret: resealed, code: totpAt(seed, clock.now()) }, options)).rejects.toMatchObject({ code: 'ERR_KEY_DESTROYED' });
    // an audit writer made before the destruction no longer MACs with A's key: its cache dropped it
    await log.append({ type: 'auth.login.failure', tenant: 'city-a', actor: 'u', reason: 'invalid_password' });
    expect(JSON.parse(sink.streams.get('auth')!.lines.at(-1)!)).toMatchObject({ kid: 'shared-1', tenant: 'city-a' });
    await expect(verifyAuditLog(sink, ring)).resolves.toMatchObject({ ok: true, shredded: [{ tenant: 'city-a', kid: 'a-1', count: 1, firstSeq: 2, lastSeq: 2 }] });
  });
});

function cliIo(dir: string, env: Record<string, string> = {}): CliIo {
  const sinkStream = new Writable({ write: (_c, _e, cb) => cb() });
  return { stdin: Readable.from(['']), stdout: sinkStream, stderr: sinkStream, env, lang: 'en', cwd: dir };
}

describe('issue 19 point 5: the key file round-trips tenant keys and destroyed ids', () => {
  it('tenant, tenantCurrent and destroyed survive a load; a destroyed tenant key answers ERR_KEY_DESTROYED, not ERR_KEY_NOT_FOUND', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kanmon-tenant-keys-'));
    try {
      const b64 = () => randomBytes(32).toString('base64');
      const file = {
        keys: [
          { id: 'shared-1', secret: b64() },
          { id: 'b-1', secret: b64(), tenant: 'city-b' },
          { id: 'b-2', secret: b64(), tenant: 'city-b' },
        ],
        current: 'shared-1',
        tenantCurrent: { 'city-b': 'b-2' },
        destroyed: [{ id: 'a-1', tenant: 'city-a' }, 'old-shared'],
      };
      await writeFile(join(dir, 'keys.json'), JSON.stringify(file));
      const ring = await keyRingFromFlags('keys.json', cliIo(dir));
      expect(ring.forTenant!('city-b').currentId).toBe('b-2');
      expect(ring.tenantOf!('a-1')).toBe('city-a');
      expect(kanmonError(() => ring.derive('a-1', 'seal'))).toMatchObject({ code: 'ERR_KEY_DESTROYED', details: { tenant: 'city-a' } });
      expect(kanmonError(() => ring.derive('old-shared', 'seal')).code).toBe('ERR_KEY_DESTROYED');
      // the same JSON in KANMON_KEYS gives the same keys
      const fromEnv = await keyRingFromFlags(undefined, cliIo(dir, { KANMON_KEYS: await readFile(join(dir, 'keys.json'), 'utf8') }));
      const sealed = sealSecret(ring, 'seed', { tenant: 'city-b', account: 'u', purpose: 'totp' });
      expect(sealed).toMatch(/^kmn1\.b-2\./);
      expect(openSecret(fromEnv, sealed, { tenant: 'city-b', account: 'u', purpose: 'totp' }).value.toString()).toBe('seed');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('SEC-28, FNB-3.3: tenant key operations are audited with the tenant, never the material', () => {
  it('admin.key.add / rotate / destroy of a tenant key name its tenant and still verify after the key is gone', async () => {
    const ring = createKeyRing({ keys: [{ id: 'shared-1', secret: randomBytes(32) }], current: 'shared-1' });
    const sink = memoryAuditSink();
    const log = createAuditLog({ sink, keyRing: ring, stream: 'ops', now: () => 1_775_000_000_000 });
    const audit = attachKeyAudit(ring, log, { actor: 'operator-1' });
    const s1 = randomBytes(32);
    const s2 = randomBytes(32);
    ring.forTenant!('city-c').add({ id: 'c-1', secret: s1 }); // the view adds a key of its tenant
    ring.add({ id: 'c-2', secret: s2, tenant: 'city-c' });
    ring.setCurrent('c-2');
    ring.destroy('c-1');
    ring.destroy('c-2');
    await audit.flush();
    const lines = sink.streams.get('ops')!.lines;
    const records = lines.map((l) => JSON.parse(l) as { type: string; tenant: string; target: string; kid: string; before: unknown });
    expect(records.map((r) => [r.type, r.tenant, r.target, r.kid])).toEqual([
      ['admin.key.add', 'city-c', 'c-1', 'shared-1'],
      ['admin.key.add', 'city-c', 'c-2', 'shared-1'],
      ['admin.key.rotate', 'city-c', 'c-2', 'shared-1'],
      ['admin.key.destroy', 'city-c', 'c-1', 'shared-1'],
      ['admin.key.destroy', 'city-c', 'c-2', 'shared-1'],
    ]);
    expect(records[2]!.before).toEqual({ current: 'c-1' });
    for (const secret of [s1, s2]) {
      for (const form of [secret.toString('base64'), secret.toString('base64url'), secret.toString('hex')]) expect(lines.join('\n')).not.toContain(form);
    }
    await expect(verifyAuditLog(sink, ring)).resolves.toMatchObject({ ok: true, count: 5, shredded: [] });
  });
});
