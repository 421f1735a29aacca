import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { KeyRing } from '../../keys/key-ring.js';
import type { AuthMethod } from '../../session/types.js';

/**
 * What a challenge lets its holder do next: prove the second factor of a login (`mfa`), change a password that
 * must change (`password`), or prove the second factor of a password reset (`reset`). A challenge of one stage
 * is worthless at another.
 */
export type ChallengeStage = 'mfa' | 'password' | 'reset';

/** The facts of the login a challenge continues (no secret: it travels to the client). */
export interface ChallengeClaims {
  readonly stage: ChallengeStage;
  /** Random id: single use is recorded by it. */
  readonly id: string;
  readonly tenant: string;
  readonly accountId: string;
  /** The account's session epoch at login: a password change or revocation since voids the challenge. */
  readonly epoch: number;
  /** Authentication methods proven so far. */
  readonly amr: readonly AuthMethod[];
  /** Epoch ms of the password check. */
  readonly authTime: number;
  readonly expiresAt: number;
  /** The client address at login (audit, MFA context after a forced change). */
  readonly clientIp: string | null;
  /** A client certificate or registered device was verified at login. */
  readonly deviceVerified: boolean;
  /** Business hours at login: `true` open, `false` closed, `null` no hours configured. */
  readonly hoursOpen: boolean | null;
}

const PREFIX = 'kc1';
const MAX_LENGTH = 4096;
const stages: readonly string[] = ['mfa', 'password', 'reset'];
const methods: readonly string[] = ['pwd', 'otp', 'cert', 'hwk', 'mfa'];

function mac(keyRing: KeyRing, kid: string, signed: string): Buffer {
  return createHmac('sha256', keyRing.derive(kid, 'login-challenge')).update(signed).digest();
}

/** Sign a challenge: `kc1.<kid>.<payload>.<HMAC-SHA-256>`, keyed by a ring subkey. */
export function signChallenge(keyRing: KeyRing, claims: Omit<ChallengeClaims, 'id'>): { token: string; claims: ChallengeClaims } {
  const full: ChallengeClaims = { ...claims, id: randomBytes(16).toString('base64url') };
  const kid = keyRing.currentId;
  const payload = Buffer.from(
    JSON.stringify({
      s: full.stage,
      i: full.id,
      t: full.tenant,
      a: full.accountId,
      e: full.epoch,
      m: full.amr,
      at: full.authTime,
      x: full.expiresAt,
      ip: full.clientIp,
      d: full.deviceVerified,
      h: full.hoursOpen,
    }),
  ).toString('base64url');
  const signed = `${PREFIX}.${kid}.${payload}`;
  return { token: `${signed}.${mac(keyRing, kid, signed).toString('base64url')}`, claims: full };
}

/** Read a challenge: `null` when malformed, forged, of another stage, or expired. Never throws. */
export function readChallenge(keyRing: KeyRing, token: unknown, stage: ChallengeStage, now: number): ChallengeClaims | null {
  if (typeof token !== 'string' || token.length > MAX_LENGTH) return null;
  const parts = token.split('.');
  if (parts.length !== 4 || parts[0] !== PREFIX) return null;
  const [, kid = '', payload = '', tag = ''] = parts;
  if (!keyRing.has(kid) || keyRing.isDestroyed(kid)) return null;
  const expected = mac(keyRing, kid, `${PREFIX}.${kid}.${payload}`);
  const given = Buffer.from(tag, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
  const { s, i, t, a, e, m, at, x, ip, d, h } = raw;
  if (
    typeof s !== 'string' ||
    !stages.includes(s) ||
    typeof i !== 'string' ||
    typeof t !== 'string' ||
    typeof a !== 'string' ||
    typeof e !== 'number' ||
    !Array.isArray(m) ||
    !m.every((v) => typeof v === 'string' && methods.includes(v)) ||
    typeof at !== 'number' ||
    typeof x !== 'number' ||
    !(ip === null || typeof ip === 'string') ||
    typeof d !== 'boolean' ||
    !(h === null || typeof h === 'boolean')
  ) {
    return null;
  }
  if (s !== stage || now >= x) return null;
  return {
    stage: s,
    id: i,
    tenant: t,
    accountId: a,
    epoch: e,
    amr: m as AuthMethod[],
    authTime: at,
    expiresAt: x,
    clientIp: ip,
    deviceVerified: d,
    hoursOpen: h,
  };
}
