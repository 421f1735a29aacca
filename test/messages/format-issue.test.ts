import { describe, expect, it } from 'vitest';
import {
  KanmonError,
  formatIssue,
  messageLangs,
  passwordIssueCodes,
  type PasswordIssue,
  type PasswordIssueCode,
} from '../../src/index.js';

/** Every issue code with each of its parameter forms. `satisfies` fails to compile when a code is missing. */
const samples = {
  invalid_type: [{ code: 'invalid_type', expected: 'string', received: 'undefined' }],
  too_long: [{ code: 'too_long', maximum: 128 }],
  too_short: [{ code: 'too_short', minimum: 10, actual: 7 }],
  control_character: [{ code: 'control_character', count: 1 }],
  invalid_unicode: [{ code: 'invalid_unicode' }],
  unassigned_code_point: [{ code: 'unassigned_code_point' }],
  non_ascii: [{ code: 'non_ascii' }],
  missing_class: [
    { code: 'missing_class', characterClass: 'upper' },
    { code: 'missing_class', characterClass: 'lower' },
    { code: 'missing_class', characterClass: 'digit' },
    { code: 'missing_class', characterClass: 'symbol' },
  ],
  too_few_classes: [{ code: 'too_few_classes', minimum: 3, actual: 2 }],
  contains_context: [
    { code: 'contains_context', source: 'username', reversed: false },
    { code: 'contains_context', source: 'username', reversed: true },
    { code: 'contains_context', source: 'email', reversed: false },
    { code: 'contains_context', source: 'word', reversed: true },
  ],
  common: [{ code: 'common' }],
  repeated: [{ code: 'repeated', maximum: 3, actual: 5 }],
  sequence: [
    { code: 'sequence', kind: 'alphabet', maximum: 3, actual: 4 },
    { code: 'sequence', kind: 'digits', maximum: 3, actual: 6 },
    { code: 'sequence', kind: 'keyboard', maximum: 5, actual: 6 },
  ],
  repetitive_or_sequential: [{ code: 'repetitive_or_sequential' }],
  date: [{ code: 'date' }],
  breached: [{ code: 'breached' }],
  breached_unavailable: [{ code: 'breached_unavailable' }],
} as const satisfies { [C in PasswordIssueCode]: readonly Extract<PasswordIssue, { code: C }>[] };

/** What each Japanese text must say, so a wrong or swapped message fails. */
const expectedJa: { [C in PasswordIssueCode]: readonly string[] } = {
  invalid_type: ['パスワードを入力してください。'],
  too_long: ['パスワードは128文字以内で入力してください。'],
  too_short: ['パスワードは10文字以上で入力してください（現在7文字）。'],
  control_character: ['パスワードに改行やタブなどの制御文字は使えません。'],
  invalid_unicode: ['パスワードに使えない文字が含まれています。もう一度入力してください。'],
  unassigned_code_point: ['パスワードに、まだ文字として定められていない符号（未割り当ての文字）が含まれています。別の文字を使ってください。'],
  non_ascii: ['パスワードに使えるのは半角の英数字と記号だけです（漢字・ひらがな・カタカナなどは使えません）。'],
  missing_class: [
    '英大文字（A〜Z）を1文字以上含めてください。',
    '英小文字（a〜z）を1文字以上含めてください。',
    '数字（0〜9）を1文字以上含めてください。',
    '記号（!、#、% など）を1文字以上含めてください。',
  ],
  too_few_classes: ['英大文字・英小文字・数字・記号のうち3種類以上を組み合わせてください（現在2種類）。'],
  contains_context: [
    'パスワードにユーザーIDを含めないでください。',
    'ユーザーIDを逆から並べた文字列をパスワードに含めないでください。',
    'パスワードにメールアドレスを含めないでください。',
    'サービス名や地名など推測されやすい語句を逆から並べた文字列をパスワードに含めないでください。',
  ],
  common: ['よく使われるパスワードに似ているため使えません。推測されにくいものにしてください。'],
  repeated: ['同じ文字を4文字以上続けないでください。'],
  sequence: [
    '「abcd」のようなアルファベット順の並びを4文字以上続けないでください。',
    '「1234」のような連続した数字を4文字以上続けないでください。',
    '「qwer」のようなキーボード上で隣り合うキーの並びを6文字以上続けないでください。',
  ],
  repetitive_or_sequential: ['「111111」「1234abcd」「abcabc」のような、同じ文字や並びの繰り返し・連続だけでできたパスワードは使えません。'],
  date: ['生年月日などの日付が大部分を占めるパスワードは使えません。'],
  breached: ['このパスワードは過去に流出したことが確認されているため使えません。別のパスワードにしてください。'],
  breached_unavailable: ['流出パスワードの照合ができなかったため、パスワードを受け付けられませんでした。しばらくしてからもう一度お試しください。'],
};

