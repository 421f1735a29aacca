// Fixtures for the login-flow suites: a whole kanmon on a manual clock over a given store.
import { randomBytes } from 'node:crypto';
import {
  type AccountRecord,
  type AuditRecord,
  type KanmonStore,
  type PasswordHasher,
  type Policy,
  type PolicyOverrides,
  createAuditLog,
  createKanmon,
  createKeyRing,
  createPasswordHasher,
  definePolicy,
  memoryAccounts,
  memoryAuditSink,
  newAccount,
} from '../../src/index.js';
import { nextBusinessDayAt, nextWeekdayAt } from '../support/clock.js';

/**
 * 10:00 in Tokyo on the next business day after the real now (weekends,
 * Japanese holidays and 年末年始 skipped): inside business hours, and inside the
 * validity of certificates openssl makes now (issue 14: a fixed date here made
 * the client-certificate test switch the validity check off).
 */
export const BUSINESS_DAY_10_JST = nextBusinessDayAt('10:00');
/** 10:00 in Tokyo on the Saturday after {@link BUSINESS_DAY_10_JST}: outside business hours. */
export const SATURDAY_10_JST = nextWeekdayAt(BUSINESS_DAY_10_JST, 6, '10:00');
export const INTERNAL_IP = '10.1.2.3';
export const OUTSIDE_IP = '198.51.100.7';
export const GOOD_PASSWORD = 'Kq7#vRt2!mZp';
export const OTHER_GOOD_PASSWORD = 'Wd4$hNx9@bLe';

export interface HasherCalls {
  verify: number;
  dummyVerify: number;
  hash: number;
}

/** The real hasher, counting its calls: a spy, not a stand-in. */
export function spyHasher(real: PasswordHasher): PasswordHasher & { calls: HasherCalls; reset(): void } {
  const calls: HasherCalls = { verify: 0, dummyVerify: 0, hash: 0 };
  return {
    calls,
    reset() {
      calls.verify = 0;
      calls.dummyVerify = 0;
      calls.hash = 0;
    },
    verify(stored, password) {
      calls.verify++;
      return real.verify(stored, password);
    },
    dummyVerify(password) {
      calls.dummyVerify++;
      return real.dummyVerify(password);
    },
    hash(password) {
      calls.hash++;
      return real.hash(password);
    },
    needsRehash: (stored) => real.needsRehash(stored),
  };
}

/** A cheap Argon2id for tests (the flow, not the hash, is under test here); the bench uses OWASP's parameters. */
export const testHashing = { argon2: { memoryKiB: 1024, iterations: 1, parallelism: 1 } } as const;

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' && !Array.isArray(prev)
        ? merge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

export function testPolicy(overrides: PolicyOverrides = {}): Policy {
  const base = { hashing: testHashing, mfa: { internalNetworks: ['10.0.0.0/8'] } };
  return definePolicy('funabashi', merge(base, overrides));
}

export interface World {
  readonly kanmon: ReturnType<typeof createKanmon>;
  readonly accounts: ReturnType<typeof memoryAccounts>;
  readonly hasher: ReturnType<typeof spyHasher>;
  readonly policy: Policy;
  readonly tenant: string;
  readonly clock: { now: () => number; advance(ms: number): void; set(ms: number): void };
  /** Every audit record so far, parsed. */
  events(): AuditRecord[];
  /** Every raw audit line so far (to search for leaked secrets). */
  auditText(): string;
  addUser(username: string, password?: string, patch?: Partial<AccountRecord>): Promise<AccountRecord>;
}

export function makeWorld(store: (now: () => number) => KanmonStore, overrides: PolicyOverrides = {}): World {
  let t = BUSINESS_DAY_10_JST;
  const clock = { now: () => t, advance: (ms: number) => (t += ms), set: (ms: number) => (t = ms) };
  const policy = testPolicy(overrides);
  const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
  const sink = memoryAuditSink();
  const audit = createAuditLog({ sink, keyRing, stream: 'auth', now: clock.now });
  const accounts = memoryAccounts();
  const hasher = spyHasher(createPasswordHasher({ policy, keyRing }));
  // A fresh tenant per world: worlds sharing one Redis never see each other's counters.
  const tenant = `city-${randomBytes(5).toString('hex')}`;
  const kanmon = createKanmon({ policy, store: store(clock.now), accounts, hasher, keyRing, audit, now: clock.now });
  const lines = () => sink.streams.get('auth')?.lines ?? [];
  let n = 0;
  return {
    kanmon,
    accounts,
    hasher,
    policy,
    tenant,
    clock,
    events: () => lines().map((line) => JSON.parse(line) as AuditRecord),
    auditText: () => lines().join('\n'),
    async addUser(username, password = GOOD_PASSWORD, patch = {}) {
      const account = newAccount({
        id: `u-${++n}`,
        tenant,
        username,
        passwordHash: await createPasswordHasher({ policy, keyRing }).hash(password),
        passwordChangedAt: clock.now(),
        ...patch,
      });
      await accounts.create(account);
      return account;
    },
  };
}

const base32Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 → bytes (the secret an authenticator app is given). */
export function base32Decode(text: string): Buffer {
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of text.replace(/=+$/, '').toUpperCase()) {
    value = (value << 5) | base32Alphabet.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}
