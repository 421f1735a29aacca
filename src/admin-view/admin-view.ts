import type { AuditVerifyResult } from '../audit/verify/types.js';
import type { InventoryEntry, InventoryResult } from '../login/admin/inventory-types.js';
import { type AdminViewText, adminViewText } from '../messages/admin-view.js';
import type { AdminViewAction, AdminViewColumn, AdminViewNotice, AdminViewOptions, AdminViewStatus, AdminViewTime } from './types.js';

const formatters = new Map<string, Intl.DateTimeFormat>();

/** `2026/11/24 10:00:00` (ja) or `24/11/2026, 10:00:00` (en) in `timeZone`. */
function timeOf(at: number, { lang, timeZone = 'Asia/Tokyo' }: AdminViewOptions): AdminViewTime {
  const key = `${lang}\u0000${timeZone}`;
  let format = formatters.get(key);
  if (format === undefined) {
    format = new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'ja-JP', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
    formatters.set(key, format);
  }
  return { at, text: format.format(new Date(at)) };
}

const textOf = (options: AdminViewOptions): AdminViewText => adminViewText[options.lang === 'en' ? 'en' : 'ja'];

function statusOf(t: AdminViewText, account: { readonly disabled: boolean; readonly locked: boolean | null }): AdminViewStatus {
  if (account.disabled) return { code: 'disabled', label: t.statusDisabled, alert: true };
  if (account.locked === true) return { code: 'locked', label: t.statusLocked, alert: true };
  return { code: 'active', label: t.statusActive, alert: false };
}

/** The facts of one account the accounts screen shows: an {@link InventoryEntry} fits, plus whether its password must change. */
export type AdminAccountFacts = Pick<InventoryEntry, 'accountId' | 'username' | 'roles' | 'locked' | 'disabled' | 'mfa'> & {
  /** The next login must change the password (issued, reset or compromised). @default false */
  readonly mustChangePassword?: boolean | undefined;
};

/** One row of `adminView.accounts`. */
export interface AdminAccountRow {
  readonly accountId: string;
  readonly username: string;
  readonly roles: readonly string[];
  readonly status: AdminViewStatus;
  /** `null` unless the password must change. */
  readonly mustChange: string | null;
  readonly secondFactor: { readonly enrolled: boolean; readonly label: string };
  readonly actions: readonly AdminViewAction[];
}

/** The accounts screen: who can sign in, who is locked, and what the administrator can do about it. */
export interface AdminAccountsView {
  readonly title: string;
  readonly columns: readonly AdminViewColumn[];
  readonly rows: readonly AdminAccountRow[];
}

/**
 * The accounts screen as data: a row per account with its status (disabled, locked, active), whether the password
 * must change, its second factor, and the actions that apply (unlock only when locked, second-factor reset only when
 * one is enrolled). No HTML: render it with any template.
 *
 * @example
 * ```ts
 * import { adminView, type Kanmon } from 'kanmon';
 * declare const kanmon: Kanmon;
 * const inventory = await kanmon.inventory({ tenant: 'funabashi' });
 * if (inventory.ok) {
 *   const view = adminView.accounts(inventory.accounts, { lang: 'ja' });
 *   for (const row of view.rows) console.log(row.username, row.status.label, row.actions.map((a) => a.label));
 * }
 * ```
 */
export function accountsView(accounts: readonly AdminAccountFacts[], options: AdminViewOptions): AdminAccountsView {
  const t = textOf(options);
  return {
    title: t.accountsTitle,
    columns: [
      { key: 'username', label: t.username },
      { key: 'roles', label: t.roles },
      { key: 'status', label: t.status },
      { key: 'actions', label: '' },
    ],
    rows: accounts.map((a) => {
      const enrolled = a.mfa.status !== 'none';
      const actions: AdminViewAction[] = [];
      if (a.locked === true) actions.push({ kind: 'unlock', label: t.unlock, accountId: a.accountId });
      actions.push({ kind: 'reset_password', label: t.resetPassword, accountId: a.accountId });
      if (enrolled) actions.push({ kind: 'reset_mfa', label: t.resetMfa, accountId: a.accountId });
      return {
        accountId: a.accountId,
        username: a.username,
        roles: [...a.roles],
        status: statusOf(t, a),
        mustChange: a.mustChangePassword === true ? t.mustChange : null,
        secondFactor: { enrolled, label: enrolled ? t.totpEnrolled : t.totpNone },
        actions,
      };
    }),
  };
}

