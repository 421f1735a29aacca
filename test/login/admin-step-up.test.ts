/**
 * Issue 17 point 1, SEC-13 (特権アカウントには強化された認証技術): every administrative operation of createKanmon
 * requires a recent authentication of its actor — `actorSession.authTime` within
 * `policy.session.reauthMaxAgeSeconds` — through ONE wrapper over the whole group (admin/actor.ts), so an
 * operation added later is guarded too. Boundary on an injected clock: allowed at exactly the max age,
 * `reauth_required` one second later. A session-less task uses `systemActor` (audited, unforgeable).
 */
import { describe, expect, it } from 'vitest';
import type { AdminInput, AuditEventInput, Kanmon, Session } from '../../src/index.js';
import type { FlowContext } from '../../src/login/flow-context.js';
import type { KanmonAdmin } from '../../src/login/admin/types.js';
import { recentActorRequired } from '../../src/login/admin/actor.js';
import { memoryStore } from '../../src/index.js';
import { okOf } from '../support/results.js';
import { GOOD_PASSWORD, INTERNAL_IP, type World, makeWorld } from './support.js';

const inside = { clientIp: INTERNAL_IP, tls: true } as const;

/** The administrator `kanri` logged in (password only, from inside), and sato, the account acted on. */
async function adminWorld() {
  const w = makeWorld((now) => memoryStore({ now }));
  // Not a privileged role of the policy, so a password login from inside suffices here (authorising is requireRole's job).
  const admin = await w.addUser('kanri', GOOD_PASSWORD, { roles: ['operator'] });
  const sato = await w.addUser('sato', GOOD_PASSWORD, { roles: ['staff'] });
  const login = await w.kanmon.login({ tenant: w.tenant, username: 'kanri', password: GOOD_PASSWORD, ...inside });
  if (login.status !== 'authenticated') throw new Error(JSON.stringify(login));
  return { w, admin, sato, session: login.session };
}
const maxAgeMs = (w: World) => w.policy.session.reauthMaxAgeSeconds * 1000;

/** Every built-in administrative operation, called on sato by `actor` with `actorSession`. */
function everyOperation(k: Kanmon, tenant: string, actor: string, actorSession: AdminInput['actorSession'], accountId: string) {
  const who = { tenant, actor, actorSession };
  const on = { ...who, accountId };
  return {
    createAccount: () => k.createAccount({ ...who, username: 'kenji' }),
    adminResetPassword: () => k.adminResetPassword(on),
    adminResetMfa: () => k.adminResetMfa({ ...on, reason: 'lost_device' }),
    markCompromised: () => k.markCompromised(on),
    adminUnlock: () => k.adminUnlock(on),
    revokeSessions: () => k.revokeSessions(on),
    setDisabled: () => k.setDisabled({ ...on, disabled: true }),
    grantRole: () => k.grantRole({ ...on, role: 'auditor' }),
    revokeRole: () => k.revokeRole({ ...on, role: 'staff' }),
    registerDevice: () => k.registerDevice({ ...who, accountId, label: '端末' }),
    revokeDevice: () => k.revokeDevice({ ...who, deviceId: 'd-unknown' }),
    disableDormantAccounts: () => k.disableDormantAccounts(who),
    deleteAccount: () => k.deleteAccount(on),
    // An operation added to KanmonAdmin must be listed here (the type says so), so this suite covers it.
  } satisfies Record<Exclude<keyof KanmonAdmin, 'systemActor'>, () => Promise<unknown>>;
}

