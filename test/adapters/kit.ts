/**
 * What the adapter behaviour suite runs on: a real `createKanmon` (memory store,
 * memory accounts, memory audit sink, cheap Argon2id parameters), a manual
 * clock, and an HTTP(S) client over node:http(s) that returns the raw bytes.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { createAuditLog, createKeyRing, createPasswordHasher, definePolicy, memoryAuditSink, memoryStore, newAccount } from '../../src/index.js';
import type { PasswordResetDelivery, PolicyOverrides } from '../../src/index.js';
import { createKanmon } from '../../src/login/create-kanmon.js';
import { memoryAccounts } from '../../src/login/memory-accounts.js';
import type { AccountRecord, Kanmon } from '../../src/login/types.js';
import { jstTimeOfDay, nextBusinessDayAt, nextWeekdayAt } from '../support/clock.js';

/**
 * 10:00 JST on the next business day after the real now (weekends, Japanese
 * holidays and 年末年始 skipped): inside the funabashi business hours, and
 * inside the validity of certificates openssl makes now (issue 14: a fixed
 * date here stopped the suite once the real date passed it).
 */
export const BUSINESS_DAY_10_JST = nextBusinessDayAt('10:00');
/** 17:00 JST the same business day: 15 minutes before the funabashi close. */
export const BUSINESS_DAY_17_JST = jstTimeOfDay(BUSINESS_DAY_10_JST, '17:00');
/** 10:00 JST on the Sunday after {@link BUSINESS_DAY_10_JST}: outside business hours. */
export const SUNDAY_10_JST = nextWeekdayAt(BUSINESS_DAY_10_JST, 0, '10:00');

export interface Clock {
  readonly now: () => number;
  readonly advance: (ms: number) => void;
  readonly set: (ms: number) => void;
}

export function manualClock(start = BUSINESS_DAY_10_JST): Clock {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
    set: (ms) => {
      t = ms;
    },
  };
}

export const PASSWORD = 'Kanmon#Gate2026';
export const TENANT = 'funabashi';

export interface TestKanmon {
  readonly kanmon: Kanmon;
  readonly clock: Clock;
  readonly accounts: ReturnType<typeof memoryAccounts>;
  /** What the application's password-reset `deliver` was given (self-service reset, when the policy turns it on). */
  readonly deliveries: PasswordResetDelivery[];
}

/** The funabashi preset with cheap hashing, loopback as the internal network, and the test's overrides. */
export function testPolicy(overrides: PolicyOverrides = {}) {
  return definePolicy('funabashi', {
    hashing: { argon2: { memoryKiB: 1024, iterations: 1, parallelism: 1 } },
    mfa: { internalNetworks: ['127.0.0.0/8', '::1/128'] },
    ...overrides,
  });
}

function account(id: string, username: string, passwordHash: string, patch: Partial<AccountRecord> = {}, tenant = TENANT): AccountRecord {
  return newAccount({ id, tenant, username, passwordHash, passwordChangedAt: BUSINESS_DAY_10_JST - 86_400_000, roles: ['staff'], ...patch });
}

/**
 * A real Kanmon with these accounts (password {@link PASSWORD} for all):
 * `yamada` (staff), `kanri` (admin: MFA at login), `taishoku` (disabled),
 * `shinjin` (must change its initial password), `lock1`…`lock9` (for lockout),
 * and `yamada` in tenant `ichikawa` too.
 */
export async function testKanmon(overrides: PolicyOverrides = {}, clock = manualClock()): Promise<TestKanmon> {
  const policy = testPolicy(overrides);
  const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
  const hasher = createPasswordHasher({ policy, keyRing });
  const hash = await hasher.hash(PASSWORD);
  const accounts = memoryAccounts([
    account('u-yamada', 'yamada', hash),
    account('u-kanri', 'kanri', hash, { roles: ['admin'] }),
    account('u-taishoku', 'taishoku', hash, { disabled: true }),
    account('u-shinjin', 'shinjin', hash, { mustChangePassword: 'initial' }),
    ...Array.from({ length: 9 }, (_, i) => account(`u-lock${i + 1}`, `lock${i + 1}`, hash)),
    account('u-yamada-ichikawa', 'yamada', hash, {}, 'ichikawa'),
  ]);
  const audit = createAuditLog({ sink: memoryAuditSink(), keyRing, stream: 'test', now: clock.now, policy });
  const deliveries: PasswordResetDelivery[] = [];
  const recovery = { deliver: (d: PasswordResetDelivery) => void deliveries.push(d) };
  const kanmon = createKanmon({ policy, store: memoryStore({ now: clock.now }), accounts, keyRing, audit, now: clock.now, hasher, recovery });
  return { kanmon, clock, accounts, deliveries };
}

export interface TlsMaterial {
  readonly ca: string;
  readonly key: string;
  readonly cert: string;
}

export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The raw body bytes. */
  readonly bytes: Buffer;
  readonly text: string;
  json(): unknown;
  /** The `Set-Cookie` values. */
  readonly cookies: readonly string[];
}

export interface RequestOptions {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** An object is sent as JSON; a string or Buffer as is. */
  readonly body?: unknown;
  /** TLS: trust this CA; optionally present a client certificate. */
  readonly tls?: { readonly ca: string; readonly cert?: string; readonly key?: string };
}

/** One real HTTP(S) request to the loopback server. */
export function request(port: number, path: string, options: RequestOptions = {}): Promise<Answer> {
  const { method = 'GET', headers = {}, body, tls } = options;
  let payload: Buffer | undefined;
  const sendHeaders: Record<string, string> = { ...headers };
  if (body !== undefined) {
    payload = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    if (typeof body !== 'string' && !Buffer.isBuffer(body)) sendHeaders['content-type'] ??= 'application/json';
    sendHeaders['content-length'] = String(payload.length);
  }
  return new Promise((resolve, reject) => {
    const common = { host: '127.0.0.1', port, path, method, headers: sendHeaders, agent: false as const };
    const req = tls
      ? https.request({ ...common, ca: tls.ca, servername: 'localhost', ...(tls.cert ? { cert: tls.cert, key: tls.key } : {}) })
      : http.request(common);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        const text = bytes.toString('utf8');
        const setCookie = res.headers['set-cookie'];
        resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes, text, json: () => JSON.parse(text) as unknown, cookies: setCookie ?? [] });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** The `name=value` pair of a `Set-Cookie` line, for a `Cookie` header. */
export function cookiePair(setCookie: string): string {
  return setCookie.split(';')[0] ?? '';
}

/** The value of a `Set-Cookie` line. */
export function cookieValue(setCookie: string): string {
  const pair = cookiePair(setCookie);
  return pair.slice(pair.indexOf('=') + 1);
}
