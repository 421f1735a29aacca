import { afterAll, describe, expect, it } from 'vitest';
import { createBusinessHours, definePolicy } from '../../src/index.js';

// Instants are written in UTC with Date.UTC, so they mean the same whatever TZ this process runs under.
// `npm run test:tz` runs this file under TZ=UTC, Asia/Tokyo and America/Los_Angeles.
const jst = (y: number, m: number, d: number, hh: number, mm: number) => Date.UTC(y, m - 1, d, hh - 9, mm);

const tokyo = createBusinessHours({
  timeZone: 'Asia/Tokyo',
  days: [1, 2, 3, 4, 5],
  open: '08:30',
  close: '17:15',
  holidays: 'jp',
  closedDays: ['12-29', '12-30', '12-31', '01-01', '01-02', '01-03'],
});

describe(`SEC-27, SEC-19: business hours in Asia/Tokyo (process TZ=${process.env.TZ ?? '(unset)'})`, () => {
  it('opens at the open minute and closes at the close minute', () => {
    // Tuesday 2026-11-24
    expect(tokyo.check(jst(2026, 11, 24, 8, 29))).toMatchObject({ ok: false, reason: 'before_open', local: { time: '08:29' } });
    expect(tokyo.isOpen(jst(2026, 11, 24, 8, 30))).toBe(true);
    expect(tokyo.isOpen(jst(2026, 11, 24, 8, 30) - 1)).toBe(false);
    expect(tokyo.isOpen(jst(2026, 11, 24, 17, 14) + 59_999)).toBe(true);
    expect(tokyo.check(jst(2026, 11, 24, 17, 15))).toMatchObject({ ok: false, reason: 'after_close', local: { date: '2026-11-24', time: '17:15', weekday: 2 } });
  });

  it('one instance read at instants out of order (the per-minute reading cache) answers each instant right', () => {
    // A clock that steps back (NTP), a year ahead and back, and the same UTC minute twice: each reading is its own.
    const hours = createBusinessHours({ timeZone: 'Asia/Tokyo', days: [1, 2, 3, 4, 5], open: '08:30', close: '17:15', holidays: 'jp', closedDays: [] });
    const sequence: [number, boolean, string][] = [
      [jst(2026, 11, 24, 8, 30), true, '08:30'],
      [jst(2026, 11, 24, 8, 30) - 1, false, '08:29'],
      [jst(2026, 11, 24, 8, 30) + 59_999, true, '08:30'],
      [jst(2027, 11, 24, 8, 30), true, '08:30'],
      [jst(2026, 11, 23, 8, 30), false, '08:30'], // 勤労感謝の日, same minute of another day
      [jst(2026, 11, 24, 8, 29) + 30_000, false, '08:29'],
    ];
    for (const [instant, open, time] of sequence) {
      expect(hours.check(instant)).toMatchObject({ ok: open, local: { time } });
    }
    expect(hours.check(jst(2026, 11, 24, 8, 30)).local).not.toBe(hours.check(jst(2026, 11, 24, 8, 30)).local); // fresh objects
  });

  it('the local day is the Tokyo day, not the UTC day', () => {
    // 2026-11-23T23:30Z is Tuesday 08:30 in Tokyo, still Monday (a holiday) in UTC
    expect(tokyo.check(Date.UTC(2026, 10, 23, 23, 30))).toMatchObject({ ok: true, local: { date: '2026-11-24', weekday: 2 } });
    expect(tokyo.isOpen(new Date(Date.UTC(2026, 10, 23, 23, 30)))).toBe(true);
  });

  it('is closed on Japanese public holidays, substitute holidays and 国民の休日', () => {
    expect(tokyo.check(jst(2026, 11, 23, 10, 0))).toMatchObject({ ok: false, reason: 'holiday', holidayName: '勤労感謝の日' });
    expect(tokyo.check(jst(2026, 5, 6, 10, 0))).toMatchObject({ ok: false, reason: 'holiday', holidayName: 'こどもの日 振替休日' });
    expect(tokyo.check(jst(2026, 9, 22, 10, 0))).toMatchObject({ ok: false, reason: 'holiday', holidayName: '休日' });
    expect(tokyo.isOpen(jst(2026, 9, 24, 10, 0))).toBe(true);
    const noHolidays = createBusinessHours({ timeZone: 'Asia/Tokyo', holidays: 'none', closedDays: [] });
    expect(noHolidays.isOpen(jst(2026, 11, 23, 10, 0))).toBe(true);
  });

  it('is closed over 年末年始 (12-29 … 01-03), open on either side', () => {
    expect(tokyo.isOpen(jst(2026, 12, 28, 10, 0))).toBe(true);
    for (const [y, m, d] of [
      [2026, 12, 29],
      [2026, 12, 30],
      [2026, 12, 31],
      [2028, 1, 3],
    ] as const) {
      expect(tokyo.check(jst(y, m, d, 10, 0)), `${y}-${m}-${d}`).toMatchObject({ ok: false, reason: 'closed_day' });
    }
    expect(tokyo.isOpen(jst(2027, 1, 4, 10, 0))).toBe(true);
    expect(tokyo.isOpen(jst(2028, 1, 4, 10, 0))).toBe(true);
  });

  it('is closed on weekdays not listed', () => {
    expect(tokyo.check(jst(2026, 11, 28, 10, 0))).toMatchObject({ ok: false, reason: 'closed_weekday', local: { weekday: 6 } });
    expect(tokyo.check(jst(2026, 11, 29, 10, 0))).toMatchObject({ ok: false, reason: 'closed_weekday', local: { weekday: 0 } });
  });

  it('24:00 closes at midnight', () => {
    const late = createBusinessHours({ timeZone: 'Asia/Tokyo', days: [0, 1, 2, 3, 4, 5, 6], open: '00:00', close: '24:00', holidays: 'none', closedDays: [] });
    expect(late.isOpen(jst(2026, 11, 24, 23, 59))).toBe(true);
    expect(late.isOpen(jst(2026, 11, 25, 0, 0))).toBe(true);
  });

  it('the funabashi preset keeps 08:30–17:15 Mon–Fri, holidays and 年末年始, and flags out-of-hours use', () => {
    const hours = definePolicy('funabashi').access.businessHours;
    expect(hours).not.toBeNull();
    const compiled = createBusinessHours(hours ?? {});
    expect(compiled.outOfHours).toBe('flag');
    expect(compiled.isOpen(jst(2026, 11, 24, 8, 30))).toBe(true);
    expect(compiled.isOpen(jst(2026, 12, 29, 10, 0))).toBe(false);
  });
});

