/**
 * The memory store's index: its entries by key, found through a hash of the
 * key computed here rather than by a `Map<string, …>`.
 *
 * Why: every store key is a string the caller has just built (`prefix + name`),
 * and V8 hashes a fresh string for `Map.get` in its runtime, a call that costs
 * more than the rest of a lockout reservation (`bench/lockout.bench.mjs`: the
 * lookup was over 40 % of a reservation). A loop over the characters in
 * JavaScript, then a `Map` keyed by the small integer, does the same job in
 * about half the time. The collision chains hang off the entries themselves.
 *
 * Hash flooding: the hash is seeded per process (`randomInt`), so which names
 * collide cannot be known from outside, and a chain never grows past
 * {@link MAX_CHAIN}: further keys of a full chain go to a plain `Map`
 * (V8's own seeded string hash, looked in only while it holds any), so a
 * lookup costs at most `MAX_CHAIN` comparisons plus one `Map.get`, whatever
 * names an attacker sends.
 */
import { randomInt } from 'node:crypto';

/** An entry of a {@link KeyTable}: its key and the next entry of its chain (the table's to set). */
export interface Keyed {
  readonly key: string;
  next: this | undefined;
}

/** The per-process seed: the hash of `''`. */
const seed = randomInt(2 ** 31);

/** Most entries on one hash's chain; more go to the table's overflow map. */
export const MAX_CHAIN = 8;

/** FNV-1a's multiplier. */
const FNV_PRIME = 0x01000193;

/** The hash state after `text` (from the seed): a caller that hashes keys sharing a prefix starts from it ({@link keyHashStep}, then {@link keyHashFinish}). */
export function keyHashState(text: string): number {
  let h = seed;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
  return h;
}

/** One more code unit into a hash state. */
export const keyHashStep = (h: number, c: number): number => Math.imul(h ^ c, FNV_PRIME);

/** A hash state's final value: MurmurHash3's fmix32, so every bit depends on every character; 30 bits, a V8 small integer. */
export function keyHashFinish(state: number): number {
  let h = state ^ (state >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h & 0x3fffffff;
}

/** The table's hash of `key`: FNV-1a over its UTF-16 code units from the per-process seed, then {@link keyHashFinish}. */
export const keyHash = (key: string): number => keyHashFinish(keyHashState(key));

/**
 * Entries by key. The caller computes {@link keyHash} once per operation and
 * passes it to each call on that key.
 */
export class KeyTable<E extends Keyed> {
  readonly #heads = new Map<number, E>();
  /** Keys whose chain was full when they came (see the module's note). */
  readonly #overflow = new Map<string, E>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(key: string, hash: number): E | undefined {
    for (let e = this.#heads.get(hash); e !== undefined; e = e.next) if (e.key === key) return e;
    return this.#overflow.size === 0 ? undefined : this.#overflow.get(key);
  }

  /** Add `entry` (whose key the table does not hold: check with {@link get} first). */
  add(entry: E, hash: number): void {
    const head = this.#heads.get(hash);
    let n = 0;
    for (let e = head; e !== undefined; e = e.next) n++;
    if (n >= MAX_CHAIN) this.#overflow.set(entry.key, entry);
    else {
      entry.next = head;
      this.#heads.set(hash, entry);
    }
    this.#size++;
  }

  /** Remove the entry of `key`, if held; whether it was. */
  delete(key: string, hash: number): boolean {
    let prev: E | undefined;
    let e = this.#heads.get(hash);
    while (e !== undefined && e.key !== key) {
      prev = e;
      e = e.next;
    }
    if (e !== undefined) {
      if (prev !== undefined) prev.next = e.next;
      else if (e.next !== undefined) this.#heads.set(hash, e.next);
      else this.#heads.delete(hash);
      e.next = undefined;
    } else if (this.#overflow.size === 0 || !this.#overflow.delete(key)) return false;
    this.#size--;
    return true;
  }

  /** Remove every entry for which `drop` says so; how many. */
  removeWhere(drop: (entry: E) => boolean): number {
    let removed = 0;
    for (const [hash, head] of this.#heads) {
      let first: E | undefined;
      let last: E | undefined;
      for (let e: E | undefined = head; e !== undefined; ) {
        const next: E | undefined = e.next;
        if (drop(e)) {
          e.next = undefined;
          removed++;
        } else {
          if (last === undefined) first = e;
          else last.next = e;
          last = e;
        }
        e = next;
      }
      if (last !== undefined) last.next = undefined;
      if (first === undefined) this.#heads.delete(hash);
      else if (first !== head) this.#heads.set(hash, first);
    }
    for (const [key, e] of this.#overflow) {
      if (drop(e)) {
        this.#overflow.delete(key);
        removed++;
      }
    }
    this.#size -= removed;
    return removed;
  }
}
