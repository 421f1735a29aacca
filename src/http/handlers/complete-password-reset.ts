import { formatIssue } from '../../messages/format-issue.js';
import type { HttpContext } from '../context.js';
import { type HttpReply, errorReply, jsonReply } from '../error-body.js';
import { readFields } from '../body-fields.js';
import type { ReadBodyResult } from '../read-body.js';
import { loginFailure, retryAfter, unavailableReply } from '../replies.js';
import type { HttpRequest, KanmonRequestState } from '../types.js';

/**
 * `POST` password-reset completion: `{ "token": string, "newPassword": string, "challenge"?: string, "code"?: string }`.
 * `200 { "status": "changed" }` (log in with the new password); `200 { "status": "mfa_required", challenge, expiresAt }`
 * when the account has a second factor (send the same body again with `challenge` and `code`); else a coded refusal.
 */
export async function completePasswordReset(ctx: HttpContext, request: HttpRequest, current: KanmonRequestState, body: ReadBodyResult): Promise<HttpReply> {
  const read = readFields(ctx, request, current, body, {
    token: { max: 2048 },
    // An empty new password is the policy's to refuse (with its issues), not a malformed request.
    newPassword: { max: 4096, allowEmpty: true },
    challenge: { max: 8192, optional: true },
    code: { max: 64, optional: true },
  });
  if (!read.ok) return read.reply;
  const { token, newPassword, challenge, code } = read.fields;
  const result = await ctx.kanmon.completePasswordReset({
    tenant: current.tenant,
    token,
    newPassword,
    ...(challenge === null ? {} : { challenge }),
    ...(code === null ? {} : { code }),
    ...ctx.facts(request, current),
  });
  if (result.status === 'changed') return jsonReply(200, { status: 'changed' });
  if (result.status === 'mfa_required') return jsonReply(200, { status: 'mfa_required', challenge: result.challenge, expiresAt: result.expiresAt });
  switch (result.reason) {
    case 'unavailable':
      return unavailableReply(ctx, result, current.lang);
    case 'self_service_off':
      return errorReply('password_reset_off', current.lang);
    case 'invalid_token':
      return errorReply('reset_token_invalid', current.lang);
    case 'policy':
      return errorReply('password_rejected', current.lang, {
        issues: (result.issues ?? []).map((issue) => ({ ...issue, message: formatIssue(issue, current.lang) })),
      });
    case 'reused':
      return errorReply('password_reused', current.lang);
    case 'invalid_challenge':
      return errorReply('challenge_invalid', current.lang);
    case 'invalid_code':
    case 'replayed':
    case 'already_used':
      return errorReply('mfa_invalid', current.lang);
    case 'locked':
      return errorReply('locked', current.lang, {}, retryAfter(result.retryAfterMs));
    default:
      return errorReply(loginFailure[result.reason], current.lang);
  }
}
