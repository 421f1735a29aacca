import { describe, expect, it } from 'vitest';
import { KanmonError, checkPassword, definePolicy, type PasswordIssue, type PolicyInput } from '../../src/index.js';

const funabashi = definePolicy('funabashi');
const nist = definePolicy('nist-800-63b');
/** A policy with only the rule under test switched on. */
const only = (password: PolicyInput['password']) =>
  definePolicy({
    password: {
      minLength: 1,
      rejectContext: false,
      rejectCommon: false,
      maxRepeat: 0,
      sequenceLength: 0,
      rejectDates: false,
      ...password,
    },
  });

const codes = (issues: readonly PasswordIssue[]) => issues.map((i) => i.code);
const STRONG = 'Xk9#mQ2$vLp7';

describe('checkPassword: result shape', () => {
  it('accepts a long, four-class, unguessable password with no issues', () => {
    expect(checkPassword(STRONG, funabashi)).toEqual({ ok: true, issues: [] });
  });

  it('collects every issue instead of stopping at the first', () => {
    const result = checkPassword('password', funabashi);
    expect(result.ok).toBe(false);
    expect(result.issues).toEqual([
      { code: 'too_short', minimum: 10, actual: 8 },
      { code: 'missing_class', characterClass: 'upper' },
      { code: 'missing_class', characterClass: 'digit' },
      { code: 'missing_class', characterClass: 'symbol' },
      { code: 'common' },
    ]);
  });

  it.each([
    [undefined, 'undefined'],
    [null, 'null'],
    [12345678901, 'number'],
    [{ toString: () => 'Xk9#mQ2$vLp7' }, 'object'],
    [['Xk9#mQ2$vLp7'], 'array'],
    [Symbol('x'), 'symbol'],
  ])('answers a non-string (%s) with invalid_type instead of throwing', (value, received) => {
    expect(checkPassword(value, funabashi)).toEqual({
      ok: false,
      issues: [{ code: 'invalid_type', expected: 'string', received }],
    });
  });

  it('throws ERR_INVALID_ARGUMENT for a policy not built by definePolicy', () => {
    const handMade = { password: { ...funabashi.password } };
    for (const bad of [undefined, null, {}, handMade]) {
      expect(() => checkPassword(STRONG, bad as never)).toThrow(KanmonError);
    }
    try {
      checkPassword(STRONG, handMade);
    } catch (err) {
      expect((err as KanmonError).code).toBe('ERR_INVALID_ARGUMENT');
    }
  });

  it('throws ERR_INVALID_ARGUMENT for a malformed context', () => {
    expect(() => checkPassword(STRONG, funabashi, { username: 42 } as never)).toThrow(/context.username/);
    expect(() => checkPassword(STRONG, funabashi, { words: 'funabashi' } as never)).toThrow(/context.words/);
    expect(() => checkPassword(STRONG, funabashi, { breachedFilter: {} } as never)).toThrow(/breachedFilter/);
    expect(() => checkPassword(STRONG, funabashi, 'taro' as never)).toThrow(/context/);
  });
});

describe('length (code points, after normalisation)', () => {
  it('too_short carries the minimum and the actual length', () => {
    expect(checkPassword('Ab1!xyz', funabashi).issues).toContainEqual({ code: 'too_short', minimum: 10, actual: 7 });
  });

  it('counts code points, not UTF-16 units: 15 emoji are 15 characters', () => {
    expect(codes(checkPassword('🔑'.repeat(14), nist).issues)).toContain('too_short');
    expect(checkPassword('🔑🌸🗝🎋🍵🗻🎐🏯🎍🐉🦊🍙🍡🌊🎴', nist).issues).not.toContainEqual(expect.objectContaining({ code: 'too_short' }));
  });

  it('measures after normalisation: one U+FDFA is 18 characters under NFKC, 1 under NFC', () => {
    expect(checkPassword('\uFDFA', nist).issues.map((i) => i.code)).not.toContain('too_short');
    const nfc = definePolicy('nist-800-63b', { password: { normalization: 'NFC' } });
    expect(checkPassword('\uFDFA', nfc).issues).toContainEqual({ code: 'too_short', minimum: 15, actual: 1 });
  });

  it('too_long is reported alone, before any other rule', () => {
    expect(checkPassword('a'.repeat(129), funabashi)).toEqual({ ok: false, issues: [{ code: 'too_long', maximum: 128 }] });
    expect(checkPassword('Xk9#mQ2$vLp7'.padEnd(128, 'z').slice(0, 128), funabashi).issues).not.toContainEqual({
      code: 'too_long',
      maximum: 128,
    });
  });

  it('refuses a 10 MB string as too_long', () => {
    expect(checkPassword('\u0000'.repeat(10 * 1024 * 1024), funabashi)).toEqual({
      ok: false,
      issues: [{ code: 'too_long', maximum: 128 }],
    });
  });

  it('decides too_long on the normalised length: 128 composing sequences of 4 code points fit in 128', () => {
    // U+03B1 U+0313 U+0300 U+0345 composes to the single U+1F82 (the longest canonical decomposition).
    const composing = '\u03B1\u0313\u0300\u0345';
    expect(composing.normalize('NFKC')).toBe('\u1F82');
    expect(codes(checkPassword(composing.repeat(128), nist).issues)).not.toContain('too_long');
    expect(checkPassword(composing.repeat(129), nist).issues).toEqual([{ code: 'too_long', maximum: 128 }]);
  });
});

