import { createKeyRing, type KeyRing } from '../../src/keys/key-ring.js';
import type { AuditEventInput } from '../../src/audit/event.js';

/** A key ring with fixed test keys (never used outside tests). */
export function testKeyRing(ids: readonly string[] = ['k1'], current = ids[0]!): KeyRing {
  return createKeyRing({ keys: ids.map((id, i) => ({ id, secret: Buffer.alloc(32, i + 1) })), current });
}

/** A clock that starts at `start` and moves `stepMs` per call. */
export function steppingClock(start = 1_775_000_000_123, stepMs = 1): () => number {
  let t = start - stepMs;
  return () => (t += stepMs);
}

export const loginFailure: AuditEventInput = {
  type: 'auth.login.failure',
  actor: 'tanaka',
  source: { ip: '10.0.0.8', userAgent: 'Mozilla/5.0' },
  reason: 'invalid_password',
};
