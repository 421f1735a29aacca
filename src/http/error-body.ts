import type { MessageLang } from '../messages/catalog.js';
import { OUTAGE_RETRY_AFTER_MS, isDependencyOutage } from '../store/guard.js';

/**
 * The stable codes of kanmon's HTTP error bodies. Clients `switch` on `code`;
 * `message` is for people and follows `Accept-Language`.
 */
export type HttpErrorCode =
  /** The body is not JSON, not an object, or a field has the wrong type or length. */
  | 'invalid_request'
  /** The body is larger than the adapter reads. */
  | 'payload_too_large'
  /** Plain HTTP, and TLS does not end at a trusted proxy (IPC-16). */
  | 'tls_required'
  /** Unknown user, wrong password, disabled account: one answer for all three. */
  | 'invalid_credentials'
  /** Too many failed attempts on this account; `Retry-After` says when to try again (SEC-24). */
  | 'locked'
  /** Too many attempts from this client; `Retry-After` says when to try again. */
  | 'throttled'
  /** The place, terminal, certificate, device or time of day is not allowed (FNB-2.1). */
  | 'access_denied'
  /** No session token. */
  | 'session_required'
  /** The session ended: idle or absolute timeout (IPC-11, IPC-12). */
  | 'session_expired'
  /** The token is tampered, revoked, from another tenant or otherwise not valid. */
  | 'session_invalid'
  /** This needs a second factor the session does not have. */
  | 'mfa_required'
  /** The one-time code or recovery code is wrong, or was already used (RFC 6238 §5.2). */
  | 'mfa_invalid'
  /** No TOTP is enrolled yet: enrol with the login challenge first. */
  | 'mfa_not_enrolled'
  /**
   * A TOTP is already enrolled and a login challenge cannot replace it: replace it from a session with a code of
   * the current one (or a recovery code); a user who lost it asks an administrator to remove it.
   */
  | 'mfa_already_enrolled'
  /** The session authenticated too long ago for this change (`policy.session.reauthMaxAgeSeconds`): sign in again. */
  | 'reauth_required'
  /** Changing the second factor needs the current one: send `currentCode` (a code of the current app or a recovery code). */
  | 'factor_required'
  /** An administrator cannot remove their own second factor: another administrator must (`adminResetMfa`). */
  | 'self_reset_forbidden'
  /** The login challenge is malformed, forged, used or expired: log in again. */
  | 'challenge_invalid'
  /** The passkey was refused (origin, ceremony, signature, counter, user verification, model or an unknown key): `reason` says which. */
  | 'passkey_invalid'
  /** Passkeys (or passwordless sign-in) are off in the policy. */
  | 'passkeys_off'
  /** The account must change its password before anything else. */
  | 'password_change_required'
  /** The new password is refused by the policy (see `issues`). */
  | 'password_rejected'
  /** The new password is one of the last ones used. */
  | 'password_reused'
  /** The password was changed too recently (minimum age); `Retry-After` says when. */
  | 'password_too_soon'
  /** The right password, but an issued one past its validity (`policy.password.issuedValidityHours`): an administrator must issue another. */
  | 'issued_password_expired'
  /** Self-service password reset is off (`policy.recovery.selfService`): an administrator resets passwords. */
  | 'password_reset_off'
  /** The reset token is unknown, used, expired or superseded: ask for a new one. */
  | 'reset_token_invalid'
  /** The account has its limit of sessions (`policy.session.maxConcurrent`, `refuse_new`): end one first. */
  | 'session_limit'
  /** The account has no such live session (`sessionId` of another account's session included). */
  | 'session_not_found'
  /** The account has no such passkey (a credential id of another account's included). */
  | 'passkey_not_found'
  /** The session lacks the role this needs. */
  | 'forbidden'
  /** The state store or another dependency did not answer. */
  | 'service_unavailable'
  /** An unexpected failure; details are never sent. */
  | 'internal_error';

/** The HTTP status of each code. */
export const httpErrorStatus: Readonly<Record<HttpErrorCode, number>> = {
  invalid_request: 400,
  payload_too_large: 413,
  tls_required: 403,
  invalid_credentials: 401,
  locked: 429,
  throttled: 429,
  access_denied: 403,
  session_required: 401,
  session_expired: 401,
  session_invalid: 401,
  mfa_required: 403,
  mfa_invalid: 401,
  mfa_not_enrolled: 403,
  mfa_already_enrolled: 409,
  reauth_required: 401,
  factor_required: 403,
  self_reset_forbidden: 403,
  challenge_invalid: 401,
  passkey_invalid: 401,
  passkeys_off: 404,
  password_change_required: 403,
  password_rejected: 422,
  password_reused: 422,
  password_too_soon: 429,
  issued_password_expired: 403,
  password_reset_off: 403,
  reset_token_invalid: 401,
  session_limit: 409,
  session_not_found: 404,
  passkey_not_found: 404,
  forbidden: 403,
  service_unavailable: 503,
  internal_error: 500,
};

