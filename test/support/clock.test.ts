/**
 * The real-time-derived test clock (issue 14): the next business day skips
 * weekends, Japanese public holidays and 年末年始 with the library's own
 * calendar. These cases are pure functions of fixed instants.
 */
import { describe, expect, it } from 'vitest';
import { funabashiHours, jstTimeOfDay, nextBusinessDayAt, nextWeekdayAt } from './clock.js';

const jst = (y: number, m: number, d: number, h = 0, min = 0) => Date.UTC(y, m - 1, d, h - 9, min);

describe('test clock: nextBusinessDayAt', () => {
  it.each([
    ['a Tuesday morning → Wednesday', jst(2026, 11, 24, 9, 59), jst(2026, 11, 25, 10)],
    ['a Tuesday just before midnight JST → Wednesday', jst(2026, 11, 24, 23, 59), jst(2026, 11, 25, 10)],
    ['a Friday → Monday', jst(2026, 11, 27, 12), jst(2026, 11, 30, 10)],
    ['a Friday before 勤労感謝の日 (Mon 2026-11-23) → Tuesday', jst(2026, 11, 20, 12), jst(2026, 11, 24, 10)],
    ['a Saturday → Monday', jst(2026, 11, 28, 3), jst(2026, 11, 30, 10)],
    ['the last day before 年末年始 → the first Monday after', jst(2026, 12, 28, 18), jst(2027, 1, 4, 10)],
    ['元日 03:00 → the first business day of 2027', jst(2027, 1, 1, 3), jst(2027, 1, 4, 10)],
    ['before 昭和の日 (Thu 2027-04-29) → Friday', jst(2027, 4, 28, 8), jst(2027, 4, 30, 10)],
  ])('%s', (_label, after, expected) => {
    expect(new Date(nextBusinessDayAt('10:00', after)).toISOString()).toBe(new Date(expected).toISOString());
    expect(funabashiHours.isOpen(expected)).toBe(true);
  });

  it('is at least 10 hours after the real now and inside business hours', () => {
    const t = nextBusinessDayAt();
    expect(t - Date.now()).toBeGreaterThanOrEqual(10 * 3_600_000);
    expect(funabashiHours.isOpen(t)).toBe(true);
  });

  it('jstTimeOfDay and nextWeekdayAt read the JST calendar day, whatever the process TZ', () => {
    expect(jstTimeOfDay(jst(2026, 11, 24, 0, 30), '17:00')).toBe(jst(2026, 11, 24, 17));
    expect(jstTimeOfDay(jst(2026, 11, 24, 23, 30), '08:30')).toBe(jst(2026, 11, 24, 8, 30));
    expect(nextWeekdayAt(jst(2026, 11, 24, 10), 0)).toBe(jst(2026, 11, 29, 10));
    expect(nextWeekdayAt(jst(2026, 11, 29, 10), 0)).toBe(jst(2026, 12, 6, 10));
  });
});
