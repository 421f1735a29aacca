import type { AuditRecord } from './event.js';

/** Why an alert fired. */
export type AuditAlertKind =
  /** An account was locked (`auth.lockout.locked`, `auth.mfa.locked`). */
  | 'lockout'
  /** A one-time code was replayed (`auth.mfa.replayed`). */
  | 'replay'
  /** Use outside business hours (SEC-27): `access.out_of_hours`, or a login flagged `outOfHours`. */
  | 'out_of_hours'
  /** A successful login after at least `alertAfterFailures` failures in a row. */
  | 'success_after_failures'
  /** Verification found a broken chain. */
  | 'tamper'
  /** A torn tail was sealed on start-up (`log.recovered`). */
  | 'recovered'
  /** A password was found compromised (`password.compromised`, FNB-3.1.4). */
  | 'compromised'
  /** A configuration change weakened a clause (`config.changed` with reason `weakened`, SEC-6, SEC-7). */
  | 'config_weakened'
  /** A key was destroyed (`admin.key.destroy`), or a tenant purged with keys shredded (`admin.tenant.purge`) (SEC-28, FNB-3.3). */
  | 'key_destroyed'
  /** Alerts dropped by the rate limit in the previous minute. */
  | 'suppressed';

/**
 * The alerts one record raises by itself: its type (and, where given, its
 * reason) to the kind. Adding a kind is one line here.
 */
const recordAlerts: readonly { readonly type: string; readonly reason?: string; readonly kind: AuditAlertKind }[] = [
  { type: 'auth.lockout.locked', kind: 'lockout' },
  { type: 'auth.mfa.locked', kind: 'lockout' },
  { type: 'auth.mfa.replayed', kind: 'replay' },
  { type: 'log.recovered', kind: 'recovered' },
  { type: 'password.compromised', kind: 'compromised' },
  { type: 'config.changed', reason: 'weakened', kind: 'config_weakened' },
  { type: 'admin.key.destroy', kind: 'key_destroyed' },
];
const alertsByType = new Map<string, (typeof recordAlerts)[number][]>();
for (const rule of recordAlerts) alertsByType.set(rule.type, [...(alertsByType.get(rule.type) ?? []), rule]);

/** What `onAlert` receives. Never contains a secret: only record fields. */
export interface AuditAlert {
  readonly kind: AuditAlertKind;
  /** Epoch ms when the alert was raised. */
  readonly ts: number;
  /** The record that raised it (absent for `tamper` and `suppressed`). */
  readonly record?: AuditRecord | undefined;
  /** For `success_after_failures`: the failures before the success. */
  readonly failures?: number | undefined;
  /** For `tamper`: where verification failed. */
  readonly firstBad?: { readonly stream: string; readonly seq: number; readonly reason: string } | undefined;
  /** For `suppressed`: how many alerts the rate limit dropped. */
  readonly suppressed?: number | undefined;
}

/** Options for {@link createAlerter}. */
export interface AlerterOptions {
  /** Receives each alert (rate-limited); the application pages or mails its operators. */
  readonly onAlert: (alert: AuditAlert) => void;
  /** Clock (epoch ms) for the failure windows and the rate limit. */
  readonly now: () => number;
  /** @default 5 (policy `audit.alertAfterFailures`) */
  readonly alertAfterFailures?: number | undefined;
  /** @default 60 (policy `audit.alertsPerMinute`) */
  readonly alertsPerMinute?: number | undefined;
  /** Accounts whose failure count is remembered at most (oldest forgotten first). @default 100000 */
  readonly maxTrackedActors?: number | undefined;
}

/** Turns records into alerts, rate-limited so an attack does not flood the receiver. */
export interface Alerter {
  /** Look at one durable record. */
  observe(record: AuditRecord): void;
  /** Raise an alert directly (tamper found at verification). */
  raise(alert: Omit<AuditAlert, 'ts'>): void;
}

/**
 * The alert rules and the limiter: at most `alertsPerMinute` alerts per clock
 * minute; the rest are counted and delivered as one `suppressed` alert when the
 * next one gets through. A receiver that throws is ignored: alerting never
 * breaks logging. `createAuditLog({ onAlert })` uses it; call it directly to
 * alert on records from another source.
 *
 * @example
 * ```ts
 * import { createAlerter } from 'kanmon';
 * const alerter = createAlerter({ onAlert: (a) => console.warn(a.kind), now: Date.now, alertsPerMinute: 10 });
 * ```
 */
export function createAlerter(options: AlerterOptions): Alerter {
  const { onAlert, now, alertAfterFailures = 5, alertsPerMinute = 60, maxTrackedActors = 100_000 } = options;
  const failures = new Map<string, number>();
  let window = -1;
  let sent = 0;
  let suppressed = 0;

  const deliver = (alert: AuditAlert) => {
    try {
      onAlert(alert);
    } catch {
      // the receiver's problem; the audit record is already durable
    }
  };

  const raise = (alert: Omit<AuditAlert, 'ts'>) => {
    const ts = now();
    const minute = Math.floor(ts / 60_000);
    if (minute !== window) {
      window = minute;
      sent = 0;
      if (suppressed > 0) {
        deliver({ kind: 'suppressed', ts, suppressed });
        sent++;
        suppressed = 0;
      }
    }
    if (sent >= alertsPerMinute) {
      suppressed++;
      return;
    }
    sent++;
    deliver({ ...alert, ts });
  };

  const actorKey = (r: AuditRecord) => `${r.tenant}\0${r.actor ?? ''}`;

  return {
    raise,
    observe(record) {
      const rules = alertsByType.get(record.type);
      if (rules) for (const rule of rules) if (rule.reason === undefined || rule.reason === record.reason) raise({ kind: rule.kind, record });
      switch (record.type) {
        case 'admin.tenant.purge':
          // a purge alerts only when it shredded keys (admin.key.destroy alerts through the table)
          if (Array.isArray(record.after?.shredded) && record.after.shredded.length > 0) raise({ kind: 'key_destroyed', record });
          break;
        case 'auth.login.failure':
        case 'auth.mfa.failure': {
          if (record.actor === null) break;
          const key = actorKey(record);
          const count = (failures.get(key) ?? 0) + 1;
          failures.delete(key);
          failures.set(key, count);
          if (failures.size > maxTrackedActors) failures.delete(failures.keys().next().value!);
          break;
        }
        case 'auth.login.success': {
          if (record.actor === null) break;
          const key = actorKey(record);
          const count = failures.get(key) ?? 0;
          failures.delete(key);
          if (count >= alertAfterFailures) raise({ kind: 'success_after_failures', record, failures: count });
          break;
        }
        default:
          break;
      }
      if (record.type === 'access.out_of_hours' || (record.outOfHours && record.type === 'auth.login.success')) {
        raise({ kind: 'out_of_hours', record });
      }
    },
  };
}
