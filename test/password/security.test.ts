/**
 * SEC-23, FNB-3.1.3, EXT-5, IPC-4, RM-19: the password rules the municipal
 * documents demand, enforced by the system, as each preset configures them.
 *
 * - SEC-23 (仕様書別紙3): 10 characters or more, upper case, lower case, symbols and digits.
 * - FNB-3.1.3 (船橋市外部サービス選定基準): long enough and hard to guess, the four kinds mixed.
 * - EXT-5 (外部サービス共通): length and character kinds controlled by the system.
 * - IPC-4 (インターネットパソコン方式): no easily guessed passwords.
 * - RM-19 (リモート保守): 8 characters or more with all four kinds.
 */
import { describe, expect, it } from 'vitest';
import { checkPassword, definePolicy, type PasswordIssueCode } from '../../src/index.js';

const codesOf = (password: unknown, policy: ReturnType<typeof definePolicy>, context?: Parameters<typeof checkPassword>[2]) =>
  checkPassword(password, policy, context).issues.map((i) => i.code);

describe('SEC-23, FNB-3.1.3: funabashi — 10+ characters, all four kinds, hard to guess', () => {
  const policy = definePolicy('funabashi');

  it('refuses 9 characters and accepts 10', () => {
    expect(checkPassword('Xk9#mQ2$v', policy).issues).toEqual([{ code: 'too_short', minimum: 10, actual: 9 }]);
    expect(checkPassword('Xk9#mQ2$vL', policy)).toEqual({ ok: true, issues: [] });
  });

  it('refuses a password lacking any one of upper, lower, digit, symbol', () => {
    const missing: [string, string][] = [
      ['upper', 'xk9#mq2$vlp7'],
      ['lower', 'XK9#MQ2$VLP7'],
      ['digit', 'Xkq#mQw$vLpr'],
      ['symbol', 'Xk9wmQ2zvLp7'],
    ];
    for (const [characterClass, password] of missing) {
      expect(checkPassword(password, policy).issues).toEqual([{ code: 'missing_class', characterClass }]);
    }
  });

  it('refuses easily guessed passwords that satisfy length and kinds (想像しにくいもの)', () => {
    const guessable: [string, PasswordIssueCode][] = [
      ['Password123!', 'common'],
      ['P@ssw0rd2024', 'common'],
      ['Qwerty#2024x', 'sequence'],
      ['Abcd#7890xyZ', 'sequence'],
      ['Aaaa#1111bbB', 'repeated'],
      ['Ta@19850412', 'date'],
      ['S60.04.12#Ab', 'date'],
    ];
    for (const [password, code] of guessable) expect(codesOf(password, policy)).toContain(code);
  });

  it('refuses the login id and the e-mail local part inside the password, also reversed', () => {
    expect(codesOf('Tanaka#2931x', policy, { username: 'tanaka' })).toEqual(['contains_context']);
    expect(codesOf('Akanat#2931x', policy, { username: 'tanaka' })).toEqual(['contains_context']);
    expect(codesOf('Hanako#2931x', policy, { email: 'hanako.sato@city.funabashi.lg.jp' })).toEqual(['contains_context']);
  });

  it('treats full-width (IME) input as the ASCII it means, so it is judged by the same rules', () => {
    expect(checkPassword('Ｐａｓｓｗｏｒｄ１２３！', policy)).toEqual(checkPassword('Password123!', policy));
    expect(checkPassword('Ｘｋ９＃ｍＱ２＄ｖＬ', policy)).toEqual({ ok: true, issues: [] });
  });
});

describe('RM-19: remote-maintenance — 8+ characters with all four kinds', () => {
  const policy = definePolicy('remote-maintenance');

  it('refuses 7 characters and accepts 8 with all four kinds', () => {
    expect(checkPassword('Xk9#mQ2', policy).issues).toEqual([{ code: 'too_short', minimum: 8, actual: 7 }]);
    expect(checkPassword('Xk9#mQ2$', policy)).toEqual({ ok: true, issues: [] });
  });

  it('refuses 8 characters missing a kind', () => {
    expect(codesOf('xk9#mq2$', policy)).toEqual(['missing_class']);
  });
});

describe('EXT-5: external-service-common — length and kinds controlled by the system', () => {
  const policy = definePolicy('external-service-common');

  it('enforces the configured length and kinds, and a weakened override is enforced as written', () => {
    expect(codesOf('Xk9#mQ2$v', policy)).toEqual(['too_short']);
    const weakened = definePolicy('external-service-common', { password: { minLength: 12 } });
    expect(codesOf('Xk9#mQ2$vLp', weakened)).toEqual(['too_short']);
    expect(weakened.preset?.settings.password.minLength).toBe(10);
  });
});

describe('IPC-4: no easily guessed passwords', () => {
  const policy = definePolicy('external-service-common', { password: { contextWords: ['kanmon', '船橋'] } });

  it('refuses the service name as a context word', () => {
    expect(codesOf('Kanmon#2931x', policy)).toEqual(['contains_context']);
  });

  it('refuses the common list under leet disguise and decoration', () => {
    for (const password of ['P@$$w0rd!234', 'Tru5tN0!#827', 'Iloveyou#2024', '!QAZ2wsx#99']) {
      expect(codesOf(password, policy)).toContain('common');
    }
  });
});

describe('malformed input: never a crash, never a silent pass', () => {
  const policy = definePolicy('funabashi');

  it('a NUL byte (which truncates C strings) has its own code', () => {
    expect(codesOf('Xk9#mQ2$vLp7\u0000', policy)).toEqual(['control_character']);
    expect(codesOf('\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000', policy)).toContain('control_character');
  });

  it('a lone surrogate (no UTF-8 form to hash) has its own code', () => {
    expect(codesOf('Xk9#mQ2$vLp7\uDFFF', policy)).toContain('invalid_unicode');
  });

  it('an enormous input is refused as too_long, alone', () => {
    expect(checkPassword('Ab1!'.repeat(2_000_000), policy).issues).toEqual([{ code: 'too_long', maximum: 128 }]);
  });

  it('a non-string from a JavaScript caller is an issue, not an exception', () => {
    expect(codesOf(undefined, policy)).toEqual(['invalid_type']);
    expect(codesOf(Buffer.from('Xk9#mQ2$vLp7'), policy)).toEqual(['invalid_type']);
  });
});
