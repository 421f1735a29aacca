import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKanmonError } from '../../src/errors.js';
import { readCookie, serializeCookie } from '../../src/http/cookies.js';

describe('serializeCookie: secure defaults (RFC 6265bis)', () => {
  it('defaults to Path=/, Secure, HttpOnly, SameSite=Strict', () => {
    expect(serializeCookie('__Host-kanmon', 'abc.def')).toBe('__Host-kanmon=abc.def; Path=/; Secure; HttpOnly; SameSite=Strict');
    expect(serializeCookie('__Host-kanmon', '', { maxAgeSeconds: 0 })).toBe('__Host-kanmon=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Strict');
  });

  it.each([
    ['a __Host- cookie without Secure', () => serializeCookie('__Host-x', 'v', { secure: false })],
    ['a __Host- cookie with a Domain', () => serializeCookie('__Host-x', 'v', { domain: 'example.jp' })],
    ['a __Host- cookie with another Path', () => serializeCookie('__Host-x', 'v', { path: '/app' })],
    ['a __Secure- cookie without Secure', () => serializeCookie('__Secure-x', 'v', { secure: false })],
    ['SameSite=None without Secure', () => serializeCookie('x', 'v', { sameSite: 'None', secure: false })],
    ['a name with a separator', () => serializeCookie('a;b', 'v')],
    ['a value with a semicolon', () => serializeCookie('x', 'v; Domain=evil.example')],
    ['a value with a space', () => serializeCookie('x', 'a b')],
    ['a negative Max-Age', () => serializeCookie('x', 'v', { maxAgeSeconds: -1 })],
    ['a path with a semicolon', () => serializeCookie('x', 'v', { path: '/;Domain=x' })],
  ])('refuses %s with ERR_INVALID_ARGUMENT', (_name, make) => {
    expect.assertions(1);
    try {
      make();
    } catch (err) {
      expect(isKanmonError(err, 'ERR_INVALID_ARGUMENT')).toBe(true);
    }
  });
});

describe('readCookie', () => {
  it('reads one cookie among others, with or without spaces and quotes', () => {
    expect(readCookie('a=1; __Host-kanmon=tok.en.sig; b=2', '__Host-kanmon')).toBe('tok.en.sig');
    expect(readCookie('__Host-kanmon="tok"', '__Host-kanmon')).toBe('tok');
    expect(readCookie(['a=1', '__Host-kanmon=x'], '__Host-kanmon')).toBe('x');
    expect(readCookie('a=1', '__Host-kanmon')).toBeUndefined();
    expect(readCookie(undefined, '__Host-kanmon')).toBeUndefined();
  });

  it('believes neither copy when the name appears twice (cookie tossing)', () => {
    expect(readCookie('__Host-kanmon=mine; __Host-kanmon=theirs', '__Host-kanmon')).toBeUndefined();
  });

  it('does not match a name that only contains the wanted one', () => {
    expect(readCookie('x__Host-kanmon=1; __Host-kanmonx=2', '__Host-kanmon')).toBeUndefined();
  });

  it('round-trips every value serializeCookie accepts, and never throws on any header (property)', () => {
    const octet = fc.constantFrom(...'!#$%&\'()*+-./0123456789:<=>?@ABCXYZ[]^_`abcxyz{|}~'.split(''));
    fc.assert(
      fc.property(fc.array(octet, { maxLength: 64 }).map((a) => a.join('')), (value) => {
        const line = serializeCookie('__Host-kanmon', value);
        expect(readCookie(line.split(';')[0], '__Host-kanmon')).toBe(value);
      }),
    );
    fc.assert(
      fc.property(fc.string(), (header) => {
        const value = readCookie(header, '__Host-kanmon');
        expect(value === undefined || typeof value === 'string').toBe(true);
      }),
    );
  });
});
