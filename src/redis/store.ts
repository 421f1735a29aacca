import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { KanmonError } from '../errors.js';
import { assertStoreKey, assertTenant } from '../store/key.js';
import { checkInteger, checkTtl, checkUpdateKeys, storeFailure, toRecord } from '../store/internal.js';
import type { KanmonStore, StoreRecord, Transition } from '../store/store.js';
import { byAge, checkAdd, checkEntryId, checkTime } from '../store/entries.js';
import { addEntryLua, decodeAddReply, decodeEntry, removeEntryLua, touchEntryLua } from './entries.js';
import { type RedisScriptVariant, type RedisTransitionScript, advanceLua, builtinScripts, recordLayouts } from './scripts.js';

/** Options for {@link redisStore}. */
export interface RedisStoreOptions {
  /**
   * An ioredis client (`Redis` or `Cluster`) you created and own; kanmon never
   * closes it. Give it an `error` listener, and consider
   * `enableOfflineQueue: false` so commands fail fast while Redis is down
   * (lockout also times out on its own: `storeTimeoutMs`).
   */
  readonly client: Redis | Cluster;
  /**
   * Prepended to every key: `<prefix>:{tenant}:namespace:…`.
   * @default 'kanmon'
   */
  readonly prefix?: string;
  /**
   * Lua scripts for further transitions, by transition name (see
   * `RedisTransitionScript`). The built-in lockout transitions are always there.
   */
  readonly scripts?: Readonly<Record<string, RedisTransitionScript<never>>>;
  /**
   * Transitions started in the same tick (many logins at once) go out in one
   * socket write of up to this many commands, instead of one write each. Each
   * call is still its own EVALSHA, answered on its own; a lone call is written
   * before the tick ends. `0` writes every command at once. Applies to a
   * standalone `Redis` client; a `Cluster` writes each command at once.
   * @default 16
   */
  readonly writeBatch?: number;
}

/** An account record written before `settled` existed: its first four fields. */
const olderAccountFields: readonly string[] = (recordLayouts.a ?? []).slice(0, 4);

/** A record as the scripts store it: a tag byte, then little-endian doubles (see {@link recordLayouts}). */
function parseRecord(raw: Buffer | null): StoreRecord | null {
  if (raw === null || raw.length === 0) return null;
  const tag = String.fromCharCode(raw[0] ?? 0);
  const fields = tag === 'a' && raw.length === 1 + 8 * olderAccountFields.length ? olderAccountFields : recordLayouts[tag];
  if (!fields || raw.length !== 1 + 8 * fields.length) {
    throw new KanmonError('ERR_STORE_UNAVAILABLE', 'redis store: a record has an unknown format');
  }
  const out: Record<string, number> = {};
  fields.forEach((name, i) => (out[name] = raw.readDoubleLE(1 + 8 * i)));
  return toRecord(out);
}

/** A defined script: numkeys, the keys, then ARGV. */
type ScriptCommand = (args: readonly (string | number)[]) => Promise<unknown>;

/** The client's socket, as far as write batching needs it. */
interface Corkable {
  cork(): void;
  uncork(): void;
}

const prefixPattern = /^[A-Za-z0-9_.-]{1,64}$/;

/** Per store: how many reserve script variants it made (tests). */
const variantCounts = new WeakMap<KanmonStore, () => number>();

/** How many reserve script variants `store` made so far; further policies run the generic script. @internal */
export function reserveVariantCount(store: KanmonStore): number {
  return variantCounts.get(store)?.() ?? 0;
}

/**
 * A {@link KanmonStore} over Redis (kanmon/redis), for many instances behind a
 * load balancer. Every transition is one Lua script, loaded once per client
 * with `defineCommand` and run by `EVALSHA`: one round trip, atomic on the
 * server. Keys carry the tenant as a Redis Cluster hash tag
 * (`kanmon:{city-001}:lockout:pw:alice`), so multi-key scripts are slot-safe.
 * `purgeTenant` walks keys with `SCAN`, never `KEYS`.
 *
 * Lockout state must survive a Redis restart: run Redis with persistence
 * (AOF, `appendonly yes`), or a restart unlocks every account.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { createLockout, definePolicy } from 'kanmon';
 * import { redisStore } from 'kanmon/redis';
 *
 * const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { enableOfflineQueue: false });
 * client.on('error', (err) => console.error('redis', err.message));
 * const lockout = createLockout({ policy: definePolicy('funabashi'), store: redisStore({ client }) });
 * ```
 */
