/** What the Lua scripts share: the script interfaces, the record layout, reply checks and Lua fragments. */
import { KanmonError } from '../errors.js';
import { accountFields, sourceFields } from '../lockout/records.js';
import { ttlSlackMs } from '../lockout/transitions.js';

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

/** A table reply of at least `min` integers, or `ERR_STORE_UNAVAILABLE`. */
export function ints(reply: unknown, min: number): number[] {
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
export const packBase = 2 ** 11;
/** The Lua expression of the packed answer. */
export const packed = (f: string, c: string, g: string) => `((${g}) * ${packBase} + (${c})) * ${packBase} + (${f})`;
/** The Lua condition under which it fits. */
export const packable = (f: string, c: string) => `(${f}) < ${packBase} and (${c}) < ${packBase}`;
/** Read an account record (41 bytes; 33 before g existed: g stays as it was, 0) into f, t, u, c, g. */
export const unpackAccount = (raw: string) =>
  `if #${raw} == 41 then f, t, u, c, g = struct.unpack('<ddddd', ${raw}, 2) else f, t, u, c = struct.unpack('<dddd', ${raw}, 2) end`;
/** Lua: apply the lapses to f, t, u, c, g as of now (see `effectiveAccount`); needs keep and win. */
export const lapseLua = `if not (u == -1 or u > now) then
  local last = t
  if u > t then last = u end
  if keep > 0 and now - last >= keep then f = 0; g = 0; c = 0; u = 0
  elseif u > 0 then f = 0; g = 0; u = 0
  elseif win > 0 and now - t >= win then f = 0; g = 0 end
end`;
/** Lua: the account-record policy of a success or failure report (ARGV 1–5), keep computed. */
export const settleHead = `local now, maxF, win, mult, maxLock = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local keep = 0
if win > 0 then
  keep = win
  if mult > 1 and maxLock > win then keep = maxLock end
end`;
/** Lua: SET KEYS[i] to the account record f, t, u, c, g with its TTL (see `ttlOf`). */
export const setAccountLua = `local v = struct.pack('<Bddddd', 97, f, t, u, c, g)
if u == -1 or keep == 0 then redis.call('SET', KEYS[i], v)
else
  local last = t
  if u > t then last = u end
  redis.call('SET', KEYS[i], v, 'PX', string.format('%d', last + keep - now + ${ttlSlackMs}))
end`;
