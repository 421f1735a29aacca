import { KanmonError } from '../errors.js';

/** Who or what found the password compromised. */
export type CompromiseSource = 'admin' | 'user_report' | 'breach_check' | 'incident';

/** What the app writes to the account record: the next login must change the password. */
export interface CompromisePatch {
  readonly compromised: true;
  readonly compromisedAt: number;
}

/** The audit event of the transition. Carries no password, hash or secret. */
export interface PasswordCompromisedEvent {
  readonly type: 'password.compromised';
  readonly at: number;
  readonly accountId: string;
  readonly source: CompromiseSource;
  /** Already marked before: the patch is idempotent, the event says so. */
  readonly alreadyCompromised: boolean;
  /** What the login flow does with it: refuse every login but a password change, and revoke the account's sessions. */
  readonly actions: readonly ['force_change', 'revoke_sessions'];
}

/** Options of {@link markCompromised}: the account, its current state, who found out, and when. */
export interface MarkCompromisedOptions {
  readonly accountId: string;
  /** Current state, so a second mark is recognised. */
  readonly compromised?: boolean | undefined;
  readonly source: CompromiseSource;
  /** Epoch ms. */
  readonly at: number;
}

const sources: readonly CompromiseSource[] = ['admin', 'user_report', 'breach_check', 'incident'];

/**
 * Mark an account's password compromised (RM-23, RM-36, FNB-3.1.4): a pure
 * transition returning the account patch to store and the event to audit.
 * `checkPasswordAge` then answers `{ ok: false, reason: 'compromised' }` and the login
 * flow revokes the account's sessions (`actions`). Changing the password
 * clears it (store `compromised: false` with the new hash).
 *
 * @example
 * ```ts
 * import { markCompromised } from 'kanmon';
 * const { patch, event } = markCompromised({ accountId: user.id, source: 'admin', at: Date.now() });
 * await accounts.update(user.id, patch);
 * await auditLog.append({ type: event.type, target: event.accountId, reason: event.source });
 * ```
 */
export function markCompromised(options: MarkCompromisedOptions): { patch: CompromisePatch; event: PasswordCompromisedEvent } {
  const { accountId, compromised, source, at } = options ?? ({} as MarkCompromisedOptions);
  if (typeof accountId !== 'string' || accountId.length === 0) throw new KanmonError('ERR_INVALID_ARGUMENT', 'markCompromised needs an accountId');
  if (!sources.includes(source)) throw new KanmonError('ERR_INVALID_ARGUMENT', `source must be one of ${sources.join(', ')}`);
  if (typeof at !== 'number' || !Number.isFinite(at)) throw new KanmonError('ERR_INVALID_ARGUMENT', 'at must be an epoch-ms number');
  return {
    patch: { compromised: true, compromisedAt: at },
    event: { type: 'password.compromised', at, accountId, source, alreadyCompromised: compromised === true, actions: ['force_change', 'revoke_sessions'] },
  };
}
