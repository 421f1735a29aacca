/**
 * Guards as decorators: each `@Require…()` adds one Nest guard that runs the matching guard of the HTTP
 * core (`src/http/guards.ts`) and, on a refusal, throws a {@link KanmonDenied} carrying kanmon's reply.
 */
import { type CanActivate, type ExecutionContext, Inject, Injectable, UseFilters, UseGuards, applyDecorators } from '@nestjs/common';
import { type GuardRequirement, roleList } from '../http/create-http-core.js';
import { recentAuthAge } from '../http/guards.js';
import { KanmonDenied, KanmonExceptionFilter } from './filter.js';
import { type KanmonRuntime, appendCookies, rawRequest } from './runtime.js';
import { KANMON_RUNTIME } from './tokens.js';

type Decorator = ReturnType<typeof applyDecorators>;

/** A guard class for one requirement, resolved by Nest's injector (the runtime comes from {@link KanmonModule}). */
function requirementGuard(requirementOf: (runtime: KanmonRuntime) => GuardRequirement) {
  class KanmonRequirementGuard implements CanActivate {
    readonly #runtime: KanmonRuntime;
    readonly #requirement: GuardRequirement;
    constructor(runtime: KanmonRuntime) {
      this.#runtime = runtime;
      // Checked when the application starts (an unknown access rule throws ERR_INVALID_ARGUMENT there).
      this.#requirement = requirementOf(runtime);
    }
    async canActivate(context: ExecutionContext): Promise<boolean> {
      const http = context.switchToHttp();
      const req = http.getRequest<unknown>();
      const { core } = this.#runtime;
      const state = stateOrDenied(this.#runtime, req);
      const outcome = await core.guard(rawRequest(req), state, this.#requirement);
      if (!outcome.ok) throw new KanmonDenied(outcome.reply);
      appendCookies(http.getResponse<unknown>(), outcome.setCookie);
      return true;
    }
  }
  Injectable()(KanmonRequirementGuard);
  Inject(KANMON_RUNTIME)(KanmonRequirementGuard, undefined, 0);
  return KanmonRequirementGuard;
}

/** The request's kanmon state; a tenant function that throws becomes a {@link KanmonDenied} with the coded reply. */
export function stateOrDenied(runtime: KanmonRuntime, req: unknown): ReturnType<KanmonRuntime['state']> {
  try {
    return runtime.state(req);
  } catch (err) {
    throw new KanmonDenied(runtime.core.fail(err, runtime.core.langOf(rawRequest(req))));
  }
}

const requirement = (requirementOf: (runtime: KanmonRuntime) => GuardRequirement): Decorator =>
  applyDecorators(UseGuards(requirementGuard(requirementOf)), UseFilters(KanmonExceptionFilter));

/**
 * A valid session (cookie or `Bearer`), else `401` with kanmon's coded body; rolls the cookie when due.
 * On a controller class or a route method. Read the session with {@link CurrentSession}.
 *
 * @example
 * ```ts
 * import { Controller, Get } from '@nestjs/common';
 * import { CurrentSession, RequireSession } from 'kanmon/nestjs';
 * class MeController {
 *   me(session: import('kanmon').Session | null) {
 *     return { subject: session?.subject };
 *   }
 * }
 * Controller('me')(MeController);
 * const me = Object.getOwnPropertyDescriptor(MeController.prototype, 'me')!;
 * RequireSession()(MeController.prototype, 'me', me);
 * Get()(MeController.prototype, 'me', me);
 * CurrentSession()(MeController.prototype, 'me', 0);
 * ```
 */
export function RequireSession(): Decorator {
  return requirement(() => ({ kind: 'session' }));
}

/**
 * A session that used a second factor (`amr` has `otp`, `hwk` or `mfa`), else `403 mfa_required`.
 *
 * @example
 * ```ts
 * import { Controller } from '@nestjs/common';
 * import { RequireMfa } from 'kanmon/nestjs';
 * class PayrollController {}
 * RequireMfa()(PayrollController);
 * Controller('payroll')(PayrollController);
 * ```
 */
export function RequireMfa(): Decorator {
  return requirement(() => ({ kind: 'mfa' }));
}

/**
 * A session holding at least one of `roles`, else `403 forbidden`.
 *
 * @example
 * ```ts
 * import { Controller } from '@nestjs/common';
 * import { RequireRole } from 'kanmon/nestjs';
 * class AdminController {}
 * RequireRole(['admin', 'auditor'])(AdminController);
 * Controller('admin')(AdminController);
 * ```
 */
export function RequireRole(roles: string | readonly string[]): Decorator {
  const names = roleList(roles); // ERR_INVALID_ARGUMENT at once for an empty list
  return requirement(() => ({ kind: 'role', roles: names }));
}

/**
 * The access rule `policyName` of `policy.access.routes` (IP allow-list, client certificate, registered
 * device, business hours) and its MFA flag. An unknown rule name throws `ERR_INVALID_ARGUMENT` when the
 * application starts.
 *
 * @example
 * ```ts
 * import { Controller } from '@nestjs/common';
 * import { RequireAccess } from 'kanmon/nestjs';
 * class ResidentsController {}
 * RequireAccess('terminal')(ResidentsController);
 * Controller('residents')(ResidentsController);
 * ```
 */
export function RequireAccess(policyName: string): Decorator {
  return requirement((runtime) => ({ kind: 'access', policyName: runtime.core.accessRule(policyName) }));
}

/**
 * A session that authenticated within `maxAgeSeconds` (default `policy.session.reauthMaxAgeSeconds`), else
 * `401 reauth_required`: step up with `POST {routes}/reauthenticate` (SEC-13).
 *
 * @example
 * ```ts
 * import { Controller } from '@nestjs/common';
 * import { RequireRecentAuth } from 'kanmon/nestjs';
 * class AccountDeletionController {}
 * RequireRecentAuth(300)(AccountDeletionController);
 * Controller('account/delete')(AccountDeletionController);
 * ```
 */
export function RequireRecentAuth(maxAgeSeconds?: number): Decorator {
  const age = recentAuthAge(maxAgeSeconds); // ERR_INVALID_ARGUMENT at once for 0, 1.5, 86401, …
  return requirement(() => ({ kind: 'recent', maxAgeSeconds: age }));
}
