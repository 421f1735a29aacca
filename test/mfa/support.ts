// Fixtures for the MFA suites.
import { createHmac, randomBytes } from 'node:crypto';
import { createKeyRing, createLockout, definePolicy, memoryStore } from '../../src/index.js';
import type { KeyRing, Policy, PolicyOverrides, PresetId } from '../../src/index.js';
import type { KanmonStore, Lockout } from '../../src/index.js';

export function testKeyRing(): KeyRing {
  return createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
}

export function policyWith(preset: PresetId, overrides?: PolicyOverrides): Policy {
  return definePolicy(preset, overrides);
}

export interface Clock {
  now: () => number;
  set(ms: number): void;
  advance(ms: number): void;
}

export function manualClock(start = 1_700_000_000_000): Clock {
  let t = start;
  return { now: () => t, set: (ms) => (t = ms), advance: (ms) => (t += ms) };
}

/**
 * The state every MFA call needs, as a deployment has it: the embedded memory
 * store and a lockout over it, on the test's clock. (The Redis and PostgreSQL
 * stores get the same calls in stores.test.ts.)
 */
export function memoryState(policy: Policy, now: () => number): { store: KanmonStore; lockout: Lockout } {
  const store = memoryStore({ now });
  return { store, lockout: createLockout({ policy, store, now }) };
}

/** An independent HOTP (RFC 4226 §5.3) over node:crypto, to produce codes the tests submit. */
export function hotp(secret: Uint8Array, counter: number, digits = 6, algorithm: 'sha1' | 'sha256' | 'sha512' = 'sha1'): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm, secret).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The TOTP code for the step containing `ms` (period in seconds). */
export function totpAt(secret: Uint8Array, ms: number, periodSeconds = 30, digits = 6, algorithm: 'sha1' | 'sha256' | 'sha512' = 'sha1'): string {
  return hotp(secret, Math.floor(ms / 1000 / periodSeconds), digits, algorithm);
}