export function redisStore(options: RedisStoreOptions): KanmonStore {
  const { client, prefix = 'kanmon', scripts: extra = {}, writeBatch = 16 } = options;
  if (!client || typeof (client as { defineCommand?: unknown }).defineCommand !== 'function') {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'redisStore: client must be an ioredis Redis or Cluster instance');
  }
  if (!prefixPattern.test(prefix)) throw new KanmonError('ERR_INVALID_ARGUMENT', 'redisStore: prefix must be 1–64 of A-Z a-z 0-9 _ . -');
  if (!Number.isSafeInteger(writeBatch) || writeBatch < 0) throw new KanmonError('ERR_INVALID_ARGUMENT', 'redisStore: writeBatch must be a non-negative integer');
  const builtin = builtinScripts();
  const scripts = { ...extra, ...builtin.scripts };
  const commands = client as unknown as Record<string, ((...args: (string | number)[]) => Promise<unknown>) | undefined>;

  /**
   * Define the script on this client once (the name carries the script's hash,
   * so versions never clash) and return its command. ioredis defines
   * `<name>Buffer` beside it: the same script, bulk replies as Buffers.
   */
  const command = (lua: string, bufferReplies = false): ScriptCommand => {
    const name = 'kanmon_' + createHash('sha1').update(lua).digest('hex').slice(0, 16);
    if (typeof commands[name] !== 'function') client.defineCommand(name, { lua });
    const fn = commands[bufferReplies ? `${name}Buffer` : name] as (...args: (string | number)[]) => Promise<unknown>;
    return (args) => fn.apply(client, args as (string | number)[]);
  };
  const byName = new Map<string, { script: RedisTransitionScript<never>; run: ScriptCommand }>();
  for (const [name, script] of Object.entries(scripts)) byName.set(name, { script, run: command(script.lua, script.bufferReplies === true) });
  /** Script variants (see `RedisTransitionScript.variant`), defined on this client at their first use. */
  const variants = new Map<RedisScriptVariant<never>, ScriptCommand>();
  const variantCommand = (script: RedisTransitionScript<never>, variant: RedisScriptVariant<never>): ScriptCommand => {
    let run = variants.get(variant);
    if (!run) {
      run = command(variant.lua, script.bufferReplies === true);
      variants.set(variant, run);
    }
    return run;
  };
  const advance = command(advanceLua);
  const addEntry = command(addEntryLua);
  const removeEntry = command(removeEntryLua);
  const touchEntry = command(touchEntryLua);
  const prefixed = `${prefix}:`;
  const full = (key: string) => prefixed + key;

  const wrap = async <T>(op: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw storeFailure('redis', op, err);
    }
  };

  const masters = (): (Redis | Cluster)[] => {
    const nodes = (client as { nodes?: (role: 'master') => Redis[] }).nodes;
    return typeof nodes === 'function' && (client as { isCluster?: boolean }).isCluster ? nodes.call(client, 'master') : [client];
  };

  /**
   * Write batching: a socket write per command costs the client more than the
   * rest of a reservation, so the first transition of a tick corks the
   * socket and a `process.nextTick` uncorks it, after every login resumed by
   * the same burst of replies has sent its command; every `writeBatch`
   * commands it is flushed at once, so Redis starts on a long burst early.
   * Corking only delays writes to the end of the tick, never reorders them;
   * the stream corked is the one uncorked, even across a reconnect.
   */
  let corked: Corkable | null = null;
  let batched = 0;
  const uncork = (): void => {
    const stream = corked;
    corked = null;
    stream?.uncork();
  };
  const batchWrite = (): void => {
    if (corked) {
      if (++batched < writeBatch) return;
      corked.uncork();
      corked.cork();
      batched = 0;
      return;
    }
    const stream = (client as { stream?: Partial<Corkable> }).stream;
    if (writeBatch === 0 || typeof stream?.cork !== 'function' || typeof stream.uncork !== 'function') return;
    stream.cork();
    corked = stream as Corkable;
    batched = 1;
    process.nextTick(uncork);
  };

  const store: KanmonStore = {
    name: 'redis',

    update<A, R>(transition: Transition<A, R>, keys: readonly string[], args: A): Promise<R> {
      // Not `async`: one promise layer on the hottest path of every shared deployment.
      let pending: Promise<unknown>;
      let script: RedisTransitionScript<A, R>;
      try {
        checkUpdateKeys(keys);
        const entry = byName.get(transition.name);
        if (!entry) {
          throw new KanmonError('ERR_INVALID_ARGUMENT', `redisStore has no Lua script for transition '${transition.name}'; pass it in options.scripts`);
        }
        script = entry.script as unknown as RedisTransitionScript<A, R>;
        const count = keys.length;
        const variant = script.variant?.(args, count);
        const run = variant ? variantCommand(entry.script, variant) : entry.run;
        const argv = (variant ?? script).encode(args);
        // numkeys, the keys, then ARGV, in one array.
        const call: (string | number)[] = new Array<string | number>(1 + count + argv.length);
        call[0] = count;
        for (let i = 0; i < count; i++) call[1 + i] = prefixed + (keys[i] as string);
        for (let i = 0; i < argv.length; i++) call[1 + count + i] = argv[i] as string | number;
        batchWrite();
        pending = run(call);
      } catch (err) {
        return Promise.reject(storeFailure('redis', transition.name, err));
      }
      return pending.then(
        (reply) => script.decode(reply, args),
        (err: unknown) => {
          throw storeFailure('redis', transition.name, err);
        },
      );
    },

    read: async (key) => {
      assertStoreKey(key);
      return wrap('read', async () => parseRecord(await client.getBuffer(full(key))));
    },

    advanceIfGreater: async (key, value, ttlMs) => {
      assertStoreKey(key);
      checkInteger(value);
      checkTtl(ttlMs);
      return wrap('advanceIfGreater', async () => (await advance([1, full(key), String(value), ttlMs === null ? '' : String(ttlMs)])) === 1);
    },

    consumeOnce: async (key, ttlMs) => {
      assertStoreKey(key);
      checkTtl(ttlMs);
      return wrap('consumeOnce', async () => {
        const reply = ttlMs === null ? await client.set(full(key), '1', 'NX') : await client.set(full(key), '1', 'PX', ttlMs, 'NX');
        return reply === 'OK';
      });
    },

    increment: async (key) => {
      assertStoreKey(key);
      return wrap('increment', () => client.incr(full(key)));
    },

    readCounter: async (key) => {
      assertStoreKey(key);
      return wrap('readCounter', async () => Number((await client.get(full(key))) ?? 0));
    },

    addEntry: async (key, entry, options) => {
      assertStoreKey(key);
      checkAdd(entry, options);
      const { id } = entry;
      const mode = options.whenFull === 'refuse' ? '0' : '1';
      return wrap('addEntry', async () =>
        decodeAddReply(await addEntry([1, full(key), id, entry.createdAt, entry.lastSeenAt, entry.expiresAt, entry.data, options.now, options.limit, mode])),
      );
    },

    listEntries: async (key, now) => {
      assertStoreKey(key);
      checkTime(now, 'now');
      return wrap('listEntries', async () => {
        const all = await client.hgetall(full(key));
        const out = [];
        for (const [id, value] of Object.entries(all)) {
          const entry = decodeEntry(id, value);
          if (entry && entry.expiresAt > now) out.push(entry);
        }
        return out.sort(byAge);
      });
    },

    removeEntry: async (key, id, now) => {
      assertStoreKey(key);
      checkEntryId(id);
      checkTime(now, 'now');
      return wrap('removeEntry', async () => {
        const value = await removeEntry([1, full(key), id]);
        const entry = typeof value === 'string' ? decodeEntry(id, value) : null;
        return entry && entry.expiresAt > now ? entry : null;
      });
    },

    touchEntry: async (key, id, lastSeenAt, expiresAt, now) => {
      assertStoreKey(key);
      checkEntryId(id);
      checkTime(lastSeenAt, 'lastSeenAt');
      checkTime(expiresAt, 'expiresAt');
      checkTime(now, 'now');
      return wrap('touchEntry', async () => (await touchEntry([1, full(key), id, lastSeenAt, expiresAt, now])) === 1);
    },

    delete: async (key) => {
      assertStoreKey(key);
      return wrap('delete', async () => (await client.del(full(key))) > 0);
    },

    purgeTenant: async (tenant) => {
      assertTenant(tenant);
      return wrap('purgeTenant', async () => {
        const match = `${prefix}:{${tenant}}:*`;
        let removed = 0;
        for (const node of masters()) {
          let cursor = '0';
          do {
            const [next, keys] = await node.scan(cursor, 'MATCH', match, 'COUNT', 1000);
            cursor = next;
            if (keys.length > 0) removed += await node.unlink(...keys);
          } while (cursor !== '0');
        }
        return removed;
      });
    },

    async close() {
      // The client belongs to the caller.
    },
  };
  variantCounts.set(store, builtin.reserveVariantCount);
  return store;
}
