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
import { KanmonError } from '../errors.js';
import {
  type ReserveArgs,
  type ReserveResult,
  type ResetArgs,
  type ResetResult,
  type SourceLimit,
  type FailArgs,
  type SucceedArgs,
  type SucceedResult,
  keepMs,
  ttlSlackMs,
} from '../lockout/transitions.js';
import { accountFields, sourceFields } from '../lockout/records.js';

/**
 * The records as the scripts store them, by tag byte: `a` an account, `s` a
 * source; the field names in wire order. An account record written before
 * `settled` existed (33 bytes: the first four) is read without it.
 */
export const recordLayouts: Readonly<Record<string, readonly string[]>> = { a: accountFields, s: sourceFields };

/** A script specialised for the constant part of a transition's args (a policy). */
export interface RedisScriptVariant<A = never> {
  readonly lua: string;
  encode(args: A): readonly (string | number)[];
}

/** A Lua implementation of a named transition: how to pass its args and read its reply. */
export interface RedisTransitionScript<A = never, R = unknown> {
  readonly lua: string;
  /** The script's ARGV (numbers cross as decimal strings). */
  encode(args: A): readonly (string | number)[];
  /** The transition's result from the script's reply (`args` as given to `encode`). */
  decode(reply: unknown, args: A): R;
  /** Bulk string replies come back as Buffers (binary-safe) instead of UTF-8 strings. */
  readonly bufferReplies?: boolean;
  /**
   * Optional: a variant of the script for these args, or `undefined` to run
   * {@link lua}. Must hand back the same object for the same constants: the
   * store defines each variant once. Its reply is read by {@link decode} too.
   */
  variant?(args: A, keyCount: number): RedisScriptVariant<A> | undefined;
}

function ints(reply: unknown, min: number): number[] {
  if (!Array.isArray(reply) || reply.length < min || !reply.every((v) => typeof v === 'number')) {
    throw new KanmonError('ERR_STORE_UNAVAILABLE', 'redis store: unexpected script reply');
  }
  return reply;
}

/**
 * `(settled * packBase + lockCount) * packBase + failures`: the integer
 * answer of a counted attempt that did not lock, when failures and lockCount
 * are below `packBase` (settled is never above failures).
 */
const packBase = 2 ** 11;
/** The Lua expression of the packed answer. */
const packed = (f: string, c: string, g: string) => `((${g}) * ${packBase} + (${c})) * ${packBase} + (${f})`;
/** The Lua condition under which it fits. */
const packable = (f: string, c: string) => `(${f}) < ${packBase} and (${c}) < ${packBase}`;
/** Read an account record (41 bytes; 33 before g existed: g stays as it was, 0) into f, t, u, c, g. */
const unpackAccount = (raw: string) =>
  `if #${raw} == 41 then f, t, u, c, g = struct.unpack('<ddddd', ${raw}, 2) else f, t, u, c = struct.unpack('<dddd', ${raw}, 2) end`;
/** Lua: apply the lapses to f, t, u, c, g as of now (see `effectiveAccount`); needs keep and win. */
const lapseLua = `if not (u == -1 or u > now) then
  local last = t
  if u > t then last = u end
  if keep > 0 and now - last >= keep then f = 0; g = 0; c = 0; u = 0
  elseif u > 0 then f = 0; g = 0; u = 0
  elseif win > 0 and now - t >= win then f = 0; g = 0 end
end`;
/** Lua: the account-record policy of a success or failure report (ARGV 1–5), keep computed. */
const settleHead = `local now, maxF, win, mult, maxLock = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local keep = 0
if win > 0 then
  keep = win
  if mult > 1 and maxLock > win then keep = maxLock end
end`;
/** Lua: SET KEYS[i] to the account record f, t, u, c, g with its TTL (see `ttlOf`). */
const setAccountLua = `local v = struct.pack('<Bddddd', 97, f, t, u, c, g)
if u == -1 or keep == 0 then redis.call('SET', KEYS[i], v)
else
  local last = t
  if u > t then last = u end
  redis.call('SET', KEYS[i], v, 'PX', string.format('%d', last + keep - now + ${ttlSlackMs}))
end`;

