/**
 * The lockout state machine as pure transitions over store records.
 *
 * Every store applies these atomically (see `src/store/store.ts`); the Redis
 * store runs their Lua twins in `src/redis/scripts.ts`, kept in step by the
 * shared contract suite. Nothing here reads a clock: `now` is an argument.
 *
 * The reservation before a verification is in `./reserve-transition.ts`, what
 * follows it (success, failure, reset) in `./settle-transitions.ts`, the
 * account record over time in `./account-state.ts`, and the records
 * themselves in `./records.ts`.
 */
export { effectiveAccount, keepMs, ttlSlackMs } from './account-state.js';
export { type ReserveArgs, type ReserveResult, type SourceLimit, reserveTransition } from './reserve-transition.js';
export {
  type FailArgs,
  type ResetArgs,
  type ResetResult,
  type SettleArgs,
  type SucceedArgs,
  type SucceedOp,
  type SucceedResult,
  failTransition,
  resetTransition,
  succeedTransition,
} from './settle-transitions.js';
