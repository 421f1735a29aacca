import { trustsEverything, wideList } from './access.js';
import { type Check, item, unset, weak } from './evidence.js';
import { mfaLock } from './lockout.js';

/** MFA checks: who must use a second factor (privileged roles, outside the internal networks) and how long a TOTP code lives. */

/**
 * A TOTP code lives `(2 × window + 1) × periodSeconds`. RFC 6238 §5.2
 * recommends 30 s; 60 s still serves hardware tokens. Beyond it a code seen
 * over a shoulder or phished stays good for minutes (300 s: a quarter of an hour).
 */
const MAX_TOTP_PERIOD_SECONDS = 60;

/** TOTP: at most ±1 step, and a step short enough that a seen code soon dies. */
const totp: Check = (s) => {
  const t = s.mfa.totp;
  return [
    item('mfa.totp.window', t.window, '<= 1', t.window > 1 ? weak('above_maximum', { path: 'mfa.totp.window', value: t.window, max: 1 }) : undefined),
    item('mfa.totp.periodSeconds', t.periodSeconds, `<= ${MAX_TOTP_PERIOD_SECONDS}`, t.periodSeconds > MAX_TOTP_PERIOD_SECONDS ? weak('above_maximum', { path: 'mfa.totp.periodSeconds', value: t.periodSeconds, max: MAX_TOTP_PERIOD_SECONDS }) : undefined),
  ];
};

/** A role name with nothing in it, or with spaces around it, never equals an account's role (roles compare exactly). */
const namesNobody = (role: string) => role.trim() === '' || role.trim() !== role;

/** EXT-4 recommends biometric and multi-factor authentication: passkeys (user verification is the biometric or PIN) shown. */
export const passkeys: Check = (s) => {
  const w = s.webauthn;
  return [item('webauthn.enabled', w.enabled, 'recommended: true (生体認証及び多要素認証【推奨】)'), ...(w.enabled ? [item('webauthn.passwordless', w.passwordless), item('webauthn.userVerification', w.userVerification)] : [])];
};

/** SEC-13: privileged accounts use MFA. With `required: false` (EXT-4 recommends MFA) only shown. */
export const mfaPrivileged =
  (required: boolean): Check =>
  (s) => {
    const m = s.mfa;
    const active = m.requireForAll || m.requireForPrivileged;
    if (!required) return [item('mfa.requireForPrivileged', m.requireForPrivileged), ...totp(s)];
    const roles = m.requireForAll
      ? undefined
      : m.privilegedRoles.length === 0
        ? weak('no_privileged_roles', {})
        : m.privilegedRoles.every(namesNobody)
          ? weak('roles_name_nobody', { roles: m.privilegedRoles.map((r) => JSON.stringify(r)).join(', ') })
          : undefined;
    return [
      item('mfa.requireForPrivileged', m.requireForPrivileged, 'true (or mfa.requireForAll)', active ? undefined : weak('control_off', { path: 'mfa.requireForPrivileged' })),
      item('mfa.requireForAll', m.requireForAll),
      item('mfa.privilegedRoles', m.privilegedRoles, 'not empty', roles),
      ...totp(s),
      ...mfaLock(s),
    ];
  };

/** SEC-16: outside the internal networks, MFA or device authentication. */
export const mfaOutside: Check = (s) => {
  const m = s.mfa;
  const active = m.requireForAll || m.requireOutsideInternalNetwork;
  // Where the network decides (not every account asks for MFA anyway), the list and the address it is matched with must hold.
  const byNetwork = active && !m.requireForAll;
  const networks = byNetwork ? (m.internalNetworks.length === 0 ? unset('list_empty', { path: 'mfa.internalNetworks' }) : wideList('mfa.internalNetworks', m.internalNetworks)) : undefined;
  return [
    item('mfa.requireOutsideInternalNetwork', m.requireOutsideInternalNetwork, 'true (or mfa.requireForAll)', active ? undefined : weak('control_off', { path: 'mfa.requireOutsideInternalNetwork' })),
    item('mfa.requireForAll', m.requireForAll),
    item('mfa.internalNetworks', m.internalNetworks, 'the city networks', networks),
    item('mfa.clientCertSatisfiesOutside', m.clientCertSatisfiesOutside),
    ...totp(s),
    ...mfaLock(s),
    item('access.trustedProxies', s.access.trustedProxies, 'specific proxies only', byNetwork ? trustsEverything(s) : undefined),
  ];
};

/** The roles that count as privileged, with a finding of `verdict` when they name nobody (`null`: only shown). */
export const privilegedRoles =
  (verdict: 'weakened' | 'not_configured' | null): Check =>
  (s) => {
    const roles = s.mfa.privilegedRoles;
    const make = verdict === 'weakened' ? weak : unset;
    const finding =
      verdict === null ? undefined : roles.length === 0 ? make('no_privileged_roles', {}) : roles.every(namesNobody) ? make('roles_name_nobody', { roles: roles.map((r) => JSON.stringify(r)).join(', ') }) : undefined;
    return [item('mfa.privilegedRoles', roles, verdict === null ? undefined : 'not empty', finding)];
  };
