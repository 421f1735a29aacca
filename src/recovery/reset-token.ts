/**
 * Password-reset tokens (ASVS 5.0 V6.4): 256 random bits from `crypto.randomBytes`, handed to the
 * application's `deliver` callback once and stored only as their keyed hash (`keyedHash`, key-ring purpose
 * `password-reset`), bound to the tenant and the account. Single use (`consumeOnce`: of any number of
 * concurrent completions exactly one spends it), short-lived (`policy.recovery.tokenTtlMinutes`, decided on
 * the caller's clock, never on a store TTL), and superseded: each account has a generation counter, a new
 * token, a login, a password change or a completed reset moves it on, and a token of an older generation is
 * dead. Only the store's native primitives are used (`increment`, `readCounter`, `advanceIfGreater`,
 * `consumeOnce`), so memory, Redis and PostgreSQL behave alike under concurrency.
 *
 * The token, as the user gets it: `kr1.<keyId>.<accountId, base64url>.<generation>.<secret>`. Its keyed hash
 * covers every part, so a token changed anywhere (another account, tenant, generation) is simply unknown.
 */
import { randomBytes } from 'node:crypto';
import type { KeyRing } from '../keys/key-ring.js';
import { keyedHash } from '../keys/keyed-hash.js';
import { ttlSlackMs } from '../lockout/transitions.js';
import type { Policy } from '../policy/define-policy.js';
import type { KanmonStore } from '../store/store.js';
import { resetKeys } from './internal/keys.js';

/** What the token functions work with (`createKanmon` passes its guarded store). */
export interface ResetTokenOptions {
  readonly store: KanmonStore;
  readonly keyRing: KeyRing;
  /** Reads `policy.recovery.tokenTtlMinutes`. */
  readonly policy: Policy;
  /** The clock expiry is decided on (epoch ms). */
  readonly now: () => number;
}

/** A token just issued: give it to the user once (kanmon keeps only its keyed hash). */
export interface IssuedResetToken {
  readonly token: string;
  /** When it stops working (epoch ms). */
  readonly expiresAt: number;
}

/** Why a token presented is not usable (audited; the caller sees one `invalid_token`). */
export type ResetTokenRefusal = 'malformed' | 'unknown' | 'used' | 'expired' | 'superseded';

/** The answer of {@link checkResetToken}. */
export type ResetTokenCheck =
  | {
      readonly ok: true;
      readonly accountId: string;
      /** The token's keyed hash: what {@link spendResetToken} and the attempt count are keyed by. Not a secret, never the token. */
      readonly ref: string;
      readonly expiresAt: number;
    }
  | { readonly ok: false; readonly reason: ResetTokenRefusal; /** The account the token names, when it could be read. */ readonly accountId: string | null };

/** Random bits of a token's secret. */
export const RESET_TOKEN_BITS = 256;
const PREFIX = 'kr1';
const FORMAT = 'kanmon-password-reset-v1';
const PURPOSE = 'password-reset';
/** Longest account id a token may name (what an audit record's target holds). */
const MAX_ACCOUNT_ID = 256;
const tokenPattern = /^kr1\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{1,1400})\.([1-9][0-9]{0,15})\.([A-Za-z0-9_-]{43})$/;

const refOf = (keyRing: KeyRing, keyId: string, tenant: string, accountId: string, generation: number, secret: string): string =>
  keyedHash(keyRing, keyId, PURPOSE, [FORMAT, tenant, accountId, String(generation), secret]);

async function writeToken(o: ResetTokenOptions, tenant: string, accountId: string, generation: number): Promise<IssuedResetToken> {
  const keyId = o.keyRing.currentId;
  const secret = randomBytes(RESET_TOKEN_BITS / 8).toString('base64url');
  const ttlMs = o.policy.recovery.tokenTtlMinutes * 60_000;
  const expiresAt = o.now() + ttlMs;
  const ref = refOf(o.keyRing, keyId, tenant, accountId, generation, secret);
  // The expiry is the stored value; the TTL only reclaims the space (plus slack for clocks that disagree).
  await o.store.advanceIfGreater(resetKeys.token(tenant, ref), expiresAt, ttlMs + ttlSlackMs);
  return { token: `${PREFIX}.${keyId}.${Buffer.from(accountId, 'utf8').toString('base64url')}.${generation}.${secret}`, expiresAt };
}