describe('SEC-27: across a US daylight-saving change', () => {
  const newYork = createBusinessHours({ timeZone: 'America/New_York', days: [1, 2, 3, 4, 5], open: '09:00', close: '17:00', holidays: 'none', closedDays: [] });

  it('09:00 local is 14:00Z before the change and 13:00Z after it (DST began 2026-03-08)', () => {
    expect(newYork.isOpen(Date.UTC(2026, 2, 6, 13, 59))).toBe(false); // Fri 08:59 EST
    expect(newYork.isOpen(Date.UTC(2026, 2, 6, 14, 0))).toBe(true); // Fri 09:00 EST
    expect(newYork.isOpen(Date.UTC(2026, 2, 9, 12, 59))).toBe(false); // Mon 08:59 EDT
    expect(newYork.isOpen(Date.UTC(2026, 2, 9, 13, 0))).toBe(true); // Mon 09:00 EDT
    expect(newYork.isOpen(Date.UTC(2026, 2, 9, 20, 59))).toBe(true); // Mon 16:59 EDT
    expect(newYork.isOpen(Date.UTC(2026, 2, 9, 21, 0))).toBe(false); // Mon 17:00 EDT
  });

  it('and back when DST ends (2026-11-01)', () => {
    expect(newYork.isOpen(Date.UTC(2026, 9, 30, 13, 0))).toBe(true); // Fri 09:00 EDT
    expect(newYork.isOpen(Date.UTC(2026, 10, 2, 13, 0))).toBe(false); // Mon 08:00 EST
    expect(newYork.isOpen(Date.UTC(2026, 10, 2, 14, 0))).toBe(true); // Mon 09:00 EST
  });

  it('on the change night itself, the skipped hour does not exist', () => {
    const night = createBusinessHours({ timeZone: 'America/Los_Angeles', days: [0], open: '01:00', close: '04:00', holidays: 'none', closedDays: [] });
    expect(night.check(Date.UTC(2026, 2, 8, 9, 59))).toMatchObject({ ok: true, local: { time: '01:59' } }); // PST
    expect(night.check(Date.UTC(2026, 2, 8, 10, 0))).toMatchObject({ ok: true, local: { time: '03:00' } }); // PDT: 02:00 skipped
    expect(night.check(Date.UTC(2026, 2, 8, 11, 0))).toMatchObject({ ok: false, local: { time: '04:00' } });
  });
});

describe('SEC-19: the same answers whatever the process time zone (also switched in-process)', () => {
  const original = process.env.TZ;
  afterAll(() => {
    if (original === undefined) delete process.env.TZ;
    else process.env.TZ = original;
  });

  it('UTC, Asia/Tokyo, America/Los_Angeles agree minute by minute around open and close', () => {
    const instants: number[] = [];
    for (let m = -2; m <= 2; m++) instants.push(jst(2026, 11, 24, 8, 30 + m), jst(2026, 11, 24, 17, 15 + m));
    instants.push(jst(2026, 11, 23, 10, 0), jst(2026, 12, 29, 10, 0), jst(2027, 1, 4, 10, 0));
    const answers = (['UTC', 'Asia/Tokyo', 'America/Los_Angeles'] as const).map((zone) => {
      process.env.TZ = zone;
      const hours = createBusinessHours({ timeZone: 'Asia/Tokyo' });
      return instants.map((t) => hours.isOpen(t));
    });
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    expect(answers[0]).toEqual([false, true, false, true, true, false, true, false, true, false, false, false, true]);
  });
});

describe('bad configuration is a coded error', () => {
  it('unknown zone, bad times, close before open, bad instant', () => {
    expect(() => createBusinessHours({ timeZone: 'Asia/Funabashi' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => createBusinessHours({ open: '8:30' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => createBusinessHours({ open: '17:00', close: '09:00' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => createBusinessHours({ days: [7] })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => tokyo.isOpen(Number.NaN)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});
