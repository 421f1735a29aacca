import type { MessageLang } from '../messages/catalog.js';

/** Longest `Accept-Language` header read; a longer one is ignored (the default applies). */
const MAX_ACCEPT_LANGUAGE = 1024;

/**
 * The message language for a request, from its `Accept-Language` header
 * (RFC 9110 §12.5.4): the supported language with the highest q-value wins,
 * `q=0` excludes a language, `*` stands for any language not named, ties go
 * to the earlier entry. A missing, malformed or over-long header gives `fallback`.
 *
 * @param fallback @default 'ja'
 * @example
 * ```ts
 * import { chooseLanguage } from 'kanmon/express';
 * chooseLanguage('en-US,en;q=0.9,ja;q=0.8'); // 'en'
 * chooseLanguage('fr, ja;q=0.1');             // 'ja'
 * chooseLanguage(undefined);                 // 'ja'
 * ```
 */
export function chooseLanguage(acceptLanguage: string | readonly string[] | null | undefined, fallback: MessageLang = 'ja'): MessageLang {
  const header = Array.isArray(acceptLanguage) ? acceptLanguage.join(',') : acceptLanguage;
  if (typeof header !== 'string' || header.length === 0 || header.length > MAX_ACCEPT_LANGUAGE) return fallback;
  const q: Record<MessageLang, number | undefined> = { ja: undefined, en: undefined };
  let wildcard: number | undefined;
  let best: { lang: MessageLang; q: number } | null = null;
  const order: MessageLang[] = [];
  for (const part of header.split(',')) {
    const [rangeText, ...params] = part.split(';');
    const range = (rangeText ?? '').trim().toLowerCase();
    if (range === '') continue;
    let weight = 1;
    for (const param of params) {
      const match = /^\s*q\s*=\s*(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)\s*$/i.exec(param);
      if (match) weight = Number(match[1]);
      else if (/^\s*q\s*=/i.test(param)) weight = Number.NaN; // a malformed q-value: skip this range
    }
    if (Number.isNaN(weight)) continue;
    if (range === '*') {
      wildcard ??= weight;
      continue;
    }
    const primary = range.split('-')[0];
    if (primary !== 'ja' && primary !== 'en') continue;
    // A language named several times (`en-US`, `en`) takes its highest weight; its first mention sets the order.
    if (q[primary] === undefined) order.push(primary);
    q[primary] = Math.max(q[primary] ?? 0, weight);
  }
  for (const lang of order) {
    const weight = q[lang] ?? 0;
    if (weight > 0 && (best === null || weight > best.q)) best = { lang, q: weight };
  }
  if (wildcard !== undefined && wildcard > 0) {
    // `*` covers the languages not named: the fallback first.
    for (const lang of [fallback, fallback === 'ja' ? 'en' : 'ja'] as const) {
      if (q[lang] === undefined && (best === null || wildcard > best.q)) best = { lang, q: wildcard };
    }
  }
  return best?.lang ?? fallback;
}
