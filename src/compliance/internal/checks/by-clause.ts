import { dormancy } from './accounts.js';
import { accessRules, deviceStage, passkeyModels, terminals, tls, trustedProxies } from './access.js';
import { oneZone, retention } from './audit.js';
import { businessHours } from './business-hours.js';
import { cryptrec } from './cryptography.js';
import { type Check, combine, off, on, show } from './evidence.js';
import { lockout } from './lockout.js';
import { mfaOutside, mfaPrivileged, passkeys, privilegedRoles } from './mfa.js';
import { breachedFilter, classes, composition, guessable, history, issuedValidity, minLength, minimumAge, mixedCase, passwordExpiry } from './password.js';
import { idleTimeout, stepUp } from './session.js';

/**
 * What each clause demands of a policy, as pure checks over its settings
 * (one file per control area beside this one).
 *
 * Where a document gives a number (SEC-23: 10 characters, EXT-6: one year)
 * the check uses it. Where it only says "a set number" or "a set time"
 * (SEC-24 一定回数, IPC-12 一定時間) the bound is kanmon's reading, written
 * once beside its check and in docs/compliance/README: a value beyond it no
 * longer does what the clause asks (a lock after 1000 failures is no lock).
 */

/** The checks of every clause that has any; clauses without one are judged by status alone. */
export const clauseChecks: Readonly<Record<string, Check>> = {
  'EXT-2': oneZone,
  'EXT-4': combine(lockout, mfaPrivileged(false), passkeys, terminals(false)),
  'EXT-5': combine(minLength(8), composition(3)),
  'EXT-6': combine(retention(365), show('audit.alertAfterFailures')),
  'EXT-9': combine(trustedProxies, show('lockout.perSource.maxFailuresPerIp')),
  'IPC-2': terminals(true),
  'IPC-3': dormancy,
  'IPC-4': combine(on('password.mustChangeInitial'), issuedValidity, on('password.rejectCommon'), on('password.rejectContext'), guessable),
  'IPC-11': idleTimeout,
  'IPC-12': idleTimeout,
  'IPC-16': tls,
  'RM-12': retention(null),
  'RM-19': combine(minLength(8), classes(['upper', 'lower', 'digit', 'symbol']), passwordExpiry, lockout, terminals(false)),
  'RM-21': combine(terminals(true), passkeyModels),
  'RM-22': combine(passwordExpiry, history, minimumAge, show('hashing.algorithm')),
  'RM-23': breachedFilter,
  'RM-26': combine(lockout, trustedProxies),
  'RM-27': combine(privilegedRoles('not_configured'), dormancy),
  'RM-36': combine(minLength(8), classes(['upper', 'lower', 'digit', 'symbol']), passwordExpiry, history, minimumAge, breachedFilter),
  'RM-37': retention(null),
  'RM-38': combine(idleTimeout, terminals(false)),
  'SEC-4': show('hashing.algorithm'),
  'SEC-6.1': off('password.breached.online.enabled'),
  'SEC-6.3': deviceStage,
  'SEC-12': combine(privilegedRoles(null), dormancy),
  // 強化された認証技術: MFA for privileged roles, and step-up (a recent authentication) before every administrative operation.
  'SEC-13': combine(mfaPrivileged(true), stepUp),
  'SEC-16': mfaOutside,
  'SEC-17': cryptrec,
  'SEC-18': retention(365),
  'SEC-19': oneZone,
  'SEC-23': combine(minLength(10), classes(['upper', 'lower', 'symbol', 'digit']), show('hashing.algorithm')),
  'SEC-24': lockout,
  // 記録し、保存できること: kept as long as SEC-18 keeps the logs (the contract period, a year at least).
  'SEC-26': combine(privilegedRoles(null), retention(365)),
  'SEC-27': businessHours,
  'SEC-28': show('hashing.pepper'),
  'FNB-2.1': accessRules,
  'FNB-2.4': cryptrec,
  'FNB-2.5': oneZone,
  'FNB-3.1.1': combine(on('password.mustChangeInitial'), show('hashing.algorithm')),
  'FNB-3.1.2': show('hashing.algorithm'),
  'FNB-3.1.3': combine(minLength(10), mixedCase, on('password.rejectCommon'), on('password.rejectContext'), guessable),
  'FNB-3.3': show('hashing.pepper'),
};
