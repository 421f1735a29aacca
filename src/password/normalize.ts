/** The Unicode normalisation forms a policy can select. */
export type PasswordNormalization = 'NFKC' | 'NFC';

/**
 * Normalise a password the way every rule and every hash sees it.
 *
 * NFKC (the Japanese presets' default) folds compatibility forms, so a
 * password typed with the IME in full-width mode (`ＰａｓｓＷ０ｒｄ！`) is the same
 * password as its half-width form (`PassW0rd!`). NFC only composes.
 * Never throws: lone surrogates pass through unchanged (the rules report them).
 *
 * @example
 * ```ts
 * import { normalizePassword } from 'kanmon';
 * normalizePassword('Ｐａｓｓ１！', 'NFKC'); // 'Pass1!'
 * ```
 */
export function normalizePassword(password: string, form: PasswordNormalization = 'NFKC'): string {
  // ASCII is stable under NFKC and NFC: skip the ICU call for the usual password.
  for (let i = 0; i < password.length; i++) {
    if (password.charCodeAt(i) > 0x7f) return password.normalize(form);
  }
  return password;
}

/**
 * NFKC/NFC composition shrinks text by at most this factor in code points:
 * the longest canonical decomposition in Unicode is 4 code points (U+1F82),
 * and no mapping deletes a character. One code point is at most 2 UTF-16
 * units, so a string of more than `2 × 4 × n` units has more than `n` code
 * points once normalised, whatever it contains.
 */
export const UTF16_UNITS_PER_NORMALIZED_CODE_POINT = 8;

/** Code points in `text` (a lone surrogate counts as one), without allocating. */
export function countCodePoints(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}
