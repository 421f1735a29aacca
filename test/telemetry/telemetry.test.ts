/**
 * Issue 21 point 2, acceptance: with the OpenTelemetry SDK's in-memory reader and span exporter, after a scripted
 * sequence (3 failures, a lock, a success with MFA, a Redis outage: a real redis-server killed), each counter and
 * histogram has the expected values and attributes; no metric or span attribute carries the username, the full
 * IP, the password or the code.
 */
import { Redis } from 'ioredis';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisStore } from '../../src/redis/index.js';
import { GOOD_PASSWORD, base32Decode } from '../login/support.js';
import { totpAt } from '../mfa/support.js';
import { type RedisServer, startRedis } from '../support/services.js';
import { type Point, type TelemetryWorld, collectPoints, telemetryWorld, valueAt } from './support.js';

const IP = '203.0.113.77';
const IPV6 = '2001:db8:abcd:12:34::5';
const WRONG = 'Wrong-Guess-42!';
const SATO = 'sato.taro';
const HANAKO = 'hanako.suzuki';

describe('issue 21: OpenTelemetry metrics and spans after a scripted sequence (real Redis, SDK in memory)', () => {
  let server: RedisServer;
  let client: Redis;
  let w: TelemetryWorld;
  let before: Map<string, Point[]>;
  let after: Map<string, Point[]>;
  let auditBefore = 0;
  let spans: ReadableSpan[] = [];
  /** Every secret the sequence handled: none may appear in an attribute. */
  const secrets: string[] = [SATO, HANAKO, IP, IPV6, '2001:db8:abcd:12', GOOD_PASSWORD, WRONG];
  const results: unknown[] = [];

  beforeAll(async () => {
    server = await startRedis();
    client = new Redis(server.url);
    client.on('error', () => undefined);
    w = telemetryWorld(redisStore({ client }), { lockout: { maxFailures: 3 } }, {}, 300);
    await w.addUser(SATO);
    await w.addUser(HANAKO);
    // Setup: hanako enrols TOTP through her first login from outside the internal networks.
    const first = await w.kanmon.login({ tenant: w.tenant, username: HANAKO, password: GOOD_PASSWORD, clientIp: IP, tls: true });
    if (first.status !== 'mfa_required') throw new Error(JSON.stringify(first));
    const enrollment = (await w.kanmon.enrollTotp({ challenge: first.challenge })) as { secret: string };
    const secret = base32Decode(enrollment.secret);
    const enrolCode = totpAt(secret, w.clock.now());
    const confirmed = await w.kanmon.confirmTotp({ challenge: first.challenge, code: enrolCode });
    secrets.push(first.challenge, enrollment.secret, enrolCode, ...tokensOf(confirmed));
    w.clock.advance(60_000);
    before = await collectPoints(w.reader);
    auditBefore = w.auditCount();
    w.spans.reset();

    // 1–3: three wrong passwords; the third locks (maxFailures 3).
    for (let i = 0; i < 3; i++) results.push(await w.kanmon.login({ tenant: w.tenant, username: SATO, password: WRONG, clientIp: IP, tls: true }));
    // 4: the right password while locked: refused before the hasher.
    results.push(await w.kanmon.login({ tenant: w.tenant, username: SATO, password: GOOD_PASSWORD, clientIp: IP, tls: true }));
    // 5: a success with MFA, from an IPv6 address.
    const mfa = await w.kanmon.login({ tenant: w.tenant, username: HANAKO, password: GOOD_PASSWORD, clientIp: IPV6, tls: true });
    results.push(mfa);
    if (mfa.status !== 'mfa_required') throw new Error(JSON.stringify(mfa));
    const code = totpAt(secret, w.clock.now());
    const verified = await w.kanmon.verifyMfa({ challenge: mfa.challenge, code, clientIp: IPV6, tls: true });
    results.push(verified);
    secrets.push(mfa.challenge, code, ...tokensOf(verified));
    // 6: Redis is killed: the login answers unavailable.
    await server.kill();
    results.push(await w.kanmon.login({ tenant: w.tenant, username: SATO, password: GOOD_PASSWORD, clientIp: IP, tls: true }));
    after = await collectPoints(w.reader);
    spans = w.spans.getFinishedSpans();
  }, 60_000);

  afterAll(async () => {
    client?.disconnect();
    await server?.stop();
  });

  const delta = (name: string, attributes: Record<string, unknown>) => valueAt(after, name, attributes) - valueAt(before, name, attributes);

  it('the logins answered as scripted (the sequence itself)', () => {
    expect(results.map((r) => `${(r as { status: string }).status}:${(r as { reason?: string }).reason ?? ''}`)).toEqual([
      'denied:invalid_credentials',
      'denied:invalid_credentials',
      'denied:locked',
      'denied:locked',
      'mfa_required:',
      'authenticated:',
      'denied:unavailable',
    ]);
  });

  it('kanmon.login.attempts: by outcome and the audited reason', () => {
    expect(delta('kanmon.login.attempts', { 'kanmon.outcome': 'failure', 'kanmon.reason': 'wrong_password' })).toBe(3);
    expect(delta('kanmon.login.attempts', { 'kanmon.outcome': 'failure', 'kanmon.reason': 'locked' })).toBe(1);
    expect(delta('kanmon.login.attempts', { 'kanmon.outcome': 'mfa_required' })).toBe(1);
    expect(delta('kanmon.login.attempts', { 'kanmon.outcome': 'failure', 'kanmon.reason': 'unavailable' })).toBe(1);
    const total = (m: Map<string, Point[]>) => (m.get('kanmon.login.attempts') ?? []).reduce((s, p) => s + p.value, 0);
    expect(total(after) - total(before)).toBe(6);
  });

  it('kanmon.lockout.locks and kanmon.mfa.verifications', () => {
    // One lock of the login name's counter and one of the account's own (src/lockout: both reach maxFailures).
    expect(delta('kanmon.lockout.locks', { 'kanmon.factor': 'password', 'kanmon.lockout.scope': 'account' })).toBe(1);
    expect(delta('kanmon.lockout.locks', { 'kanmon.factor': 'password', 'kanmon.lockout.scope': 'name' })).toBe(1);
    expect(after.get('kanmon.lockout.locks')).toHaveLength(2);
    expect(delta('kanmon.mfa.verifications', { 'kanmon.outcome': 'success', 'kanmon.mfa.method': 'totp' })).toBe(1);
  });

  it('kanmon.password.hash.duration: one KDF run per verified password (none while locked, none in the outage)', () => {
    expect(delta('kanmon.password.hash.duration', { 'kanmon.hash.algorithm': 'argon2id' })).toBe(4);
    const point = after.get('kanmon.password.hash.duration')!.find((p) => p.attributes['kanmon.hash.algorithm'] === 'argon2id')!;
    expect(point.value).toBeGreaterThan(0); // seconds, summed
    expect(point.value / point.count!).toBeLessThan(5);
  });

  it('kanmon.store.duration by store and operation, kanmon.store.errors for the outage', () => {
    const redisOk = (after.get('kanmon.store.duration') ?? []).filter((p) => p.attributes['kanmon.store'] === 'redis' && p.attributes['kanmon.outcome'] === 'ok');
    expect(redisOk.length).toBeGreaterThan(0);
    for (const p of redisOk) expect(typeof p.attributes['kanmon.operation']).toBe('string');
    expect(delta('kanmon.store.duration', { 'kanmon.store': 'redis', 'kanmon.operation': 'update', 'kanmon.outcome': 'ok' })).toBeGreaterThan(0);
    const errors = (after.get('kanmon.store.errors') ?? []).filter((p) => p.attributes['kanmon.store'] === 'redis');
    expect(errors.reduce((s, p) => s + p.value, 0)).toBeGreaterThanOrEqual(1);
    expect((before.get('kanmon.store.errors') ?? []).length).toBe(0);
    for (const p of errors) expect(p.attributes['error.type']).toMatch(/^[A-Za-z0-9_]+$/);
  });

  it('kanmon.audit.append.duration: one recording per audit record; the gauges read 0 at rest', () => {
    expect(delta('kanmon.audit.append.duration', { 'kanmon.outcome': 'ok' })).toBe(w.auditCount() - auditBefore);
    expect(w.auditCount() - auditBefore).toBeGreaterThanOrEqual(7);
    expect(after.get('kanmon.audit.backlog')).toEqual([{ attributes: {}, value: 0 }]);
    expect(after.get('kanmon.password.hash.queue.depth')).toEqual([{ attributes: {}, value: 0 }]);
  });

  it('a span per login with its steps as events; verifyMfa has its own', () => {
    const logins = spans.filter((s) => s.name === 'kanmon.login');
    expect(logins).toHaveLength(6);
    expect(spans.filter((s) => s.name === 'kanmon.verify_mfa')).toHaveLength(1);
    const locking = logins[2]!;
    expect(locking.attributes).toMatchObject({ 'kanmon.outcome': 'failure', 'kanmon.reason': 'wrong_password', 'kanmon.client.prefix': '203.0.113.0/24', 'kanmon.tenant': w.tenant });
    expect(locking.events.map((e) => e.name)).toEqual(expect.arrayContaining(['auth.login.failure', 'auth.lockout.locked']));
    expect(logins[4]!.attributes['kanmon.client.prefix']).toBe('2001:db8:abcd::/48');
    expect(logins[4]!.events.map((e) => e.name)).toContain('auth.login.success');
    const outage = logins[5]!;
    expect(outage.attributes).toMatchObject({ 'kanmon.outcome': 'failure', 'kanmon.reason': 'unavailable' });
    expect(outage.status.code).toBe(2);
  });

  it('SEC: no metric or span attribute (nor event attribute) carries the username, the full IP, the password, the code or a token', () => {
    const text = JSON.stringify([
      [...after.entries()].map(([name, points]) => [name, points.map((p) => p.attributes)]),
      spans.map((s) => [s.name, s.attributes, s.events.map((e) => [e.name, e.attributes])]),
    ]);
    expect(text.length).toBeGreaterThan(1000);
    for (const secret of secrets) expect(text, secret).not.toContain(secret);
  });
});

function tokensOf(result: unknown): string[] {
  const r = result as { token?: string; challenge?: string };
  return [r.token, r.challenge].filter((t): t is string => typeof t === 'string');
}
