import { KanmonError } from '../errors.js';
import { assertStoreKey, tenantOfKey } from './key.js';
import type { RecordWrite, StoreRecord, Transition, TransitionOutcome } from './store.js';

/**
 * An in-process store's synchronous update for keys its caller built itself
 * (the lockout's: a checked tenant, constant namespaces, escaped parts), so
 * valid by construction: `updateNow` without {@link checkUpdateKeys}. One key
 * may be passed bare (no array for the common reservation), and then with
 * its hash (the memory store's `keyHash`) if the caller computed it.
 */
export type TrustedUpdate = <A, R>(transition: Transition<A, R>, keys: string | readonly string[], args: A, at?: number, hash?: number) => R;

/** Kept off the store objects and out of every public type: only kanmon's own modules reach it. */
const trustedUpdates = new WeakMap<object, TrustedUpdate>();

/** Offer `update` as `store`'s {@link TrustedUpdate} (the memory store, at creation). */
export function registerTrustedUpdate(store: object, update: TrustedUpdate): void {
  trustedUpdates.set(store, update);
}

/** The {@link TrustedUpdate} of `store`, if it offers one. */
export function trustedUpdateOf(store: object | null): TrustedUpdate | null {
  return store === null ? null : (trustedUpdates.get(store) ?? null);
}

/** Most keys one {@link KanmonStore.update} may touch. */
const maxUpdateKeys = 8;

/** Check the keys of an update: store keys, one tenant, no duplicates, at most {@link maxUpdateKeys}. */
export function checkUpdateKeys(keys: readonly string[]): void {
  if (typeof keys?.length !== 'number' || keys.length === 0 || keys.length > maxUpdateKeys) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', `update takes 1–${maxUpdateKeys} keys`);
  }
  assertStoreKey(keys[0]);
  if (keys.length === 1) return;
  const tenant = tenantOfKey(keys[0]);
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i];
    assertStoreKey(key);
    if (tenantOfKey(key) !== tenant) throw new KanmonError('ERR_INVALID_ARGUMENT', 'all keys of one update must belong to one tenant');
    for (let j = 0; j < i; j++) if (keys[j] === key) throw new KanmonError('ERR_INVALID_ARGUMENT', `duplicate key in update: ${key}`);
  }
}

/** Check a transition's outcome has one write per key and sane records. */
export function checkOutcome<R>(name: string, outcome: TransitionOutcome<R>, keyCount: number): readonly RecordWrite[] {
  const writes = outcome.writes;
  if (writes?.length !== keyCount) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', `transition '${name}' did not return one write per key (${keyCount})`);
  }
  for (const w of writes) {
    if (w.kind === 'set' && !isIntegerRecord(w.record)) throw new KanmonError('ERR_INVALID_ARGUMENT', `transition '${name}' wrote a non-integer field`);
  }
  return writes;
}

/** Whether every field of a record is a safe integer. */
export function isIntegerRecord(record: StoreRecord): boolean {
  for (const field in record) if (!Number.isSafeInteger(record[field])) return false;
  return true;
}

/** Throw `ERR_INVALID_ARGUMENT` unless `ttlMs` is `null` or a positive safe integer. */
export function checkTtl(ttlMs: unknown): asserts ttlMs is number | null {
  if (ttlMs !== null && !(typeof ttlMs === 'number' && Number.isSafeInteger(ttlMs) && ttlMs > 0)) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', `ttlMs must be null or a positive integer; got ${typeof ttlMs === 'number' ? ttlMs : typeof ttlMs}`);
  }
}

/** Throw `ERR_INVALID_ARGUMENT` unless `value` is a safe integer. */
export function checkInteger(value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', `value must be a safe integer; got ${String(value)}`);
  }
}

/** Wrap a driver failure as `ERR_STORE_UNAVAILABLE`; pass kanmon's own errors through. */
export function storeFailure(store: string, op: string, cause: unknown): KanmonError {
  if (cause instanceof KanmonError) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new KanmonError('ERR_STORE_UNAVAILABLE', `${store} store: ${op} failed: ${detail}`, { cause });
}

/** A record's fields as numbers (stores hand strings or JSON back). */
export function toRecord(raw: Readonly<Record<string, unknown>> | null | undefined): StoreRecord | null {
  if (!raw) return null;
  const out: Record<string, number> = {};
  let any = false;
  for (const [k, v] of Object.entries(raw)) {
    const n = typeof v === 'number' ? v : Number(v);
    if (Number.isFinite(n)) {
      out[k] = n;
      any = true;
    }
  }
  return any ? out : null;
}
