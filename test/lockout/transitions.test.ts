/** SEC-24: properties of the pure lockout transitions, over random policies and attempt sequences. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type InPlaceOutcome, type ReserveArgs, type ReserveResult, type StoreRecord, reserveTransition, resetTransition } from '../../src/store/index.js';

const policyArb = fc.record({
  maxFailures: fc.integer({ min: 1, max: 6 }),
  failureWindowMs: fc.constantFrom(0, 1000, 10_000),
  lockDurationMs: fc.constantFrom(1, 500, 5000),
  multiplier: fc.constantFrom(1, 1.5, 2, 3),
  maxLockDurationMs: fc.constantFrom(1000, 20_000),
  permanent: fc.boolean(),
  limit: fc.option(fc.integer({ min: 1, max: 8 }), { nil: null }),
});
const stepArb = fc.record({ dt: fc.constantFrom(0, 1, 499, 500, 999, 1000, 5000, 30_000), op: fc.constantFrom('reserve', 'reserve', 'reserve', 'reset') });

describe('lockout transitions (pure)', () => {
  it('property: never more than maxFailures attempts get through between two locks, TTLs are positive, a fresh lock refuses at once', () => {
    fc.assert(
      fc.property(policyArb, fc.array(stepArb, { maxLength: 80 }), (p, steps) => {
        let now = 1_800_000_000_000;
        let account: StoreRecord | null = null;
        let source: StoreRecord | null = null;
        let okSinceLock = 0;
        for (const step of steps) {
          now += step.dt;
          if (step.op === 'reset') {
            resetTransition.apply([account], { now });
            account = null;
            okSinceLock = 0;
            continue;
          }
          const args: ReserveArgs = { now, ...p, sources: p.limit === null ? [] : [{ limit: p.limit, windowMs: 2000 }] };
          const { writes, result } = reserveTransition.apply(p.limit === null ? [account] : [account, source], args);
          for (const w of writes) if (w.kind === 'set' && w.ttlMs !== null) expect(w.ttlMs).toBeGreaterThan(0);
          if (result.status === 'ok') {
            expect(result.failures).toBeLessThanOrEqual(p.maxFailures);
            expect(result.remaining).toBe(p.maxFailures - result.failures);
            okSinceLock++;
            expect(okSinceLock).toBeLessThanOrEqual(p.maxFailures);
            if (result.lockedNow) {
              okSinceLock = 0;
              const again = reserveTransition.apply([writes[0]?.kind === 'set' ? writes[0].record : null], { ...args, sources: [] }).result;
              expect(again.status).toBe('locked');
            }
          } else {
            expect(writes.every((w) => w.kind === 'keep')).toBe(true);
          }
          if (writes[0]?.kind === 'set') account = writes[0].record;
          if (writes[1]?.kind === 'set') source = writes[1].record;
          // a quiet window or a lapsed lock legitimately starts the count again (f restarts from 1)
          okSinceLock = Math.min(okSinceLock, account?.f ?? 0);
        }
      }),
      { numRuns: 300 },
    );
  });

  // SEC-24: the memory store counts a reservation without client IP through applyInPlace (its hot
  // path). It must decide as apply does, step for step: the same results, records and TTLs.
  it('property: applyInPlace gives apply\'s results, records and TTLs over any sequence of attempts', () => {
    fc.assert(
      fc.property(policyArb, fc.array(stepArb, { maxLength: 80 }), (p, steps) => {
        let now = 1_800_000_000_000;
        let generic: StoreRecord | null = null;
        let inPlace: Record<string, number> | null = null;
        for (const step of steps) {
          now += step.dt;
          if (step.op === 'reset') {
            generic = null;
            inPlace = null;
            continue;
          }
          const args: ReserveArgs = { now, ...p, sources: [] };
          const expected = reserveTransition.apply([generic], args);
          const actual: InPlaceOutcome<ReserveResult> | undefined = reserveTransition.applyInPlace?.(inPlace, args);
          if (actual === undefined) throw new Error('applyInPlace declined a plain reservation');
          expect(actual.result).toEqual(expected.result);
          expect(actual.write).toEqual(expected.writes[0]);
          if (expected.writes[0]?.kind === 'set') generic = expected.writes[0].record;
          if (actual.write.kind === 'set') inPlace = actual.write.record;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('applyInPlace declines, touching nothing, what only apply handles: sources, a fractional clock, a foreign record', () => {
    const args: ReserveArgs = { now: 1_800_000_000_000, maxFailures: 5, failureWindowMs: 1000, lockDurationMs: 1000, multiplier: 1, maxLockDurationMs: 1000, permanent: false, sources: [] };
    const record = { f: 1, t: 1_800_000_000_000 - 10, u: 0, c: 0, g: 0 };
    const cases: [Record<string, number> | null, ReserveArgs][] = [
      [record, { ...args, sources: [{ limit: 3, windowMs: 1000 }] }],
      [record, { ...args, now: args.now + 0.5 }],
      [{ n: 1, s: 5 }, args],
    ];
    for (const [r, a] of cases) {
      const before = r && { ...r };
      expect(reserveTransition.applyInPlace?.(r, a)).toBeUndefined();
      expect(r).toEqual(before);
    }
    expect(reserveTransition.applyInPlace?.(record, args)?.result).toMatchObject({ status: 'ok', failures: 2 });
    expect(record.f).toBe(2);
  });
});
