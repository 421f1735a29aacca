import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeAccountKey, settledAccountKey } from '../../src/lockout/normalize-account.js';
import { trustedKey } from '../../src/store/key.js';

// SEC-24 / no enumeration by key shape: the shortcut for settled login names must give
// exactly the key the full path (NFKC, case folding, escaping) gives, or one account
// would count under two keys.
describe('settledAccountKey (the common login name skips normalisation)', () => {
  const prefix = '{city-1}:lockout:pw:';
  const full = (account: string) => trustedKey('city-1', 'lockout', 'pw', normalizeAccountKey(account));

  it('property: whenever it answers, it is the key normalisation and escaping produce', () => {
    const names = fc.oneof(
      fc.string({ unit: fc.constantFrom(...'abcxyzABCXYZ0189_.@+-:%{} ', 'ａ', 'ß', 'ς', 'İ', '\u0130', '\u212a') }),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.stringMatching(/^[a-z0-9_.@+-]{250,260}$/),
    );
    fc.assert(
      fc.property(names, (account) => {
        const key = settledAccountKey(prefix, account);
        if (key !== null) expect(key).toBe(full(account));
      }),
      { numRuns: 2000 },
    );
  });

  it('answers for the usual names and leaves everything else to the full path', () => {
    expect(settledAccountKey(prefix, 'sato.taro@city.example.jp')).toBe(full('sato.taro@city.example.jp'));
    expect(settledAccountKey(prefix, 'user-01+test_x')).toBe(full('user-01+test_x'));
    for (const other of ['Alice', 'ａｌｉｃｅ', 'a b', 'a:b', 'a%b', 'x'.repeat(257)]) expect(settledAccountKey(prefix, other)).toBeNull();
    expect(full('Alice')).toBe(full('ａｌｉｃｅ'));
  });
});
