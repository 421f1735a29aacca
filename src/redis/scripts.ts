/**
 * The Lua twins of the lockout transitions (`src/lockout/transitions.ts`),
 * one script per transition, one EVALSHA per call. Each mirrors its
 * TypeScript original line for line; the shared contract suite runs the same
 * cases on every store, so the two cannot drift apart unnoticed.
 *
 * A record is one string value: a tag byte (`a` account: f, t, u, c; `s`
 * source: n, s) and its fields as little-endian doubles (`struct.pack`), exact
 * for every safe integer. One GET and one SET … PX per key, with no number
 * formatting or parsing in Lua: the cheapest shape for Redis. Arguments cross
 * as decimal strings and the PX TTL is written with `%d`, never with Lua's
 * 14-digit default formatting, so millisecond timestamps stay exact.
 */
import { KanmonError } from '../errors.js';
import { type ReserveArgs, type ReserveResult, type ResetArgs, type ResetResult, ttlSlackMs } from '../lockout/transitions.js';

/** A Lua implementation of a named transition: how to pass its args and read its reply. */
export interface RedisTransitionScript<A = never, R = unknown> {
  readonly lua: string;
  encode(args: A): readonly (string | number)[];
  decode(reply: unknown): R;
}

function ints(reply: unknown, min: number): number[] {
  if (!Array.isArray(reply) || reply.length < min || !reply.every((v) => typeof v === 'number')) {
    throw new KanmonError('ERR_STORE_UNAVAILABLE', 'redis store: unexpected script reply');
  }
  return reply;
}

const reserveLua = `
local function int(n) return string.format('%d', n) end
local now = tonumber(ARGV[1])
local pm, pw, pd, pl, px, pp = string.match(ARGV[2], '^([^,]+),([^,]+),([^,]+),([^,]+),([^,]+),([01])$')
local maxF = tonumber(pm)
local win = tonumber(pw)
local lockDur = tonumber(pd)
local mult = tonumber(pl)
local maxLock = tonumber(px)
local permanent = pp == '1'
local slack = ${ttlSlackMs}
local ns = #KEYS - 1

local raw = redis.call('GET', KEYS[1])
local f, t, u, c = 0, 0, 0, 0
if raw then f, t, u, c = struct.unpack('<dddd', raw, 2) end
if raw and (u == -1 or u > now) then
  local retry = -1
  if u ~= -1 then retry = u - now end
  return {1, retry, u, c}
end

local counts, starts = {}, {}
local throttled, retry = -1, 0
for i = 1, ns do
  local limit = tonumber(ARGV[1 + 2 * i])
  local w = tonumber(ARGV[2 + 2 * i])
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

local keep = 0
if win > 0 then
  if mult > 1 then keep = math.max(win, maxLock) else keep = win end
end
if keep > 0 and now - math.max(t, u) >= keep then f = 0; c = 0; u = 0
elseif u > 0 then f = 0; u = 0
elseif win > 0 and now - t >= win then f = 0 end

f = f + 1
t = now
local lockedNow = 0
if f >= maxF then
  c = c + 1
  lockedNow = 1
  if permanent then u = -1 else
    local d = lockDur
    if mult > 1 then
      local cap = math.max(maxLock, lockDur)
      for _ = 2, c do
        d = d * mult
        if d >= cap then d = cap; break end
      end
    end
    u = now + math.floor(d)
  end
end
local value = 'a' .. struct.pack('<dddd', f, t, u, c)
if u == -1 or keep == 0 then redis.call('SET', KEYS[1], value)
else redis.call('SET', KEYS[1], value, 'PX', int(math.max(t, u) + keep - now + slack)) end
for i = 1, ns do
  local w = tonumber(ARGV[2 + 2 * i])
  local v = 's' .. struct.pack('<dd', counts[i] + 1, starts[i])
  if w > 0 then redis.call('SET', KEYS[i + 1], v, 'PX', int(starts[i] + w - now + slack))
  else redis.call('SET', KEYS[i + 1], v) end
end
local remaining = maxF - f
if remaining < 0 then remaining = 0 end
return {0, f, remaining, lockedNow, c, u}
`;

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

const reserve: RedisTransitionScript<ReserveArgs, ReserveResult> = {
  lua: reserveLua,
  encode(a) {
    // The policy travels as one argument: fewer bulk strings per call.
    const argv: (string | number)[] = [a.now, `${a.maxFailures},${a.failureWindowMs},${a.lockDurationMs},${a.multiplier},${a.maxLockDurationMs},${a.permanent ? 1 : 0}`];
    for (const s of a.sources) argv.push(s.limit, s.windowMs);
    return argv;
  },
  decode(reply) {
    const r = ints(reply, 3);
    switch (r[0]) {
      case 0:
        return { status: 'ok', failures: r[1] ?? 0, remaining: r[2] ?? 0, lockedNow: r[3] === 1, lockCount: r[4] ?? 0, lockedUntil: r[5] ?? 0 };
      case 1:
        return { status: 'locked', retryAfterMs: r[1] === -1 ? null : (r[1] ?? 0), lockedUntil: r[2] ?? 0, lockCount: r[3] ?? 0 };
      default:
        return { status: 'throttled', retryAfterMs: r[1] === -1 ? null : (r[1] ?? 0), source: r[2] ?? 0 };
    }
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

/** The built-in transitions' scripts, by transition name. */
export const builtinScripts: Readonly<Record<string, RedisTransitionScript<never>>> = {
  'lockout.reserve': reserve,
  'lockout.reset': reset,
};

/** Advance a number if strictly greater (KEYS[1]; ARGV: value, ttl ms or ''). */
export const advanceLua = `
local v = redis.call('GET', KEYS[1])
if v and tonumber(v) >= tonumber(ARGV[1]) then return 0 end
if ARGV[2] == '' then redis.call('SET', KEYS[1], ARGV[1]) else redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return 1
`;
