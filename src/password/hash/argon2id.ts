import { timingSafeEqual } from 'node:crypto';
import { KanmonError } from '../../errors.js';
import type { PasswordNormalization } from '../normalize.js';
import { type PhcString, encodeKeyId, formatPhc, intParam, keyIdParam, normalizationEntry, normalizationParam, onlyParams, parsePhc } from './phc.js';

/** Argon2id cost parameters, in the policy's units. */
export interface Argon2Params {
  /** Memory in KiB (`m=`). */
  readonly memoryKiB: number;
  /** Passes (`t=`). */
  readonly iterations: number;
  /** Lanes (`p=`). */
  readonly parallelism: number;
}

/**
 * The one small interface an Argon2 implementation offers kanmon: the raw
 * Argon2id (version 0x13) tag. kanmon writes and reads the PHC strings itself
 * and compares tags in constant time, so every engine reads every other
 * engine's hashes, and a pepper key id can be recorded in the string.
 */
export interface Argon2Engine {
  /** A name for messages and benches (`node-rs`, `node-argon2`). */
  readonly name: string;
  /** The raw Argon2id v=0x13 tag of `password` under `salt`, `outputLength` bytes long. */
  hashRaw(password: Uint8Array, salt: Uint8Array, params: Argon2Params, outputLength: number): Promise<Buffer>;
}

/** The engines kanmon ships adapters for. */
export type Argon2EngineName = 'node-rs' | 'node-argon2';

interface NodeRsModule {
  hashRaw(password: Uint8Array, options: { memoryCost: number; timeCost: number; parallelism: number; outputLen: number; salt: Uint8Array }): Promise<Buffer>;
}
interface NodeArgon2Module {
  argon2id: number;
  hash(
    password: Buffer,
    options: { raw: true; type: number; memoryCost: number; timeCost: number; parallelism: number; hashLength: number; salt: Buffer },
  ): Promise<Buffer>;
}

function unavailable(pkg: string, cause: unknown): KanmonError {
  return new KanmonError('ERR_ENGINE_UNAVAILABLE', `the Argon2 engine '${pkg}' could not be loaded; run \`npm install ${pkg}\``, { cause });
}

async function load<T>(pkg: string, importer: () => Promise<unknown>, pick: (mod: Record<string, unknown>) => T | undefined): Promise<T> {
  let mod: Record<string, unknown>;
  try {
    mod = (await importer()) as Record<string, unknown>;
  } catch (cause) {
    throw unavailable(pkg, cause);
  }
  const api = pick(mod) ?? pick((mod.default ?? {}) as Record<string, unknown>);
  if (api === undefined) throw unavailable(pkg, new Error(`${pkg} does not export the expected functions`));
  return api;
}

const nodeArgon2Specifier = 'argon2';

const loaders: Record<Argon2EngineName, () => Promise<Argon2Engine>> = {
  // The default: prebuilt N-API binaries, no compiler, no install script.
  'node-rs': async () => {
    const rs = await load<NodeRsModule>(
      '@node-rs/argon2',
      () => import('@node-rs/argon2'),
      (m) => (typeof m.hashRaw === 'function' ? (m as unknown as NodeRsModule) : undefined),
    );
    return {
      name: 'node-rs',
      hashRaw: (password, salt, params, outputLength) =>
        rs.hashRaw(password, {
          memoryCost: params.memoryKiB,
          timeCost: params.iterations,
          parallelism: params.parallelism,
          outputLen: outputLength,
          salt,
        }),
    };
  },
  // The optional peer, loaded only when chosen. Its prebuilt binary needs npm's
  // install script (a source rebuild) on Node 20; see docs/hashing.md.
  'node-argon2': () => loadNodeArgon2(),
};

/**
 * The node-argon2 adapter. `importer` is injectable so the missing-package
 * path (`ERR_ENGINE_UNAVAILABLE`) is testable where the package is installed.
 */
