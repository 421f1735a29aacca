import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chooseLanguage } from '../../src/http/language.js';

describe('chooseLanguage (RFC 9110 §12.5.4 Accept-Language)', () => {
  it.each([
    [undefined, 'ja'],
    ['', 'ja'],
    ['ja', 'ja'],
    ['ja-JP', 'ja'],
    ['EN-gb', 'en'],
    ['en-US,en;q=0.9,ja;q=0.8', 'en'],
    ['ja;q=0.5, en;q=0.6', 'en'],
    ['en;q=0.5, ja;q=0.5', 'en'], // a tie goes to the earlier entry
    ['fr, de;q=0.9', 'ja'],
    ['fr, en;q=0.1', 'en'],
    ['en;q=0', 'ja'],
    ['ja;q=0, en;q=0', 'ja'], // nothing acceptable: the default
    ['*', 'ja'],
    ['*;q=0.5, ja;q=0', 'en'],
    ['en;q=1.5', 'ja'], // malformed q: that range is skipped
    ['en;q=abc, ja;q=0.2', 'ja'],
    [['en;q=0.2', 'ja;q=0.1'], 'en'], // several header lines
  ] as const)('%j → %s', (header, lang) => {
    expect(chooseLanguage(header)).toBe(lang);
  });

  it('falls back to the given default (en) when nothing matches', () => {
    expect(chooseLanguage('fr', 'en')).toBe('en');
    expect(chooseLanguage('*', 'en')).toBe('en');
  });

  it('ignores an over-long header instead of parsing it', () => {
    expect(chooseLanguage(`${'x-'.repeat(600)}, en`)).toBe('ja');
  });

  it('never throws and always answers ja or en (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(fc.string()), fc.constant(undefined), fc.constant(null)), (header) => {
        expect(['ja', 'en']).toContain(chooseLanguage(header));
      }),
    );
  });
});
