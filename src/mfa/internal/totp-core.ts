import { TOTP, createGuardrails } from 'otplib';
import { KanmonError } from '../../errors.js';
import type { DeepReadonly } from '../../internal/deep.js';
import type { PolicySettings } from '../../policy/schema.js';
import { nodeOtpCrypto } from './otp-crypto.js';

/** The policy's `mfa.totp` section. */
type TotpSettings = DeepReadonly<PolicySettings['mfa']['totp']>;

const otplibAlgorithm = { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' } as const;

/** Longest input looked at: anything longer is a wrong code without further work. */
const MAX_INPUT_LENGTH = 64;

/**
 * The code as typed, compacted: NFKC (full-width digits from a Japanese IME
 * become ASCII, the ideographic space U+3000 and other spaces become U+0020),
 * then spaces and tabs removed. `null` for a non-string or one too long to look at.
 */
function compactCode(input: unknown): string | null {
  if (typeof input !== 'string' || input.length > MAX_INPUT_LENGTH) return null;
  return input.normalize('NFKC').replace(/[ \t]/g, '');
}

function asciiDigits(code: string): boolean {
  if (code.length === 0) return false;
  for (let i = 0; i < code.length; i++) {
    const c = code.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * The code as typed, normalised ({@link compactCode}). `null` when it cannot be a
 * code of `digits` digits; never throws, whatever the input.
 */
export function normaliseCode(input: unknown, digits: number): string | null {
  const code = compactCode(input);
  return code !== null && code.length === digits && asciiDigits(code) ? code : null;
}

/**
 * Whether the input, normalised exactly as {@link normaliseCode} does, is made of
 * decimal digits only (of any length): what a TOTP code looks like as typed,
 * full-width digits and IME spaces included. Never throws.
 */
export function isDigitCode(input: unknown): boolean {
  const code = compactCode(input);
  return code !== null && asciiDigits(code);
}

/** Unix time in whole seconds from an injected clock, checked. */
export function epochSeconds(now: () => number): number {
  const ms = now();
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'now() must return a non-negative number of milliseconds');
  }
  return Math.floor(ms / 1000);
}

/**
 * The RFC 6238 time step `code` belongs to, searched in the window around
 * `epoch` (steps `current - window … current + window`), or `null`.
 *
 * The HMAC, truncation and constant-time comparison are otplib's (v13 `TOTP`
 * over kanmon's `node:crypto` plugin; the class path skips the option
 * re-spreading of the functional `verify`, half of its cost). The code must already be
 * normalised ({@link normaliseCode}): otplib throws on malformed tokens.
 */
export async function matchStep(secret: Uint8Array, code: string, settings: TotpSettings, epoch: number): Promise<number | null> {
  let result: Awaited<ReturnType<TOTP['verify']>>;
  try {
    result = await verifierFor(settings).verify(code, { secret, epoch, epochTolerance: settings.window * settings.periodSeconds });
  } catch (cause) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'TOTP verification refused its parameters (is the stored secret at least 16 bytes?)', { cause });
  }
  return result.valid ? result.timeStep : null;
}

const guardrails = createGuardrails();
const verifiers = new WeakMap<TotpSettings, TOTP>();

/** One otplib `TOTP` per policy (its settings object is frozen), built on first use. */
function verifierFor(settings: TotpSettings): TOTP {
  let verifier = verifiers.get(settings);
  if (!verifier) {
    verifier = new TOTP({
      crypto: nodeOtpCrypto,
      algorithm: otplibAlgorithm[settings.algorithm],
      digits: settings.digits,
      period: settings.periodSeconds,
      guardrails,
    });
    verifiers.set(settings, verifier);
  }
  return verifier;
}
