import { accountsView, auditVerificationView, inventoryView, outcomeView } from './admin-view.js';

/**
 * HTML-free view models of the administrator's screens (issue 21): pure functions from kanmon's answers to plain
 * objects (ja/en labels, rows, statuses, actions, notices) that any template renders — the demo's pages, an Express
 * or NestJS app. `accounts`, `inventory`, `auditVerification` and `outcome` (after unlock, reset, second-factor reset,
 * dormant sweep).
 *
 * @example
 * ```ts
 * import { adminView } from 'kanmon';
 * const panel = adminView.auditVerification({ ok: true, count: 12, streams: [], firstBad: null }, { lang: 'en' });
 * console.log(panel.message); // "Intact: 12 events verified along the HMAC chain (EXT-6, SEC-18)."
 * ```
 */
export const adminView = Object.freeze({
  /** The accounts screen as data: a row per account with its status, second factor and the actions that apply. */
  accounts: accountsView,
  /** The inventory screen as data, from `kanmon.inventory()`: a row per account and the action to disable the dormant ones. */
  inventory: inventoryView,
  /** The audit-verification panel as data, from `verifyAuditLog`: intact, or where the HMAC chain first breaks and why. */
  auditVerification: auditVerificationView,
  /** The notice after an administrative call: success, a step-up to do first, or the coded error's words; never a secret. */
  outcome: outcomeView,
});

export type { AdminAccountFacts, AdminAccountRow, AdminAccountsView, AdminAuditView, AdminInventoryRow, AdminInventoryView, AdminOperation, AdminOutcomeResult } from './admin-view.js';
export type { AdminViewAction, AdminViewColumn, AdminViewNotice, AdminViewOptions, AdminViewStatus, AdminViewTime } from './types.js';
