/** The reserve script: the generic one, and its per-policy variants (kept per store). See `./scripts.ts` for why. */
import { KanmonError } from '../errors.js';
import { type ReserveArgs, type ReserveResult, type SourceLimit, keepMs, ttlSlackMs } from '../lockout/transitions.js';
import { type RedisScriptVariant, type RedisTransitionScript, ints, packBase, packable, packed, unpackAccount } from './lua.js';

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

const genericReserveLua = reserveLua(null);

/** The reserve script with its own variants: one per store, so one client's policies never crowd out another's. */
export function reserveScript(): RedisTransitionScript<ReserveArgs, ReserveResult> & { readonly variantCount: () => number } {
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
      return { ok: true, failures, remaining: Math.max(0, a.maxFailures - failures), settled, lockedNow: false, lockCount, lockedUntil: 0 };
    }
    if (Buffer.isBuffer(reply)) {
      // Locked: the account record as stored.
      if ((reply.length !== 41 && reply.length !== 33) || reply[0] !== 0x61) throw new KanmonError('ERR_STORE_UNAVAILABLE', 'redis store: unexpected script reply');
      const u = reply.readDoubleLE(17);
      return { ok: false, reason: 'locked', retryAfterMs: u === -1 ? null : u - a.now, lockedUntil: u, lockCount: reply.readDoubleLE(25) };
    }
    const r = ints(reply, 3);
    if (r[0] === 0) {
      return { ok: true, failures: r[1] ?? 0, remaining: r[2] ?? 0, settled: r[6] ?? 0, lockedNow: r[3] === 1, lockCount: r[4] ?? 0, lockedUntil: r[5] ?? 0 };
    }
    return { ok: false, reason: 'throttled', retryAfterMs: r[1] === -1 ? null : (r[1] ?? 0), source: r[2] ?? 0 };
  },
};
