// Fixtures for the password-reset suites: a whole kanmon with self-service reset on, over a given store, on a
// manual clock, with the application's `deliver` capturing the tokens, and spies on what the flows compute and write.
import { randomBytes } from 'node:crypto';
import {
  type AccountRecord,
  type AuditRecord,
  type KanmonStore,
  type KeyRing,
  type PasswordResetDelivery,
  type PolicyOverrides,
  createAuditLog,
  createKanmon,
  createKeyRing,
  createPasswordHasher,
  memoryAccounts,
  memoryAuditSink,
  newAccount,
} from '../../src/index.js';
import { GOOD_PASSWORD, INTERNAL_IP, base32Decode, spyHasher, testPolicy } from '../login/support.js';
import { totpAt } from '../mfa/support.js';

export { GOOD_PASSWORD, INTERNAL_IP, OTHER_GOOD_PASSWORD, BUSINESS_DAY_10_JST } from '../login/support.js';
export const NEW_PASSWORD = 'Fz8#kQm2!vRw';
export const internal = { clientIp: INTERNAL_IP, tls: true } as const;

/** The real key ring, counting the keyed hashes of password-reset tokens (each computes one `password-reset` subkey lookup). */
export function spyKeyRing(real: KeyRing): KeyRing & { resetHashes: number } {
  const spy = {
    resetHashes: 0,
    get currentId() {
      return real.currentId;
    },
    ids: () => real.ids(),
    has: (id: string) => real.has(id),
    isDestroyed: (id: string) => real.isDestroyed(id),
    add: (key: Parameters<KeyRing['add']>[0]) => real.add(key),
    setCurrent: (id: string) => real.setCurrent(id),
    destroy: (id: string) => real.destroy(id),
    derive: (id: string, purpose: string) => {
      if (purpose === 'password-reset') spy.resetHashes++;
      return real.derive(id, purpose);
    },
  };
  return spy;
}

/** Every argument of every call the flows make on the store, as text: what "written to the store" can contain. */
export function recordingStore(store: KanmonStore): { store: KanmonStore; calls: string[] } {
  const calls: string[] = [];
  const methods = ['update', 'read', 'advanceIfGreater', 'consumeOnce', 'increment', 'readCounter', 'delete'] as const;
  const wrapped: Record<string, unknown> = { name: store.name, purgeTenant: store.purgeTenant.bind(store), close: store.close.bind(store) };
  for (const m of methods) {
    wrapped[m] = (...args: unknown[]) => {
      calls.push(`${m} ${JSON.stringify(args, (_k, v: unknown) => (typeof v === 'object' && v !== null && 'apply' in v && 'name' in v ? (v as { name: string }).name : v))}`);
      return (store[m] as (...a: unknown[]) => Promise<unknown>)(...args);
    };
  }
  return { store: wrapped as unknown as KanmonStore, calls };
}

export interface ResetWorld {
  readonly kanmon: ReturnType<typeof createKanmon>;
  readonly accounts: ReturnType<typeof memoryAccounts>;
  readonly keyRing: ReturnType<typeof spyKeyRing>;
  readonly hasher: ReturnType<typeof spyHasher>;
  readonly tenant: string;
  readonly clock: { now: () => number; advance(ms: number): void; set(ms: number): void };
  /** What `deliver` was given, in order. */
  readonly deliveries: PasswordResetDelivery[];
  /** Every store call, as text. */
  readonly storeCalls: string[];
  events(): AuditRecord[];
  auditText(): string;
  addUser(username: string, patch?: Partial<AccountRecord>, password?: string): Promise<AccountRecord>;
  /** Request a reset for `username` and return the token delivered. */
  tokenFor(username: string): Promise<string>;
  /** Enrol TOTP on `username` through a session; returns the raw secret. */
  enrolTotp(username: string): Promise<Buffer>;
}

export function makeResetWorld(makeStore: (now: () => number) => KanmonStore, overrides: PolicyOverrides = {}, start = Date.UTC(2030, 3, 1, 1)): ResetWorld {
  let t = start;
  const clock = { now: () => t, advance: (ms: number) => void (t += ms), set: (ms: number) => void (t = ms) };
  const policy = testPolicy({ ...overrides, recovery: { selfService: true, ...overrides.recovery } });
  const keyRing = spyKeyRing(createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' }));
  const sink = memoryAuditSink();
  const audit = createAuditLog({ sink, keyRing, stream: 'auth', now: clock.now });
  const accounts = memoryAccounts();
  const hasher = spyHasher(createPasswordHasher({ policy, keyRing }));
  const { store, calls } = recordingStore(makeStore(clock.now));
  const deliveries: PasswordResetDelivery[] = [];
  const tenant = `city-${randomBytes(5).toString('hex')}`;
  const kanmon = createKanmon({
    policy,
    store,
    accounts,
    hasher,
    keyRing,
    audit,
    now: clock.now,
    recovery: {
      deliver: (delivery) => {
        deliveries.push(delivery);
      },
    },
  });
  const lines = () => sink.streams.get('auth')?.lines ?? [];
  let n = 0;
  const world: ResetWorld = {
    kanmon,
    accounts,
    keyRing,
    hasher,
    tenant,
    clock,
    deliveries,
    storeCalls: calls,
    events: () => lines().map((line) => JSON.parse(line) as AuditRecord),
    auditText: () => lines().join('\n'),
    async addUser(username, patch = {}, password = GOOD_PASSWORD) {
      const account = newAccount({ id: `u-${++n}`, tenant, username, passwordHash: await hasher.hash(password), passwordChangedAt: clock.now() - 86_400_000, ...patch });
      await accounts.create(account);
      return account;
    },
    async tokenFor(username) {
      const before = deliveries.length;
      const result = await kanmon.requestPasswordReset({ tenant, username, ...internal });
      const delivered = deliveries[before];
      if (!result.ok || delivered === undefined) throw new Error(`no token for ${username}: ${JSON.stringify(result)}`);
      return delivered.token;
    },
    async enrolTotp(username) {
      const login = await kanmon.login({ tenant, username, password: GOOD_PASSWORD, ...internal });
      if (login.status !== 'authenticated') throw new Error(JSON.stringify(login));
      const enrollment = await kanmon.enrollTotp({ session: login.session });
      if (enrollment.status !== 'pending') throw new Error(JSON.stringify(enrollment));
      const secret = base32Decode(enrollment.secret);
      const confirmed = await kanmon.confirmTotp({ session: login.session, code: totpAt(secret, clock.now()) });
      if (confirmed.status !== 'enrolled') throw new Error(JSON.stringify(confirmed));
      clock.advance(30_000); // past the step the confirming code spent
      return secret;
    },
  };
  return world;
}
