import { storeKey } from '../../store/key.js';

/**
 * A store key of the MFA namespace: `{tenant}:mfa:<kind>:<part>…` (the store
 * prepends its prefix, e.g. `kanmon:`). Parts are escaped by `storeKey`, so no
 * account id can reach into another key.
 */
export function mfaKey(tenant: string, kind: 'totp-step' | 'recovery' | 'recovery-used', ...parts: string[]): string {
  return storeKey(tenant, 'mfa', kind, ...parts);
}