/** The policy part of {@link ReserveArgs}: what a variant compiles in. */
type ReservePolicy = Omit<ReserveArgs, 'now'>;

/**
 * The reserve script. With `policy`, a variant: the policy as Lua constants,
 * ARGV = [now]. Without, the generic script: ARGV = [now, maxFailures,
 * failureWindowMs, lockDurationMs, multiplier, maxLockDurationMs, permanent
 * (0/1), then limit and windowMs per source]. KEYS: the account, then one
 * record per source.
 */
function reserveLua(policy: ReservePolicy | null): string {
  // JavaScript's shortest round-trip decimal; Lua reads it back to the same double.
  const num = (n: number) => String(n);
  let head: string;
  let keepTtl: string;
  let sources: boolean;
  if (policy) {
    const keep = keepMs(policy);
    const ns = policy.sources.length;
    sources = ns > 0;
    keepTtl = `'${num(keep + ttlSlackMs)}'`;
    head = `
local now = tonumber(ARGV[1])
local maxF, win, lockDur, mult, maxLock, permanent, keep = ${[policy.maxFailures, policy.failureWindowMs, policy.lockDurationMs, policy.multiplier, policy.maxLockDurationMs].map(num).join(', ')}, ${policy.permanent ? 'true' : 'false'}, ${num(keep)}
${sources ? `local ns, limits, windows = ${ns}, {${policy.sources.map((s) => num(s.limit)).join(', ')}}, {${policy.sources.map((s) => num(s.windowMs)).join(', ')}}` : ''}`;
  } else {
    sources = true;
    keepTtl = `string.format('%d', keep + ${ttlSlackMs})`;
    head = `
local now = tonumber(ARGV[1])
local maxF, win, lockDur, mult, maxLock = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local permanent = ARGV[7] == '1'
local keep = 0
if win > 0 then
  keep = win
  if mult > 1 and maxLock > win then keep = maxLock end
end
local ns, limits, windows = #KEYS - 1, {}, {}
for i = 1, ns do
  limits[i] = tonumber(ARGV[6 + 2 * i])
  windows[i] = tonumber(ARGV[7 + 2 * i])
end`;
  }
  return `${head}
local raw = redis.call('GET', KEYS[1])
${policy && !sources ? fastPath(policy) : ''}
local f, t, u, c, g = 0, 0, 0, 0, 0
if raw then
  ${unpackAccount('raw')}
  if u == -1 or u > now then return raw end
end
${
  sources
    ? `local counts, starts = {}, {}
if ns > 0 then
  local throttled, retry = -1, 0
  for i = 1, ns do
    local limit, w = limits[i], windows[i]
    local n, s
    local r = redis.call('GET', KEYS[i + 1])
    if r then n, s = struct.unpack('<dd', r, 2) end
    if n == nil or s == nil or (w > 0 and now - s >= w) then n = 0; s = now end
    counts[i] = n
    starts[i] = s
    if n >= limit then
      local rt = -1
      if w > 0 then rt = s + w - now end
      if throttled == -1 or (retry ~= -1 and (rt == -1 or rt > retry)) then throttled = i - 1; retry = rt end
    end
  end
  if throttled ~= -1 then return {2, retry, throttled} end
end`
    : ''
}
if raw then
  local last = t
  if u > t then last = u end
  if keep > 0 and now - last >= keep then f = 0; g = 0; c = 0; u = 0
  elseif u > 0 then f = 0; g = 0; u = 0
  elseif win > 0 and now - t >= win then f = 0; g = 0 end
end

f = f + 1
local lockedNow = 0
if f < maxF then
  -- not locking: u is 0 (a lock in force answered above, a lapsed one was cleared), so the TTL is keep + slack
  if keep > 0 then redis.call('SET', KEYS[1], struct.pack('<Bddddd', 97, f, now, u, c, g), 'PX', ${keepTtl})
  else redis.call('SET', KEYS[1], struct.pack('<Bddddd', 97, f, now, u, c, g)) end
else
  c = c + 1
  lockedNow = 1
  if permanent then u = -1 else
    local d = lockDur
    if mult > 1 then
      local cap = maxLock
      if lockDur > cap then cap = lockDur end
      for _ = 2, c do
        d = d * mult
        if d >= cap then d = cap; break end
      end
    end
    u = now + math.floor(d)
  end
  local value = struct.pack('<Bddddd', 97, f, now, u, c, g)
  if u == -1 or keep == 0 then redis.call('SET', KEYS[1], value)
  else redis.call('SET', KEYS[1], value, 'PX', string.format('%d', u + keep - now + ${ttlSlackMs})) end
end
${
  sources
    ? `for i = 1, ns do
  local w = windows[i]
  local v = struct.pack('<Bdd', 115, counts[i] + 1, starts[i])
  if w > 0 then redis.call('SET', KEYS[i + 1], v, 'PX', string.format('%d', starts[i] + w - now + ${ttlSlackMs}))
  else redis.call('SET', KEYS[i + 1], v) end
end`
    : ''
}
if lockedNow == 0 and u == 0 and ${packable('f', 'c')} then return ${packed('f', 'c', 'g')} end
local remaining = maxF - f
if remaining < 0 then remaining = 0 end
return {0, f, remaining, lockedNow, c, u, g}
`;
}

