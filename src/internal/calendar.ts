/** Calendar days in an IANA time zone, without any time-zone library. */

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * A cached `Intl.DateTimeFormat` giving the numeric wall-clock fields (24-hour) of an
 * instant in `timeZone`. Throws a RangeError for an unknown zone.
 */
export function wallClockFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

const DAY_MS = 86_400_000;

/** The wall-clock fields of `epochMs` in `timeZone`. */
function wallClock(epochMs: number, timeZone: string): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  const parts: Record<string, number> = {};
  for (const p of wallClockFormatter(timeZone).formatToParts(epochMs)) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return { y: parts.year!, mo: parts.month!, d: parts.day!, h: parts.hour!, mi: parts.minute!, s: parts.second! };
}

/** Days since 1970-01-01 of the calendar date `epochMs` falls on in `timeZone`. */
export function dayNumber(epochMs: number, timeZone: string): number {
  const { y, mo, d } = wallClock(epochMs, timeZone);
  return Math.round(Date.UTC(y, mo - 1, d) / DAY_MS);
}

/** The instant local midnight begins on day `day` (a {@link dayNumber}) in `timeZone`. */
export function startOfDay(day: number, timeZone: string): number {
  const target = day * DAY_MS; // that midnight read as if it were UTC
  let guess = target;
  for (let i = 0; i < 3; i++) {
    const { y, mo, d, h, mi, s } = wallClock(guess, timeZone);
    const asUtc = Date.UTC(y, mo - 1, d, h, mi, s) + (guess % 1000);
    const next = guess + (target - asUtc);
    if (next === guess) break;
    guess = next;
  }
  return guess;
}
