import { type Check, item, weak } from './evidence.js';

/** Audit log checks: logs kept long enough, in one time zone. */

export const retention =
  (minDays: number | null): Check =>
  (s) => [
    item(
      'audit.retentionDays',
      s.audit.retentionDays,
      minDays === null ? undefined : `>= ${minDays}`,
      minDays !== null && s.audit.retentionDays < minDays ? weak('below_minimum', { path: 'audit.retentionDays', value: s.audit.retentionDays, min: minDays }) : undefined,
    ),
  ];

/** SEC-19, FNB-2.5: one time zone for every log and every day rule. */
export const oneZone: Check = (s) => {
  const hours = s.access.businessHours;
  const items = [item('timeZone', s.timeZone)];
  if (hours) {
    items.push(item('access.businessHours.timeZone', hours.timeZone, s.timeZone, hours.timeZone === s.timeZone ? undefined : weak('zones_differ', { a: s.timeZone, b: hours.timeZone })));
  }
  return items;
};
