/**
 * The Lua twins of the lockout transitions (`src/lockout/transitions.ts`),
 * one script per transition, one EVALSHA per call. Each mirrors its
 * TypeScript original; the shared contract suite and the Redis suite's
 * property test (every result, record and TTL compared with the TypeScript
 * transition) keep the two from drifting apart.
 *
 * ## Why `lockout.reserve` looks the way it does (measured: `bench/lockout.bench.mjs`)
 * - The policy is compiled into a per-policy variant as Lua constants, so a
 *   call sends only `now` (script arguments and `tonumber` cost Redis most);
 *   more than {@link maxReserveVariants} policies, or unusual ones, use the
 *   generic script, which reads the policy from its arguments.
 * - Every argument is a decimal string (a Buffer argument switches ioredis to
 *   a slower writer).
 * - The two hot answers are not tables (table replies cost Redis most): a
 *   counted attempt that did not lock answers one packed integer, a locked
 *   account its record as stored (a Buffer). Rare answers stay tables.
 * - TTLs are formatted with `%d` (never Lua's 14-digit default), so
 *   millisecond timestamps stay exact.
 *
 * A record is one string value: a tag byte and its fields as little-endian
 * doubles (`struct.pack`), exact for every safe integer; {@link recordLayouts}
 * names them. One GET and one SET … PX per key. In the Lua the fields keep
 * one-letter locals, in wire order: account `f t u c g` = failures,
 * lastAttemptAt, lockedUntil (-1: until unlocked), lockCount, settled; source
 * `n s` = attempts, windowStart.
 */
import { type FailArgs, type ResetArgs, type ResetResult, type SucceedArgs, type SucceedResult, ttlSlackMs } from '../lockout/transitions.js';
import { type RedisTransitionScript, ints, lapseLua, setAccountLua, settleHead, unpackAccount } from './lua.js';
import { reserveScript } from './reserve-script.js';

export type { RedisScriptVariant, RedisTransitionScript } from './lua.js';
export { recordLayouts } from './lua.js';
export { maxReserveVariants } from './reserve-script.js';

const resetLua = `
local raw = redis.call('GET', KEYS[1])
local f, u = 0, 0
if raw then
  local _
  f, _, u = struct.unpack('<ddd', raw, 2)
end
redis.call('DEL', unpack(KEYS))
local was = 0
if u == -1 or u > tonumber(ARGV[1]) then was = 1 end
return {was, f}
`;

const reset: RedisTransitionScript<ResetArgs, ResetResult> = {
  lua: resetLua,
  encode: (a) => [a.now],
  decode(reply) {
    const r = ints(reply, 2);
    return { wasLocked: r[0] === 1, failures: r[1] ?? 0 };
  },
};

/**
 * The twin of `succeedTransition`. ARGV: now, maxFailures, failureWindowMs,
 * multiplier, maxLockDurationMs, then three per key: kind (0 account, 1
 * clear, 2 refund) and its two numbers (account: settled or -1, at; refund:
 * at, windowMs).
 */
const succeedLua = `
${settleHead}
local lifted = {}
for i = 1, #KEYS do
  local kind, x, y = tonumber(ARGV[3 + 3 * i]), tonumber(ARGV[4 + 3 * i]), tonumber(ARGV[5 + 3 * i])
  lifted[i] = 0
  if kind == 1 then
    redis.call('DEL', KEYS[i])
  else
    local raw = redis.call('GET', KEYS[i])
    if raw and kind == 2 then
      local n, s = struct.unpack('<dd', raw, 2)
      if n > 0 and s <= x and (y == 0 or now - s < y) then
        local v = struct.pack('<Bdd', 115, n - 1, s)
        if y > 0 then redis.call('SET', KEYS[i], v, 'PX', string.format('%d', s + y - now + ${ttlSlackMs}))
        else redis.call('SET', KEYS[i], v) end
      end
    elseif raw and not (x ~= -1 and win > 0 and now - y >= win) then
      local f, t, u, c, g = 0, 0, 0, 0, 0
      ${unpackAccount('raw')}
      ${lapseLua}
      local locked = u == -1 or u > now
      local forgiven = f
      if x ~= -1 then
        forgiven = x
        if g < forgiven then forgiven = g end
        forgiven = forgiven + 1
      end
      local nf = f - forgiven
      if nf <= 0 then
        redis.call('DEL', KEYS[i])
        if locked then lifted[i] = 1 end
      else
        g = g - (forgiven - 1)
        if g < 0 then g = 0 end
        if g > nf then g = nf end
        f = nf
        if locked and f < maxF then
          u = 0
          c = c - 1
          if c < 0 then c = 0 end
          lifted[i] = 1
        end
        ${setAccountLua}
      end
    end
  end
end
return lifted
`;

const succeed: RedisTransitionScript<SucceedArgs, SucceedResult> = {
  lua: succeedLua,
  encode(a) {
    const argv: (string | number)[] = [a.now, a.maxFailures, a.failureWindowMs, a.multiplier, a.maxLockDurationMs];
    for (const op of a.ops) {
      if (op.kind === 'account') argv.push(0, op.settled ?? -1, op.at);
      else if (op.kind === 'clear') argv.push(1, 0, 0);
      else argv.push(2, op.at, op.windowMs);
    }
    return argv;
  },
  decode(reply, a) {
    const r = ints(reply, a.ops.length);
    return { lifted: r.map((v) => v === 1) };
  },
};

/** The twin of `failTransition`. ARGV: now, maxFailures, failureWindowMs, multiplier, maxLockDurationMs, then `at` per key. */
const failLua = `
${settleHead}
for i = 1, #KEYS do
  local at = tonumber(ARGV[5 + i])
  local raw = redis.call('GET', KEYS[i])
  if raw and not (win > 0 and now - at >= win) then
    local f, t, u, c, g = 0, 0, 0, 0, 0
    ${unpackAccount('raw')}
    ${lapseLua}
    if g < f then
      g = g + 1
      ${setAccountLua}
    end
  end
end
return 0
`;

const fail: RedisTransitionScript<FailArgs, null> = {
  lua: failLua,
  encode: (a) => [a.now, a.maxFailures, a.failureWindowMs, a.multiplier, a.maxLockDurationMs, ...a.at],
  decode: () => null,
};

/**
 * The built-in transitions' scripts, by transition name, made for one store
 * (the reserve script keeps its variants), and how many reserve variants it
 * made so far (tests: the generic script runs once they are all taken).
 */
export function builtinScripts(): { readonly scripts: Readonly<Record<string, RedisTransitionScript<never>>>; readonly reserveVariantCount: () => number } {
  const reserve = reserveScript();
  return {
    scripts: { 'lockout.reserve': reserve, 'lockout.reset': reset, 'lockout.succeed': succeed, 'lockout.fail': fail },
    reserveVariantCount: reserve.variantCount,
  };
}

/** Advance a number if strictly greater (KEYS[1]; ARGV: value, ttl ms or ''). */
export const advanceLua = `
local v = redis.call('GET', KEYS[1])
if v and tonumber(v) >= tonumber(ARGV[1]) then return 0 end
if ARGV[2] == '' then redis.call('SET', KEYS[1], ARGV[1]) else redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return 1
`;
