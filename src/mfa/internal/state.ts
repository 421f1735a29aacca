// Interim: the store contract and lockout of issue 4 are not on main yet.
// These shapes are what the MFA code needs; they are replaced by the real
// `Store` / `Lockout` types when issue 4 is merged.

export type Reservation = { readonly ok: true } | { readonly ok: false; readonly reason: 'locked'; readonly retryAfterMs: number } | { readonly ok: false; readonly reason: 'unavailable' };

export interface MfaStoreLike {
  advanceIfGreater(key: string, value: number, ttlMs: number): Promise<boolean>;
  consumeOnce(key: string, member: string): Promise<boolean>;
  countConsumed(key: string): Promise<number>;
}

export interface MfaLockoutLike {
  reserveMfa(key: string): Promise<Reservation>;
  succeedMfa(key: string): Promise<void>;
}

export interface MfaState {
  reserve(): Promise<Reservation>;
  advanceStep(step: number, ttlMs: number): Promise<boolean | 'unavailable'>;
  succeed(): Promise<void | 'unavailable'>;
}

export function mfaState(options: { store: MfaStoreLike; lockout: MfaLockoutLike }, tenant: string, account: string): MfaState {
  const key = `${tenant}\0${account}`;
  return {
    reserve: () => options.lockout.reserveMfa(key),
    async advanceStep(step, ttlMs) {
      try {
        return await options.store.advanceIfGreater(`totp-step:${key}`, step, ttlMs);
      } catch {
        return 'unavailable';
      }
    },
    async succeed() {
      try {
        await options.lockout.succeedMfa(key);
      } catch {
        return 'unavailable';
      }
    },
  };
}
