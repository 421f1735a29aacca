/**
 * The password rules' fast paths decide exactly as the rules are written (fast-check against
 * straightforward reference implementations, on random input with ASCII, non-ASCII, astral code points
 * and lone surrogates):
 * - `repetitive_or_sequential` (NIST SP 800-63B-4 §3.1.1.2): one piece written at least twice, or all but
 *   at most a quarter of the password in runs of 3 or more (one unit repeated, or consecutive along a line
 *   of rules/sequence.ts, forwards or backwards). The rule stops early and skips the period computation
 *   when no period can exist; the reference looks at every window.
 * - `repeated` (maxRepeat): the longest run of one code point, read index by index instead of by the
 *   string iterator.
 * - `unassigned_code_point` (RFC 8265 §4.2, RFC 8264 §9.12): ASCII-only text skips the `\p{Cn}` scan.
 * - `contains_context` (NIST SP 800-63B-4 §3.1.1.2, context-specific words): an id's whole is not looked for
 *   when one of its parts counts (a password holding the whole holds that part too); the reference looks
 *   for every form.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { definePolicy } from '../../src/index.js';
import { checkPattern } from '../../src/password/rules/pattern.js';
import { checkRepeat } from '../../src/password/rules/repeat.js';
import { mostlyRuns, sequenceLines } from '../../src/password/rules/sequence.js';
import { checkAssigned } from '../../src/password/rules/unicode.js';
import { checkContext } from '../../src/password/rules/context.js';
import type { PasswordIssue } from '../../src/password/issues.js';

const nist = definePolicy('nist-800-63b');
const repeatPolicy = definePolicy('nist-800-63b', { password: { maxRepeat: 1 } });

const prepared = (text: string) => ({ normalized: text, lower: text.toLowerCase(), length: [...text].length });
const reversed = (text: string) => [...text].reverse().join('');

// ─── references: the rules as written, by brute force ─────────────────────────

/** Whether `piece` (3 units or more) is a run: one UTF-16 unit repeated, or a stretch of a line, forwards or backwards. */
function isRun(piece: string): boolean {
  if ([...piece.split('')].every((unit) => unit === piece[0])) return true;
  return sequenceLines.some(([, line]) => line.includes(piece) || reversed(line).includes(piece));
}

/**
 * UTF-16 units of `text` inside some window of at least `minRun` units that is a run. A window's prefixes are
 * runs too, so the longest run from each start decides which units that start covers.
 */
function coveredReference(text: string, minRun: number): number {
  const covered = new Array<boolean>(text.length).fill(false);
  for (let start = 0; start < text.length; start++) {
    let end = start + 1;
    while (end < text.length && isRun(text.slice(start, end + 1))) end++;
    if (end - start >= minRun) covered.fill(true, start, end);
  }
  return covered.filter(Boolean).length;
}

/** One piece written at least twice: a period `p` ≤ n/2 with text[i] === text[i + p] throughout. */
function repeatsAPieceReference(text: string): boolean {
  for (let p = 1; p * 2 <= text.length; p++) {
    let periodic = true;
    for (let i = 0; i + p < text.length && periodic; i++) periodic = text[i] === text[i + p];
    if (periodic) return true;
  }
  return false;
}

function patternReference(text: string): boolean {
  const n = text.length;
  if (n < 2) return false;
  return repeatsAPieceReference(text) || (n - coveredReference(text, 3)) * 4 <= n;
}

/** Longest run of one code point, by the string iterator. */
function longestRunReference(text: string): number {
  let longest = 0;
  let run = 0;
  let previous: string | undefined;
  for (const char of text) {
    run = char === previous ? run + 1 : 1;
    previous = char;
    longest = Math.max(longest, run);
  }
  return longest;
}

/** The forms a context value is looked for in, as the rule describes them: normalised, lower-cased, trimmed, whole and (ids) its parts. */
function contextTokens(value: string, split: boolean): string[] {
  const whole = value.normalize('NFKC').toLowerCase().trim();
  const forms = [whole, ...(split ? whole.split(/[._\-+@ \t]/).filter((part) => part !== whole) : [])];
  // Short forms are ignored: 3 code points, or 2 when written wholly outside ASCII.
  return forms.filter((form) => [...form].length >= ([...form].some((char) => char.charCodeAt(0) <= 0x7f) ? 3 : 2));
}

function contextReference(password: string, context: { username?: string; email?: string; words?: string[] }, policyWords: readonly string[]): PasswordIssue[] {
  const lower = password.toLowerCase();
  const backwards = reversed(lower);
  const issues: PasswordIssue[] = [];
  const look = (source: 'username' | 'email' | 'word', tokens: string[]) => {
    if (tokens.some((token) => lower.includes(token))) issues.push({ code: 'contains_context', source, reversed: false });
    else if (tokens.some((token) => backwards.includes(token))) issues.push({ code: 'contains_context', source, reversed: true });
  };
  if (context.username) look('username', contextTokens(context.username, true));
  if (context.email) {
    const at = context.email.lastIndexOf('@');
    look('email', contextTokens(at === -1 ? context.email : context.email.slice(0, at), true));
  }
  look('word', [...policyWords, ...(context.words ?? [])].flatMap((word) => contextTokens(word, false)));
  return issues;
}

// ─── input: pieces that make runs and periods likely, mixed with any unit ─────

const lineSlice = fc
  .tuple(fc.constantFrom(...sequenceLines.map(([, line]) => line)), fc.nat(), fc.integer({ min: 2, max: 8 }), fc.boolean())
  .map(([line, at, size, backwards]) => {
    const from = at % line.length;
    const piece = line.slice(from, from + size);
    return backwards ? reversed(piece) : piece;
  });
