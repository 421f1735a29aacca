import type { AuditReceipt } from '../../audit/create-audit-log.js';
import type { AuditEventInput } from '../../audit/event.js';
import type { KeyRing } from '../../keys/key-ring.js';
import type { Policy } from '../../policy/define-policy.js';
import type { KanmonStore } from '../../store/store.js';
import type { AccountPatch, AccountRecord, AccountRepository } from '../account.js';
import type { NewSourceNotice, PreviousLogin } from '../types.js';
import { type PasskeyUse, passkeysAfterUse } from '../../webauthn/credential.js';
import { checkSource, takeLoginFailures } from './login-notice.js';

/** What recording a login needs of the flow context (a part of `FlowDeps`). */
export interface RecordLoginDeps {
  readonly policy: Policy;
  readonly store: KanmonStore;
  readonly accounts: AccountRepository;
  readonly keyRing: KeyRing;
  readonly now: () => number;
  readonly record: (event: AuditEventInput) => Promise<AuditReceipt>;
  readonly onNewSource?: ((notice: NewSourceNotice) => void | Promise<void>) | undefined;
}

/** The facts of the login's step it reads (a part of `StepContext`). */
export interface RecordLoginStep {
  readonly clientIp: string | null;
  readonly outOfHours: boolean;
  readonly source: { readonly ip?: string; readonly userAgent?: string };
  readonly pendingPatch?: AccountPatch | undefined;
  /** The passkey this login signed in with, written back with its one update. */
  readonly passkeyUse?: PasskeyUse | undefined;
}

/** What a successful login tells the user about the one before it. */
export interface LoginRecorded {
  readonly previousLogin: PreviousLogin | null;
  readonly failuresSinceLastLogin: number;
}

/**
 * One account update: `patch`, and `use` written into the passkey list as read right before the write (a rename
 * or a removal racing the sign-in is kept: only a counter may be lost, never a key brought back). Without `use`,
 * the update alone. `patch` is the caller's own, made for this call: the list is set on it.
 */
export async function updateAccount(accounts: Pick<AccountRepository, 'findById' | 'update'>, account: AccountRecord, patch: AccountPatch, use: PasskeyUse | undefined): Promise<void> {
  if (use === undefined) return accounts.update(account.tenant, account.id, patch);
  const fresh = (await accounts.findById(account.tenant, account.id)) ?? account;
  // Set on the patch rather than spread into a new one: an object spread followed by a field is V8's slow path.
  (patch as { passkeys?: AccountPatch['passkeys'] }).passkeys = passkeysAfterUse(fresh.passkeys ?? [], use);
  return accounts.update(account.tenant, account.id, patch);
}

/**
 * Record a successful login on the account and report the one before it: one repository update (this
 * login's time and client IP, merged with the patch the login deferred, e.g. a rehashed password, and the use of
 * the passkey it signed in with), the failures counted since the last login (read and cleared), and, when
 * `policy.accounts.knownSourceDays` is set, a `auth.login.new_source` event and the `onNewSource` hook for a
 * client prefix or browser not seen within it. A first login reports no new source: there is nothing to compare it with (it is remembered).
 */
export async function recordLogin(deps: RecordLoginDeps, account: AccountRecord, step: RecordLoginStep): Promise<LoginRecorded> {
  const { accounts, store, keyRing, policy, now, record, onNewSource } = deps;
  const at = now();
  const previousLogin = typeof account.lastLoginAt === 'number' ? { at: account.lastLoginAt, ip: account.lastLoginIp ?? null } : null;
  const [failuresSinceLastLogin] = await Promise.all([
    takeLoginFailures(store, account.tenant, account.id),
    updateAccount(accounts, account, step.pendingPatch ? { ...step.pendingPatch, lastLoginAt: at, lastLoginIp: step.clientIp } : { lastLoginAt: at, lastLoginIp: step.clientIp }, step.passkeyUse),
  ]);
  const days = policy.accounts.knownSourceDays;
  if (days !== null) {
    const facts = await checkSource({ store, keyRing }, account, { clientIp: step.clientIp, userAgent: step.source.userAgent }, days, at);
    if (previousLogin !== null && (facts.newPrefix || facts.newDevice)) {
      await record({
        type: 'auth.login.new_source',
        tenant: account.tenant,
        actor: account.username,
        target: account.id,
        source: step.source,
        outcome: 'info',
        outOfHours: step.outOfHours,
        after: { prefix: facts.prefix, newPrefix: facts.newPrefix, device: facts.device?.slice(0, 256) ?? null, newDevice: facts.newDevice },
      });
      if (onNewSource) {
        const notice: NewSourceNotice = { tenant: account.tenant, accountId: account.id, username: account.username, at, ip: step.clientIp, previousLogin, ...facts };
        // The hook is the application's (a mail, a banner): it never holds up or fails the login.
        void Promise.resolve()
          .then(() => onNewSource(notice))
          .catch(() => undefined);
      }
    }
  }
  return { previousLogin, failuresSinceLastLogin };
}