export async function loadNodeArgon2(
  // A variable specifier keeps bundlers from resolving the optional peer at build time.
  importer: () => Promise<unknown> = () => import(/* @vite-ignore */ nodeArgon2Specifier),
): Promise<Argon2Engine> {
  const na = await load<NodeArgon2Module>(
    'argon2',
    importer,
    (m) => (typeof m.hash === 'function' && typeof m.argon2id === 'number' ? (m as unknown as NodeArgon2Module) : undefined),
  );
  return {
    name: 'node-argon2',
    hashRaw: (password, salt, params, outputLength) =>
      na.hash(Buffer.from(password), {
        raw: true,
        type: na.argon2id,
        memoryCost: params.memoryKiB,
        timeCost: params.iterations,
        parallelism: params.parallelism,
        hashLength: outputLength,
        salt: Buffer.from(salt),
      }),
  };
}

/**
 * An Argon2id engine by name. The package is imported on first use, so
 * `node-argon2` costs nothing unless chosen; a missing package rejects with
 * `ERR_ENGINE_UNAVAILABLE` at the first hash.
 *
 * @example
 * ```ts
 * import { argon2Engine } from 'kanmon';
 * const engine = argon2Engine('node-rs');
 * const tag = await engine.hashRaw(Buffer.from('password'), Buffer.from('somesalt'), { memoryKiB: 65536, iterations: 2, parallelism: 1 }, 32);
 * ```
 */
export function argon2Engine(name: Argon2EngineName): Argon2Engine {
  const loader = loaders[name];
  if (!loader) throw new KanmonError('ERR_INVALID_ARGUMENT', `unknown Argon2 engine '${String(name)}'; expected 'node-rs' or 'node-argon2'`);
  let loading: Promise<Argon2Engine> | undefined;
  /** The loaded engine: once there, each call goes straight to it (no promise layer of its own per hash). */
  let engine: Argon2Engine | undefined;
  return {
    name,
    hashRaw(password, salt, params, outputLength) {
      if (!engine) {
        loading ??= loader().then(
          (loaded) => (engine = loaded),
          (err: unknown) => {
            loading = undefined; // a failed import is retried on the next call
            throw err;
          },
        );
        return loading.then((loaded) => loaded.hashRaw(password, salt, params, outputLength));
      }
      try {
        return engine.hashRaw(password, salt, params, outputLength);
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err))); // an engine that throws answers as a rejection, as before
      }
    },
  };
}

/** Salt and tag lengths of new hashes (RFC 9106 §4 recommends a 128-bit salt and 256-bit tag). */
export const ARGON2_SALT_BYTES = 16;
export const ARGON2_TAG_BYTES = 32;

/** A parsed `$argon2id$` hash. */
export interface Argon2idHash {
  readonly params: Argon2Params;
  readonly keyId: string | undefined;
  /** The form the password was normalised to before hashing (`norm=`; absent = NFKC). @default 'NFKC' */
  readonly normalization?: PasswordNormalization | undefined;
  readonly salt: Buffer;
  readonly tag: Buffer;
}

/** Read a parsed PHC string as Argon2id v=19; `m,t,p` may come in any order (node-argon2 writes `m,p,t`). */
export function readArgon2id(phc: PhcString): Argon2idHash {
  if (phc.version !== 19) {
    throw new KanmonError('ERR_UNSUPPORTED_HASH', `argon2id version ${String(phc.version ?? 16)} is not supported (only v=19, RFC 9106)`);
  }
  if (phc.params.some(([name]) => name === 'data')) {
    throw new KanmonError('ERR_UNSUPPORTED_HASH', 'argon2id hashes with associated data (data=) are not supported');
  }
  onlyParams(phc, ['m', 't', 'p', 'keyid', 'norm']);
  const parallelism = intParam(phc, 'p', 1, 255);
  const params = {
    memoryKiB: intParam(phc, 'm', 8 * parallelism, 4 * 1024 * 1024),
    iterations: intParam(phc, 't', 1, 1000),
    parallelism,
  };
  if (phc.salt.length < 8 || phc.salt.length > 64) throw new KanmonError('ERR_INVALID_HASH', 'argon2id salt must be 8–64 bytes');
  if (phc.hash.length < 4 || phc.hash.length > 256) throw new KanmonError('ERR_INVALID_HASH', 'argon2id tag must be 4–256 bytes');
  return { params, keyId: keyIdParam(phc), normalization: normalizationParam(phc), salt: phc.salt, tag: phc.hash };
}

