import { KanmonError } from '../../errors.js';
import type { Session } from '../../session/types.js';
import { assertTenant } from '../../store/key.js';
import { type FlowContext, sourceOf } from '../flow-context.js';
import { reauthDeadline } from '../internal/step-up.js';
import { answeringOutage, notOkUnavailable } from '../outage.js';
import type { AdminActor, AdminActorRefusal, SystemActor, SystemActorInput, SystemActorResult } from './types.js';

/** An administrative operation as `methods/admin.ts` lists it: one input object naming its actor, a coded answer. */
type AdminOperation = (input: never) => Promise<object>;

const NAME = /^[a-z0-9_.-]{1,48}$/;
const REASON = /^[a-z0-9_.:-]{1,64}$/;

/**
 * SEC-13 (強化された認証技術) for every administrative operation, applied ONCE to the whole group: each operation of
 * `operations` runs only when its `actorSession` proves a recent authentication of its `actor` in its `tenant`
 * (`authTime` + `policy.session.reauthMaxAgeSeconds` not passed: the same rule as the step-up of factor changes,
 * internal/step-up.ts); the account's revocation epoch is read, so a revoked session is refused too. Otherwise the
 * answer is `reauth_required` or `actor_mismatch`, audited `admin.step_up.refused` with the operation's name, and
 * the operation never runs. An operation added to the group later is guarded without a line of its own.
 *
 * A task without a session passes a {@link SystemActor} minted by `systemActor` (audited): the only objects
 * accepted are those this kanmon minted (a copy or a literal is refused), within the same freshness window.
 */
export function recentActorRequired<G extends Record<string, AdminOperation>>(ctx: FlowContext, operations: G): G & { systemActor(input: SystemActorInput): Promise<SystemActorResult> } {
  const minted = new WeakSet<SystemActor>();

  async function refusal(operation: string, input: AdminActor): Promise<{ ok: false; reason: AdminActorRefusal } | null> {
    if (typeof input !== 'object' || input === null) throw new KanmonError('ERR_INVALID_ARGUMENT', `${operation} takes one object { tenant, actor, actorSession, … }`);
    assertTenant(input.tenant);
    const proof = input.actorSession as Partial<Session & SystemActor> | undefined;
    if (typeof proof !== 'object' || proof === null) {
      throw new KanmonError('ERR_INVALID_ARGUMENT', `${operation}: pass actorSession (the administrator's session from sessions.verify, or kanmon.systemActor's) — SEC-13`);
    }
    const system = proof.kind === 'system';
    const who = system ? proof.actor : proof.subject;
    let reason: AdminActorRefusal | null = null;
    if (proof.tenant !== input.tenant || typeof who !== 'string' || who !== input.actor) reason = 'actor_mismatch';
    else if (system) reason = minted.has(input.actorSession as SystemActor) && ctx.now() <= (proof.grantedAt ?? -Infinity) + ctx.policy.session.reauthMaxAgeSeconds * 1000 ? null : 'reauth_required';
    else if (ctx.now() > reauthDeadline(ctx, proof as Session) || proof.epoch !== (await ctx.sessions.epoch(input.tenant, who))) reason = 'reauth_required';
    if (reason === null) return null;
    await ctx.record({
      type: 'admin.step_up.refused',
      tenant: input.tenant,
      actor: typeof input.actor === 'string' ? input.actor.slice(0, 256) : null,
      target: typeof who === 'string' ? who.slice(0, 256) : null,
      source: sourceOf((input as { clientIp?: string | null }).clientIp, (input as { userAgent?: string }).userAgent),
      outcome: 'denied',
      reason,
      after: { operation, authTime: typeof proof.authTime === 'number' ? proof.authTime : (proof.grantedAt ?? null) },
    });
    return { ok: false, reason };
  }

  const guarded: Record<string, AdminOperation> = {};
  for (const [name, operation] of Object.entries(operations)) {
    const run = operation as (input: AdminActor) => Promise<object>;
    guarded[name] = answeringOutage(async (input: AdminActor) => (await refusal(name, input)) ?? run(input), notOkUnavailable);
  }

  async function systemActor(input: SystemActorInput): Promise<SystemActorResult> {
    assertTenant(input?.tenant);
    if (typeof input.name !== 'string' || !NAME.test(input.name)) throw new KanmonError('ERR_INVALID_ARGUMENT', 'systemActor: name must match [a-z0-9_.-]{1,48}');
    if (typeof input.reason !== 'string' || !REASON.test(input.reason)) throw new KanmonError('ERR_INVALID_ARGUMENT', 'systemActor: reason must be a code [a-z0-9_.:-]{1,64}');
    const grant: SystemActor = Object.freeze({ kind: 'system', tenant: input.tenant, actor: `system:${input.name}`, grantedAt: ctx.now() });
    await ctx.record({ type: 'admin.system_actor', tenant: input.tenant, actor: grant.actor, target: null, source: sourceOf(input.clientIp, input.userAgent), reason: input.reason });
    minted.add(grant);
    return { ok: true, actorSession: grant };
  }

  return { ...(guarded as G), systemActor: answeringOutage(systemActor, notOkUnavailable) };
}
