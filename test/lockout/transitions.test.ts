/** SEC-24: properties of the pure lockout transitions, over random policies and attempt sequences. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type InPlaceOutcome, type ReserveArgs, type ReserveResult, type StoreRecord, type SucceedOp, failTransition, reserveTransition, resetTransition, succeedTransition } from '../../src/store/index.js';

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
          if (result.ok) {
            expect(result.failures).toBeLessThanOrEqual(p.maxFailures);
            expect(result.remaining).toBe(p.maxFailures - result.failures);
            okSinceLock++;
            expect(okSinceLock).toBeLessThanOrEqual(p.maxFailures);
            if (result.lockedNow) {
              okSinceLock = 0;
              const again = reserveTransition.apply([writes[0]?.kind === 'set' ? writes[0].record : null], { ...args, sources: [] }).result;
              expect(again).toMatchObject({ ok: false, reason: 'locked' });
            }
          } else {
            expect(writes.every((w) => w.kind === 'keep')).toBe(true);
          }
          if (writes[0]?.kind === 'set') account = writes[0].record;
          if (writes[1]?.kind === 'set') source = writes[1].record;
          // a quiet window or a lapsed lock legitimately starts the count again (failures restart from 1)
          okSinceLock = Math.min(okSinceLock, account?.failures ?? 0);
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
    const record = { failures: 1, lastAttemptAt: 1_800_000_000_000 - 10, lockedUntil: 0, lockCount: 0, settled: 0 };
    const cases: [Record<string, number> | null, ReserveArgs][] = [
      [record, { ...args, sources: [{ limit: 3, windowMs: 1000 }] }],
      [record, { ...args, now: args.now + 0.5 }],
      [{ attempts: 1, windowStart: 5 }, args],
    ];
    for (const [r, a] of cases) {
      const before = r && { ...r };
      expect(reserveTransition.applyInPlace?.(r, a)).toBeUndefined();
      expect(r).toEqual(before);
    }
    expect(reserveTransition.applyInPlace?.(record, args)?.result).toMatchObject({ ok: true, failures: 2 });
    expect(record.failures).toBe(2);
  });

  // SEC-24 across an upgrade: records written before 0.2 spell their fields with one letter
  // (account f t u c g, source n s). Every transition must decide on them as on the same record
  // spelled the current way, and write the current spelling back.
  it('property: a record spelled the pre-0.2 way (f t u c g, n s) gets the same decisions and writes as its current spelling', () => {
    const short = { failures: 'f', lastAttemptAt: 't', lockedUntil: 'u', lockCount: 'c', settled: 'g', attempts: 'n', windowStart: 's' } as const;
    const legacy = (r: StoreRecord | null): StoreRecord | null => r && Object.fromEntries(Object.entries(r).map(([k, v]) => [short[k as keyof typeof short] ?? k, v]));
    const opArb = fc.constantFrom('reserve', 'reserve', 'fail', 'succeed', 'reset');
    fc.assert(
      fc.property(policyArb, fc.array(fc.record({ dt: stepArb.map((s) => s.dt), op: opArb }), { minLength: 1, maxLength: 40 }), (p, steps) => {
        let now = 1_800_000_000_000;
        let records: (StoreRecord | null)[] = [null, null];
        const sources = p.limit === null ? [] : [{ limit: p.limit, windowMs: 2000 }];
        const keys = p.limit === null ? 1 : 2;
        const settle = { maxFailures: p.maxFailures, failureWindowMs: p.failureWindowMs, multiplier: p.multiplier, maxLockDurationMs: p.maxLockDurationMs };
        for (const step of steps) {
          now += step.dt;
          const current = records.slice(0, keys);
          const old = current.map(legacy);
          const run = (rs: (StoreRecord | null)[]) => {
            if (step.op === 'reserve') return reserveTransition.apply(rs, { now, ...p, sources });
            if (step.op === 'fail') return failTransition.apply(rs.slice(0, 1), { now, ...settle, at: [now - step.dt] });
            if (step.op === 'reset') return resetTransition.apply(rs, { now });
            const ops: SucceedOp[] = [{ kind: 'account', settled: 0, at: now - step.dt }];
            if (keys === 2) ops.push({ kind: 'refund', at: now - step.dt, windowMs: 2000 });
            return succeedTransition.apply(rs, { now, ...settle, ops });
          };
          const expected = run(current);
          const actual = run(old);
          expect(actual).toEqual(expected);
          records = records.map((r, i) => {
            const w = expected.writes[i];
            return w === undefined || w.kind === 'keep' ? r : w.kind === 'delete' ? null : w.record;
          });
        }
      }),
      { numRuns: 300 },
    );
  });
});