describe('normalisation', () => {
  it('NFKC: a password typed in full-width (IME) is the same password as its half-width form', () => {
    expect(checkPassword('Ｘｋ９＃ｍＱ２＄ｖＬｐ７', funabashi)).toEqual({ ok: true, issues: [] });
    expect(checkPassword('ｐａｓｓｗｏｒｄ', funabashi)).toEqual(checkPassword('password', funabashi));
  });

  it('NFC: full-width forms stay non-ASCII and count in no class', () => {
    const nfc = definePolicy('funabashi', { password: { normalization: 'NFC' } });
    const result = checkPassword('Ｘｋ９＃ｍＱ２＄ｖＬｐ７', nfc);
    expect(codes(result.issues)).toEqual(['non_ascii', 'missing_class', 'missing_class', 'missing_class', 'missing_class']);
  });
});

describe('characters', () => {
  it.each([
    ['NUL', '\u0000'],
    ['tab', '\t'],
    ['newline', '\n'],
    ['DEL', '\u007F'],
    ['C1 NEL', '\u0085'],
  ])('control_character for %s, with a count', (_name, control) => {
    const result = checkPassword(`Xk9#${control}mQ2$vLp7${control}`, funabashi);
    expect(result.issues).toContainEqual({ code: 'control_character', count: 2 });
    // Control characters have their own code; they are not also reported as non-ASCII.
    expect(codes(result.issues)).not.toContain('non_ascii');
  });

  it('invalid_unicode for a lone surrogate, high or low', () => {
    expect(codes(checkPassword('Xk9#mQ2$vLp7\uD800', nist).issues)).toContain('invalid_unicode');
    expect(codes(checkPassword('\uDC00Xk9#mQ2$vLp7abc', nist).issues)).toContain('invalid_unicode');
    expect(codes(checkPassword('Xk9#mQ2$vLp7🔑abc', nist).issues)).not.toContain('invalid_unicode');
  });

  it('non_ascii only when the policy allows none', () => {
    expect(codes(checkPassword('Xk9#mQ2$vLp7あ', funabashi).issues)).toEqual(['non_ascii']);
    expect(checkPassword('こんにちは、かんもんのせかい。', nist)).toEqual({ ok: true, issues: [] });
  });
});

describe('character classes', () => {
  it.each([
    ['upper', 'xk9#mq2$vlp7'],
    ['lower', 'XK9#MQ2$VLP7'],
    ['digit', 'Xkq#mQw$vLpr'],
    ['symbol', 'Xk9wmQ2zvLp7'],
  ] as const)('missing_class names the missing class (%s)', (characterClass, password) => {
    expect(checkPassword(password, funabashi).issues).toEqual([{ code: 'missing_class', characterClass }]);
  });

  it('a space counts as a symbol, a kana in no class', () => {
    expect(checkPassword('Xk9 mQ2 vLp7', funabashi)).toEqual({ ok: true, issues: [] });
    const result = checkPassword('Xk9あmQ2vLp7', definePolicy('funabashi', { password: { allowNonAscii: true } }));
    expect(result.issues).toEqual([{ code: 'missing_class', characterClass: 'symbol' }]);
  });

  it('too_few_classes: "at least N of the four", with the actual count', () => {
    const policy = only({ minClasses: 3 });
    expect(checkPassword('abcdefgh12', policy).issues).toEqual([{ code: 'too_few_classes', minimum: 3, actual: 2 }]);
    expect(checkPassword('abcdefgh1!', policy)).toEqual({ ok: true, issues: [] });
  });

  it('does not repeat with too_few_classes what missing_class already says', () => {
    expect(codes(checkPassword('xk9#mq2$vlp7', funabashi).issues)).toEqual(['missing_class']);
    const mixed = only({ requiredClasses: ['digit'], minClasses: 3 });
    expect(checkPassword('abcdefghij', mixed).issues).toEqual([
      { code: 'missing_class', characterClass: 'digit' },
      { code: 'too_few_classes', minimum: 3, actual: 1 },
    ]);
  });
});

