/**
 * EXT-6, SEC-18, SEC-26: one event schema; redaction is structural; free text
 * cannot forge a line (log injection).
 */
import { describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/create-audit-log.js';
import { type AuditEventInput, auditEventInputSchema, auditEventTypeList, auditEventTypes, auditRecordSchema } from '../../src/audit/event.js';
import { exportAuditLog } from '../../src/audit/export.js';
import { memoryAuditSink } from '../../src/audit/sinks/memory.js';
import { verifyAuditLog } from '../../src/audit/verify/verify-audit-log.js';
import { isKanmonError } from '../../src/errors.js';
import { loginFailure, steppingClock, testKeyRing } from './support.js';

const keyRing = testKeyRing();

function setup() {
  const sink = memoryAuditSink();
  const log = createAuditLog({ sink, keyRing, stream: 'web-1', now: steppingClock() });
  return { sink, log, lines: () => sink.streams.get('web-1')?.lines ?? [] };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('event schema', () => {
  it('every record has the documented fields, parses with the record schema, and carries its clauses', async () => {
    const { log, lines } = setup();
    const receipt = await log.append({ ...loginFailure, tenant: 'city-a', clauses: ['SEC-27'], outOfHours: true });
    const record = auditRecordSchema.parse(JSON.parse(lines()[0]!));
    expect(record).toMatchObject({
      v: 1, stream: 'web-1', seq: 1, kid: 'k1', type: 'auth.login.failure', tenant: 'city-a',
      time: '2026-04-01T08:33:20.123+09:00', ts: 1_775_000_000_123, outcome: 'failure', actor: 'tanaka', target: null,
      source: { ip: '10.0.0.8', userAgent: 'Mozilla/5.0' }, reason: 'invalid_password', outOfHours: true,
      clauses: ['EXT-6', 'SEC-18', 'SEC-27'], before: null, after: null, id: receipt.id, mac: receipt.mac,
    });
    expect(receipt).toMatchObject({ stream: 'web-1', seq: 1, ts: 1_775_000_000_123 });
  });

  it('SEC-26: admin operations record actor, target, before and after', async () => {
    const { log, lines } = setup();
    await log.append({ type: 'admin.role.grant', actor: 'admin-1', target: 'tanaka', before: { roles: ['user'] }, after: { roles: ['user', 'admin'], mfaRequired: true } });
    const record = JSON.parse(lines()[0]!) as Record<string, unknown>;
    expect(record).toMatchObject({ actor: 'admin-1', target: 'tanaka', before: { roles: ['user'] }, after: { roles: ['user', 'admin'], mfaRequired: true }, clauses: ['EXT-6', 'SEC-26'] });
  });

  it('the list of types is closed and every type names clauses', async () => {
    const { log } = setup();
    expect(auditEventTypeList.length).toBeGreaterThan(40);
    for (const type of auditEventTypeList) expect(auditEventTypes[type].length).toBeGreaterThan(0);
    const err = await rejection(log.append({ type: 'auth.login.sucess' } as unknown as AuditEventInput));
    expect(isKanmonError(err, 'ERR_AUDIT_FORMAT')).toBe(true);
  });

  it('redaction is structural: no field for a secret, secret-named keys refused, unknown fields never written', async () => {
    const { log, lines } = setup();
    for (const key of ['password', 'newPassword', 'totpCode', 'secret', 'apiToken', 'recoveryCodes', 'seed', 'passwordHash']) {
      const err = await rejection(log.append({ type: 'admin.password.reset', after: { [key]: 'hunter2' } }));
      expect(isKanmonError(err, 'ERR_AUDIT_FORMAT'), key).toBe(true);
    }
    const err = await rejection(log.append({ type: 'auth.login.failure', reason: 'wrong password hunter2' }));
    expect(isKanmonError(err, 'ERR_AUDIT_FORMAT')).toBe(true); // reason is a code, not text
    await log.append({ type: 'auth.login.failure', actor: 'tanaka', password: 'hunter2', code: '123456' } as unknown as AuditEventInput);
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).not.toContain('hunter2');
    expect(lines()[0]).not.toContain('123456');
    expect(auditEventInputSchema.safeParse({ type: 'auth.login.failure', password: 'x' }).success).toBe(false);
    expect(auditEventInputSchema.safeParse({ type: 'admin.password.reset', after: { password: 'x' } }).success).toBe(false);
  });

  it('free text from the network is cut, never refused (a 10 kB username must not break a login)', async () => {
    const { log, lines } = setup();
    await log.append({ type: 'auth.login.failure', actor: 'x'.repeat(10_000), source: { userAgent: 'y'.repeat(10_000) } });
    const record = JSON.parse(lines()[0]!) as { actor: string; source: { userAgent: string } };
    expect(record.actor).toHaveLength(256);
    expect(record.source.userAgent).toHaveLength(512);
  });

  it('a bad event is a coded error and does not consume a seq', async () => {
    const { log } = setup();
    await expect(log.append({ type: 'auth.login.failure', clauses: ['not a clause'] })).rejects.toMatchObject({ code: 'ERR_AUDIT_FORMAT' });
    await expect(log.append({ type: 'auth.login.failure', before: { n: Number.NaN } })).rejects.toMatchObject({ code: 'ERR_AUDIT_FORMAT' });
    await expect(log.append({ type: 'auth.login.failure', tenant: 'a b' })).rejects.toMatchObject({ code: 'ERR_AUDIT_FORMAT' });
    expect((await log.append(loginFailure)).seq).toBe(1);
  });

  it('a string array with a gap in before/after is refused (it was written as the invalid JSON [,"a"]), and the log stays verifiable', async () => {
    const { sink, log, lines } = setup();
    // eslint-disable-next-line no-sparse-arrays
    const gapped = [, 'a'] as unknown as string[];
    for (const field of ['before', 'after'] as const) {
      await expect(log.append({ type: 'admin.role.grant', [field]: { roles: gapped } })).rejects.toMatchObject({ code: 'ERR_AUDIT_FORMAT' });
    }
    const ok = await log.append({ type: 'admin.role.grant', after: { roles: ['a', 'b'] } });
    expect(ok.seq).toBe(1);
    expect((JSON.parse(lines()[0]!) as { after: unknown }).after).toEqual({ roles: ['a', 'b'] });
    expect((await verifyAuditLog(sink, keyRing)).ok).toBe(true);
  });
});

describe('SEC-18 / EXT-6: log injection', () => {
  const forged = '{"v":1,"stream":"web-1","seq":2,"kid":"k1","type":"admin.role.grant","actor":"root"}';
  const evil = `tanaka\r\n${forged}\n\u2028\u2029"},"outcome":"success`;

  it('a username with CR/LF and a forged JSON fragment stays inside its field', async () => {
    const { log, sink, lines } = setup();
    await log.append({ type: 'auth.login.failure', actor: evil, target: evil, source: { ip: evil, userAgent: evil } });
    await log.append({ type: 'auth.login.success', actor: 'tanaka' });
    const text = lines().join('\n') + '\n';
    expect(text.split('\n')).toHaveLength(3); // two records, one trailing newline: nothing forged a line
    expect(text).not.toMatch(/[\r\u2028\u2029]/);
    const record = JSON.parse(lines()[0]!) as { actor: string; target: string; source: { userAgent: string }; outcome: string; type: string };
    expect(record.actor).toBe(evil);
    expect(record.source.userAgent).toBe(evil);
    expect(record.outcome).toBe('failure');
    expect(record.type).toBe('auth.login.failure');
    const result = await verifyAuditLog(sink, keyRing);
    expect(result).toMatchObject({ ok: true, count: 2 });
  });

  it('in the CSV export the same text stays in one cell of one row, and cannot start a formula', async () => {
    const { log, sink } = setup();
    await log.append({ type: 'auth.login.failure', actor: evil });
    await log.append({ type: 'auth.login.failure', actor: '=HYPERLINK("http://x","y")' });
    const { data } = await exportAuditLog({ source: sink, keyRing, now: steppingClock(), format: 'csv' });
    const text = data.toString('utf8');
    expect(data.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const rows = text.slice(1).split('\r\n');
    expect(rows).toHaveLength(4); // header, two rows, trailing
    expect(text.slice(1).replace(/\r\n/g, '')).not.toMatch(/[\r\n\u2028\u2029]/);
    expect(rows[2]).toContain(`"'=HYPERLINK(""http://x"",""y"")"`);
  });
});
