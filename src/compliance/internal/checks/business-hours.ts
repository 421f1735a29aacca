import { type Check, type Settings, item, weak } from './evidence.js';
import { MAX_LOCKOUT_FAILURES } from './lockout.js';

/** SEC-27: use outside business hours is detected (hours that close, an action outside them, an alert on failures). */

/**
 * Business hours that leave less than this outside them in an ordinary week
 * (an hour a day) watch nothing: every use is "within hours".
 */
const MIN_OUT_OF_HOURS_MINUTES_PER_WEEK = 7 * 60;

const minutesOf = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));

/** Minutes of an ordinary week (no holiday, no closed day) outside business hours. */
function outOfHoursMinutesPerWeek(hours: NonNullable<Settings['access']['businessHours']>): number {
  const open = new Set(hours.days).size * Math.max(0, minutesOf(hours.close) - minutesOf(hours.open));
  return 7 * 24 * 60 - open;
}

/** SEC-27: use outside business hours is detected. */
export const businessHours: Check = (s) => {
  const hours = s.access.businessHours;
  const outside = hours === null ? null : outOfHoursMinutesPerWeek(hours);
  const window =
    hours === null
      ? weak('hours_off', {})
      : outside !== null && outside < MIN_OUT_OF_HOURS_MINUTES_PER_WEEK
        ? weak('hours_never_close', { minutes: outside, min: MIN_OUT_OF_HOURS_MINUTES_PER_WEEK / 60 })
        : undefined;
  const alerts = s.audit.alertAfterFailures;
  return [
    item('access.businessHours', hours === null ? null : `${hours.days.join(',')} ${hours.open}-${hours.close} ${hours.timeZone}`, 'set', window),
    item(
      'access.businessHours.outOfHours',
      hours?.outOfHours ?? null,
      'flag | require_mfa | deny',
      hours !== null && hours.outOfHours === 'allow' ? weak('control_off', { path: 'access.businessHours.outOfHours' }) : undefined,
    ),
    item('audit.alertAfterFailures', alerts, `<= ${MAX_LOCKOUT_FAILURES}`, alerts > MAX_LOCKOUT_FAILURES ? weak('above_maximum', { path: 'audit.alertAfterFailures', value: alerts, max: MAX_LOCKOUT_FAILURES }) : undefined),
  ];
};
