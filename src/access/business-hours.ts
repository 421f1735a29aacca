import holidayJp from '@holiday-jp/holiday_jp';
import type { z } from 'zod';
import { KanmonError } from '../errors.js';
import { businessHoursSchema } from '../policy/schema.js';

/** What use outside business hours means (SEC-27). */
export type OutOfHoursAction = 'allow' | 'flag' | 'require_mfa' | 'deny';

/** Options of {@link createBusinessHours}; the same fields as `policy.access.businessHours`. */
export interface BusinessHoursOptions {
  /** IANA zone the hours are kept in, whatever the server's `TZ`. @default 'Asia/Tokyo' */
  readonly timeZone?: string;
  /** Open weekdays, 0 = Sunday … 6 = Saturday. @default [1, 2, 3, 4, 5] */
  readonly days?: readonly number[];
  /** Opening minute `HH:MM`, inclusive. @default '08:30' */
  readonly open?: string;
  /** Closing minute `HH:MM` (`24:00` = midnight), exclusive: at 17:15 the office is closed. @default '17:15' */
  readonly close?: string;
  /** `jp`: Japanese public holidays (`@holiday-jp/holiday_jp`, 1970–2050) are closed. @default 'jp' */
  readonly holidays?: 'jp' | 'none';
  /** The organisation's own closed days, `MM-DD`. @default 年末年始 12-29 … 01-03 */
  readonly closedDays?: readonly string[];
  /** What out-of-hours use means; carried for {@link evaluateAccess}. @default 'flag' */
  readonly outOfHours?: OutOfHoursAction;
}

/** The local calendar reading of an instant in the configured zone. */
export interface LocalTime {
  /** `YYYY-MM-DD` */
  readonly date: string;
  /** `HH:MM`, 24-hour */
  readonly time: string;
  /** 0 = Sunday … 6 = Saturday */
  readonly weekday: number;
}

/** Why the office is closed at an instant. */
export type ClosedReason = 'closed_day' | 'holiday' | 'closed_weekday' | 'before_open' | 'after_close';

/** The answer of {@link BusinessHours.check}: `ok` when the office is open, else why it is closed. */
export type BusinessHoursCheck =
  | { readonly ok: true; readonly local: LocalTime }
  | { readonly ok: false; readonly reason: ClosedReason; readonly local: LocalTime; readonly holidayName?: string };

/** Compiled business hours. */
export interface BusinessHours {
  /** Whether the office is open at `instant` (epoch ms or a Date). */
  isOpen(instant: number | Date): boolean;
  /** Open (`ok: true`) or closed at `instant`, with the reason and the local reading (for the audit event). */
  check(instant: number | Date): BusinessHoursCheck;
  readonly timeZone: string;
  readonly outOfHours: OutOfHoursAction;
}

type Settings = z.output<typeof businessHoursSchema>;

function minutes(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

const holidays = holidayJp.holidays as Readonly<Record<string, { readonly name: string } | undefined>>;

/**
 * Business hours in one time zone (SEC-27, SEC-19): weekdays, an opening and a
 * closing minute, Japanese public holidays and the organisation's own closed
 * days (年末年始 by default). The local date and time come from `Intl` in the
 * configured zone, so the answer is the same under `TZ=UTC`, `Asia/Tokyo` or
 * `America/Los_Angeles`, and across daylight-saving changes.
 *
 * The interval is `[open, close)`: open at 08:30:00, closed at 17:15:00.
 *
 * @example
 * ```ts
 * import { createBusinessHours } from 'kanmon';
 * const hours = createBusinessHours({ timeZone: 'Asia/Tokyo', days: [1, 2, 3, 4, 5], open: '08:30', close: '17:15', holidays: 'jp' });
 * hours.isOpen(Date.UTC(2026, 10, 24, 0, 0)); // Tue 09:00 JST → true
 * hours.check(Date.UTC(2026, 10, 23, 1, 0)); // Mon 勤労感謝の日 → { ok: false, reason: 'holiday', holidayName: '勤労感謝の日', … }
 * ```
 */
export function createBusinessHours(options: BusinessHoursOptions = {}): BusinessHours {
  const parsed = businessHoursSchema.safeParse(options);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
    throw new KanmonError('ERR_INVALID_ARGUMENT', `createBusinessHours: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, {
      details: { issues },
      cause: parsed.error,
    });
  }
  const settings: Settings = parsed.data;
  const openMinute = minutes(settings.open);
  const closeMinute = minutes(settings.close);
  if (openMinute >= closeMinute) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', `createBusinessHours: close (${settings.close}) must be later than open (${settings.open})`);
  }
  const days = new Set(settings.days);
  const closedDays = new Set(settings.closedDays);
  const useHolidays = settings.holidays === 'jp';
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: settings.timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });

  /**
   * The last reading, by the UTC minute it was made for: every request of one minute reads the same local minute
   * (zone offsets change at whole minutes), and `formatToParts` is the costliest step of a check (≈10 µs).
   */
  let lastMinute = NaN;
  let lastReading: LocalTime & { minute: number } = { date: '', time: '', weekday: 0, minute: 0 };

  function local(instant: number | Date): LocalTime & { minute: number } {
    const ms = instant instanceof Date ? instant.getTime() : instant;
    if (typeof ms !== 'number' || !Number.isFinite(ms)) {
      throw new KanmonError('ERR_INVALID_ARGUMENT', 'business hours: instant must be a finite epoch-millisecond number or a valid Date');
    }
    const utcMinute = Math.floor(ms / 60_000);
    if (utcMinute === lastMinute) return lastReading;
    lastReading = read(ms);
    lastMinute = utcMinute;
    return lastReading;
  }

  function read(ms: number): LocalTime & { minute: number } {
    let year = '';
    let month = '';
    let day = '';
    let hour = '';
    let minute = '';
    for (const part of format.formatToParts(ms)) {
      if (part.type === 'year') year = part.value;
      else if (part.type === 'month') month = part.value;
      else if (part.type === 'day') day = part.value;
      else if (part.type === 'hour') hour = part.value;
      else if (part.type === 'minute') minute = part.value;
    }
    if (hour === '24') hour = '00';
    const weekday = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day))).getUTCDay();
    return {
      date: `${year.padStart(4, '0')}-${month}-${day}`,
      time: `${hour}:${minute}`,
      weekday,
      minute: Number(hour) * 60 + Number(minute),
    };
  }

  function check(instant: number | Date): BusinessHoursCheck {
    const { minute, ...reading } = local(instant);
    const localTime: LocalTime = reading;
    if (closedDays.has(reading.date.slice(5))) return { ok: false, reason: 'closed_day', local: localTime };
    if (useHolidays) {
      const holiday = Object.hasOwn(holidays, reading.date) ? holidays[reading.date] : undefined;
      if (holiday) return { ok: false, reason: 'holiday', local: localTime, holidayName: holiday.name };
    }
    if (!days.has(reading.weekday)) return { ok: false, reason: 'closed_weekday', local: localTime };
    if (minute < openMinute) return { ok: false, reason: 'before_open', local: localTime };
    if (minute >= closeMinute) return { ok: false, reason: 'after_close', local: localTime };
    return { ok: true, local: localTime };
  }

  return Object.freeze({
    isOpen: (instant: number | Date) => check(instant).ok,
    check,
    timeZone: settings.timeZone,
    outOfHours: settings.outOfHours,
  });
}