/** One row of `adminView.inventory`. */
export interface AdminInventoryRow {
  readonly accountId: string;
  readonly username: string;
  readonly roles: readonly string[];
  /** `yes` when the account holds a privileged role, else `null`. */
  readonly privileged: string | null;
  readonly secondFactor: { readonly enrolled: boolean; readonly label: string; readonly alert: boolean };
  /** `null`: never signed in (`neverLabel` says so). */
  readonly lastLogin: (AdminViewTime & { readonly ip: string | null }) | null;
  readonly passwordAge: { readonly days: number; readonly label: string };
  readonly status: AdminViewStatus;
  /** `null` unless dormant. */
  readonly dormant: { readonly idleDays: number; readonly label: string } | null;
}

/** The inventory screen (RM-27 権限の割当一覧, SEC-12 dormant accounts). */
export interface AdminInventoryView {
  readonly title: string;
  readonly lead: string;
  readonly generatedAt: AdminViewTime;
  readonly columns: readonly AdminViewColumn[];
  readonly rows: readonly AdminInventoryRow[];
  /** The word for an account that never signed in. */
  readonly neverLabel: string;
  /** Dormant accounts not yet disabled. */
  readonly dormantCount: number;
  /** `disable_dormant` with its explanation when there is any, else `null`. */
  readonly disableDormant: (AdminViewAction & { readonly lead: string }) | null;
}

/**
 * The inventory screen as data, from `kanmon.inventory()`'s answer: a row per account (roles, privilege, second
 * factor, last sign-in, password age, status, dormancy) and the page-wide action to disable the dormant ones.
 *
 * @example
 * ```ts
 * import { adminView, type Kanmon } from 'kanmon';
 * declare const kanmon: Kanmon;
 * const result = await kanmon.inventory({ tenant: 'funabashi' });
 * if (result.ok) {
 *   const view = adminView.inventory(result, { lang: 'en' });
 *   console.log(view.lead, view.dormantCount, view.rows.length);
 * }
 * ```
 */
export function inventoryView(result: Extract<InventoryResult, { ok: true }>, options: AdminViewOptions): AdminInventoryView {
  const t = textOf(options);
  const zone = { ...options, timeZone: options.timeZone ?? result.timeZone };
  const generatedAt = timeOf(result.generatedAt, zone);
  const dormantCount = result.accounts.filter((a) => a.dormant && !a.disabled).length;
  return {
    title: t.inventoryTitle,
    lead: t.inventoryLead(generatedAt.text, result.dormantDays),
    generatedAt,
    columns: [
      { key: 'username', label: t.username },
      { key: 'roles', label: t.roles },
      { key: 'privileged', label: t.privileged },
      { key: 'secondFactor', label: t.secondFactor },
      { key: 'lastLogin', label: t.lastLogin },
      { key: 'passwordAge', label: t.passwordAge },
      { key: 'status', label: t.status },
      { key: 'dormant', label: t.dormant },
    ],
    rows: result.accounts.map((a) => {
      const enrolled = a.mfa.status !== 'none';
      return {
        accountId: a.accountId,
        username: a.username,
        roles: [...a.roles],
        privileged: a.privileged ? t.yes : null,
        secondFactor: { enrolled, label: enrolled ? t.mfaTotp(a.mfa.recoveryCodesLeft) : t.mfaNone, alert: !enrolled },
        lastLogin: a.lastLoginAt === null ? null : { ...timeOf(a.lastLoginAt, zone), ip: a.lastLoginIp },
        passwordAge: { days: a.passwordAgeDays, label: t.days(a.passwordAgeDays) },
        status: statusOf(t, a),
        dormant: a.dormant ? { idleDays: a.idleDays, label: t.dormantYes(a.idleDays) } : null,
      };
    }),
    neverLabel: t.never,
    dormantCount,
    disableDormant: dormantCount > 0 ? { kind: 'disable_dormant', label: t.disableDormant, accountId: null, lead: t.disableDormantLead(dormantCount) } : null,
  };
}

