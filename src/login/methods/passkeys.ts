import type { FlowContext } from '../flow-context.js';
import { finishPasskeyAuthentication, startPasskeyAuthentication } from '../flows/passkey-authentication.js';
import { changePasskey, listPasskeys } from '../flows/passkey-manage.js';
import { finishPasskeyRegistration, startPasskeyRegistration } from '../flows/passkey-registration.js';
import { answeringOutage, deniedUnavailable, notOkUnavailable } from '../outage.js';
import type { KanmonPasskeys } from '../passkey-types.js';
import type { LoginAuthenticated } from '../types.js';
import type { SessionLimitDenied } from '../session-types.js';

/** The passkey methods of `Kanmon` (issue 18), each answering an outage in its own result family. */
export function passkeyMethods(ctx: FlowContext): KanmonPasskeys<LoginAuthenticated | SessionLimitDenied> {
  return {
    startPasskeyRegistration: answeringOutage((input) => startPasskeyRegistration(ctx, input), notOkUnavailable),
    finishPasskeyRegistration: answeringOutage((input) => finishPasskeyRegistration(ctx, input), notOkUnavailable),
    startPasskeyAuthentication: answeringOutage((input) => startPasskeyAuthentication(ctx, input), notOkUnavailable),
    finishPasskeyAuthentication: answeringOutage((input) => finishPasskeyAuthentication(ctx, input), deniedUnavailable),
    listPasskeys: answeringOutage((input) => listPasskeys(ctx, input), notOkUnavailable),
    renamePasskey: answeringOutage((input) => changePasskey(ctx, input, 'rename'), notOkUnavailable),
    removePasskey: answeringOutage((input) => changePasskey(ctx, input, 'remove'), notOkUnavailable),
  };
}