describe('context', () => {
  const policy = only({ rejectContext: true });

  it('the username, case-insensitively, and each of its parts', () => {
    expect(checkPassword('xxTaRo.YaMaDaxx', policy, { username: 'taro.yamada' }).issues).toEqual([
      { code: 'contains_context', source: 'username', reversed: false },
    ]);
    expect(codes(checkPassword('Yamada#2024!', policy, { username: 'taro.yamada' }).issues)).toEqual(['contains_context']);
  });

  it('the username reversed', () => {
    expect(checkPassword('Q!adamay9z', policy, { username: 'yamada' }).issues).toEqual([
      { code: 'contains_context', source: 'username', reversed: true },
    ]);
  });

  it('the e-mail local part and its parts, not the domain', () => {
    expect(checkPassword('hanako#77Q', policy, { email: 'Hanako.Suzuki@city.example.lg.jp' }).issues).toEqual([
      { code: 'contains_context', source: 'email', reversed: false },
    ]);
    expect(checkPassword('example#77Q', policy, { email: 'hanako@example.jp' })).toEqual({ ok: true, issues: [] });
  });

  it('policy context words and caller words, in full-width too', () => {
    const withWords = only({ rejectContext: true, contextWords: ['Funabashi', '船橋'] });
    expect(codes(checkPassword('ＦＵＮＡＢＡＳＨＩ#1', withWords).issues)).toEqual(['contains_context']);
    expect(checkPassword('ihsabanuf#1', withWords).issues).toEqual([{ code: 'contains_context', source: 'word', reversed: true }]);
    expect(codes(checkPassword('船橋の市役所#1', withWords).issues)).toEqual(['contains_context']);
    expect(codes(checkPassword('kanmon-Q7!x', withWords, { words: ['Kanmon'] }).issues)).toEqual(['contains_context']);
    expect(checkPassword('kanmon-Q7!x', withWords)).toEqual({ ok: true, issues: [] });
  });

  it('one issue per source, never the matched text', () => {
    const result = checkPassword('taro!yamada#city', policy, { username: 'taro', email: 'yamada@x.jp', words: ['city'] });
    expect(result.issues).toEqual([
      { code: 'contains_context', source: 'username', reversed: false },
      { code: 'contains_context', source: 'email', reversed: false },
      { code: 'contains_context', source: 'word', reversed: false },
    ]);
  });

  it('ignores values too short to mean anything (a 2-letter id)', () => {
    expect(checkPassword('abyz#1234Q', policy, { username: 'ab' })).toEqual({ ok: true, issues: [] });
  });

  it('is off when rejectContext is false', () => {
    expect(checkPassword('taro#1234Q', only({}), { username: 'taro' })).toEqual({ ok: true, issues: [] });
  });
});

describe('common passwords', () => {
  const policy = only({ rejectCommon: true });

  it.each(['password', 'PASSWORD', 'qwerty', 'iloveyou', 'dragon', '1qaz2wsx', 'trustno1', '123456789'])(
    'rejects %s from the shipped list',
    (password) => {
      expect(checkPassword(password, policy).issues).toEqual([{ code: 'common' }]);
    },
  );

  it.each(['P@ssw0rd', 'p4ssw0rd', '1l0v3y0u', 'Dr4g0n', 'Tru5tn01'])('undoes leet substitutions (%s)', (password) => {
    expect(checkPassword(password, policy).issues).toEqual([{ code: 'common' }]);
  });

  it.each(['Password123!', 'P@ssw0rd2024!', 'Qwerty123!', '!!Welcome2024', 'Dragon2024!!', 'Monkey#1'])(
    'rejects a common password decorated with digits and symbols (%s)',
    (password) => {
      expect(checkPassword(password, policy).issues).toEqual([{ code: 'common' }]);
    },
  );

  it('does not reject a common word that is less than half of the password', () => {
    expect(checkPassword('monkey%^&*~?=<>_', policy)).toEqual({ ok: true, issues: [] });
    expect(checkPassword('Zebra%^&*~?=<>_', policy)).toEqual({ ok: true, issues: [] });
    expect(checkPassword(STRONG, policy)).toEqual({ ok: true, issues: [] });
  });

  it('is off when rejectCommon is false', () => {
    expect(checkPassword('password', only({}))).toEqual({ ok: true, issues: [] });
  });
});