/** The audit-verification panel (EXT-6, SEC-18). */
export interface AdminAuditView {
  readonly title: string;
  readonly ok: boolean;
  /** Records that verified. */
  readonly count: number;
  readonly message: string;
  /** Where the first problem is (`file:line` or `stream#seq`) and why; `null` when intact. */
  readonly firstBad: { readonly where: string; readonly reason: string } | null;
  /** Records of crypto-shredded tenants (their key destroyed at the end of a tenant): one line each, not tampering. */
  readonly shredded: readonly { readonly tenant: string; readonly code: 'ERR_KEY_DESTROYED'; readonly message: string }[];
}

/**
 * The audit-verification panel as data, from `verifyAuditLog`'s answer: intact with the count of records verified
 * along the HMAC chain, or where the chain first breaks and why.
 *
 * @example
 * ```ts
 * import { adminView, verifyAuditLog, type AuditSink, type KeyRing } from 'kanmon';
 * declare const sink: AuditSink;
 * declare const keyRing: KeyRing;
 * const view = adminView.auditVerification(await verifyAuditLog(sink, keyRing), { lang: 'ja' });
 * console.log(view.ok ? view.message : `${view.message} (${view.firstBad?.reason})`);
 * ```
 */
export function auditVerificationView(result: AuditVerifyResult, options: AdminViewOptions): AdminAuditView {
  const t = textOf(options);
  const bad = result.firstBad;
  const where = bad === null ? '' : (bad.where ?? `${bad.stream}#${bad.seq}`);
  return {
    title: t.auditTitle,
    ok: result.ok,
    count: result.count,
    message: result.ok ? t.auditOk(result.count) : t.auditBad(`${where} ${bad?.reason ?? ''}`.trim()),
    firstBad: bad === null ? null : { where, reason: bad.reason },
    shredded: (result.shredded ?? []).map((range) => ({
      tenant: range.tenant,
      code: range.code,
      message: t.auditShredded(range.count, range.tenant, `${range.stream}#${range.firstSeq}–${range.lastSeq}`),
    })),
  };
}

/** The answer of an administrative call, as `adminView.outcome` reads it (any `AdminResult`, or `disableDormantAccounts`'s). */
export type AdminOutcomeResult = { readonly ok: true; readonly disabled?: readonly unknown[] } | { readonly ok: false; readonly reason: string };

/** Which administrative call a notice reports. */
export type AdminOperation = 'unlock' | 'reset_password' | 'reset_mfa' | 'disable_dormant';

/**
 * The notice after an administrative call (`adminUnlock`, `adminResetPassword`, `adminResetMfa`,
 * `disableDormantAccounts`): a success naming the account (or the count), `reauth` when the administrator must step
 * up first (`reauth_required`), or the coded error's words. Secrets in the result (a temporary password) are never
 * put in the notice: show them from the result, once.
 *
 * @example
 * ```ts
 * import { adminView, type Kanmon, type Session } from 'kanmon';
 * declare const kanmon: Kanmon;
 * declare const session: Session;
 * const result = await kanmon.adminUnlock({ tenant: 'funabashi', actor: session.subject, actorSession: session, accountId: 'u-1' });
 * const notice = adminView.outcome('unlock', result, { lang: 'ja', username: 'sato' });
 * console.log(notice.tone, notice.message);
 * ```
 */
export function outcomeView(
  operation: AdminOperation,
  result: AdminOutcomeResult,
  options: AdminViewOptions & { readonly username?: string | undefined },
): AdminViewNotice {
  const t = textOf(options);
  const name = options.username ?? '';
  if (result.ok) {
    const message =
      operation === 'unlock' ? t.unlocked(name) : operation === 'reset_password' ? t.passwordReset(name) : operation === 'reset_mfa' ? t.mfaResetDone(name) : t.dormantDisabled(result.disabled?.length ?? 0);
    return { tone: 'success', code: 'ok', message };
  }
  const { reason } = result;
  if (reason === 'reauth_required') return { tone: 'reauth', code: reason, message: t.reauthRequired };
  const message = reason === 'not_found' ? t.notFound : reason === 'actor_mismatch' ? t.actorMismatch : reason === 'unavailable' ? t.unavailable : t.failed;
  return { tone: 'error', code: reason, message };
}
