// Fixtures for the MFA suites.
// INTERIM until issue 4 is merged: a minimal in-process state; replaced by
// memoryStore() + createLockout() (and the Redis/PostgreSQL stores) after the merge.
import { createHmac, randomBytes } from 'node:crypto';
import { createKeyRing, definePolicy } from '../../src/index.js';
import type { KeyRing, Policy, PolicyOverrides, PresetId } from '../../src/index.js';
import type { MfaLockoutLike, MfaStoreLike } from '../../src/mfa/internal/state.js';

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

export function interimState(policy: Policy, now: () => number): { store: MfaStoreLike; lockout: MfaLockoutLike } {
  const steps = new Map<string, number>();
  const consumed = new Map<string, Set<string>>();
  const failures = new Map<string, { count: number; lockedUntil: number }>();
  const { maxFailures, lockDurationMs } = policy.lockout.mfa;
  return {
    store: {
      advanceIfGreater: async (key, value) => {
        await Promise.resolve();
        const last = steps.get(key);
        if (last !== undefined && value <= last) return false;
        steps.set(key, value);
        return true;
      },
      consumeOnce: async (key, member) => {
        await Promise.resolve();
        const set = consumed.get(key) ?? new Set<string>();
        consumed.set(key, set);
        if (set.has(member)) return false;
        set.add(member);
        return true;
      },
      countConsumed: async (key) => {
        await Promise.resolve();
        return consumed.get(key)?.size ?? 0;
      },
    },
    lockout: {
      reserveMfa: async (key) => {
        await Promise.resolve();
        const entry = failures.get(key) ?? { count: 0, lockedUntil: 0 };
        failures.set(key, entry);
        if (entry.lockedUntil > now()) return { ok: false, reason: 'locked', retryAfterMs: entry.lockedUntil - now() };
        if (entry.lockedUntil !== 0) {
          entry.lockedUntil = 0;
          entry.count = 0;
        }
        entry.count++;
        if (entry.count >= maxFailures) entry.lockedUntil = now() + lockDurationMs;
        return { ok: true };
      },
      succeedMfa: async (key) => {
        await Promise.resolve();
        failures.delete(key);
      },
    },
  };
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
