import { KanmonError } from '../../errors.js';
import type { Policy } from '../../policy/define-policy.js';
import { sha1Digest } from './build.js';

/** Options for {@link createOnlineBreachCheck}. */
export interface OnlineBreachCheckOptions {
  /** Reads `policy.password.breached.online` (enabled, timeoutMs, onError). */
  readonly policy: Policy;
  /** The fetch to use (inject one in tests, or a proxy-aware one). @default globalThis.fetch */
  readonly fetch?: typeof globalThis.fetch | undefined;
  /** The range API's base URL. @default 'https://api.pwnedpasswords.com' */
  readonly endpoint?: string | undefined;
}

/** The answer of an online check. */
export type OnlineBreachResult =
  /** The API answered: `count` is how often the password appears in breaches (0 = not found). */
  | { readonly ok: true; readonly breached: boolean; readonly count: number }
  /**
   * No answer. `breached` is what `onError` says to do: `'reject'` → `true`
   * (refuse the password), `'accept'` → `false`. `disabled`: the policy has the
   * online check off, and no request was made.
   */
  | { readonly ok: false; readonly reason: 'disabled' | 'timeout' | 'network' | 'bad_response'; readonly breached: boolean };

/** The opt-in online breached-password check (from {@link createOnlineBreachCheck}). */
export interface OnlineBreachCheck {
  /** Look the password up by k-anonymity (only the first 5 hex digits of its SHA-1 leave the process); `disabled` at once unless the policy enables it. */
  check(password: string): Promise<OnlineBreachResult>;
}

/** A padded range answer is ~800–1,000 lines; anything far larger is not the API. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * The optional online check against the Have I Been Pwned range API, by
 * k-anonymity: only the first 5 hex digits of the password's SHA-1 leave the
 * process, with `Add-Padding: true` so the answer's size says nothing either.
 *
 * It makes a request only when `policy.password.breached.online.enabled` is
 * true (off in every preset: SEC-6.1, closed networks make no outbound call);
 * otherwise `check` answers `{ ok: false, reason: 'disabled', breached: false }` at once.
 * Time-limited by `timeoutMs`; on any failure `onError` decides.
 *
 * @example
 * ```ts
 * import { createOnlineBreachCheck } from 'kanmon';
 * const online = createOnlineBreachCheck({ policy });
 * const r = await online.check(newPassword);
 * if (r.breached) console.warn('refuse the password: breached', r.ok ? r.count : `no answer (${r.reason})`);
 * ```
 */
export function createOnlineBreachCheck(options: OnlineBreachCheckOptions): OnlineBreachCheck {
  const { policy, fetch: fetchFn = globalThis.fetch, endpoint = 'https://api.pwnedpasswords.com' } = options ?? ({} as OnlineBreachCheckOptions);
  if (!policy?.password?.breached) throw new KanmonError('ERR_INVALID_ARGUMENT', 'createOnlineBreachCheck needs { policy }');
  const { enabled, timeoutMs, onError } = policy.password.breached.online;
  if (enabled && typeof fetchFn !== 'function') throw new KanmonError('ERR_INVALID_ARGUMENT', 'no fetch available: pass { fetch }');
  const base = endpoint.replace(/\/+$/, '');
  const failed = (reason: 'timeout' | 'network' | 'bad_response'): OnlineBreachResult => ({ ok: false, reason, breached: onError === 'reject' });

  return {
    async check(password) {
      if (!enabled) return { ok: false, reason: 'disabled', breached: false };
      if (typeof password !== 'string') throw new KanmonError('ERR_INVALID_ARGUMENT', 'password must be a string');
      const hex = Buffer.from(sha1Digest(password)).toString('hex').toUpperCase();
      const prefix = hex.slice(0, 5);
      const suffix = hex.slice(5);
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutMs);
      timer.unref?.();
      try {
        const response = await fetchFn(`${base}/range/${prefix}`, {
          headers: { 'Add-Padding': 'true', 'User-Agent': 'kanmon' },
          signal: controller.signal,
          redirect: 'error',
        });
        if (response.status !== 200) {
          await response.body?.cancel().catch(() => undefined);
          return failed('bad_response');
        }
        const declared = Number(response.headers.get('content-length') ?? '0');
        if (declared > MAX_RESPONSE_BYTES) {
          await response.body?.cancel().catch(() => undefined);
          return failed('bad_response');
        }
        const text = await response.text();
        if (text.length > MAX_RESPONSE_BYTES) return failed('bad_response');
        let count = 0;
        let lines = 0;
        for (const line of text.split('\n')) {
          const trimmed = line.trim();
          if (trimmed === '') continue;
          const m = /^([0-9A-Fa-f]{35}):(\d{1,12})$/.exec(trimmed);
          if (!m) return failed('bad_response');
          lines++;
          if (m[1]!.toUpperCase() === suffix) count = Number(m[2]); // padding entries carry count 0
        }
        if (lines === 0) return failed('bad_response');
        return { ok: true, breached: count > 0, count };
      } catch {
        return failed(timedOut ? 'timeout' : 'network');
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
