/**
 * Test clocks derived from the real clock.
 *
 * A suite whose clock is a fixed date meets things made at the real time
 * (certificates from openssl, file mtimes, server-side TTLs, `now()` in
 * PostgreSQL, JWT `iat` from jose) and breaks on the day the real time passes
 * the fixed one. So a suite that needs "a business morning" asks for the next
 * one after `Date.now()`, and every other instant it uses is relative to that.
 * `.ci/run` runs the suite a second time under `faketime -f +365d`, which
 * catches a fixed date that slipped back in.
 *
 * Suites that are pure functions of a fixed instant (business-hours tables,
 * RFC vectors) keep their fixed dates: they never meet the real time.
 */
import { createBusinessHours } from '../../src/access/business-hours.js';
import type { BusinessHours } from '../../src/access/business-hours.js';
import { definePolicy } from '../../src/policy/define-policy.js';

const DAY_MS = 86_400_000;
const JST_OFFSET_MS = 9 * 3_600_000; // Japan has no daylight-saving time

/** The funabashi preset's business hours: Mon–Fri 08:30–17:15 JST, Japanese holidays and 年末年始 closed. */
export const funabashiHours: BusinessHours = createBusinessHours(definePolicy('funabashi').access.businessHours ?? {});

/** Midnight JST (as epoch ms) of the JST calendar day holding `instant`. */
export function startOfJstDay(instant: number): number {
  return Math.floor((instant + JST_OFFSET_MS) / DAY_MS) * DAY_MS - JST_OFFSET_MS;
}

/** `HH:MM` JST on the JST calendar day holding `instant`. */
export function jstTimeOfDay(instant: number, hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return startOfJstDay(instant) + (h ?? 0) * 3_600_000 + (m ?? 0) * 60_000;
}

/**
 * `HH:MM` JST on the first business day strictly after the JST day of `after`
 * (default: the real now), skipping weekends, Japanese public holidays and
 * 年末年始 with the library's own calendar. At least 10 hours after `after` (for 10:00),
 * so anything made at the real time just after this call (a certificate, a
 * file) is already valid at the returned instant.
 */
export function nextBusinessDayAt(hhmm = '10:00', after: number = Date.now(), hours: BusinessHours = funabashiHours): number {
  let t = jstTimeOfDay(after, hhmm) + DAY_MS;
  for (let i = 0; i < 31; i++, t += DAY_MS) {
    if (hours.isOpen(t)) return t;
  }
  throw new Error(`no business day within 31 days after ${new Date(after).toISOString()}`);
}

/** `HH:MM` JST on the first day after `instant`'s JST day with this weekday (0 = Sunday … 6 = Saturday). */
export function nextWeekdayAt(instant: number, weekday: number, hhmm = '10:00'): number {
  let t = jstTimeOfDay(instant, hhmm) + DAY_MS;
  while (new Date(t + JST_OFFSET_MS).getUTCDay() !== weekday) t += DAY_MS;
  return t;
}
