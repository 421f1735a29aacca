import { hkdfSync } from 'node:crypto';
import { tenantPattern } from '../audit/event.js';
import { KanmonError } from '../errors.js';

/** Key material from the caller (env, KMS, file). kanmon never generates keys silently. */
export interface KeyInput {
  /** Stable id, recorded next to everything the key protects: letters, digits, `_`, `-`; 1–64 characters. */
  readonly id: string;
  /** At least 32 bytes: raw bytes, or a base64 / base64url string. */
  readonly secret: Uint8Array | string;
  /**
   * The tenant (municipality) this key serves alone (issue 19, RM-18, SEC-34, FNB-4.3): it seals, MACs and
   * hashes only that tenant's values, through `keyRing.forTenant(tenant)`, and destroying it crypto-shreds that
   * tenant and no other. Absent: a shared key.
   */
  readonly tenant?: string | undefined;
}

/** What a key is used for. Each purpose gets its own subkey (HKDF-SHA-256), so one secret never serves two algorithms. */
export type KeyPurpose = 'seal' | 'audit-mac' | 'pepper' | 'device-token' | 'session' | (string & {});

/** Options for {@link createKeyRing}. */
export interface KeyRingOptions {
  readonly keys: readonly KeyInput[];
  /** The id of the shared key new values are protected with (tenants without a key of their own use it too). */
  readonly current: string;
  /** Per tenant, the id of the tenant key new values of that tenant are protected with. @default each tenant's first key listed */
  readonly tenantCurrent?: Readonly<Record<string, string>> | undefined;
  /** Ids of keys destroyed before (a key file keeps them), so their values answer `ERR_KEY_DESTROYED`, not `ERR_KEY_NOT_FOUND`. */
  readonly destroyed?: readonly (string | { readonly id: string; readonly tenant?: string | undefined })[] | undefined;
}

/**
 * A set of keys by id: one current key for new values, older keys kept for
 * reading, destroyed keys remembered so their values fail with a clear code.
 */
export interface KeyRing {
  /** The id new values are protected with. */
  readonly currentId: string;
  /** Ids of usable (not destroyed) keys. */
  ids(): string[];
  /** Whether a usable (not destroyed) key has this id. */
  has(id: string): boolean;
  /** Whether the key with this id was destroyed (what it sealed can no longer be opened). */
  isDestroyed(id: string): boolean;
  /** Rotation, step 1: add a key (it does not become current). */
  add(key: KeyInput): void;
  /** Rotation, step 2: protect new values with this key. Old keys stay readable. */
  setCurrent(id: string): void;
  /**
   * Crypto-shredding (FNB-4.1, SEC-31): wipe the key's bytes; everything it
   * protected becomes unreadable (`ERR_KEY_DESTROYED`). The current key cannot
   * be destroyed: rotate first.
   */
  destroy(id: string): void;
  /**
   * The 32-byte subkey of `id` for `purpose` (HKDF-SHA-256, info
   * `kanmon/v1/<purpose>`), cached. Throws `ERR_KEY_NOT_FOUND` or `ERR_KEY_DESTROYED`.
   */
  derive(id: string, purpose: KeyPurpose): Buffer;
  /**
   * Be told of every `add`, `setCurrent` and `destroy` after it took effect (ids only, never material).
   * Returns the function that stops it. `attachKeyAudit` uses it to write `admin.key.*` records.
   */
  watch?(listener: (event: KeyRingEvent) => void): () => void;
  /**
   * The ring as one tenant sees it (issue 19, point 5): `currentId` is the tenant's own current key, `derive`
   * serves the tenant's keys and the shared ones (values sealed before the tenant had a key stay readable and
   * answer `needsReseal`), never another tenant's (`ERR_KEY_NOT_FOUND`). A tenant that never had a key of its own
   * uses the shared current key; `add` on its view gives it one. Once every key of the tenant is destroyed, its values answer `ERR_KEY_DESTROYED`.
   */
  forTenant?(tenant: string): KeyRing;
  /** The tenant a key serves alone (also after it was destroyed), or undefined for a shared key. */
  tenantOf?(id: string): string | undefined;
  /** Ids of the tenant's own keys that are not destroyed. */
  tenantKeyIds?(tenant: string): string[];
}

