import { randomBytes, timingSafeEqual } from 'node:crypto';
import { hmacSha256 } from '../keys/keyed-hash.js';
import type { KeyRing } from '../keys/key-ring.js';

/**
 * The challenge of one WebAuthn ceremony: random, signed by a key-ring subkey, and carrying what it is bound to,
 * so the server keeps no state until it is used; its single use is a `consumeOnce` mark in the kanmon store
 * (memory, Redis, PostgreSQL) under its nonce. The browser signs it inside `clientDataJSON` (the ceremony's
 * `challenge` is this token's UTF-8 bytes).
 */
export interface CeremonyClaims {
  /** `register`: a new passkey; `authenticate`: a sign-in, a second factor or a step-up. */
  readonly kind: 'register' | 'authenticate';
  readonly tenant: string;
  /** The account the ceremony is for; `null` = discoverable (passwordless: the passkey names the account). */
  readonly accountId: string | null;
  /** What else it is bound to: `mfa:<login challenge id>`, `session:<session id>`, or `null` (passwordless). */
  readonly binding: string | null;
  readonly expiresAt: number;
  /** 16 random bytes (base64url): the single-use mark's key. */
  readonly nonce: string;
}

/** Why a challenge did not open. */
export type CeremonyChallengeRefusal = 'invalid_challenge' | 'challenge_expired';

const PREFIX = 'kw1';
const MAX_LENGTH = 2048;
const LABEL = 'webauthn-challenge';

/** The token's MAC: HMAC-SHA-256 under the ring's challenge subkey (one-shot digests over pads made once per key). */
const mac = (keyRing: KeyRing, kid: string, signed: string): Buffer => Buffer.from(hmacSha256(keyRing.derive(kid, LABEL))(signed, 'binary'), 'latin1');

/** A new challenge token for `claims`. */
export function signCeremonyChallenge(keyRing: KeyRing, claims: Omit<CeremonyClaims, 'nonce'>): { token: string; claims: CeremonyClaims } {
  const full: CeremonyClaims = { ...claims, nonce: randomBytes(16).toString('base64url') };
  const kid = keyRing.currentId;
  const payload = Buffer.from(JSON.stringify([full.kind === 'register' ? 'r' : 'a', full.tenant, full.accountId, full.binding, full.expiresAt, full.nonce])).toString('base64url');
  const signed = `${PREFIX}.${kid}.${payload}`;
  return { token: `${signed}.${mac(keyRing, kid, signed).toString('base64url')}`, claims: full };
}

/**
 * The claims of the challenge the browser signed (`clientDataJSON.challenge`, base64url of the token's bytes), or
 * why not: malformed, forged, of another kind or key (`invalid_challenge`), or expired. Never throws.
 */
export function readCeremonyChallenge(
  keyRing: KeyRing,
  clientChallenge: unknown,
  kind: CeremonyClaims['kind'],
  now: number,
): { readonly ok: true; readonly claims: CeremonyClaims } | { readonly ok: false; readonly reason: CeremonyChallengeRefusal } {
  const bad = { ok: false, reason: 'invalid_challenge' } as const;
  if (typeof clientChallenge !== 'string' || clientChallenge.length > MAX_LENGTH) return bad;
  const token = Buffer.from(clientChallenge, 'base64url').toString('utf8');
  const parts = token.split('.');
  if (parts.length !== 4 || parts[0] !== PREFIX) return bad;
  const [, kid = '', payload = '', tag = ''] = parts;
  if (!keyRing.has(kid) || keyRing.isDestroyed(kid)) return bad;
  const expected = mac(keyRing, kid, `${PREFIX}.${kid}.${payload}`);
  const given = Buffer.from(tag, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return bad;
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return bad;
  }
  if (!Array.isArray(raw) || raw.length !== 6) return bad;
  const [k, tenant, accountId, binding, expiresAt, nonce] = raw as unknown[];
  if (k !== (kind === 'register' ? 'r' : 'a') || typeof tenant !== 'string' || typeof nonce !== 'string' || typeof expiresAt !== 'number') return bad;
  if (!(accountId === null || typeof accountId === 'string') || !(binding === null || typeof binding === 'string')) return bad;
  if (now >= expiresAt) return { ok: false, reason: 'challenge_expired' };
  return { ok: true, claims: { kind, tenant, accountId, binding, expiresAt, nonce } };
}