const oneUnit = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) }, // any code point, astral ones as two units
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((u) => String.fromCharCode(u)) }, // a lone surrogate
  { weight: 1, arbitrary: fc.constantFrom('\u{1F600}', '\u{20BB7}', 'é', 'ｱ', '船', '\u0378', '\uFDD0', '\u{10FFFF}') },
);
const repeatRun = fc.tuple(oneUnit, fc.integer({ min: 2, max: 6 })).map(([unit, times]) => unit.repeat(times));
const piece = fc.oneof({ weight: 3, arbitrary: lineSlice }, { weight: 2, arbitrary: repeatRun }, { weight: 3, arbitrary: oneUnit });
const text = (maxPieces: number) =>
  fc
    .tuple(fc.array(piece, { maxLength: maxPieces }), fc.integer({ min: 1, max: 3 }), fc.array(oneUnit, { maxLength: 2 }))
    .map(([pieces, times, tail]) => pieces.join('').repeat(times) + tail.join(''));

// ─── the properties ────────────────────────────────────────────────────────────

describe('NIST SP 800-63B-4 §3.1.1.2: the repetitive-or-sequential fast path decides as the rule is written', () => {
  it('the lines have no unit twice (so a stretch of a line is a chain of its neighbour pairs)', () => {
    for (const [, line] of sequenceLines) expect(new Set(line).size, line).toBe(line.length);
  });

  it('checkPattern agrees with the brute-force reference (periods, runs, non-ASCII, astral, lone surrogates)', () => {
    fc.assert(
      fc.property(text(12), (password) => {
        const lower = prepared(password).lower;
        const expected = patternReference(lower) ? { code: 'repetitive_or_sequential' } : null;
        expect(checkPattern(prepared(password), nist.password, [])).toEqual(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('mostlyRuns agrees with the reference count at every threshold, long inputs included (scratch grown and reused)', () => {
    fc.assert(
      fc.property(fc.oneof(text(12), text(80)), fc.nat({ max: 400 }), (password, slack) => {
        const uncovered = password.length - coveredReference(password, 3);
        const maxUncovered = slack % (password.length + 2);
        expect(mostlyRuns(password, 3, maxUncovered)).toBe(uncovered <= maxUncovered);
      }),
      { numRuns: 400 },
    );
  });

  it('the examples of the rule', () => {
    for (const password of ['aaaaaa', '1234abcd', 'abcabcabc', 'passwordpassword', '111111', '1234567891234567', 'qweasdzxc', '\u{1F600}\u{1F600}']) {
      expect(checkPattern(prepared(password), nist.password, []), password).toEqual({ code: 'repetitive_or_sequential' });
    }
    for (const password of ['correct horse battery staple', 'Kq7#vRt2!mZp', '\u{1F600}\u{1F601}\u{1F602}x']) {
      expect(checkPattern(prepared(password), nist.password, []), password).toBeNull();
    }
  });
});

describe('maxRepeat: the longest run of one code point, read by index', () => {
  it('agrees with the string iterator (astral code points are one character, lone surrogates one each)', () => {
    fc.assert(
      fc.property(text(12), (password) => {
        const actual = longestRunReference(password.toLowerCase());
        const expected = actual > 1 ? { code: 'repeated', maximum: 1, actual } : null;
        expect(checkRepeat(prepared(password), repeatPolicy.password)).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('RFC 8265 §4.2: the unassigned-code-point check skips only ASCII', () => {
  it('agrees with \\p{Cn} over the whole text, ASCII-only or not', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary-ascii', maxLength: 40 }), text(10)), (password) => {
        const expected = /\p{Cn}/u.test(password) ? { code: 'unassigned_code_point' } : null;
        expect(checkAssigned(prepared(password))).toEqual(expected);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('NIST SP 800-63B-4 §3.1.1.2: context-specific words, looked for as the rule is written', () => {
  const policyWords = ['Funabashi', '船橋'];
  const policy = definePolicy('nist-800-63b', { password: { contextWords: policyWords } });
  const namePart = fc.oneof(
    fc.constantFrom('taro', 'yamada', 'ab', 'sato', 'ＴＡＲＯ', '船橋', '太郎', '\u{20BB7}\u{20BB7}', 'é', 'funabashi', 'x'),
    fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 6 }),
  );
  const separator = fc.constantFrom('.', '_', '-', '+', '@', ' ', '\t', '');
  const id = fc.array(fc.tuple(namePart, separator), { minLength: 1, maxLength: 4 }).map((parts) => parts.map(([p, s]) => p + s).join(''));
  /** A password made of pieces of the context (some reversed) and random units, so every outcome happens. */
  const passwordFrom = (pieces: string[]) =>
    fc
      .array(fc.oneof(fc.constantFrom(...pieces), fc.constantFrom(...pieces).map(reversed), oneUnit), { maxLength: 5 })
      .map((parts) => parts.join(''));

  it('checkContext agrees with the reference (username, e-mail, policy and caller words; non-ASCII, astral)', () => {
    fc.assert(
      fc.property(
        id,
        id,
        fc.option(fc.array(namePart, { maxLength: 2 }), { nil: undefined }),
        fc.boolean(),
        (username, local, words, withEmail) =>
          fc.assert(
            fc.property(passwordFrom([username, local, ...username.split(/[._\-+@ \t]/), ...(words ?? []), ...policyWords, 'x']), (password) => {
              const context = { username, ...(withEmail ? { email: `${local}@city.example.lg.jp` } : {}), ...(words ? { words } : {}) };
              const text = password.normalize('NFKC');
              const input = { normalized: text, lower: text.toLowerCase(), length: [...text].length };
              expect(checkContext(input, policy.password, context)).toEqual(contextReference(text, context, policyWords));
            }),
            { numRuns: 10 },
          ),
      ),
      { numRuns: 300 },
    );
  });
});