/** `keyRing.forTenant(tenant)` when the ring has tenant keys; the ring itself otherwise (and for custom rings without `forTenant`). */
export function keyRingForTenant(keyRing: KeyRing, tenant: string | undefined): KeyRing {
  // a name no tenant key can carry (e.g. a tampered label) gets the shared ring: the caller's own checks then refuse it
  return typeof tenant === 'string' && tenantPattern.test(tenant) && typeof keyRing.forTenant === 'function' ? keyRing.forTenant(tenant) : keyRing;
}

/** What {@link KeyRing.watch} listeners receive: the operation and key ids, never key material. */
export type KeyRingEvent = (
  | { readonly op: 'add'; readonly id: string }
  | { readonly op: 'set_current'; readonly id: string; readonly previous: string }
  | { readonly op: 'destroy'; readonly id: string }
) & {
  /** The tenant the key serves alone; absent for a shared key. */
  readonly tenant?: string;
};

const idPattern = /^[A-Za-z0-9_-]{1,64}$/;
const base64Pattern = /^[A-Za-z0-9+/_-]+={0,2}$/;

function decodeSecret(key: KeyInput): Buffer {
  let bytes: Buffer;
  if (typeof key.secret === 'string') {
    if (!base64Pattern.test(key.secret)) {
      throw new KanmonError('ERR_INVALID_ARGUMENT', `key '${key.id}': secret must be base64 or base64url`);
    }
    bytes = Buffer.from(key.secret, key.secret.includes('-') || key.secret.includes('_') ? 'base64url' : 'base64');
  } else if (key.secret instanceof Uint8Array) {
    bytes = Buffer.from(key.secret); // a copy: the caller's buffer is theirs
  } else {
    throw new KanmonError('ERR_INVALID_ARGUMENT', `key '${String(key.id)}': secret must be a Uint8Array or a base64 string`);
  }
  if (bytes.length < 32) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', `key '${key.id}': secret must be at least 32 bytes (got ${bytes.length})`);
  }
  return bytes;
}

function checkId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || !idPattern.test(id)) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', `key id must match ${String(idPattern)}`);
  }
}

/**
 * A key ring over keys the caller supplies.
 *
 * @example
 * ```ts
 * import { createKeyRing } from 'kanmon';
 * const keyRing = createKeyRing({
 *   keys: [{ id: '2026-01', secret: process.env.KANMON_KEY_2026_01! }],
 *   current: '2026-01',
 * });
 * // rotation: add the new key, move `current`, re-seal at leisure, then destroy the old one
 * keyRing.add({ id: 'funabashi-1', secret: process.env.KANMON_KEY_FUNABASHI_1!, tenant: 'funabashi' });
 * keyRing.forTenant?.('funabashi').currentId; // 'funabashi-1': Funabashi's values are sealed, hashed and MACed under it
 * ```
 */
