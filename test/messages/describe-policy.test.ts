import { describe, expect, it } from 'vitest';
import { definePolicy, describePolicy, passwordRules } from '../../src/index.js';

describe('describePolicy', () => {
  it('funabashi in Japanese reads as a sign-up form hint (SEC-23, FNB-3.1.3)', () => {
    expect(describePolicy(definePolicy('funabashi'), 'ja')).toEqual([
      '10文字以上で入力してください（最大128文字）',
      '英大文字・英小文字・数字・記号をそれぞれ1文字以上含めてください',
      '記号として使えるのは !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~ と半角スペースです',
      '使える文字は半角の英数字と記号です（全角で入力した英数字・記号は半角として扱います）',
      'ユーザーID、メールアドレス、サービス名などを含めないでください（逆から並べたものも使えません）',
      '「password」「qwerty123」のようなよく使われるパスワードや、それに似たもの（「P@ssw0rd」など）は使えません',
      '同じ文字を4文字以上続けないでください（例: aaaa）',
      '「abcd」「1234」「qwer」のような4文字以上の連続した並びを含めないでください',
      '生年月日などの日付を主にしたパスワードは使えません',
      '直近5回に使ったパスワードは使えません',
    ]);
  });

  it('funabashi in English', () => {
    const lines = describePolicy(definePolicy('funabashi'), 'en');
    expect(lines[0]).toBe('Use at least 10 characters (at most 128)');
    expect(lines[1]).toBe('Include at least one uppercase letter, one lowercase letter, one digit and one symbol');
    expect(lines).toHaveLength(10);
  });

  it('remote-maintenance adds expiry and minimum age (RM-19, RM-36)', () => {
    const ja = describePolicy(definePolicy('remote-maintenance'), 'ja');
    expect(ja[0]).toBe('8文字以上で入力してください（最大128文字）');
    expect(ja).toContain('パスワードは90日ごとに変更してください');
    expect(ja).toContain('パスワードを変更してから1日間は、再度変更できません');
    expect(describePolicy(definePolicy('remote-maintenance'), 'en')).toContain('Change your password every 90 days');
  });

  it('nist-800-63b: length, context and the blocklist only', () => {
    expect(passwordRules(definePolicy('nist-800-63b')).map((r) => r.id)).toEqual(['length', 'context', 'common']);
    expect(describePolicy(definePolicy('nist-800-63b'), 'ja')[0]).toBe('15文字以上で入力してください（最大128文字）');
  });

  it('follows the policy: some classes, "N of four", other run lengths, breached filter', () => {
    const policy = definePolicy({
      password: { requiredClasses: ['digit', 'upper'], minClasses: 3, sequenceLength: 5, maxRepeat: 2, breached: { offline: true } },
    });
    const ja = describePolicy(policy, 'ja');
    expect(ja).toContain('英大文字・数字をそれぞれ1文字以上含めてください');
    expect(ja).toContain('英大文字・英小文字・数字・記号のうち3種類以上を組み合わせてください');
    expect(ja).toContain('「abcde」「12345」「qwert」のような5文字以上の連続した並びを含めないでください');
    expect(ja).toContain('同じ文字を3文字以上続けないでください（例: aaa）');
    expect(ja).toContain('過去に流出が確認されているパスワードは使えません');
    const en = describePolicy(policy, 'en');
    expect(en).toContain('Include at least one uppercase letter and one digit');
    expect(en).toContain('Do not include runs of 5 or more characters such as abcde, 12345 or qwert');
    const single = describePolicy(definePolicy({ password: { requiredClasses: ['digit'] } }), 'ja');
    expect(single).toContain('数字を1文字以上含めてください');
  });

  it('callers override, reword with parameters, or drop any rule', () => {
    const lines = describePolicy(definePolicy('funabashi'), 'ja', {
      length: '{minimum}〜{maximum}文字',
      symbols: null,
      history: (rule) => `過去${rule.count}世代は不可`,
    });
    expect(lines[0]).toBe('10〜128文字');
    expect(lines.some((l) => l.startsWith('記号として'))).toBe(false);
    expect(lines).toContain('過去5世代は不可');
  });

  it('throws ERR_INVALID_ARGUMENT for an unknown language or a non-policy', () => {
    expect(() => describePolicy(definePolicy('funabashi'), 'de' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => describePolicy({} as never, 'ja')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});