/** `$argon2id$v=19$m=…,t=…,p=…$<salt>$<tag>`: the form `hash()` writes without a pepper or a `norm=` (the usual stored value). */
const plainArgon2id = /^\$argon2id\$v=19\$m=([1-9]\d{0,9}),t=([1-9]\d{0,9}),p=([1-9]\d{0,2})\$([A-Za-z0-9+/]{11,86})\$([A-Za-z0-9+/]{6,342})$/;

/** Unpadded standard base64 that decodes and re-encodes to itself (as `parsePhc` requires), else null. */
function canonicalB64(text: string): Buffer | null {
  if (text.length % 4 === 1) return null;
  const bytes = Buffer.from(text, 'base64');
  const back = bytes.toString('base64');
  const end = back.endsWith('==') ? back.length - 2 : back.endsWith('=') ? back.length - 1 : back.length;
  return end === text.length && back.startsWith(text) ? bytes : null;
}

/**
 * Read an `$argon2id$` string: `readArgon2id(parsePhc(stored))`, with the plain form kanmon writes read by
 * one regular expression. Any string that form does not take whole (other parameters, a bound crossed, a
 * non-canonical base64) goes the general way, so the answer — the hash or the error — is the same
 * (test/password/hash/argon2id-read.test.ts). Issue 22: run after each Argon2 pass, with the caches
 * cleared by its memory, the general parse was most of `verify()`'s own CPU time.
 */
export function readArgon2idString(stored: string): Argon2idHash {
  const m = stored.length <= 512 ? plainArgon2id.exec(stored) : null;
  if (m) {
    const memoryKiB = Number(m[1]);
    const iterations = Number(m[2]);
    const parallelism = Number(m[3]);
    if (parallelism <= 255 && memoryKiB >= 8 * parallelism && memoryKiB <= 4 * 1024 * 1024 && iterations <= 1000) {
      const salt = canonicalB64(m[4]!);
      const tag = canonicalB64(m[5]!);
      if (salt && tag && salt.length >= 8 && salt.length <= 64 && tag.length >= 4 && tag.length <= 256) {
        return { params: { memoryKiB, iterations, parallelism }, keyId: undefined, normalization: 'NFKC', salt, tag };
      }
    }
  }
  return readArgon2id(parsePhc(stored));
}

/** Write an Argon2id PHC string, parameters in the spec's order `m,t,p` (then `keyid`, then `norm` unless NFKC). */
export function formatArgon2id(hash: Argon2idHash): string {
  const params: Array<[string, string | number]> = [
    ['m', hash.params.memoryKiB],
    ['t', hash.params.iterations],
    ['p', hash.params.parallelism],
  ];
  if (hash.keyId !== undefined) params.push(['keyid', encodeKeyId(hash.keyId)]);
  params.push(...normalizationEntry(hash.normalization));
  return formatPhc({ id: 'argon2id', version: 19, params, salt: hash.salt, hash: hash.tag });
}

/** Recompute the tag with `engine` and compare in constant time. */
export async function verifyArgon2id(engine: Argon2Engine, hash: Argon2idHash, password: Uint8Array): Promise<boolean> {
  const tag = await engine.hashRaw(password, hash.salt, hash.params, hash.tag.length);
  return tag.length === hash.tag.length && timingSafeEqual(tag, hash.tag);
}
