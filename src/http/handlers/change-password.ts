import { formatIssue } from '../../messages/format-issue.js';
import type { HttpContext } from '../context.js';
import { type HttpReply, errorReply } from '../error-body.js';
import { readFields } from '../body-fields.js';
import { stepTarget } from '../guards.js';
import type { ReadBodyResult } from '../read-body.js';
import { loginFailure, retryAfter, stepReply, unavailableReply } from '../replies.js';
import type { HttpRequest, KanmonRequestState } from '../types.js';

/**
 * `POST` password change: `{ "challenge"?: string, "currentPassword": string, "newPassword": string }`;
 * with a `password_change_required` challenge, or else for the session.
 */
export async function changePassword(ctx: HttpContext, request: HttpRequest, current: KanmonRequestState, body: ReadBodyResult): Promise<HttpReply> {
  const read = readFields(ctx, request, current, body, {
    currentPassword: { max: 4096 },
    // An empty new password is the policy's to refuse (with its issues), not a malformed request.
    newPassword: { max: 4096, allowEmpty: true },
    challenge: { max: 8192, optional: true },
  });
  if (!read.ok) return read.reply;
  const { currentPassword, newPassword, challenge } = read.fields;
  const who = await stepTarget(ctx, request, current, challenge);
  if (!who.ok) return who.reply;
  const result = await ctx.kanmon.changePassword({ ...ctx.facts(request, current), ...who.target, currentPassword, newPassword });
  if (result.status === 'changed') {
    // The password changed, but no session: the account has its limit of them (policy.session.maxConcurrent).
    if (result.next.status === 'denied') return errorReply('session_limit', current.lang, { changed: true });
    return stepReply(ctx, result.next, { changed: true });
  }
  switch (result.reason) {
    case 'policy':
      return errorReply('password_rejected', current.lang, {
        issues: (result.issues ?? []).map((issue) => ({ ...issue, message: formatIssue(issue, current.lang) })),
      });
    case 'reused':
      return errorReply('password_reused', current.lang);
    case 'too_soon':
      return errorReply('password_too_soon', current.lang, {}, retryAfter(result.retryAfterMs));
    case 'invalid_challenge':
      return errorReply('challenge_invalid', current.lang);
    case 'invalid_credentials':
      return errorReply('invalid_credentials', current.lang);
    case 'issued_password_expired':
      return errorReply('issued_password_expired', current.lang);
    case 'unavailable':
      return unavailableReply(ctx, result, current.lang);
    case 'locked':
    case 'throttled':
      return errorReply(loginFailure[result.reason], current.lang, {}, retryAfter(result.retryAfterMs));
  }
}