/**
 * Issue a token for an account (tenant validated by the caller): the account's generation moves on (every
 * older token dies), one keyed hash, one stored record.
 */
export async function issueResetToken(o: ResetTokenOptions, tenant: string, accountId: string): Promise<IssuedResetToken> {
  const generation = await o.store.increment(resetKeys.generation(tenant, accountId));
  return writeToken(o, tenant, accountId, generation);
}

/**
 * The work of {@link issueResetToken} for a request that names no usable account (unknown, disabled): the same
 * store calls (on one shared stand-in counter, so no key is kept per name typed) and the same one keyed hash,
 * over a secret nobody gets. Nothing it writes can ever be spent.
 */
export async function rehearseResetToken(o: ResetTokenOptions, tenant: string): Promise<void> {
  const generation = await o.store.increment(resetKeys.standInGeneration(tenant));
  await writeToken(o, tenant, '', generation);
}

/** The parts of a token, or `null` when it is not one. Never throws. */
function parseResetToken(token: unknown): { keyId: string; accountId: string; generation: number; secret: string } | null {
  if (typeof token !== 'string' || token.length > 1600) return null;
  const m = tokenPattern.exec(token);
  if (!m) return null;
  const [, keyId = '', encoded = '', gen = '', secret = ''] = m;
  const accountId = Buffer.from(encoded, 'base64url').toString('utf8');
  // One spelling per account id (base64url decoding forgives stray bits and bad UTF-8; the check does not).
  if (Buffer.from(accountId, 'utf8').toString('base64url') !== encoded || accountId.length > MAX_ACCOUNT_ID) return null;
  const generation = Number(gen);
  return Number.isSafeInteger(generation) ? { keyId, accountId, generation, secret } : null;
}

/**
 * Whether `token` is usable now at `tenant`: issued there for the account it names, not spent, not expired
 * (`now() >= expiresAt` is expired), of the account's current generation. Reads only; one keyed hash.
 */
export async function checkResetToken(o: ResetTokenOptions, tenant: string, token: unknown): Promise<ResetTokenCheck> {
  const parsed = parseResetToken(token);
  if (parsed === null) return { ok: false, reason: 'malformed', accountId: null };
  const { keyId, accountId, generation, secret } = parsed;
  if (!o.keyRing.has(keyId)) return { ok: false, reason: 'unknown', accountId };
  const ref = refOf(o.keyRing, keyId, tenant, accountId, generation, secret);
  const [expiresAt, current, used] = await Promise.all([
    o.store.readCounter(resetKeys.token(tenant, ref)),
    o.store.readCounter(resetKeys.generation(tenant, accountId)),
    o.store.readCounter(resetKeys.used(tenant, ref)),
  ]);
  if (expiresAt === 0) return { ok: false, reason: 'unknown', accountId };
  if (used !== 0) return { ok: false, reason: 'used', accountId };
  if (o.now() >= expiresAt) return { ok: false, reason: 'expired', accountId };
  if (current !== generation) return { ok: false, reason: 'superseded', accountId };
  return { ok: true, accountId, ref, expiresAt };
}

/** Spend a checked token: `true` for exactly one of any number of concurrent callers, `false` for every other. */
export function spendResetToken(o: ResetTokenOptions, tenant: string, checked: { readonly ref: string; readonly expiresAt: number }): Promise<boolean> {
  return o.store.consumeOnce(resetKeys.used(tenant, checked.ref), Math.max(1000, checked.expiresAt - o.now()) + ttlSlackMs);
}

/**
 * Every reset token of the account dies (its generation moves on): after a login, a password change, an
 * administrator's reset, a completed reset.
 */
export async function revokeResetTokens(store: Pick<KanmonStore, 'increment'>, tenant: string, accountId: string): Promise<void> {
  await store.increment(resetKeys.generation(tenant, accountId));
}