/**
 * The common case of a variant without sources, ahead of the general code:
 * not locked, nothing lapsing (no lock in the record, inside the failure
 * window: `keep` is never shorter than the window), and this attempt does not
 * lock. The general code would count it the same way; this is only shorter.
 */
function fastPath(policy: ReservePolicy): string {
  if (policy.maxFailures > packBase) return ''; // its answer would not fit the packed integer
  const keep = keepMs(policy);
  const set = (f: string, c: string, g: string) =>
    `redis.call('SET', KEYS[1], struct.pack('<Bddddd', 97, ${f}, now, 0, ${c}, ${g})${keep > 0 ? `, 'PX', '${String(keep + ttlSlackMs)}'` : ''})`;
  const inWindow = policy.failureWindowMs > 0 ? ` and now - t0 < ${String(policy.failureWindowMs)}` : '';
  return `if raw then
  if #raw == 41 then
    local f0, t0, u0, c0, g0 = struct.unpack('<ddddd', raw, 2)
    if u0 == 0 and f0 + 1 < ${String(policy.maxFailures)}${inWindow} and ${packable('f0 + 1', 'c0')} then
      ${set('f0 + 1', 'c0', 'g0')}
      return ${packed('f0 + 1', 'c0', 'g0')}
    end
  end
elseif 1 < ${String(policy.maxFailures)} then
  ${set('1', '0', '0')}
  return ${packed('1', '0', '0')}
end`;
}

/** Most reserve variants (distinct policies) kept; further policies run the generic script. */
export const maxReserveVariants = 32;

interface ReserveVariant extends RedisScriptVariant<ReserveArgs> {
  readonly policy: ReservePolicy;
}

const encodeNow = (a: ReserveArgs): readonly (string | number)[] => [a.now];

function samePolicy(p: ReservePolicy, a: ReserveArgs): boolean {
  if (
    p.maxFailures !== a.maxFailures ||
    p.failureWindowMs !== a.failureWindowMs ||
    p.lockDurationMs !== a.lockDurationMs ||
    p.multiplier !== a.multiplier ||
    p.maxLockDurationMs !== a.maxLockDurationMs ||
    p.permanent !== a.permanent
  ) {
    return false;
  }
  const x = p.sources;
  const y = a.sources;
  if (x === y) return true;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) {
    const s = x[i] as SourceLimit;
    const t = y[i] as SourceLimit;
    if (s.limit !== t.limit || s.windowMs !== t.windowMs) return false;
  }
  return true;
}

