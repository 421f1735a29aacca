/**
 * SEC-27 (detect misuse), SEC-18: alerts for lockouts, replays, out-of-hours
 * use, success after many failures, and tamper found at verification;
 * rate-limited per policy audit.alertsPerMinute.
 */
import { describe, expect, it } from 'vitest';
import type { AuditAlert } from '../../src/audit/alerts.js';
import { createAuditLog } from '../../src/audit/create-audit-log.js';
import { memoryAuditSink } from '../../src/audit/sinks/memory.js';
import { verifyAuditLog } from '../../src/audit/verify/verify-audit-log.js';
import type { AuditSink } from '../../src/audit/sink.js';
import { definePolicy } from '../../src/policy/define-policy.js';
import { testKeyRing } from './support.js';

const keyRing = testKeyRing();

function setup(overrides: { alertsPerMinute?: number; alertAfterFailures?: number } = {}) {
  const alerts: AuditAlert[] = [];
  let now = Date.UTC(2026, 3, 1, 12, 0, 0);
  const sink = memoryAuditSink();
  const policy = definePolicy('external-service-common', { audit: overrides });
  const log = createAuditLog({ sink, keyRing, stream: 'web-1', now: () => now, policy, onAlert: (a) => alerts.push(a) });
  return { alerts, log, sink, tick: (ms: number) => (now += ms) };
}

describe('SEC-27: alerts', () => {
  it('lockout, replay, out-of-hours and a sealed torn tail raise alerts naming the record', async () => {
    const { alerts, log } = setup();
    await log.append({ type: 'auth.lockout.locked', actor: 'tanaka' });
    await log.append({ type: 'auth.mfa.replayed', actor: 'tanaka' });
    await log.append({ type: 'access.out_of_hours', actor: 'suzuki' });
    await log.append({ type: 'auth.login.success', actor: 'sato', outOfHours: true });
    await log.append({ type: 'auth.login.success', actor: 'sato' }); // in hours: no alert
    expect(alerts.map((a) => [a.kind, a.record?.actor])).toEqual([
      ['lockout', 'tanaka'], ['replay', 'tanaka'], ['out_of_hours', 'suzuki'], ['out_of_hours', 'sato'],
    ]);
  });

  it('SEC-28, FNB-3.3: key_destroyed for a destroyed key, and for a tenant purge that shredded keys (not for one that shredded none)', async () => {
    const { alerts, log } = setup();
    await log.append({ type: 'admin.key.destroy', actor: 'ops', target: 'k-2024' });
    await log.append({ type: 'admin.tenant.purge', actor: 'ops', tenant: 'city-a', target: 'city-a', after: { storeEntries: 3, accounts: 1, shredded: ['city-a-1'] } });
    await log.append({ type: 'admin.tenant.purge', actor: 'ops', tenant: 'city-b', target: 'city-b', after: { storeEntries: 3, accounts: 1, shredded: [] } });
    expect(alerts.map((a) => [a.kind, a.record?.type, a.record?.target])).toEqual([
      ['key_destroyed', 'admin.key.destroy', 'k-2024'],
      ['key_destroyed', 'admin.tenant.purge', 'city-a'],
    ]);
  });

  it('a successful login after alertAfterFailures failures in a row alerts once, with the count', async () => {
    const { alerts, log } = setup({ alertAfterFailures: 3 });
    for (let i = 0; i < 2; i++) await log.append({ type: 'auth.login.failure', actor: 'a' });
    await log.append({ type: 'auth.login.success', actor: 'a' }); // 2 < 3
    for (let i = 0; i < 4; i++) await log.append({ type: 'auth.login.failure', actor: 'b' });
    await log.append({ type: 'auth.login.failure', actor: 'c' });
    await log.append({ type: 'auth.login.success', actor: 'b' });
    await log.append({ type: 'auth.login.success', actor: 'b' }); // the count was reset
    expect(alerts).toEqual([expect.objectContaining({ kind: 'success_after_failures', failures: 4 })]);
    expect(alerts[0]!.record).toMatchObject({ actor: 'b', type: 'auth.login.success' });
  });

  it('an attack does not flood the receiver: alertsPerMinute, then one summary of what was dropped', async () => {
    const { alerts, log, tick } = setup({ alertsPerMinute: 10 });
    await Promise.all(Array.from({ length: 100 }, (_, i) => log.append({ type: 'auth.lockout.locked', actor: `u${i}` })));
    expect(alerts).toHaveLength(10);
    tick(60_000);
    await log.append({ type: 'auth.mfa.replayed', actor: 'x' });
    expect(alerts.slice(10).map((a) => [a.kind, a.suppressed])).toEqual([['suppressed', 90], ['replay', undefined]]);
  });

  it('a receiver that throws does not break logging', async () => {
    const sink = memoryAuditSink();
    const log = createAuditLog({ sink, keyRing, stream: 's', now: () => 0, onAlert: () => { throw new Error('mail server down'); } });
    await expect(log.append({ type: 'auth.lockout.locked', actor: 'a' })).resolves.toMatchObject({ seq: 1 });
  });

  it('tamper detected at verification raises a tamper alert', async () => {
    const { log, sink } = setup();
    await log.append({ type: 'auth.login.success', actor: 'a' });
    await log.append({ type: 'auth.login.success', actor: 'b' });
    const lines = sink.streams.get('web-1')!.lines;
    lines[0] = lines[0]!.replace('"a"', '"z"');
    const alerts: AuditAlert[] = [];
    const result = await verifyAuditLog(sink, keyRing, { onAlert: (a) => alerts.push(a), now: () => 5 });
    expect(result.ok).toBe(false);
    expect(alerts).toEqual([{ kind: 'tamper', ts: 5, firstBad: { stream: 'web-1', seq: 1, reason: 'bad_mac' } }]);
  });
});

describe('fail closed', () => {
  it('when the sink fails, append rejects with ERR_AUDIT_WRITE and every later append too', async () => {
    const inner = memoryAuditSink();
    let broken = false;
    const sink: AuditSink = { ...inner, write: (r) => (broken ? Promise.reject(new Error('disk full')) : inner.write(r)) };
    const log = createAuditLog({ sink, keyRing, stream: 's', now: () => 0 });
    await log.append({ type: 'auth.login.success', actor: 'a' });
    broken = true;
    await expect(log.append({ type: 'auth.login.success', actor: 'b' })).rejects.toMatchObject({ code: 'ERR_AUDIT_WRITE' });
    broken = false;
    await expect(log.append({ type: 'auth.login.success', actor: 'c' })).rejects.toMatchObject({ code: 'ERR_AUDIT_WRITE' });
    expect(log.head()).toMatchObject({ seq: 1 });
  });
});
