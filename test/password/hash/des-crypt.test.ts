/**
 * crypt(3) traditional DES (FIPS 46-3 with crypt's salt and 25 rounds), checked against glibc's
 * libcrypt (test/vectors/foreign-hashes/des.json, des.py) and PHP crypt() (php.json).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { desCrypt } from '../../../src/password/hash/foreign/des-crypt.js';
import { MADE_BY_SOFTWARE } from './foreign-fixtures.js';

const glibc = JSON.parse(readFileSync(new URL('../../vectors/foreign-hashes/des.json', import.meta.url), 'utf8')) as { stored: string; password: string }[];

describe('crypt(3) DES', () => {
  it.each([...glibc, ...MADE_BY_SOFTWARE.filter((f) => f.format === 'crypt-des')].map((v) => [v.password, v.stored] as const))('%j → %s', (password, stored) => {
    expect(desCrypt(Buffer.from(password, 'utf8'), stored.slice(0, 2))).toBe(stored);
  });

  it('only the first 8 bytes count (the risk the migration guide names)', () => {
    expect(desCrypt(Buffer.from('12345678-anything'), 'Zz')).toBe(desCrypt(Buffer.from('12345678'), 'Zz'));
  });

  it('a salt outside ./0-9A-Za-z is no DES crypt', () => {
    expect(desCrypt(Buffer.from('x'), '$1')).toBeNull();
    expect(desCrypt(Buffer.from('x'), 'a')).toBeNull();
  });
});