const messages: Readonly<Record<MessageLang, Readonly<Record<HttpErrorCode, string>>>> = {
  ja: {
    invalid_request: 'リクエストの形式が正しくありません。',
    payload_too_large: 'リクエストが大きすぎます。',
    tls_required: '暗号化された接続（HTTPS）でアクセスしてください。',
    invalid_credentials: 'ユーザーIDまたはパスワードが正しくありません。',
    locked: 'ログインの失敗が続いたため、一時的にロックされています。しばらくしてから再度お試しください。',
    throttled: '試行回数が多すぎます。しばらくしてから再度お試しください。',
    access_denied: 'この場所・端末・時間帯からは利用できません。',
    session_required: 'ログインしてください。',
    session_expired: '一定時間操作がなかったため、ログアウトしました。再度ログインしてください。',
    session_invalid: 'セッションが無効です。再度ログインしてください。',
    mfa_required: '追加の認証（ワンタイムパスワード）が必要です。',
    mfa_invalid: 'ワンタイムパスワードが正しくないか、すでに使用されています。',
    mfa_not_enrolled: 'ワンタイムパスワードの登録が必要です。',
    mfa_already_enrolled:
      'ワンタイムパスワードはすでに登録されています。変更するには、ログイン後に現在の認証アプリのコード（またはリカバリーコード）で確認してください。認証アプリを紛失した場合は管理者に連絡してください。',
    reauth_required: 'この操作には再度のログインが必要です。もう一度ログインしてから操作してください。',
    factor_required: '現在の認証アプリのワンタイムパスワード（またはリカバリーコード）を入力してください。',
    self_reset_forbidden: '自分自身の二要素認証は解除できません。別の管理者に依頼してください。',
    challenge_invalid: 'ログインの有効期限が切れました。最初からログインし直してください。',
    passkey_invalid: 'パスキーを確認できませんでした。もう一度お試しください。続く場合は登録した端末やセキュリティキーを確認してください。',
    passkeys_off: 'このサービスではパスキーを利用できません。',
    password_change_required: 'パスワードの変更が必要です。',
    password_rejected: '新しいパスワードがパスワードポリシーを満たしていません。',
    password_reused: '最近使用したパスワードは使用できません。',
    password_too_soon: 'パスワードは前回の変更から一定期間が経過するまで変更できません。',
    issued_password_expired: '発行されたパスワードの有効期限が切れています。管理者に新しいパスワードの発行を依頼してください。',
    password_reset_off: 'このサービスではパスワードの再設定を利用できません。管理者に連絡してください。',
    reset_token_invalid: 'パスワード再設定のリンクが無効か、有効期限が切れています。もう一度再設定を申請してください。',
    session_limit: '同時にログインできる数の上限に達しています。ほかの端末でログアウトするか、「ログイン中の端末」から終了してから、再度ログインしてください。',
    session_not_found: '指定されたログイン中の端末（セッション）は見つかりません。すでに終了している可能性があります。',
    passkey_not_found: '指定されたパスキーは登録されていません。すでに削除されている可能性があります。',
    forbidden: 'この操作を行う権限がありません。',
    service_unavailable: '現在サービスを利用できません。しばらくしてから再度お試しください。',
    internal_error: 'エラーが発生しました。',
  },
  en: {
    invalid_request: 'The request is malformed.',
    payload_too_large: 'The request is too large.',
    tls_required: 'Use an encrypted connection (HTTPS).',
    invalid_credentials: 'The user ID or password is incorrect.',
    locked: 'Too many failed sign-in attempts. The account is temporarily locked; try again later.',
    throttled: 'Too many attempts. Please try again later.',
    access_denied: 'Access is not allowed from this place, terminal or time.',
    session_required: 'Please sign in.',
    session_expired: 'You were signed out after a period of inactivity. Please sign in again.',
    session_invalid: 'The session is not valid. Please sign in again.',
    mfa_required: 'An additional authentication step (one-time password) is required.',
    mfa_invalid: 'The one-time password is incorrect or was already used.',
    mfa_not_enrolled: 'You must register a one-time password app first.',
    mfa_already_enrolled:
      'A one-time password app is already registered. To replace it, sign in and confirm with a code from your current app (or a recovery code). If you have lost it, contact your administrator.',
    reauth_required: 'Please sign in again before making this change.',
    factor_required: 'Enter a one-time password from your current app (or a recovery code).',
    self_reset_forbidden: 'You cannot remove your own second factor. Ask another administrator.',
    challenge_invalid: 'The sign-in has expired. Please sign in again.',
    passkey_invalid: 'The passkey could not be verified. Please try again; if it keeps failing, check the device or security key you registered.',
    passkeys_off: 'Passkeys are not available for this service.',
    password_change_required: 'You must change your password.',
    password_rejected: 'The new password does not meet the password policy.',
    password_reused: 'You cannot reuse a recent password.',
    password_too_soon: 'The password was changed too recently to change it again yet.',
    issued_password_expired: 'The password you were issued has expired. Ask your administrator to issue a new one.',
    password_reset_off: 'Password reset is not available for this service. Contact your administrator.',
    reset_token_invalid: 'The password reset link is not valid or has expired. Please request a new one.',
    session_limit: 'You are signed in on the maximum number of devices. Sign out on another device (or end one of your sessions) and sign in again.',
    session_not_found: 'That session was not found. It may have ended already.',
    passkey_not_found: 'That passkey is not registered. It may have been removed already.',
    forbidden: 'You are not allowed to do this.',
    service_unavailable: 'The service is unavailable. Please try again later.',
    internal_error: 'An error occurred.',
  },
};

