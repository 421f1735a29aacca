/**
 * The memory store's index (src/store/internal/key-table.ts): a table of entries by a hash
 * kanmon computes. Hash flooding (OWASP DoS cheat sheet; the reason V8 seeds its own string
 * hash): however many keys share one hash, a lookup compares at most MAX_CHAIN keys.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyTable, MAX_CHAIN, keyHash, keyHashFinish, keyHashState, keyHashStep } from '../../src/store/internal/key-table.js';
import { settledAccountKey, settledAccountKeyHashed, settledKeyHash } from '../../src/lockout/normalize-account.js';
import { memoryStore } from '../../src/store/memory.js';
import { createLockout, definePolicy } from '../../src/index.js';

interface Item {
  readonly key: string;
  next: Item | undefined;
  value: number;
}

/** An entry whose key reads are counted: how many keys a lookup compared. */
function counted(key: string, value: number, reads: { n: number }): Item {
  return {
    get key() {
      reads.n++;
      return key;
    },
    next: undefined,
    value,
  };
}

describe('keyHash', () => {
  it('is a non-negative 30-bit integer, the same for equal keys however they were built', () => {
    const a = keyHash('{t}:lockout:pw:alice');
    expect(Number.isInteger(a) && a >= 0 && a < 2 ** 30).toBe(true);
    expect(keyHash(['{t}:', 'lockout:', 'pw:', 'alice'].join(''))).toBe(a);
    expect(keyHash('{t}:lockout:pw:alicf')).not.toBe(a);
  });

  it('hashed from a prefix state step by step gives keyHash (what the lockout computes while it checks a name)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 60 }), (prefix, rest) => {
        let h = keyHashState(prefix);
        for (let i = 0; i < rest.length; i++) h = keyHashStep(h, rest.charCodeAt(i));
        expect(keyHashFinish(h)).toBe(keyHash(prefix + rest));
      }),
    );
  });

  it('settledAccountKeyHashed: the key of settledAccountKey, and its keyHash', () => {
    const prefix = '{city-1}:lockout:pw:';
    const state = keyHashState(prefix);
    fc.assert(
      fc.property(fc.oneof(fc.stringMatching(/^[a-z0-9_.@+-]{0,40}$/), fc.string({ unit: 'binary', maxLength: 40 })), (name) => {
        const key = settledAccountKeyHashed(prefix, state, name);
        expect(key).toBe(settledAccountKey(prefix, name));
        if (key !== null) expect(settledKeyHash.value).toBe(keyHash(key));
      }),
    );
  });
});

describe('KeyTable', () => {
  it('property: behaves as a Map<string, value> under add/delete/removeWhere, with hashes that collide heavily', () => {
    type Op = { op: 'add'; k: number } | { op: 'delete'; k: number } | { op: 'drop'; mod: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant('add' as const), k: fc.nat(60) }),
      fc.record({ op: fc.constant('delete' as const), k: fc.nat(60) }),
      fc.record({ op: fc.constant('drop' as const), mod: fc.integer({ min: 2, max: 5 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), fc.integer({ min: 1, max: 4 }), (ops, buckets) => {
        // At most 4 distinct hashes for 61 keys: chains fill, and keys overflow.
        const hashOf = (k: number) => k % buckets;
        const table = new KeyTable<Item>();
        const model = new Map<string, number>();
        let v = 0;
        for (const o of ops) {
          if (o.op === 'add') {
            const key = `k${o.k}`;
            if (table.get(key, hashOf(o.k)) === undefined) table.add({ key, next: undefined, value: ++v }, hashOf(o.k));
            if (!model.has(key)) model.set(key, v);
          } else if (o.op === 'delete') {
            expect(table.delete(`k${o.k}`, hashOf(o.k))).toBe(model.delete(`k${o.k}`));
          } else {
            let dropped = 0;
            for (const [key, value] of model) if (value % o.mod === 0 && model.delete(key)) dropped++;
            expect(table.removeWhere((e) => e.value % o.mod === 0)).toBe(dropped);
          }
          expect(table.size).toBe(model.size);
        }
        for (let k = 0; k <= 60; k++) expect(table.get(`k${k}`, hashOf(k))?.value).toBe(model.get(`k${k}`));
      }),
    );
  });

  it('hash flooding: 5,000 keys on one hash — every lookup compares at most MAX_CHAIN keys, and finds its key', () => {
    const reads = { n: 0 };
    const table = new KeyTable<Item>();
    for (let i = 0; i < 5000; i++) table.add(counted(`flood-${i}`, i, reads), 7);
    for (const i of [0, 1, MAX_CHAIN - 1, MAX_CHAIN, 2500, 4999]) {
      reads.n = 0;
      expect(table.get(`flood-${i}`, 7)?.value).toBe(i);
      expect(reads.n).toBeLessThanOrEqual(MAX_CHAIN);
    }
    reads.n = 0;
    expect(table.get('absent', 7)).toBeUndefined();
    expect(reads.n).toBeLessThanOrEqual(MAX_CHAIN);
    // Deleting from the chain and the overflow keeps every other key reachable.
    expect(table.delete('flood-4999', 7)).toBe(true);
    expect(table.delete('flood-3', 7)).toBe(true);
    expect(table.size).toBe(4998);
    expect(table.get('flood-4999', 7)).toBeUndefined();
    for (let i = 0; i < 4999; i++) if (i !== 3) expect(table.get(`flood-${i}`, 7)?.value).toBe(i);
    expect(table.removeWhere((e) => e.value % 2 === 0)).toBe(2500);
    expect(table.size).toBe(2498);
    for (let i = 1; i < 4999; i += 2) if (i !== 3) expect(table.get(`flood-${i}`, 7)?.value).toBe(i);
  });
});

describe('the memory store on its table', () => {
  it('a key counted by the lockout (hashed while its name was checked) is the key the store reads, deletes and purges', async () => {
    const store = memoryStore();
    const lockout = createLockout({ policy: definePolicy('funabashi'), store });
    for (let i = 0; i < 3; i++) await lockout.reserve('alice@city.example.jp');
    const key = '{default}:lockout:pw:alice@city.example.jp';
    expect(await store.read(key)).toMatchObject({ failures: 3 });
    expect((await lockout.status('alice@city.example.jp')).password.failures).toBe(3);
    expect(await store.delete(key)).toBe(true);
    expect((await lockout.reserve('alice@city.example.jp')).ok && (await store.read(key))?.failures).toBe(1);
    expect(await store.purgeTenant('default')).toBe(1);
    expect(store.size).toBe(0);
    await store.close();
  });
});
