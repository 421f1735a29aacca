import { markCompromised } from '../admin/compromise.js';
import { revokeSessions, setDisabled } from '../admin/accounts.js';
import { deleteAccount } from '../admin/delete-account.js';
import { disableDormantAccounts } from '../admin/dormant.js';
import { registerDevice, revokeDevice } from '../admin/devices.js';
import { adminUnlock } from '../admin/locks.js';
import { adminResetMfa } from '../admin/mfa-reset.js';
import { adminResetPassword } from '../admin/password-reset.js';
import { grantRole, revokeRole } from '../admin/roles.js';
import type { KanmonAdmin } from '../admin/types.js';
import type { KanmonAdminPasskeys } from '../passkey-types.js';
import type { FlowContext } from '../flow-context.js';
import { createAccount } from '../flows/create-account.js';
import { answeringOutage, notOkUnavailable } from '../outage.js';
import { recentActorRequired } from '../admin/actor.js';
import { adminRemovePasskey } from '../admin/passkeys.js';

/**
 * The administrative methods of `Kanmon` (one file per concern under `admin/`), each answering an outage as
 * `unavailable`; the whole group requires a recent authentication of its actor (SEC-13, admin/actor.ts): an
 * operation added here is guarded with the others.
 */
export function adminMethods(ctx: FlowContext): KanmonAdmin & KanmonAdminPasskeys {
  return recentActorRequired(ctx, {
    createAccount: answeringOutage((input) => createAccount(ctx, input), notOkUnavailable),
    adminResetPassword: answeringOutage((input) => adminResetPassword(ctx, input), notOkUnavailable),
    adminResetMfa: answeringOutage((input) => adminResetMfa(ctx, input), notOkUnavailable),
    markCompromised: answeringOutage((input) => markCompromised(ctx, input), notOkUnavailable),
    adminUnlock: answeringOutage((input) => adminUnlock(ctx, input), notOkUnavailable),
    revokeSessions: answeringOutage((input) => revokeSessions(ctx, input), notOkUnavailable),
    setDisabled: answeringOutage((input) => setDisabled(ctx, input), notOkUnavailable),
    grantRole: answeringOutage((input) => grantRole(ctx, input), notOkUnavailable),
    revokeRole: answeringOutage((input) => revokeRole(ctx, input), notOkUnavailable),
    registerDevice: answeringOutage((input) => registerDevice(ctx, input), notOkUnavailable),
    revokeDevice: answeringOutage((input) => revokeDevice(ctx, input), notOkUnavailable),
    disableDormantAccounts: answeringOutage((input) => disableDormantAccounts(ctx, input), notOkUnavailable),
    deleteAccount: answeringOutage((input) => deleteAccount(ctx, input), notOkUnavailable),
    adminRemovePasskey: answeringOutage((input) => adminRemovePasskey(ctx, input), notOkUnavailable),
  });
}
