import type { PasswordIssue } from '../issues.js';
import type { PasswordSettings, PreparedPassword } from '../internal/prepared.js';
import { countCodePoints } from '../normalize.js';

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isMonthDay(month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= (DAYS_IN_MONTH[month - 1] as number);
}

/** A four-digit year a person would use (1900–2099); two-digit years are any. */
function isYear(text: string): boolean {
  if (text.length === 2) return true;
  if (text.length !== 4) return false;
  const year = Number(text);
  return year >= 1900 && year <= 2099;
}

/** Last year of each Japanese era (明治 M, 大正 T, 昭和 S, 平成 H, 令和 R); 令和 is open. */
const ERA_YEARS: Readonly<Record<string, number>> = { m: 45, t: 15, s: 64, h: 31, r: 99, 明治: 45, 大正: 15, 昭和: 64, 平成: 31, 令和: 99 };

function isDateDigits(digits: string): boolean {
  const n = (from: number, to: number) => Number(digits.slice(from, to));
  if (digits.length === 8) {
    return (
      (isYear(digits.slice(0, 4)) && isMonthDay(n(4, 6), n(6, 8))) || // YYYYMMDD
      (isYear(digits.slice(4)) && (isMonthDay(n(2, 4), n(0, 2)) || isMonthDay(n(0, 2), n(2, 4)))) // DDMMYYYY, MMDDYYYY
    );
  }
  // YYMMDD, DDMMYY, MMDDYY
  return isMonthDay(n(2, 4), n(4, 6)) || isMonthDay(n(2, 4), n(0, 2)) || isMonthDay(n(0, 2), n(2, 4));
}

/** Longest all-digit date (8 or 6 digits) inside runs of digits. */
function longestDigitDate(text: string): number {
  let best = 0;
  let digits = 0;
  let longestRun = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    digits = unit >= 0x30 && unit <= 0x39 ? digits + 1 : 0;
    if (digits > longestRun) longestRun = digits;
  }
  if (longestRun < 6) return 0;
  for (const run of text.match(/\d{6,}/g) ?? []) {
    for (const size of [8, 6]) {
      if (size <= best) break;
      for (let i = 0; i + size <= run.length; i++) {
        if (isDateDigits(run.slice(i, i + size))) {
          best = size;
          break;
        }
      }
    }
  }
  return best;
}

/** `2024-01-31`, `31/01/2024`, `1/31/24`, `85.4.12`: one separator used twice. */
const SEPARATED = /(\d{1,4})([-/._ ])(\d{1,2})\2(\d{1,4})/g;
/** `s60.4.12`, `h010108`, `r6/1/1`: a Japanese era initial, then year, month, day. */
const ERA_INITIAL = /([mtshr])(\d{1,2})([-/._ ]?)(\d{1,2})\3(\d{1,2})/g;
/** `昭和60年4月12日`, `1985年4月12日`, `4月12日` (after NFKC, digits are ASCII). */
const KANJI = /(明治|大正|昭和|平成|令和)?(\d{1,4}|元)?年?(\d{1,2})月(\d{1,2})日/g;

function isSeparatedDate(a: string, b: string, c: string): boolean {
  const [x, y, z] = [Number(a), Number(b), Number(c)];
  if (a.length === 3 || c.length === 3) return false;
  if (a.length === 4) return c.length <= 2 && isYear(a) && isMonthDay(y, z); // Y-M-D
  if (c.length === 4) return isYear(c) && (isMonthDay(y, x) || isMonthDay(x, y)); // D/M/Y, M/D/Y
  const yearFirst = a.length === 2 && isMonthDay(y, z); // YY.M.D
  const yearLast = c.length === 2 && (isMonthDay(y, x) || isMonthDay(x, y)); // D.M.YY, M/D/YY
  return yearFirst || yearLast;
}

function isEraYear(era: string, year: string): boolean {
  const last = ERA_YEARS[era];
  const n = year === '元' ? 1 : Number(year);
  return last !== undefined && n >= 1 && n <= last;
}

/** Cheap tests that rule each pattern out before it runs. */
const MAY_BE_SEPARATED = /\d[-/._ ]\d/;
const MAY_BE_ERA = /[mtshr]\d/;

function longestPatternDate(text: string): number {
  let best = 0;
  if (MAY_BE_SEPARATED.test(text)) {
    for (const m of text.matchAll(SEPARATED)) {
      if (isSeparatedDate(m[1] as string, m[3] as string, m[4] as string)) best = Math.max(best, m[0].length);
    }
  }
  if (MAY_BE_ERA.test(text)) {
    for (const m of text.matchAll(ERA_INITIAL)) {
      if (isEraYear(m[1] as string, m[2] as string) && isMonthDay(Number(m[4]), Number(m[5]))) best = Math.max(best, m[0].length);
    }
  }
  if (text.includes('月')) {
    for (const m of text.matchAll(KANJI)) {
      const [, era, year] = m;
      const yearOk = year === undefined || (era ? isEraYear(era, year) : year !== '元' && isYear(year));
      if (yearOk && isMonthDay(Number(m[3]), Number(m[4]))) best = Math.max(best, countCodePoints(m[0]));
    }
  }
  return best;
}

/**
 * `date` when a date makes up at least half of the password: all-digit
 * (`19850412`, `850412`, `12041985`), separated (`1985-04-12`, `12/4/1985`),
 * Japanese era (`S60.4.12`, `H1.1.8`) or written in kanji (`昭和60年4月12日`).
 * A year alone is not a date.
 */
export function checkDate(input: PreparedPassword, settings: PasswordSettings): PasswordIssue | null {
  if (!settings.rejectDates) return null;
  const text = input.lower;
  const longest = Math.max(longestDigitDate(text), longestPatternDate(text));
  return longest > 0 && longest * 2 >= input.length ? { code: 'date' } : null;
}