const expectedEnFragments: { [C in PasswordIssueCode]: readonly string[] } = {
  invalid_type: ['Enter a password'],
  too_long: ['at most 128 characters'],
  too_short: ['at least 10 characters (currently 7)'],
  control_character: ['Control characters'],
  invalid_unicode: ['cannot be used'],
  unassigned_code_point: ['has not assigned'],
  non_ascii: ['ASCII letters, digits and symbols'],
  missing_class: ['uppercase letter (A–Z)', 'lowercase letter (a–z)', 'digit (0–9)', 'symbol (such as !, # or %)'],
  too_few_classes: ['at least 3 of the four kinds', '(currently 2)'],
  contains_context: ['your user ID.', 'your user ID, not even written backwards', 'your e-mail address', 'service name'],
  common: ['too common'],
  repeated: ['same character 4 or more times'],
  sequence: ['4 or more letters in alphabetical order', '4 or more consecutive digits', '6 or more keys next to each other'],
  repetitive_or_sequential: ['only of repeated or consecutive characters'],
  date: ['mostly a date'],
  breached: ['data breach'],
  breached_unavailable: ['could not be checked', 'Try again later'],
};

describe('formatIssue', () => {
  it('has a sample for every issue code', () => {
    expect(Object.keys(samples).sort()).toEqual([...passwordIssueCodes].sort());
  });

  for (const code of passwordIssueCodes) {
    it(`${code}: Japanese text with its parameters`, () => {
      const texts = samples[code].map((issue) => formatIssue(issue, 'ja'));
      expect(texts).toEqual(expectedJa[code]);
    });

    it(`${code}: English text with its parameters`, () => {
      const texts = samples[code].map((issue) => formatIssue(issue, 'en'));
      texts.forEach((text, i) => expect(text).toContain(expectedEnFragments[code][i]));
      for (const text of texts) expect(text).toMatch(/^[A-Z].*\.$/);
    });
  }

  it('distinct issues read differently in each language', () => {
    const all = Object.values(samples).flat() as PasswordIssue[];
    for (const lang of messageLangs) {
      expect(new Set(all.map((issue) => formatIssue(issue, lang))).size).toBe(all.length);
    }
  });

  it('callers override any message with a template naming the parameters', () => {
    const issue: PasswordIssue = { code: 'too_short', minimum: 12, actual: 3 };
    expect(formatIssue(issue, 'ja', { too_short: '{minimum}文字以上にしてください（{actual}文字しかありません）' })).toBe(
      '12文字以上にしてください（3文字しかありません）',
    );
    expect(formatIssue(issue, 'en', { too_short: 'Too short: {unknown}' })).toBe('Too short: {unknown}');
  });

  it('callers override with a function of the typed issue; other codes keep the default', () => {
    const overrides = { missing_class: (issue: { characterClass: string }) => `need ${issue.characterClass}` };
    expect(formatIssue({ code: 'missing_class', characterClass: 'digit' }, 'en', overrides)).toBe('need digit');
    expect(formatIssue({ code: 'common' }, 'en', overrides)).toContain('too common');
  });

  it('throws ERR_INVALID_ARGUMENT for an unknown language or a value that is not an issue', () => {
    const call = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return err;
      }
      return null;
    };
    const badLang = call(() => formatIssue({ code: 'common' }, 'fr' as never));
    expect(badLang).toBeInstanceOf(KanmonError);
    expect((badLang as KanmonError).code).toBe('ERR_INVALID_ARGUMENT');
    const badIssue = call(() => formatIssue({ code: 'nope' } as never, 'ja'));
    expect((badIssue as KanmonError).code).toBe('ERR_INVALID_ARGUMENT');
  });
});
