import { isIPv4 } from 'node:net';
import { keyedHash } from '../../keys/keyed-hash.js';
import { ipBucket } from '../../internal/ip-bucket.js';
import type { KeyRing } from '../../keys/key-ring.js';
import { trustedKey } from '../../store/key.js';
import type { KanmonStore } from '../../store/store.js';
import type { AccountRecord } from '../account.js';

const DAY_MS = 86_400_000;

/**
 * The store key of an account's failed-login counter (`failuresSinceLastLogin`): counted at each failed
 * password or second factor of a login that named the account, read and cleared at its next login.
 */
export const loginFailuresKey = (tenant: string, accountId: string): string => trustedKey(tenant, 'login-failures', accountId);

/** Count a failed login of a known account (a counter: it never expires, it is cleared at the next success). */
export async function countLoginFailure(store: Pick<KanmonStore, 'increment'>, tenant: string, accountId: string): Promise<void> {
  await store.increment(loginFailuresKey(tenant, accountId));
}

/**
 * The failures counted since the account's last login, cleared for the next one. A failure counted between
 * the read and the delete is lost (the notice is advisory; the lockout counts every failure on its own).
 */
export async function takeLoginFailures(store: Pick<KanmonStore, 'readCounter' | 'delete'>, tenant: string, accountId: string): Promise<number> {
  const key = loginFailuresKey(tenant, accountId);
  const count = await store.readCounter(key);
  if (count > 0) await store.delete(key);
  return count;
}

/** The network a client address is grouped under: `a.b.c.0/24` for IPv4 (IPv4-mapped IPv6 too), the /64 for IPv6. */
export function sourcePrefix(ip: string): string {
  const bucket = ipBucket(ip);
  if (isIPv4(bucket)) return `${bucket.slice(0, bucket.lastIndexOf('.'))}.0/24`;
  return bucket;
}

/** A browser and system as the User-Agent names them, versions left out (a browser update is not a new device). */
export function deviceFamily(userAgent: string): string {
  return userAgent.slice(0, 512).replace(/[0-9]+/g, '').replace(/\s+/g, ' ').trim();
}

/** Sources (networks and browsers together) remembered per account and window of `knownSourceDays` at most. */
export const MAX_KNOWN_SOURCES = 64;

/** The counter of the sources remembered for an account in window `window` (two live per account: this window's and the last). */
export const knownSourceCountKey = (tenant: string, accountId: string, window: number): string => trustedKey(tenant, 'known-source-count', accountId, String(window));

/** The window (of `knownSourceDays`) `at` falls in. */
export const sourceWindow = (knownSourceDays: number, at: number): number => Math.floor(at / (knownSourceDays * DAY_MS));

/** What was new about a login's source. */
export interface NewSourceFacts {
  /** The client's /24 (IPv4) or /64 (IPv6), e.g. `192.0.2.0/24`; `null` when the address is unknown. */
  readonly prefix: string | null;
  readonly newPrefix: boolean;
  /** The User-Agent with its version numbers left out; `null` when the request named none. */
  readonly device: string | null;
  readonly newDevice: boolean;
}

/**
 * Whether this login's source (client prefix, browser family) was seen for the account within
 * `knownSourceDays`, and remember it. A source is a store mark per window of `knownSourceDays`
 * (`consumeOnce`, TTL two windows, keyed by an HMAC of the value: no address in a key): known = marked in
 * this window or the one before. So a source seen within `knownSourceDays` is always known, one last seen
 * between one and two windows ago may still be. One store call per login and kind; the first time in a window
 * two more (the last window's mark, the account's count). Marks expire on their own; an account keeps at most
 * {@link MAX_KNOWN_SOURCES} per window (past that a source is reported new each time, never stored), and its
 * count of the window two back is dropped when a window starts.
 */
export async function checkSource(
  deps: { readonly store: Pick<KanmonStore, 'consumeOnce' | 'increment' | 'delete'>; readonly keyRing: KeyRing },
  account: Pick<AccountRecord, 'tenant' | 'id'>,
  facts: { readonly clientIp: string | null; readonly userAgent: string | undefined },
  knownSourceDays: number,
  at: number,
): Promise<NewSourceFacts> {
  const windowMs = knownSourceDays * DAY_MS;
  const window = sourceWindow(knownSourceDays, at);
  const prefix = facts.clientIp === null || facts.clientIp === '' ? null : sourcePrefix(facts.clientIp);
  const device = typeof facts.userAgent === 'string' && facts.userAgent.length > 0 ? deviceFamily(facts.userAgent) : null;
  const isNew = async (kind: 'net' | 'ua', value: string): Promise<boolean> => {
    const mark = keyedHash(deps.keyRing, deps.keyRing.currentId, 'known-source', ['ks1', account.tenant, account.id, kind, value]);
    const key = (w: number) => trustedKey(account.tenant, 'known-source', account.id, `${kind}.${w}`, mark);
    if (!(await deps.store.consumeOnce(key(window), 2 * windowMs))) return false; // seen in this window already
    const fresh = await deps.store.consumeOnce(key(window - 1), windowMs); // first in this window: new unless seen in the last one
    // Bounded per account: the marks made in a window are counted; past the bound a source is reported, not kept.
    const count = await deps.store.increment(knownSourceCountKey(account.tenant, account.id, window));
    if (count === 1) await deps.store.delete(knownSourceCountKey(account.tenant, account.id, window - 2));
    if (count > MAX_KNOWN_SOURCES) {
      await deps.store.delete(key(window));
      if (fresh) await deps.store.delete(key(window - 1));
    }
    return fresh;
  };
  // One wait: for both marks when the request named a browser, for the network's alone (the usual API call) when not.
  const [newPrefix, newDevice] =
    device === null ? [prefix === null ? false : await isNew('net', prefix), false] : await Promise.all([prefix === null ? false : isNew('net', prefix), isNew('ua', device)]);
  return { prefix, newPrefix, device, newDevice };
}
