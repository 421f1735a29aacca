import { commonPasswordsEncoded } from '../common-passwords.js';

/** The shipped common passwords, decoded from their front-coded form (lower-case, sorted). */
export function decodeCommonPasswords(encoded: string = commonPasswordsEncoded): string[] {
  const entries: string[] = [];
  let previous = '';
  let i = 0;
  while (i < encoded.length) {
    const shared = encoded.charCodeAt(i) - 65;
    let end = i + 1;
    while (end < encoded.length) {
      const unit = encoded.charCodeAt(end);
      if (unit >= 65 && unit <= 90) break;
      end++;
    }
    previous = previous.slice(0, shared) + encoded.slice(i + 1, end);
    entries.push(previous);
    i = end;
  }
  return entries;
}

/**
 * Leet substitutions undone, and look-alikes folded together: `1`, `!`, `|`
 * and `l` all become `i`, so `tru5tn0l`, `trustno1` and `TrustNo!` meet.
 */
const FOLD: Readonly<Record<string, string>> = {
  '0': 'o',
  '1': 'i',
  '!': 'i',
  '|': 'i',
  l: 'i',
  '2': 'z',
  '3': 'e',
  '4': 'a',
  '@': 'a',
  '5': 's',
  $: 's',
  '6': 'g',
  '9': 'g',
  '7': 't',
  '+': 't',
  '8': 'b',
  '(': 'c',
  '#': 'h',
};
/** `FOLD` as a table over ASCII units: the unit each one folds to. */
const foldTable = new Uint16Array(128).map((_, unit) => {
  const to = FOLD[String.fromCharCode(unit)];
  return to === undefined ? unit : to.charCodeAt(0);
});

/**
 * The form passwords are compared in: lower-case input with leet undone
 * (`p@ssw0rd` → `password`). Maps each UTF-16 unit to one unit, so slices of
 * the folded text are the folded slices.
 */
export function foldLeet(lower: string): string {
  // A plain array: `fromCharCode.apply` reads it faster than a typed array.
  const units: number[] = new Array<number>(lower.length);
  for (let i = 0; i < lower.length; i++) {
    const unit = lower.charCodeAt(i);
    units[i] = unit < 128 ? (foldTable[unit] as number) : unit;
  }
  return String.fromCharCode.apply(null, units);
}

/** The shipped list in folded form, and its longest entry. */
interface FoldedList {
  readonly entries: ReadonlySet<string>;
  readonly longest: number;
}

let folded: FoldedList | null = null;

/**
 * The shipped list in folded form, built on first use and kept (about 3 MiB
 * of heap; `npm run bench` measures it).
 */
export function foldedCommonPasswords(): FoldedList {
  if (!folded) {
    const entries = new Set(decodeCommonPasswords().map(foldLeet));
    let longest = 0;
    for (const entry of entries) if (entry.length > longest) longest = entry.length;
    folded = { entries, longest };
  }
  return folded;
}
