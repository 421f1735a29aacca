import type { MessageLang } from './catalog.js';

/** The words of the administrator's screens (`adminView.*`): headings, column labels, statuses, actions and notices. */
export interface AdminViewText {
  readonly accountsTitle: string;
  readonly inventoryTitle: string;
  readonly auditTitle: string;
  readonly username: string;
  readonly roles: string;
  readonly status: string;
  readonly privileged: string;
  readonly secondFactor: string;
  readonly lastLogin: string;
  readonly passwordAge: string;
  readonly dormant: string;
  readonly statusActive: string;
  readonly statusLocked: string;
  readonly statusDisabled: string;
  readonly mustChange: string;
  readonly totpEnrolled: string;
  readonly totpNone: string;
  readonly yes: string;
  readonly never: string;
  readonly mfaNone: string;
  readonly unlock: string;
  readonly resetPassword: string;
  readonly resetMfa: string;
  readonly disableDormant: string;
  readonly mfaTotp: (recoveryCodesLeft: number | null) => string;
  readonly days: (n: number) => string;
  readonly dormantYes: (idleDays: number) => string;
  readonly inventoryLead: (time: string, dormantDays: number | null) => string;
  readonly disableDormantLead: (count: number) => string;
  readonly auditOk: (count: number) => string;
  readonly auditBad: (where: string) => string;
  readonly auditShredded: (count: number, tenant: string, where: string) => string;
  readonly unlocked: (username: string) => string;
  readonly passwordReset: (username: string) => string;
  readonly mfaResetDone: (username: string) => string;
  readonly dormantDisabled: (count: number) => string;
  readonly notFound: string;
  readonly reauthRequired: string;
  readonly actorMismatch: string;
  readonly unavailable: string;
  readonly failed: string;
}

const ja: AdminViewText = Object.freeze<AdminViewText>({
  accountsTitle: 'アカウント',
  inventoryTitle: 'アカウント棚卸し',
  auditTitle: '監査ログ（改ざん検知）',
  username: 'ユーザー名',
  roles: '権限',
  status: '状態',
  privileged: '特権',
  secondFactor: '二要素認証',
  lastLogin: '最終ログイン',
  passwordAge: 'パスワード経過日数',
  dormant: '休眠',
  statusActive: '利用可',
  statusLocked: 'ロック中',
  statusDisabled: '無効',
  mustChange: '要パスワード変更',
  totpEnrolled: 'TOTP 登録済み',
  totpNone: 'TOTP 未登録',
  yes: 'あり',
  never: 'ログインなし',
  mfaNone: 'なし',
  unlock: 'ロック解除',
  resetPassword: 'パスワード再発行',
  resetMfa: '二要素認証を解除',
  disableDormant: '休眠アカウントを無効化',
  mfaTotp: (left) => (left === null ? 'TOTP' : `TOTP（リカバリーコード残り ${left} 個）`),
  days: (n) => `${n} 日`,
  dormantYes: (n) => `休眠（${n} 日）`,
  inventoryLead: (time, days) =>
    `${time} 時点の全アカウントと権限の割当一覧です（RM-27）。${days === null ? '休眠の判定はしていません。' : `${days} 日以上ログインのないアカウントを休眠としています（SEC-12、暦日で数えます）。`}`,
  disableDormantLead: (n) => `休眠アカウントが ${n} 件あります。無効化すると、そのアカウントのセッションも終了します（監査ログに記録されます）。`,
  auditOk: (count) => `正常: ${count} 件のイベントを HMAC チェーンで検証しました（EXT-6, SEC-18）。`,
  auditBad: (where) => `改ざんまたは欠落を検知しました: ${where}`,
  auditShredded: (count, tenant, where) => `暗号消去済み: テナント ${tenant} の ${count} 件（${where}）は鍵の破棄により検証できません（改ざんではありません）。`,
  unlocked: (name) => `${name} のロックを解除しました。`,
  passwordReset: (name) => `${name} のパスワードを再発行しました。次回ログイン時に変更が必要です。`,
  mfaResetDone: (name) => `${name} の二要素認証を解除しました。次回ログイン時に登録し直します。`,
  dormantDisabled: (n) => `休眠アカウント ${n} 件を無効化しました。`,
  notFound: '対象のアカウントが見つかりません。',
  reauthRequired: 'この操作には再度のログインが必要です。もう一度ログインしてから操作してください。',
  actorMismatch: '操作者とセッションが一致しません。',
  unavailable: '一時的に処理できません。しばらくしてからもう一度お試しください。',
  failed: '操作できませんでした。',
});

const en: AdminViewText = Object.freeze<AdminViewText>({
  accountsTitle: 'Accounts',
  inventoryTitle: 'Account inventory',
  auditTitle: 'Audit log (tamper detection)',
  username: 'Username',
  roles: 'Roles',
  status: 'Status',
  privileged: 'Privileged',
  secondFactor: 'Two-factor',
  lastLogin: 'Last sign-in',
  passwordAge: 'Password age',
  dormant: 'Dormant',
  statusActive: 'Active',
  statusLocked: 'Locked',
  statusDisabled: 'Disabled',
  mustChange: 'must change password',
  totpEnrolled: 'TOTP set up',
  totpNone: 'no TOTP',
  yes: 'yes',
  never: 'never',
  mfaNone: 'none',
  unlock: 'Unlock',
  resetPassword: 'Reset password',
  resetMfa: 'Reset second factor',
  disableDormant: 'Disable dormant accounts',
  mfaTotp: (left) => (left === null ? 'TOTP' : `TOTP (${left} recovery codes left)`),
  days: (n) => `${n} days`,
  dormantYes: (n) => `dormant (${n} days)`,
  inventoryLead: (time, days) =>
    `Every account and its roles as of ${time} (RM-27). ${days === null ? 'Dormancy is not checked.' : `An account without a sign-in for ${days} days or more is dormant (SEC-12, counted in calendar days).`}`,
  disableDormantLead: (n) => `${n} dormant account(s). Disabling one also ends its sessions (audited).`,
  auditOk: (count) => `Intact: ${count} events verified along the HMAC chain (EXT-6, SEC-18).`,
  auditBad: (where) => `Tampering or loss detected: ${where}`,
  auditShredded: (count, tenant, where) => `Crypto-shredded: ${count} record(s) of tenant ${tenant} (${where}) can no longer be checked, their key destroyed (not tampering).`,
  unlocked: (name) => `${name} is unlocked.`,
  passwordReset: (name) => `${name}'s password was reset; it must be changed at the next sign-in.`,
  mfaResetDone: (name) => `${name}'s second factor was reset; it is set up again at the next sign-in.`,
  dormantDisabled: (n) => `${n} dormant account(s) disabled.`,
  notFound: 'That account was not found.',
  reauthRequired: 'Please sign in again before making this change.',
  actorMismatch: 'The acting administrator does not match the session.',
  unavailable: 'This cannot be done right now. Please try again shortly.',
  failed: 'The operation failed.',
});

/** Japanese first: the words municipal staff read; English for vendors' engineers. */
export const adminViewText: Readonly<Record<MessageLang, AdminViewText>> = Object.freeze({ ja, en });