/**
 * The message for a code, in `lang` (what the adapters put in `error.message`).
 *
 * @example
 * ```ts
 * import { httpErrorMessage } from 'kanmon/fastify';
 * httpErrorMessage('locked', 'en'); // 'Too many failed sign-in attempts. …'
 * ```
 */
export function httpErrorMessage(code: HttpErrorCode, lang: MessageLang): string {
  return messages[lang][code];
}

/** What the adapters send: status, headers, and the body already serialised, so both frameworks send the same bytes. */
export interface HttpReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  /** JSON text, or `null` for no body. */
  readonly body: string | null;
  /** For an error reply: its code (for `onDenied` hooks that render their own page). */
  readonly code?: HttpErrorCode;
}

/** Extra fields of an error body (never secrets): e.g. `retryAfterSeconds`, password `issues`. */
export type HttpErrorExtra = Readonly<Record<string, unknown>>;

/**
 * The one JSON error body: `{"error":{"code":…,"message":…}}` plus optional
 * extra fields, with `Content-Language`, `Cache-Control: no-store` and
 * `Vary: Accept-Language` (and `Retry-After` on a 503). Equal inputs give byte-identical replies.
 */
export function errorReply(code: HttpErrorCode, lang: MessageLang, extra: HttpErrorExtra = {}, headers: Readonly<Record<string, string | readonly string[]>> = {}): HttpReply {
  // Every 503 says when to come back, whichever path produced it.
  const retry: Record<string, string> = code === 'service_unavailable' ? { 'retry-after': String(OUTAGE_RETRY_AFTER_SECONDS) } : {};
  const reply = jsonReply(httpErrorStatus[code], { error: { code, message: messages[lang][code], ...extra } }, { 'content-language': lang, vary: 'Accept-Language', ...retry, ...headers });
  return { ...reply, code };
}

/** A JSON reply with `Cache-Control: no-store` (authentication answers are never cached). */
export function jsonReply(status: number, body: unknown, headers: Readonly<Record<string, string | readonly string[]>> = {}): HttpReply {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

/** `Retry-After` of a 503 answered for a dependency that failed (seconds). */
export const OUTAGE_RETRY_AFTER_SECONDS = OUTAGE_RETRY_AFTER_MS / 1000;


/**
 * The one answer to a failure inside a kanmon route or guard: an outage
 * ({@link isDependencyOutage}) is `503 service_unavailable` with `Retry-After`; anything
 * else is `500 internal_error`. The body is the coded JSON error body of every
 * other refusal: never the error's message, code, cause or stack.
 */
export function failureReply(err: unknown, lang: MessageLang): HttpReply {
  return errorReply(isDependencyOutage(err) ? 'service_unavailable' : 'internal_error', lang);
}
