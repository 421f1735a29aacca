/**
 * A counted reservation (`{ ok: true, … }`), carrying what a success needs to
 * forgive exactly the attempts up to it: the record it was counted on, its
 * count of failures over (`settled`) when it was made, when it was made, and
 * the per-IP record it counted.
 * Private: the result reads (and compares, and prints) as the plain object.
 */
export class Granted {
  readonly ok = true as const;
  readonly #key: string;
  readonly #settled: number;
  readonly #at: number;
  readonly #ipKey: string | null;
  constructor(
    readonly failures: number,
    readonly remaining: number,
    readonly lockedNow: boolean,
    readonly degraded: false,
    key: string,
    settled: number,
    at: number,
    ipKey: string | null,
  ) {
    this.#key = key;
    this.#settled = settled;
    this.#at = at;
    this.#ipKey = ipKey;
  }

  /** What a success or failure report of reservation `r` needs on `key`, if `r` was counted there. */
  static forKey(r: unknown, key: string): { readonly settled: number; readonly at: number } | null {
    return r instanceof Granted && r.#key === key ? { settled: r.#settled, at: r.#at } : null;
  }

  /** When reservation `r` was counted on the per-IP record `ipKey`, or `null`. */
  static countedOn(r: unknown, ipKey: string): number | null {
    return r instanceof Granted && r.#ipKey === ipKey ? r.#at : null;
  }
}