export function createKeyRing(options: KeyRingOptions): KeyRing {
  const secrets = new Map<string, Buffer>();
  const destroyed = new Set<string>();
  const derived = new Map<string, Buffer>();
  /** Key id → the tenant it serves alone (kept after destruction). */
  const owner = new Map<string, string>();
  /** Tenant → its current key id (kept after destruction: the tenant stays shredded, never falls back to the shared key). */
  const tenantCurrent = new Map<string, string>();
  const views = new Map<string, KeyRing>();
  const listeners = new Set<(event: KeyRingEvent) => void>();
  const tell = (event: KeyRingEvent) => {
    for (const listener of listeners) listener(event);
  };
  const withTenant = <E extends KeyRingEvent>(event: E, id: string): E => {
    const tenant = owner.get(id);
    return tenant === undefined ? event : { ...event, tenant };
  };

  const checkTenant = (tenant: unknown, id: string): string | undefined => {
    if (tenant === undefined) return undefined;
    if (typeof tenant !== 'string' || !tenantPattern.test(tenant)) {
      throw new KanmonError('ERR_INVALID_ARGUMENT', `key '${id}': tenant must match ${String(tenantPattern)}`);
    }
    return tenant;
  };

  const add = (key: KeyInput) => {
    checkId(key.id);
    if (secrets.has(key.id) || destroyed.has(key.id)) {
      throw new KanmonError('ERR_INVALID_ARGUMENT', `key '${key.id}' is already in the key ring (ids are never reused)`);
    }
    const tenant = checkTenant(key.tenant, key.id);
    secrets.set(key.id, decodeSecret(key));
    if (tenant !== undefined) {
      owner.set(key.id, tenant);
      const current = tenantCurrent.get(tenant);
      if (current === undefined || destroyed.has(current)) tenantCurrent.set(tenant, key.id); // its first key, or a new one after the end
    }
  };

  const keys: readonly KeyInput[] = options.keys;
  if (!(keys instanceof Array) || keys.length === 0) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'createKeyRing needs at least one key');
  }
  for (const gone of options.destroyed ?? []) {
    const id = typeof gone === 'string' ? gone : gone?.id;
    checkId(id);
    destroyed.add(id);
    const tenant = typeof gone === 'string' ? undefined : checkTenant(gone.tenant, id);
    if (tenant !== undefined) owner.set(id, tenant);
  }
  for (const key of keys) add(key);
  let currentId = options.current;
  if (!secrets.has(currentId) || owner.has(currentId)) {
    throw new KanmonError('ERR_KEY_NOT_FOUND', `current key '${String(currentId)}' is not a shared key of the key ring`);
  }
  for (const [tenant, id] of Object.entries(options.tenantCurrent ?? {})) {
    if (owner.get(id) !== tenant || !secrets.has(id)) throw new KanmonError('ERR_KEY_NOT_FOUND', `tenantCurrent: '${id}' is not a key of tenant '${tenant}'`);
    tenantCurrent.set(tenant, id);
  }

  const secretOf = (id: string): Buffer => {
    const secret = secrets.get(id);
    if (secret) return secret;
    if (destroyed.has(id)) {
      const tenant = owner.get(id);
      throw new KanmonError('ERR_KEY_DESTROYED', `key '${id}' was destroyed${tenant === undefined ? '' : ` (tenant ${JSON.stringify(tenant)} was crypto-shredded)`}`, {
        details: { keyId: id, ...(tenant === undefined ? {} : { tenant }) },
      });
    }
    throw new KanmonError('ERR_KEY_NOT_FOUND', `key '${id}' is not in the key ring`);
  };

  const wipe = (id: string) => {
    const secret = secretOf(id);
    secret.fill(0);
    secrets.delete(id);
    destroyed.add(id);
    for (const [cacheKey, subkey] of derived) {
      if (cacheKey.startsWith(`${id}\0`)) {
        subkey.fill(0);
        derived.delete(cacheKey);
      }
    }
  };

  const root: KeyRing = {
    get currentId() {
      return currentId;
    },
    /** Shared keys only: a tenant's keys are listed by its view and `tenantKeyIds`. */
    ids: () => [...secrets.keys()].filter((id) => !owner.has(id)),
    has: (id) => secrets.has(id),
    isDestroyed: (id) => destroyed.has(id),
    add(key) {
      add(key);
      tell(withTenant({ op: 'add', id: key.id }, key.id));
    },
    setCurrent(id) {
      secretOf(id);
      const tenant = owner.get(id);
      if (tenant !== undefined) {
        const previous = tenantCurrent.get(tenant) ?? currentId;
        tenantCurrent.set(tenant, id);
        tell({ op: 'set_current', id, previous, tenant });
        return;
      }
      const previous = currentId;
      currentId = id;
      tell({ op: 'set_current', id, previous });
    },
    destroy(id) {
      if (id === currentId) {
        throw new KanmonError('ERR_INVALID_ARGUMENT', `key '${id}' is current: set another current key before destroying it`);
      }
      wipe(id); // a tenant's current key may be destroyed: that ends the tenant (crypto-shredding)
      tell(withTenant({ op: 'destroy', id }, id));
    },
    derive(id, purpose) {
      const cacheKey = `${id}\0${purpose}`;
      let subkey = derived.get(cacheKey);
      if (!subkey) {
        const tenant = owner.get(id);
        // a tenant key's subkeys name the tenant too: one secret given to two tenants by mistake still gives each its own keys
        const info = tenant === undefined ? `kanmon/v1/${purpose}` : `kanmon/v1/tenant/${tenant}/${purpose}`;
        subkey = Buffer.from(hkdfSync('sha256', secretOf(id), Buffer.alloc(0), info, 32));
        derived.set(cacheKey, subkey);
      }
      return subkey;
    },
    watch(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    forTenant(tenant) {
      if (typeof tenant !== 'string' || !tenantPattern.test(tenant)) throw new KanmonError('ERR_INVALID_ARGUMENT', `forTenant: tenant must match ${String(tenantPattern)}`);
      let view = views.get(tenant);
      if (!view) {
        view = tenantView(tenant);
        views.set(tenant, view);
      }
      return view;
    },
    tenantOf: (id) => owner.get(id),
    tenantKeyIds: (tenant) => [...secrets.keys()].filter((id) => owner.get(id) === tenant),
  };

  const tenantView = (tenant: string): KeyRing => {
    /** Throws unless `id` is a shared key or one of this tenant's. */
    const usable = (id: string): void => {
      const keyTenant = owner.get(id);
      if (keyTenant !== undefined && keyTenant !== tenant) {
        throw new KanmonError('ERR_KEY_NOT_FOUND', `key '${id}' serves tenant ${JSON.stringify(keyTenant)}, not ${JSON.stringify(tenant)}`, {
          details: { keyId: id, keyTenant, tenant },
        });
      }
    };
    const own = (id: string, op: string): void => {
      if (owner.get(id) !== tenant) throw new KanmonError('ERR_INVALID_ARGUMENT', `${op}: key '${id}' is not a key of tenant ${JSON.stringify(tenant)}`);
    };
    const view: KeyRing = {
      get currentId() {
        return tenantCurrent.get(tenant) ?? currentId; // no key of its own (yet): the shared key, as before per-tenant keys
      },
      ids: () => [...secrets.keys()].filter((id) => !owner.has(id) || owner.get(id) === tenant),
      has: (id) => secrets.has(id) && (!owner.has(id) || owner.get(id) === tenant),
      isDestroyed: (id) => destroyed.has(id) && (!owner.has(id) || owner.get(id) === tenant),
      add(key) {
        if (key.tenant !== undefined && key.tenant !== tenant) throw new KanmonError('ERR_INVALID_ARGUMENT', `key '${key.id}' names tenant ${JSON.stringify(key.tenant)}, added to ${JSON.stringify(tenant)}`);
        root.add({ ...key, tenant });
      },
      setCurrent(id) {
        own(id, 'setCurrent');
        root.setCurrent(id);
      },
      destroy(id) {
        own(id, 'destroy');
        root.destroy(id);
      },
      derive(id, purpose) {
        usable(id);
        return root.derive(id, purpose);
      },
      watch: (listener) => root.watch!(listener),
      forTenant(other) {
        if (other !== tenant) throw new KanmonError('ERR_INVALID_ARGUMENT', `forTenant: this ring is tenant ${JSON.stringify(tenant)}'s, not ${JSON.stringify(other)}'s`);
        return view;
      },
      tenantOf: (id) => owner.get(id),
      tenantKeyIds: (t) => root.tenantKeyIds!(t),
    };
    return view;
  };
  return root;
}
