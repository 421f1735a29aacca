import { describe, expect, it } from 'vitest';
import { type HttpErrorCode, errorReply, httpErrorMessage, httpErrorStatus } from '../../src/http/error-body.js';

const codes = Object.keys(httpErrorStatus) as HttpErrorCode[];

describe('HTTP error messages (ja first, en too)', () => {
  it('every code has a Japanese and an English message, and a body that carries only code and message', () => {
    for (const code of codes) {
      for (const lang of ['ja', 'en'] as const) {
        const message = httpErrorMessage(code, lang);
        expect(message.length, `${code} ${lang}`).toBeGreaterThan(5);
        expect(JSON.parse(errorReply(code, lang).body as string)).toEqual({ error: { code, message } });
      }
      expect(httpErrorMessage(code, 'ja'), code).not.toBe(httpErrorMessage(code, 'en'));
    }
  });

  it('issue 14: mfa_already_enrolled says what the user can do today (confirm with the current factor, or ask an administrator), naming no reset kanmon lacks', () => {
    const ja = httpErrorMessage('mfa_already_enrolled', 'ja');
    const en = httpErrorMessage('mfa_already_enrolled', 'en');
    expect(ja).toContain('リカバリーコード');
    expect(ja).toContain('管理者');
    expect(ja).not.toContain('リセット');
    expect(en).toMatch(/recovery code/i);
    expect(en).toMatch(/administrator/i);
    expect(en).not.toMatch(/\breset\b/i);
  });

  it('the codes of a factor change: reauth_required is 401, factor_required 403', () => {
    expect(httpErrorStatus.reauth_required).toBe(401);
    expect(httpErrorStatus.factor_required).toBe(403);
  });
});
