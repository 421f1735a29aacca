import { hkdfSync } from 'node:crypto';
import { KanmonError } from '../errors.js';

/** Key material from the caller (env, KMS, file). kanmon never generates keys silently. */
export interface KeyInput {
  /** Stable id, recorded next to everything the key protects: letters, digits, `_`, `-`; 1–64 characters. */
  readonly id: string;
  /** At least 32 bytes: raw bytes, or a base64 / base64url string. */
  readonly secret: Uint8Array | string;
}

/** What a key is used for. Each purpose gets its own subkey (HKDF-SHA-256), so one secret never serves two algorithms. */
export type KeyPurpose = 'seal' | 'audit-mac' | 'pepper' | 'device-token' | 'session' | (string & {});

/** Options for {@link createKeyRing}. */
export interface KeyRingOptions {
  readonly keys: readonly KeyInput[];
  /** The id of the key new values are protected with. */
  readonly current: string;
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
}

/** What {@link KeyRing.watch} listeners receive: the operation and key ids, never key material. */
export type KeyRingEvent =
  | { readonly op: 'add'; readonly id: string }
  | { readonly op: 'set_current'; readonly id: string; readonly previous: string }
  | { readonly op: 'destroy'; readonly id: string };

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
 * ```
 */
export function createKeyRing(options: KeyRingOptions): KeyRing {
  const secrets = new Map<string, Buffer>();
  const destroyed = new Set<string>();
  const derived = new Map<string, Buffer>();
  const listeners = new Set<(event: KeyRingEvent) => void>();
  const tell = (event: KeyRingEvent) => {
    for (const listener of listeners) listener(event);
  };

  const add = (key: KeyInput) => {
    checkId(key.id);
    if (secrets.has(key.id) || destroyed.has(key.id)) {
      throw new KanmonError('ERR_INVALID_ARGUMENT', `key '${key.id}' is already in the key ring (ids are never reused)`);
    }
    secrets.set(key.id, decodeSecret(key));
  };

  const keys: readonly KeyInput[] = options.keys;
  if (!(keys instanceof Array) || keys.length === 0) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', 'createKeyRing needs at least one key');
  }
  for (const key of keys) add(key);
  let currentId = options.current;
  if (!secrets.has(currentId)) throw new KanmonError('ERR_KEY_NOT_FOUND', `current key '${String(currentId)}' is not in the key ring`);

  const secretOf = (id: string): Buffer => {
    const secret = secrets.get(id);
    if (secret) return secret;
    if (destroyed.has(id)) throw new KanmonError('ERR_KEY_DESTROYED', `key '${id}' was destroyed`);
    throw new KanmonError('ERR_KEY_NOT_FOUND', `key '${id}' is not in the key ring`);
  };

  return {
    get currentId() {
      return currentId;
    },
    ids: () => [...secrets.keys()],
    has: (id) => secrets.has(id),
    isDestroyed: (id) => destroyed.has(id),
    add(key) {
      add(key);
      tell({ op: 'add', id: key.id });
    },
    setCurrent(id) {
      secretOf(id);
      const previous = currentId;
      currentId = id;
      tell({ op: 'set_current', id, previous });
    },
    destroy(id) {
      if (id === currentId) {
        throw new KanmonError('ERR_INVALID_ARGUMENT', `key '${id}' is current: set another current key before destroying it`);
      }
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
      tell({ op: 'destroy', id });
    },
    derive(id, purpose) {
      const cacheKey = `${id}\0${purpose}`;
      let subkey = derived.get(cacheKey);
      if (!subkey) {
        subkey = Buffer.from(hkdfSync('sha256', secretOf(id), Buffer.alloc(0), `kanmon/v1/${purpose}`, 32));
        derived.set(cacheKey, subkey);
      }
      return subkey;
    },
    watch(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
