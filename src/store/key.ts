import { createHash } from 'node:crypto';
import { KanmonError } from '../errors.js';

const tenantPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const namespacePattern = /^[a-z][a-z0-9-]{0,31}$/;
/** Key parts left as they are; everything else is percent-encoded as UTF-8. */
const plainPart = /^[A-Za-z0-9_.@+-]*$/;
/** Parts longer than this (after encoding) are replaced by `%h` + their SHA-256. */
const maxPartLength = 256;

/**
 * Whether `tenant` is a valid tenant id: 1–64 of `A-Z a-z 0-9 _ . -`, starting with a letter or digit.
 *
 * @example
 * ```ts
 * import { isTenantId } from 'kanmon/store';
 * isTenantId('city-001'); // true
 * isTenantId('city 001'); // false: a space
 * ```
 */
export function isTenantId(tenant: unknown): tenant is string {
  return typeof tenant === 'string' && tenantPattern.test(tenant);
}

/** Character classes of a key's prefix, by ASCII code: bits {@link tenantFirst} … {@link namespaceRest}. */
const keyChars = new Uint8Array(128);
const tenantFirst = 1;
const tenantRest = 2;
const namespaceFirst = 4;
const namespaceRest = 8;
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  keyChars[c] =
    (/[A-Za-z0-9]/.test(ch) ? tenantFirst | tenantRest : 0) |
    (/[_.-]/.test(ch) ? tenantRest : 0) |
    (/[a-z]/.test(ch) ? namespaceFirst | namespaceRest : 0) |
    (/[0-9-]/.test(ch) ? namespaceRest : 0);
}
const isChar = (key: string, i: number, kind: number): boolean => {
  const c = key.charCodeAt(i);
  return c < 128 && ((keyChars[c] as number) & kind) !== 0;
};

/**
 * Whether `key` has the shape {@link storeKey} produces: it starts with
 * `{tenant}:namespace:` (`/^\{[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\}:[a-z][a-z0-9-]{0,31}:/`).
 * Only the prefix is checked: it is what isolates tenants (hash tag, purge);
 * the parts after it are opaque to every store. Every store checks every key
 * with it, so it is a scan, cheaper than the regex (`bench/lockout.bench.mjs`;
 * `test/store/key.test.ts` holds the two equal).
 *
 * @example
 * ```ts
 * import { isStoreKey, storeKey } from 'kanmon/store';
 * isStoreKey(storeKey('city-001', 'lockout', 'pw', 'yamada')); // true
 * isStoreKey('lockout:yamada'); // false: no {tenant} prefix
 * ```
 */
export function isStoreKey(key: unknown): key is string {
  if (typeof key !== 'string' || key.length > 2048 || key.charCodeAt(0) !== 0x7b || !isChar(key, 1, tenantFirst)) return false;
  let i = 2;
  while (i < 65 && isChar(key, i, tenantRest)) i++;
  if (key.charCodeAt(i) !== 0x7d || key.charCodeAt(i + 1) !== 0x3a || !isChar(key, i + 2, namespaceFirst)) return false;
  const end = i + 34;
  i += 3;
  while (i < end && isChar(key, i, namespaceRest)) i++;
  return key.charCodeAt(i) === 0x3a;
}

/**
 * The tenant of a key built by {@link storeKey}, or `null`.
 *
 * @example
 * ```ts
 * import { storeKey, tenantOfKey } from 'kanmon/store';
 * tenantOfKey(storeKey('city-001', 'lockout', 'pw', 'yamada')); // 'city-001'
 * ```
 */
export function tenantOfKey(key: string): string | null {
  const end = key.indexOf('}');
  return key.startsWith('{') && end > 1 ? key.slice(1, end) : null;
}

/** Throw `ERR_INVALID_ARGUMENT` unless `tenant` is a valid tenant id. */
export function assertTenant(tenant: unknown): asserts tenant is string {
  if (!isTenantId(tenant)) {
    throw new KanmonError(
      'ERR_INVALID_ARGUMENT',
      `tenant must be 1–64 characters of A-Z a-z 0-9 _ . - starting with a letter or digit; got ${JSON.stringify(String(tenant)).slice(0, 80)}`,
    );
  }
}

/** Throw `ERR_INVALID_ARGUMENT` unless `key` was built by {@link storeKey}. */
export function assertStoreKey(key: unknown): asserts key is string {
  if (!isStoreKey(key)) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', `not a kanmon store key (build keys with storeKey): ${JSON.stringify(String(key)).slice(0, 80)}`);
  }
}

function escapePart(part: string): string {
  if (part.length <= maxPartLength && plainPart.test(part)) return part;
  // UTF-8 bytes (a lone surrogate becomes U+FFFD), percent-encoded: injective,
  // and no `:`, `{`, `}`, `*` or whitespace can reach the key.
  let out = '';
  for (const byte of Buffer.from(part, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += byte < 0x80 && plainPart.test(c) ? c : '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  // `%h` never comes out of the encoding above (only `%` + two hex digits), so hashed parts cannot collide with plain ones.
  return out.length <= maxPartLength ? out : '%h' + createHash('sha256').update(out).digest('hex');
}

/**
 * Build a store key: `{tenant}:namespace:part:part…`. Stores prepend their
 * prefix, so the key lands as `kanmon:{tenant}:lockout:…`.
 *
 * The tenant sits in a Redis Cluster hash tag, so all of a tenant's keys share
 * one slot and multi-key scripts are slot-safe. Tenant ids are validated;
 * parts are percent-encoded (and hashed when long), so no part, whatever a
 * user typed, can reach into another namespace or another tenant's keys.
 *
 * @example
 * ```ts
 * import { storeKey } from 'kanmon/store';
 * storeKey('city-001', 'lockout', 'pw', 'alice'); // '{city-001}:lockout:pw:alice'
 * storeKey('city-001', 'lockout', 'pw', 'a:b');   // '{city-001}:lockout:pw:a%3Ab'
 * ```
 */
export function storeKey(tenant: string, namespace: string, ...parts: readonly string[]): string {
  assertTenant(tenant);
  if (!namespacePattern.test(namespace)) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', `namespace must match ${String(namespacePattern)}; got ${JSON.stringify(namespace)}`);
  }
  let key = `{${tenant}}:${namespace}`;
  for (const part of parts) {
    if (typeof part !== 'string') throw new KanmonError('ERR_INVALID_ARGUMENT', 'key parts must be strings');
    key += ':' + escapePart(part);
  }
  return key;
}

/**
 * {@link storeKey} for callers that validated `tenant` already and pass a
 * constant namespace (the hot paths): the parts are escaped all the same.
 * @internal
 */
export function trustedKey(tenant: string, namespace: string, a: string, b?: string, c?: string): string {
  let key = `{${tenant}}:${namespace}:${escapePart(a)}`;
  if (b !== undefined) key += `:${escapePart(b)}`;
  if (c !== undefined) key += `:${escapePart(c)}`;
  return key;
}