/** The variant for `a` among `reserveVariants` (made and kept there when there is room). */
function reserveVariant(reserveVariants: ReserveVariant[], a: ReserveArgs, keyCount: number): ReserveVariant | undefined {
  if (keyCount !== 1 + a.sources.length) return undefined;
  for (const v of reserveVariants) if (samePolicy(v.policy, a)) return v;
  if (reserveVariants.length >= maxReserveVariants) return undefined;
  const policy: ReservePolicy = {
    maxFailures: a.maxFailures,
    failureWindowMs: a.failureWindowMs,
    lockDurationMs: a.lockDurationMs,
    multiplier: a.multiplier,
    maxLockDurationMs: a.maxLockDurationMs,
    permanent: a.permanent,
    sources: a.sources.map((s) => ({ limit: s.limit, windowMs: s.windowMs })),
  };
  // Only plain integers (and a finite multiplier) become Lua constants; anything else takes the generic path.
  const integers = [policy.maxFailures, policy.failureWindowMs, policy.lockDurationMs, policy.maxLockDurationMs, keepMs(policy) + ttlSlackMs];
  for (const s of policy.sources) integers.push(s.limit, s.windowMs);
  if (!integers.every((n) => Number.isSafeInteger(n)) || !Number.isFinite(policy.multiplier) || typeof policy.permanent !== 'boolean') return undefined;
  const variant: ReserveVariant = { policy, lua: reserveLua(policy), encode: encodeNow };
  reserveVariants.push(variant);
  return variant;
}

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

const genericReserveLua = reserveLua(null);

/** The reserve script with its own variants: one per store, so one client's policies never crowd out another's. */
function reserveScript(): RedisTransitionScript<ReserveArgs, ReserveResult> & { readonly variantCount: () => number } {
  const variants: ReserveVariant[] = [];
  return { ...reserveCodec, lua: genericReserveLua, variant: (a, keyCount) => reserveVariant(variants, a, keyCount), variantCount: () => variants.length };
}

const reserveCodec: Pick<RedisTransitionScript<ReserveArgs, ReserveResult>, 'encode' | 'decode' | 'bufferReplies'> = {
  bufferReplies: true,
  encode(a) {
    const argv: (string | number)[] = [a.now, a.maxFailures, a.failureWindowMs, a.lockDurationMs, a.multiplier, a.maxLockDurationMs, a.permanent ? 1 : 0];
    for (const s of a.sources) argv.push(s.limit, s.windowMs);
    return argv;
  },
  decode(reply, a) {
    if (typeof reply === 'number') {
      // Counted, not locked: (settled * 2^11 + lockCount) * 2^11 + failures (see the script).
      const failures = reply % packBase;
      const rest = (reply - failures) / packBase;
      const lockCount = rest % packBase;
      const settled = (rest - lockCount) / packBase;
      return { status: 'ok', failures, remaining: Math.max(0, a.maxFailures - failures), settled, lockedNow: false, lockCount, lockedUntil: 0 };
    }
    if (Buffer.isBuffer(reply)) {
      // Locked: the account record as stored.
      if ((reply.length !== 41 && reply.length !== 33) || reply[0] !== 0x61) throw new KanmonError('ERR_STORE_UNAVAILABLE', 'redis store: unexpected script reply');
      const u = reply.readDoubleLE(17);
      return { status: 'locked', retryAfterMs: u === -1 ? null : u - a.now, lockedUntil: u, lockCount: reply.readDoubleLE(25) };
    }
    const r = ints(reply, 3);
    if (r[0] === 0) {
      return { status: 'ok', failures: r[1] ?? 0, remaining: r[2] ?? 0, settled: r[6] ?? 0, lockedNow: r[3] === 1, lockCount: r[4] ?? 0, lockedUntil: r[5] ?? 0 };
    }
    return { status: 'throttled', retryAfterMs: r[1] === -1 ? null : (r[1] ?? 0), source: r[2] ?? 0 };
  },
};

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
