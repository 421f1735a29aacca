/**
 * The entry lists (src/store/entries.ts) on Redis: one hash per list, field = entry id, value =
 * `createdAt|lastSeenAt|expiresAt|data` (decimal ms; `data` is everything after the third `|`). Each write
 * is one Lua script (one EVALSHA, atomic on the server); the key's PEXPIRE follows its last entry. Times
 * come from the caller (`now`), never from the server clock, so they agree with the session manager's.
 */
import { KanmonError } from '../errors.js';
import type { AddEntryResult, StoreEntry } from '../store/entries.js';

/** Lua: parse value `v` into c, s, e (numbers). */
const parse = (v: string) => `local c, s, e = string.match(${v}, '^(%-?%d+)|(%-?%d+)|(%-?%d+)|')
c, s, e = tonumber(c), tonumber(s), tonumber(e)`;

/**
 * The twin of `planAdd`. KEYS[1] the hash; ARGV: id, createdAt, lastSeenAt, expiresAt, data, now, limit,
 * evict (1) or refuse (0). Reply: `{0}` refused, or `{1, id, value, id, value, …}` with the evicted entries.
 */
export const addEntryLua = `
local now, limit = tonumber(ARGV[6]), tonumber(ARGV[7])
local all = redis.call('HGETALL', KEYS[1])
local live = {}
for i = 1, #all, 2 do
  local id, v = all[i], all[i + 1]
  ${parse('v')}
  if e == nil or e <= now then redis.call('HDEL', KEYS[1], id)
  elseif id ~= ARGV[1] then live[#live + 1] = {c, id, v, e} end
end
table.sort(live, function(a, b) if a[1] ~= b[1] then return a[1] < b[1] end return a[2] < b[2] end)
local out = {1}
local first = 1
if #live >= limit then
  if ARGV[8] == '0' then return {0} end
  first = #live - limit + 2
  for i = 1, first - 1 do
    redis.call('HDEL', KEYS[1], live[i][2])
    out[#out + 1] = live[i][2]
    out[#out + 1] = live[i][3]
  end
end
local last = tonumber(ARGV[4])
for i = first, #live do if live[i][4] > last then last = live[i][4] end end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '|' .. ARGV[3] .. '|' .. ARGV[4] .. '|' .. ARGV[5])
local ttl = last - now
if ttl < 1 then ttl = 1 end
redis.call('PEXPIRE', KEYS[1], string.format('%d', ttl))
return out
`;

/** KEYS[1] the hash; ARGV: id. Reply: the removed value, or false. */
export const removeEntryLua = `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if v then redis.call('HDEL', KEYS[1], ARGV[1]) end
return v
`;

/** KEYS[1] the hash; ARGV: id, lastSeenAt, expiresAt, now. Reply: 1 touched, 0 absent or expired. */
export const touchEntryLua = `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return 0 end
${parse('v')}
local now = tonumber(ARGV[4])
if e == nil or e <= now then return 0 end
local ns, ne = tonumber(ARGV[2]), tonumber(ARGV[3])
local sv, ev = string.format('%d', s), string.format('%d', e)
if ns > s then sv = ARGV[2] end
if ne > e then ev = ARGV[3]; e = ne end
local rest = string.sub(v, string.len(string.match(v, '^%-?%d+|%-?%d+|%-?%d+|')) + 1)
redis.call('HSET', KEYS[1], ARGV[1], string.format('%d', c) .. '|' .. sv .. '|' .. ev .. '|' .. rest)
local pttl = redis.call('PTTL', KEYS[1])
if pttl >= 0 and pttl < e - now then redis.call('PEXPIRE', KEYS[1], string.format('%d', e - now)) end
return 1
`;

/** An entry from its id and value; `null` for a value not in the format (never written by kanmon). */
export function decodeEntry(id: string, value: string): StoreEntry | null {
  const a = value.indexOf('|');
  const b = a < 0 ? -1 : value.indexOf('|', a + 1);
  const c = b < 0 ? -1 : value.indexOf('|', b + 1);
  if (c < 0) return null;
  const createdAt = Number(value.slice(0, a));
  const lastSeenAt = Number(value.slice(a + 1, b));
  const expiresAt = Number(value.slice(b + 1, c));
  if (!Number.isSafeInteger(createdAt) || !Number.isSafeInteger(lastSeenAt) || !Number.isSafeInteger(expiresAt)) return null;
  return { id, createdAt, lastSeenAt, expiresAt, data: value.slice(c + 1) };
}

/** The reply of {@link addEntryLua}. */
export function decodeAddReply(reply: unknown): AddEntryResult {
  if (!Array.isArray(reply) || (reply[0] !== 0 && reply[0] !== 1)) throw new KanmonError('ERR_STORE_UNAVAILABLE', 'redis store: unexpected addEntry reply');
  if (reply[0] === 0) return { added: false, evicted: [] };
  const evicted: StoreEntry[] = [];
  for (let i = 1; i + 1 < reply.length; i += 2) {
    const entry = decodeEntry(String(reply[i]), String(reply[i + 1]));
    if (entry) evicted.push(entry);
  }
  return { added: true, evicted };
}
