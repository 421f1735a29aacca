import { z } from 'zod';
import { isCaCertificate } from '../webauthn/attestation-roots.js';

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);

/** Passkeys (WebAuthn, docs/passkeys.md): a phishing-resistant factor (EXT-4, SEC-13; NIST SP 800-63B-4). */
export const webauthnSchema = z.strictObject({
  /** Passkeys on: registration, second factor beside TOTP, step-up. */
  enabled: z.boolean().default(false),
  /** The relying party id: the registrable domain the passkeys are bound to (checked exactly, by its SHA-256 in every response). */
  rpId: z.string().min(1).max(253).nullable().default(null),
  /** The name authenticators show. */
  rpName: z.string().min(1).max(128).default('kanmon'),
  /** Origins allowed in `clientDataJSON` (exact strings, e.g. `https://auth.city.example`; no wildcard). */
  origins: z.array(z.string().regex(/^https?:\/\/[^/?#\s]+$/, 'expected an origin: scheme://host[:port]')).max(20).default([]),
  /** Sign in with a passkey alone (discoverable credentials, user verification required: the passkey satisfies MFA). */
  passwordless: z.boolean().default(false),
  /** User verification as a second factor and for step-up (passwordless always requires it). */
  userVerification: z.enum(['required', 'preferred']).default('preferred'),
  /** `none`: no attestation asked; `direct`: the authenticator's attestation is asked, and a `none` statement or a self attestation refused. */
  attestation: z.enum(['none', 'direct']).default('none'),
  /**
   * The makers' root certificates (PEM, CA) an attestation must lead to under `attestation: 'direct'` (SEC-6.3,
   * RM-21: the models the city issued, proven by their maker); empty = the chain is not checked. Nothing is fetched.
   */
  attestationRoots: z.array(z.string().max(16384).refine(isCaCertificate, 'expected a CA certificate in PEM')).max(20).default([]),
  /** AAGUIDs of the authenticator models allowed (SEC-6.3, RM-21: the models the city issued); empty = any model. */
  allowedAaguids: z.array(z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'expected a lower-case AAGUID')).max(200).default([]),
  /** Synced (backed-up, multi-device) passkeys allowed; `false` keeps every passkey on the device that made it. */
  allowBackedUp: z.boolean().default(true),
  /** Seconds a ceremony's challenge stays usable (single use). */
  challengeTtlSeconds: int(30, 600).default(300),
  /** Passkeys per account at most. */
  maxPerAccount: int(1, 100).default(10),
});
