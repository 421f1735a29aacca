// Fixtures for the MFA suites.
// INTERIM until issue 4 is merged: a minimal in-process state; replaced by
// memoryStore() + createLockout() (and the Redis/PostgreSQL stores) after the merge.
import { createHmac, randomBytes } from 'node:crypto';
import { createKeyRing, definePolicy } from '../../src/index.js';
import type { KeyRing, Policy, PolicyOverrides, PresetId } from '../../src/index.js';
import type { MfaLockout, MfaStore } from '../../src/index.js';

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

export function interimState(policy: Policy, now: () => number): { store: MfaStore; lockout: MfaLockout } {
  const values = new Map<string, number>();
  const failures = new Map<string, { count: number; lockedUntil: number }>();
  const { maxFailures, lockDurationMs } = policy.lockout.mfa;
  const tick = () => Promise.resolve();
  return {
    store: {
      advanceIfGreater: async (key: string, value: number) => {
        await tick();
        const last = values.get(key);
        if (last !== undefined && value <= last) return false;
        values.set(key, value);
        return true;
      },
      consumeOnce: async (key: string) => {
        await tick();
        if (values.has(key)) return false;
        values.set(key, 1);
        return true;
      },
      increment: async (key: string) => {
        await tick();
        const next = (values.get(key) ?? 0) + 1;
        values.set(key, next);
        return next;
      },
      readCounter: async (key: string) => {
        await tick();
        return values.get(key) ?? 0;
      },
    },
    lockout: {
      reserveMfa: async ({ account, tenant = 'default' }) => {
        await tick();
        const key = `${tenant}:${account}`;
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
      succeedMfa: async ({ account, tenant = 'default' }) => {
        await tick();
        failures.delete(`${tenant}:${account}`);
        return { ok: true };
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