describe('repeats', () => {
  it('repeated: maxRepeat 3 allows aaa and refuses aaaa, with the longest run', () => {
    const policy = only({ maxRepeat: 3 });
    expect(checkPassword('Xk9#aaamQ2', policy)).toEqual({ ok: true, issues: [] });
    expect(checkPassword('Xk9#aAaAamQ2', policy).issues).toEqual([{ code: 'repeated', maximum: 3, actual: 5 }]);
    expect(checkPassword('🔑🔑🔑🔑xyz', policy).issues).toEqual([{ code: 'repeated', maximum: 3, actual: 4 }]);
  });

  it('maxRepeat 0 switches the rule off', () => {
    expect(checkPassword('aaaaaaaa', only({ maxRepeat: 0 }))).toEqual({ ok: true, issues: [] });
  });
});

describe('sequences', () => {
  const policy = only({ sequenceLength: 4 });

  it.each([
    ['xabcdQ', 'alphabet', 4],
    ['x#ZYXWV', 'alphabet', 5],
    ['x1234!', 'digits', 4],
    ['x98765!', 'digits', 5],
    ['xqwer!', 'keyboard', 4],
    ['xREWQ!', 'keyboard', 4],
    ['asdfgh!', 'keyboard', 6],
    ['zxcv#', 'keyboard', 4],
    ['!@#$x', 'keyboard', 4],
    ['1qaz#', 'keyboard', 4],
    ['x7890-=', 'keyboard', 6],
  ] as const)('sequence in %s: kind %s, length %i', (password, kind, actual) => {
    expect(checkPassword(password, policy).issues).toEqual([{ code: 'sequence', kind, maximum: 3, actual }]);
  });

  it('allows a run one shorter than sequenceLength', () => {
    expect(checkPassword('abc!123!qwe', policy)).toEqual({ ok: true, issues: [] });
  });

  it('sequenceLength 0 switches the rule off', () => {
    expect(checkPassword('abcdefgh', only({ sequenceLength: 0 }))).toEqual({ ok: true, issues: [] });
  });
});

describe('dates', () => {
  const policy = only({ rejectDates: true });

  it.each([
    '19850412',
    'Ab!19850412',
    '12041985#x',
    '850412!a',
    '1985-04-12',
    '12/4/1985',
    '4/12/85!',
    'S60.4.12!',
    'h01.01.08',
    'R6/1/1#x',
    '2024年1月31日',
    '昭和60年4月12日',
    '令和元年5月1日',
  ])('date: %s is mostly a date', (password) => {
    expect(checkPassword(password, policy).issues).toEqual([{ code: 'date' }]);
  });

  it.each(['Tokyo#Bay2024', 'Xk9#2024mQvLp', '19851399ab', 'Xk9#mQ2$vLp7-1985-04-12-ZZ!extra'])(
    'no date issue for %s (a year alone, an impossible date, or a date under half)',
    (password) => {
      expect(checkPassword(password, policy)).toEqual({ ok: true, issues: [] });
    },
  );

  it('rejectDates false switches the rule off', () => {
    expect(checkPassword('19850412', only({}))).toEqual({ ok: true, issues: [] });
  });
});

describe('breached (offline filter)', () => {
  const seen: string[] = [];
  const filter = {
    has(password: string) {
      seen.push(password);
      return password === 'Xk9#mQ2$vLp7';
    },
  };
  const policy = definePolicy('funabashi', { password: { breached: { offline: true } } });

  it('breached when the filter knows the normalised password', () => {
    seen.length = 0;
    expect(checkPassword('Ｘｋ９＃ｍＱ２＄ｖＬｐ７', policy, { breachedFilter: filter }).issues).toEqual([{ code: 'breached' }]);
    expect(seen).toEqual(['Xk9#mQ2$vLp7']);
    expect(checkPassword('Zr8%nW3&bKq6', policy, { breachedFilter: filter })).toEqual({ ok: true, issues: [] });
  });

  it('does not consult the filter when breached.offline is off', () => {
    seen.length = 0;
    expect(checkPassword(STRONG, funabashi, { breachedFilter: filter })).toEqual({ ok: true, issues: [] });
    expect(seen).toEqual([]);
  });

  it('throws ERR_INVALID_ARGUMENT when breached.offline is on but no filter is passed (no silent pass)', () => {
    expect(() => checkPassword(STRONG, policy)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});
