/** SEC-29, FNB-3.4: one tenant can never address another's keys; no user input can escape its key part. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isStoreKey, storeKey, tenantOfKey } from '../../src/store/index.js';
import { KanmonError } from '../../src/errors.js';

describe('storeKey', () => {
  it('builds {tenant}:namespace:parts with the tenant as the Redis Cluster hash tag', () => {
    expect(storeKey('city-001', 'lockout', 'pw', 'alice')).toBe('{city-001}:lockout:pw:alice');
    expect(tenantOfKey(storeKey('city-001', 'lockout', 'pw', 'alice'))).toBe('city-001');
  });

  it('percent-encodes anything that could reach another part, namespace or tenant', () => {
    expect(storeKey('t', 'lockout', 'pw', 'a:b')).toBe('{t}:lockout:pw:a%3Ab');
    expect(storeKey('t', 'lockout', 'pw', '}{x}')).toBe('{t}:lockout:pw:%7D%7Bx%7D');
    expect(storeKey('t', 'lockout', 'pw', 'a b*')).toBe('{t}:lockout:pw:a%20b%2A');
    expect(storeKey('t', 'lockout', 'pw', 'ａ')).toBe('{t}:lockout:pw:%EF%BD%81');
  });

  it('hashes very long parts (bounded keys) without colliding with short ones', () => {
    const long = storeKey('t', 'lockout', 'pw', 'x'.repeat(10_000));
    expect(long.length).toBeLessThan(100);
    expect(long).toMatch(/^\{t\}:lockout:pw:%h[0-9a-f]{64}$/);
    expect(storeKey('t', 'lockout', 'pw', 'x'.repeat(10_001))).not.toBe(long);
  });

  it('property: distinct part lists give distinct keys, every key is a valid store key of its tenant', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 300 }), { minLength: 1, maxLength: 3 }), fc.array(fc.string({ unit: 'binary', maxLength: 300 }), { minLength: 1, maxLength: 3 }), (a, b) => {
        const ka = storeKey('city-1', 'lockout', ...a);
        const kb = storeKey('city-1', 'lockout', ...b);
        expect(isStoreKey(ka)).toBe(true);
        expect(tenantOfKey(ka)).toBe('city-1');
        const same = a.length === b.length && a.every((p, i) => Buffer.from(p).equals(Buffer.from(b[i] ?? '')));
        if (!same) expect(ka).not.toBe(kb);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses tenant ids and namespaces that could break the key shape', () => {
    for (const tenant of ['', 'a}b', 'a:b', '{a}', 'a*', ' a', 'é', 'x'.repeat(65), '-a']) {
      expect(() => storeKey(tenant, 'lockout', 'x')).toThrow(KanmonError);
    }
    for (const ns of ['', 'Lockout', 'a:b', '1x']) expect(() => storeKey('t', ns, 'x')).toThrow(KanmonError);
  });

  // SEC-29: every store admits a key by isStoreKey alone; it must accept exactly the keys whose
  // prefix is {tenant}:namespace: as documented, over strings built to sit on every boundary.
  it('property: isStoreKey accepts exactly the keys that start with {tenant}:namespace: (the documented pattern)', () => {
    const documented = /^\{[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\}:[a-z][a-z0-9-]{0,31}:/;
    const char = fc.constantFrom('{', '}', ':', 'a', 'Z', '0', '-', '_', '.', 'é', ' ', 'n', '\u0000', '\u{1F600}');
    const run = (c: string) => fc.tuple(fc.integer({ min: 0, max: 70 }), fc.array(fc.tuple(fc.nat(70), char), { maxLength: 3 })).map(([n, edits]) => {
      const out = Array.from({ length: n }, () => c);
      for (const [at, ch] of edits) if (at < out.length) out[at] = ch;
      return out.join('');
    });
    const candidate = fc
      .tuple(fc.option(char, { freq: 5 }), run('t'), fc.option(char, { freq: 5 }), fc.option(char, { freq: 5 }), run('n'), fc.option(char, { freq: 3 }), fc.string({ maxLength: 4 }))
      .map(([open, tenant, close, colon, ns, end, rest]) => `${open ?? '{'}${tenant}${close ?? '}'}${colon ?? ':'}${ns.slice(0, 36)}${end ?? ':'}${rest}`);
    fc.assert(
      fc.property(fc.oneof(candidate, fc.string({ maxLength: 80 })), (key) => {
        expect(isStoreKey(key)).toBe(documented.test(key));
      }),
      { numRuns: 5000 },
    );
    expect(isStoreKey(`{${'a'.repeat(64)}}:${'n'.repeat(32)}:x`)).toBe(true);
    expect(isStoreKey(`{${'a'.repeat(65)}}:n:x`)).toBe(false);
    expect(isStoreKey(`{a}:${'n'.repeat(33)}:x`)).toBe(false);
    expect(isStoreKey(`{a}:n:${'x'.repeat(2048)}`)).toBe(false);
    expect(isStoreKey(42)).toBe(false);
  });
});
