import { KanmonError } from '../errors.js';
import { assertTenant } from '../store/key.js';
import { type TotpEnrollment, enrollTotp } from './enroll-totp.js';
import {
  type ConsumeRecoveryCodeInput,
  type ConsumeRecoveryCodeResult,
  type RecoveryCodeSet,
  consumeRecoveryCode,
  hashRecoveryCodes,
  recoveryCodesRemaining,
} from './recovery-codes.js';
import { type ConfirmTotpInput, type ConfirmTotpResult, type VerifyTotpInput, type VerifyTotpOptions, type VerifyTotpResult, confirmTotpEnrollment, verifyTotp } from './totp.js';

/** Options for {@link createMfa}: the capabilities of `verifyTotp`, and the tenant every call works in. */
export type MfaOptions = VerifyTotpOptions & {
  /**
   * The tenant (municipality) id, named here once: every secret is sealed for it, every replay, lockout and
   * single-use record is kept under it. One instance per tenant (they are cheap: closures over the options).
   */
  readonly tenant: string;
  /** Overrides `policy.mfa.totp.issuer` in enrolments (e.g. the city's service name, 船橋市 電子申請). */
  readonly issuer?: string;
};

/** The MFA functions with the tenant and the capabilities bound: each takes one object naming the account. */
export interface Mfa {
  readonly tenant: string;
  /** {@link enrollTotp}: a fresh secret, sealed as pending for `account`; `label` is what the app shows (@default account). */
  enrollTotp(input: { readonly account: string; readonly label?: string }): Promise<TotpEnrollment>;
  /** {@link confirmTotpEnrollment}. */
  confirmTotpEnrollment(input: Omit<ConfirmTotpInput, 'tenant'>): Promise<ConfirmTotpResult>;
  /** {@link verifyTotp}. */
  verifyTotp(input: Omit<VerifyTotpInput, 'tenant'>): Promise<VerifyTotpResult>;
  /** {@link hashRecoveryCodes}: what to store for `codes` (from `generateRecoveryCodes`). */
  hashRecoveryCodes(input: { readonly account: string; readonly codes: readonly string[] }): RecoveryCodeSet;
  /** {@link consumeRecoveryCode}. */
  consumeRecoveryCode(input: Omit<ConsumeRecoveryCodeInput, 'tenant'>): Promise<ConsumeRecoveryCodeResult>;
  /** {@link recoveryCodesRemaining}. */
  recoveryCodesRemaining(input: { readonly account: string; readonly set: RecoveryCodeSet }): Promise<number>;
}

/**
 * TOTP (RFC 6238) and recovery codes for one tenant: the tenant, key ring, store, lockout, policy and clock
 * are named once, here, instead of in every call (the standalone functions default the tenant to
 * `'default'`, and a secret opened under another tenant than it was sealed for does not open).
 *
 * @example
 * ```ts
 * import { createLockout, createMfa, definePolicy, memoryStore, type KeyRing } from 'kanmon';
 * declare const keyRing: KeyRing;
 * declare const user: { id: string; totpSecret: string | null };
 * declare const code: string; // as typed
 *
 * const policy = definePolicy('funabashi');
 * const store = memoryStore();
 * const mfa = createMfa({ tenant: 'funabashi', policy, keyRing, store, lockout: createLockout({ policy, store }), now: () => Date.now() });
 * const result = await mfa.verifyTotp({ account: user.id, sealedSecret: user.totpSecret, code });
 * if (result.ok && result.resealedSecret) user.totpSecret = result.resealedSecret; // after a key rotation
 * ```
 */
export function createMfa(options: MfaOptions): Mfa {
  const { tenant, issuer, ...capabilities } = options ?? ({} as MfaOptions);
  assertTenant(tenant);
  if (!capabilities.policy?.mfa || !capabilities.keyRing || !capabilities.store || !capabilities.lockout || typeof capabilities.now !== 'function') {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'createMfa needs { tenant, policy, keyRing, store, lockout, now }');
  }
  /** The input with the bound tenant; a call naming another tenant is a programmer error. */
  const inTenant = <T extends object>(method: string, input: T): T & { readonly tenant: string } => {
    if (typeof input !== 'object' || input === null) throw new KanmonError('ERR_INVALID_ARGUMENT', `mfa.${method} takes one object { account, … }`);
    const named = (input as { tenant?: unknown }).tenant;
    if (named !== undefined && named !== tenant) {
      throw new KanmonError('ERR_INVALID_ARGUMENT', `mfa.${method}: this instance is for tenant ${JSON.stringify(tenant)}, the call names tenant ${JSON.stringify(named)}`);
    }
    return { ...input, tenant };
  };

  return Object.freeze({
    tenant,
    enrollTotp: async (input) => {
      const { account, label } = inTenant('enrollTotp', input);
      return enrollTotp({ id: account, tenant, ...(label !== undefined ? { label } : {}) }, capabilities.policy, { keyRing: capabilities.keyRing, ...(issuer !== undefined ? { issuer } : {}) });
    },
    confirmTotpEnrollment: async (input) => confirmTotpEnrollment(inTenant('confirmTotpEnrollment', input), capabilities),
    verifyTotp: async (input) => verifyTotp(inTenant('verifyTotp', input), capabilities),
    hashRecoveryCodes: (input) => {
      const { account, codes } = inTenant('hashRecoveryCodes', input);
      return hashRecoveryCodes(codes, { keyRing: capabilities.keyRing, account, tenant });
    },
    consumeRecoveryCode: async (input) => consumeRecoveryCode(inTenant('consumeRecoveryCode', input), capabilities),
    recoveryCodesRemaining: async (input) => {
      const { account, set } = inTenant('recoveryCodesRemaining', input);
      return recoveryCodesRemaining(set, { store: capabilities.store, account, tenant });
    },
  } satisfies Mfa);
}
