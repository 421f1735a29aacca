/**
 * SEC-6, SEC-7, FNB-1.5: configuration changes are traceable. diffPolicies
 * names the changed paths and the clauses whose verdict got worse;
 * `kanmon policy diff` exits 1 on a weakening; recordPolicyChange writes
 * config.changed (and `weakened` raises the config_weakened alert).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditAlert } from '../../src/audit/alerts.js';
import { createAuditLog } from '../../src/audit/create-audit-log.js';
import { findEvents } from '../../src/audit/query.js';
import { memoryAuditSink } from '../../src/audit/sinks/memory.js';
import { diffPolicies } from '../../src/compliance/diff-policies.js';
import { recordPolicyChange } from '../../src/compliance/record-policy-change.js';
import { createKeyRing } from '../../src/keys/key-ring.js';
import { definePolicy } from '../../src/policy/define-policy.js';
import { kanmon } from './support/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kanmon-policy-diff-'));
  await writeFile(join(dir, 'weak.json'), JSON.stringify({ preset: 'funabashi', password: { minLength: 8 } }));
  await writeFile(join(dir, 'overrides.json'), JSON.stringify({ password: { minLength: 8 } }));
  await writeFile(join(dir, 'stronger.json'), JSON.stringify({ preset: 'funabashi', password: { minLength: 16 } }));
  await writeFile(join(dir, 'broken.json'), '{ "password": ');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('SEC-6, SEC-7: diffPolicies', () => {
  it('funabashi vs funabashi with minLength 8: one changed path serving SEC-23, and SEC-23 weakened', () => {
    const diff = diffPolicies(definePolicy('funabashi'), definePolicy('funabashi', { password: { minLength: 8 } }));
    expect(diff.changes.map((c) => c.path)).toEqual(['password.minLength']);
    expect(diff.changes[0]).toMatchObject({ before: definePolicy('funabashi').password.minLength, after: 8 });
    expect(diff.changes[0]!.clauses).toContain('SEC-23');
    const sec23 = diff.weakened.find((w) => w.clause === 'SEC-23');
    expect(sec23).toMatchObject({ before: 'met', after: 'weakened', paths: ['password.minLength'] });
    expect(diff.weakened.map((w) => w.clause)).toContain('FNB-3.1.3');
    expect(diff.strengthened).toEqual([]);
  });

  it('a stronger setting changes a path but weakens nothing; the same policy has no changes', () => {
    const stronger = diffPolicies(definePolicy('funabashi'), definePolicy('funabashi', { password: { minLength: 16 } }));
    expect(stronger.changes.map((c) => c.path)).toEqual(['password.minLength']);
    expect(stronger.weakened).toEqual([]);
    expect(diffPolicies(definePolicy('funabashi'), definePolicy('funabashi'))).toEqual({ changes: [], weakened: [], strengthened: [] });
    // the reverse of a weakening is a strengthening
    const back = diffPolicies(definePolicy('funabashi', { password: { minLength: 8 } }), definePolicy('funabashi'));
    expect(back.strengthened.map((s) => s.clause)).toContain('SEC-23');
    expect(back.weakened).toEqual([]);
  });
});

describe('SEC-6, SEC-7: kanmon policy diff', () => {
  it('funabashi vs funabashi with minLength 8 lists password.minLength and SEC-23, exit 1', async () => {
    const run = await kanmon(['policy', 'diff', 'funabashi', 'weak.json'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('password.minLength');
    expect(run.stdout).toMatch(/SEC-23: met -> weakened/);
    const viaFlag = await kanmon(['policy', 'diff', 'funabashi', 'overrides.json', '--preset', 'funabashi', '--format', 'json'], { cwd: dir });
    expect(viaFlag.code).toBe(1);
    const json = JSON.parse(viaFlag.stdout) as { changes: { path: string; clauses: string[] }[]; weakened: { clause: string }[] };
    expect(json.changes[0]).toMatchObject({ path: 'password.minLength' });
    expect(json.weakened.map((w) => w.clause)).toContain('SEC-23');
  });

  it('no weakening exits 0; Japanese output; a broken file or wrong usage exits 2 with a code, no stack', async () => {
    const ok = await kanmon(['policy', 'diff', 'funabashi', 'stronger.json'], { cwd: dir, lang: 'ja' });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('弱化した条項: 0');
    const broken = await kanmon(['policy', 'diff', 'funabashi', 'broken.json'], { cwd: dir });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('ERR_INVALID_POLICY');
    expect(broken.stderr).not.toMatch(/\n\s+at /);
    expect((await kanmon(['policy', 'diff', 'funabashi'], { cwd: dir })).code).toBe(2);
  });
});

describe('SEC-6, SEC-7, FNB-1.5: recordPolicyChange', () => {
  const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: Buffer.alloc(32, 7) }], current: 'k1' });
  it('writes config.changed with the paths before and after, the clauses, reason weakened, and raises config_weakened', async () => {
    const sink = memoryAuditSink();
    const alerts: AuditAlert[] = [];
    const log = createAuditLog({ sink, keyRing, stream: 'ops', now: () => 1_775_000_000_000, onAlert: (a) => alerts.push(a) });
    const result = await recordPolicyChange({ log, actor: 'admin-1', before: definePolicy('funabashi'), after: definePolicy('funabashi', { password: { minLength: 8 } }) });
    expect(result).toMatchObject({ ok: true, weakened: true });
    const [record] = await findEvents(sink, { type: 'config.changed' });
    expect(record).toMatchObject({ actor: 'admin-1', target: 'policy', reason: 'weakened', before: { settings: [`password.minLength=${definePolicy('funabashi').password.minLength}`] } });
    expect(record!.after).toMatchObject({ settings: ['password.minLength=8'], changedCount: 1 });
    expect(record!.clauses).toEqual(expect.arrayContaining(['SEC-6', 'SEC-7', 'SEC-23']));
    expect(alerts.map((a) => a.kind)).toEqual(['config_weakened']);
    await recordPolicyChange({ log, actor: 'admin-1', before: definePolicy('funabashi'), after: definePolicy('funabashi', { password: { minLength: 16 } }) });
    expect((await findEvents(sink, { type: 'config.changed' }))[1]).toMatchObject({ reason: 'changed' });
    expect(alerts).toHaveLength(1);
  });

  it('an audit outage answers unavailable, never throws', async () => {
    const failing = { ...memoryAuditSink(), write: () => Promise.reject(new Error('disk full')) };
    const log = createAuditLog({ sink: failing, keyRing, stream: 'ops', now: () => 1 });
    const result = await recordPolicyChange({ log, actor: 'admin-1', before: definePolicy('funabashi'), after: definePolicy('funabashi') });
    expect(result).toMatchObject({ ok: false, reason: 'unavailable' });
  });
});
