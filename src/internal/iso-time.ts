import { KanmonError } from '../errors.js';
import { wallClockFormatter } from './calendar.js';

/**
 * Formats epoch milliseconds as ISO 8601 in one IANA zone with that zone's
 * offset and millisecond precision: `2026-04-01T08:30:00.000+09:00`.
 *
 * The result depends only on `ts` and `timeZone`, never on the process's `TZ`
 * (SEC-19, FNB-2.5). The zone's offset is looked up through `Intl` once per
 * minute of input and cached, so formatting usually costs one string concatenation.
 */
type IsoTimeFormatter = (ts: number) => string;

const maxTs = 253_402_128_000_000; // 9999-12-30T00:00Z: local time stays in year 9999 in every zone
const minTs = 0;
const millis = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

export function createIsoTimeFormatter(timeZone: string): IsoTimeFormatter {
  let parts: Intl.DateTimeFormat;
  try {
    parts = wallClockFormatter(timeZone);
  } catch (cause) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', `unknown time zone '${timeZone}'`, { cause });
  }
  let cachedMinute = Number.NaN;
  let cachedOffsetMs = 0;
  let cachedSuffix = '';
  let cachedSecond = Number.NaN;
  let cachedPrefix = '';

  const offsetAt = (ts: number): number => {
    const f: Record<string, number> = {};
    for (const p of parts.formatToParts(ts)) if (p.type !== 'literal') f[p.type] = Number(p.value);
    const local = Date.UTC(f.year ?? 1970, (f.month ?? 1) - 1, f.day ?? 1, f.hour ?? 0, f.minute ?? 0, f.second ?? 0);
    // whole minutes: ISO 8601 offsets carry no seconds (only pre-1900 local mean times had them)
    return Math.round((local - (ts - (((ts % 1000) + 1000) % 1000))) / 60_000) * 60_000;
  };

  return (ts: number) => {
    if (!Number.isInteger(ts) || ts < minTs || ts > maxTs) {
      throw new KanmonError('ERR_INVALID_ARGUMENT', `timestamp ${String(ts)} is not an integer epoch-ms between 1970 and 9999`);
    }
    const minute = Math.floor(ts / 60_000);
    if (minute !== cachedMinute) {
      cachedMinute = minute;
      cachedOffsetMs = offsetAt(ts);
      const abs = Math.abs(cachedOffsetMs) / 60_000;
      const hh = String(Math.floor(abs / 60)).padStart(2, '0');
      const mm = String(abs % 60).padStart(2, '0');
      cachedSuffix = `${cachedOffsetMs < 0 ? '-' : '+'}${hh}:${mm}`;
      cachedSecond = Number.NaN;
    }
    const second = Math.floor(ts / 1000);
    if (second !== cachedSecond) {
      cachedSecond = second;
      cachedPrefix = new Date(second * 1000 + cachedOffsetMs).toISOString().slice(0, 20); // YYYY-MM-DDTHH:MM:SS.
    }
    return cachedPrefix + millis[ts - second * 1000]! + cachedSuffix;
  };
}