describe('SEC-13: every administrative operation requires a recent authentication of its actor', () => {
  it('a stale session: each of the 13 operations answers reauth_required, audited with its name, and changes nothing', async () => {
    const { w, admin, sato, session } = await adminWorld();
    w.clock.advance(maxAgeMs(w) + 1000);
    const before = await w.accounts.findById(w.tenant, sato.id);
    const operations = everyOperation(w.kanmon, w.tenant, admin.id, session, sato.id);
    for (const [name, run] of Object.entries(operations)) expect([name, await run()]).toEqual([name, { ok: false, reason: 'reauth_required' }]);
    expect(await w.accounts.findById(w.tenant, sato.id)).toEqual(before);
    expect(await w.accounts.find(w.tenant, 'kenji')).toBeNull();
    const refused = w.events().filter((e) => e.type === 'admin.step_up.refused');
    expect(refused.map((e) => e.after?.operation)).toEqual(Object.keys(operations));
    expect(refused.every((e) => e.actor === admin.id && e.outcome === 'denied' && e.reason === 'reauth_required')).toBe(true);
    expect(w.events().filter((e) => e.type.startsWith('admin.') && e.type !== 'admin.step_up.refused')).toEqual([]);
  });

  it('boundary on the injected clock: allowed at exactly reauthMaxAgeSeconds after the login, reauth_required one second later', async () => {
    const { w, admin, sato, session } = await adminWorld();
    expect(session.authTime % 1000).toBe(0);
    w.clock.set(session.authTime + maxAgeMs(w));
    expect(await w.kanmon.grantRole({ tenant: w.tenant, actor: admin.id, actorSession: session, accountId: sato.id, role: 'auditor' })).toEqual({ ok: true, roles: ['staff', 'auditor'] });
    w.clock.advance(1000);
    expect(await w.kanmon.revokeRole({ tenant: w.tenant, actor: admin.id, actorSession: session, accountId: sato.id, role: 'auditor' })).toEqual({ ok: false, reason: 'reauth_required' });
    expect((await w.accounts.findById(w.tenant, sato.id))?.roles).toEqual(['staff', 'auditor']);
  });

  it('step-up: after reauth_required, reauthenticate gives a fresh session that is accepted; the stale one stays refused', async () => {
    const { w, admin, sato, session } = await adminWorld();
    w.clock.advance(maxAgeMs(w) + 1000);
    const call = (actorSession: Session) => w.kanmon.adminUnlock({ tenant: w.tenant, actor: admin.id, actorSession, accountId: sato.id });
    expect(await call(session)).toEqual({ ok: false, reason: 'reauth_required' });
    const fresh = okOf(await w.kanmon.reauthenticate({ session, password: GOOD_PASSWORD, ...inside }));
    expect(await call(fresh.session)).toEqual({ ok: true, wasLocked: false });
    expect(await call(session)).toEqual({ ok: false, reason: 'reauth_required' });
  });

  it('a revoked session (its account logged out everywhere, or disabled) is refused however recent', async () => {
    const { w, admin, sato, session } = await adminWorld();
    await w.kanmon.sessions.revokeAll(w.tenant, admin.id);
    expect(await w.kanmon.revokeSessions({ tenant: w.tenant, actor: admin.id, actorSession: session, accountId: sato.id })).toEqual({ ok: false, reason: 'reauth_required' });
  });

  it('actor_mismatch: a session of another account or another tenant than the call names', async () => {
    const { w, admin, sato, session } = await adminWorld();
    expect(await w.kanmon.adminUnlock({ tenant: w.tenant, actor: sato.id, actorSession: session, accountId: sato.id })).toEqual({ ok: false, reason: 'actor_mismatch' });
    expect(await w.kanmon.adminUnlock({ tenant: 'other-city', actor: admin.id, actorSession: session, accountId: sato.id })).toEqual({ ok: false, reason: 'actor_mismatch' });
    expect(w.events().filter((e) => e.type === 'admin.step_up.refused').map((e) => e.reason)).toEqual(['actor_mismatch', 'actor_mismatch']);
  });

  it('no actorSession at all is a programmer error naming SEC-13, not a silent pass', async () => {
    const { w, admin, sato } = await adminWorld();
    await expect(w.kanmon.adminUnlock({ tenant: w.tenant, actor: admin.id, accountId: sato.id } as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringContaining('SEC-13') as string });
  });

  it('one wrapper over the group: an operation added to it later is guarded without a line of its own', async () => {
    const { w, admin, session } = await adminWorld();
    let ran = 0;
    const recorded: AuditEventInput[] = [];
    // The wrapper reads the policy, the clock, the session epochs and the audit path of its context: the kanmon's own.
    const ctx = { policy: w.policy, now: w.clock.now, sessions: w.kanmon.sessions, record: (e: AuditEventInput) => Promise.resolve(void recorded.push(e)) } as unknown as FlowContext;
    const group = recentActorRequired(ctx, { deleteAccount: (_input: AdminInput) => Promise.resolve({ ok: true, ran: ++ran }) });
    expect(await group.deleteAccount({ tenant: w.tenant, actor: admin.id, actorSession: session, accountId: 'u-x' })).toEqual({ ok: true, ran: 1 });
    w.clock.advance(maxAgeMs(w) + 1000);
    expect(await group.deleteAccount({ tenant: w.tenant, actor: admin.id, actorSession: session, accountId: 'u-x' })).toEqual({ ok: false, reason: 'reauth_required' });
    expect(ran).toBe(1);
    expect(recorded).toEqual([expect.objectContaining({ type: 'admin.step_up.refused', reason: 'reauth_required', after: expect.objectContaining({ operation: 'deleteAccount' }) as object })]);
  });
});

describe('SEC-13: a task without a session (bootstrap, CLI, batch) acts through systemActor, audited and unforgeable', () => {
  it('systemActor: audited admin.system_actor with its reason; its events name system:<name>; a copy or a literal is refused; it expires like a session', async () => {
    const w = makeWorld((now) => memoryStore({ now }));
    const grant = okOf(await w.kanmon.systemActor({ tenant: w.tenant, name: 'setup', reason: 'bootstrap' }));
    expect(grant.actorSession).toMatchObject({ kind: 'system', tenant: w.tenant, actor: 'system:setup' });
    expect(w.events().at(-1)).toMatchObject({ type: 'admin.system_actor', actor: 'system:setup', reason: 'bootstrap' });
    const created = okOf(await w.kanmon.createAccount({ tenant: w.tenant, actor: 'system:setup', actorSession: grant.actorSession, username: 'kanri', roles: ['admin'] }));
    expect(w.events().at(-1)).toMatchObject({ type: 'admin.account.create', actor: 'system:setup', target: created.account.id });
    // The actor must be the one the grant names.
    expect(await w.kanmon.createAccount({ tenant: w.tenant, actor: 'u-1', actorSession: grant.actorSession, username: 'x' })).toEqual({ ok: false, reason: 'actor_mismatch' });
    // A copy (or any object kanmon did not mint) proves nothing.
    expect(await w.kanmon.createAccount({ tenant: w.tenant, actor: 'system:setup', actorSession: { ...grant.actorSession }, username: 'y' })).toEqual({ ok: false, reason: 'reauth_required' });
    w.clock.advance(maxAgeMs(w) + 1000);
    expect(await w.kanmon.createAccount({ tenant: w.tenant, actor: 'system:setup', actorSession: grant.actorSession, username: 'z' })).toEqual({ ok: false, reason: 'reauth_required' });
    await expect(w.kanmon.systemActor({ tenant: w.tenant, name: 'Setup!', reason: 'bootstrap' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(w.kanmon.systemActor({ tenant: w.tenant, name: 'setup', reason: 'Because I said so' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });
});
