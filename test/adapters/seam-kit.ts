/**
 * A real `createKanmon` like kit.ts's, with its seams reachable: the audit
 * records it wrote, and switches that make the audit sink, the state store or
 * the account repository fail the way a dead disk, Redis or database does
 * (rejected promises with the driver's message), while everything else stays real.
 */
import { randomBytes } from 'node:crypto';
import { createAuditLog, createKeyRing, createPasswordHasher, memoryAuditSink, memoryStore, newAccount } from '../../src/index.js';
import type { AuditRecord, AuditSink, PolicyOverrides } from '../../src/index.js';
import type { KanmonStore } from '../../src/store/store.js';
import { createKanmon } from '../../src/login/create-kanmon.js';
import { memoryAccounts } from '../../src/login/memory-accounts.js';
import type { AccountRepository, Kanmon } from '../../src/login/types.js';
import { type Clock, PASSWORD, TENANT, manualClock, testPolicy } from './kit.js';

/** What can be switched to failing. */
export interface Faults {
  /** Every audit write rejects (a full disk, a lost database). */
  sink: boolean;
  /** Every state-store call rejects (Redis gone). */
  store: boolean;
  /** The app's `AccountRepository` rejects (its database gone). */
  accounts: boolean;
}

export interface SeamKanmon {
  readonly kanmon: Kanmon;
  readonly clock: Clock;
  readonly faults: Faults;
  /** The audit records written so far, of one type. */
  records(type: string): Promise<AuditRecord[]>;
}

const driverError = (what: string) => Object.assign(new Error(`${what}: connect ECONNREFUSED 10.9.8.7:5432`), { code: 'ECONNREFUSED' });

/**
 * Accounts (password {@link PASSWORD}): `yamada`, `sato`, `suzuki` (staff),
 * `kanri` (admin, MFA at login), `shinjin` (must change its initial password).
 */
export async function seamKanmon(overrides: PolicyOverrides = {}, clock = manualClock()): Promise<SeamKanmon> {
  const faults: Faults = { sink: false, store: false, accounts: false };
  const policy = testPolicy(overrides);
  const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
  const hasher = createPasswordHasher({ policy, keyRing });
  const hash = await hasher.hash(PASSWORD);
  const at = clock.now() - 86_400_000;
  const account = (id: string, username: string, patch: object = {}) =>
    newAccount({ id, tenant: TENANT, username, passwordHash: hash, passwordChangedAt: at, roles: ['staff'], ...patch });
  const real = memoryAccounts([
    account('u-yamada', 'yamada'),
    account('u-sato', 'sato'),
    account('u-suzuki', 'suzuki'),
    account('u-kanri', 'kanri', { roles: ['admin'] }),
    account('u-shinjin', 'shinjin', { mustChangePassword: 'initial' }),
  ]);
  const accounts: AccountRepository = {
    find: (tenant, username) => (faults.accounts ? Promise.reject(driverError('accounts.find')) : real.find(tenant, username)),
    findById: (tenant, id) => (faults.accounts ? Promise.reject(driverError('accounts.findById')) : real.findById(tenant, id)),
    update: (tenant, id, patch) => (faults.accounts ? Promise.reject(driverError('accounts.update')) : real.update(tenant, id, patch)),
  };

  const sink = memoryAuditSink();
  const failingSink: AuditSink = {
    ...sink,
    write: (record) => (faults.sink ? Promise.reject(driverError('audit insert')) : sink.write(record)),
  };

  // A store that answers like a remote one (no synchronous fast path), and fails like one.
  const inner = memoryStore({ now: clock.now });
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'updateNow' || prop === 'inProcess') return undefined;
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => (faults.store ? Promise.reject(driverError('store')) : (value as (...a: unknown[]) => unknown).apply(target, args));
    },
  }) as KanmonStore;

  const audit = createAuditLog({ sink: failingSink, keyRing, stream: 'seams', now: clock.now, policy });
  // Self-service reset delivers nowhere here: the seams under test are the store, the repository and the sink.
  const kanmon = createKanmon({ policy, store, accounts, keyRing, audit, now: clock.now, hasher, recovery: { deliver: () => undefined } });
  return {
    kanmon,
    clock,
    faults,
    records: async (type) => (await sink.find!({ type: type as AuditRecord['type'], limit: 1000 })).filter((r) => r.type === type),
  };
}
