import type { FlowContext } from '../flow-context.js';
import { changePassword } from '../flows/change-password.js';
import { completePasswordReset } from '../flows/complete-password-reset.js';
import { confirmTotp, enrollTotp } from '../flows/enroll-totp.js';
import { login } from '../flows/login.js';
import { logout } from '../flows/logout.js';
import { regenerateRecoveryCodes } from '../flows/regenerate-recovery-codes.js';
import { requestPasswordReset } from '../flows/request-password-reset.js';
import { verifyMfa } from '../flows/verify-mfa.js';
import { answeringOutage, deniedUnavailable, notOkUnavailable } from '../outage.js';
import type { Kanmon } from '../types.js';

/** The user's own flows of `Kanmon` (one file each under `flows/`), each answering an outage in its own result family. */
export function flowMethods(
  ctx: FlowContext,
): Pick<Kanmon, 'login' | 'verifyMfa' | 'changePassword' | 'enrollTotp' | 'confirmTotp' | 'regenerateRecoveryCodes' | 'logout' | 'requestPasswordReset' | 'completePasswordReset'> {
  return {
    login: answeringOutage((input) => login(ctx, input), deniedUnavailable),
    verifyMfa: answeringOutage((input) => verifyMfa(ctx, input), deniedUnavailable),
    changePassword: answeringOutage((input) => changePassword(ctx, input), deniedUnavailable),
    enrollTotp: answeringOutage((input) => enrollTotp(ctx, input), deniedUnavailable),
    confirmTotp: answeringOutage((input) => confirmTotp(ctx, input), deniedUnavailable),
    regenerateRecoveryCodes: answeringOutage((input) => regenerateRecoveryCodes(ctx, input), notOkUnavailable),
    logout: answeringOutage((input) => logout(ctx, input), notOkUnavailable),
    requestPasswordReset: answeringOutage((input) => requestPasswordReset(ctx, input), notOkUnavailable),
    completePasswordReset: answeringOutage((input) => completePasswordReset(ctx, input), deniedUnavailable),
  };
}
