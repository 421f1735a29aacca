/**
 * Every malformed or hostile input the adapter suite knows, for no-stack.test.ts,
 * which sends each one to every kanmon route of both adapters (healthy, and with
 * a failing audit sink, store and account repository) and greps the answers for
 * stack traces.
 *
 * To add inputs from another test file, put them in a module next to it named
 * `*.hostile.ts` exporting `hostileInputs: readonly HostileInput[]`; no-stack
 * finds every such module under test/ ({@link collectHostileInputs}).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { WireRequest } from './wire.js';

/**
 * What must never appear in an answer (body or headers): stack frames, file
 * URLs and line references, node internals, kanmon's internal error class and
 * codes, a driver's connection error.
 */
export const LEAK_PATTERNS: readonly RegExp[] = [
  /\bat [\w$.<>[\] ]+ \(/,
  /\n\s+at /,
  /file:\/\//,
  /node:internal/,
  /\.[cm]?[jt]s:\d+/,
  /KanmonError/,
  /ERR_[A-Z_]{3,}/,
  /ECONNREFUSED/,
  /\bstack\b/i,
];

/** A kanmon route of the adapter test servers (servers.ts). */
export interface KanmonRoute {
  readonly method: 'GET' | 'POST';
  readonly path: string;
}

export const kanmonRoutes: readonly KanmonRoute[] = [
  { method: 'POST', path: '/auth/login' },
  { method: 'POST', path: '/auth/mfa' },
  { method: 'POST', path: '/auth/password' },
  { method: 'POST', path: '/auth/totp/enroll' },
  { method: 'POST', path: '/auth/totp/confirm' },
  { method: 'POST', path: '/auth/logout' },
  { method: 'POST', path: '/auth/password/reset/request' },
  { method: 'POST', path: '/auth/password/reset/complete' },
  { method: 'POST', path: '/auth/recovery-codes/regenerate' },
  { method: 'GET', path: '/auth/sessions' },
  { method: 'POST', path: '/auth/sessions/revoke' },
  { method: 'POST', path: '/auth/sessions/revoke-others' },
  { method: 'POST', path: '/auth/passkeys/register/start' },
  { method: 'POST', path: '/auth/passkeys/register/finish' },
  { method: 'POST', path: '/auth/passkeys/authenticate/start' },
  { method: 'POST', path: '/auth/passkeys/authenticate/finish' },
  { method: 'POST', path: '/auth/passkeys/reauthenticate/start' },
  { method: 'POST', path: '/auth/passkeys/reauthenticate/finish' },
  { method: 'GET', path: '/auth/passkeys' },
  { method: 'POST', path: '/auth/passkeys/rename' },
  { method: 'POST', path: '/auth/passkeys/remove' },
  { method: 'GET', path: '/me' },
  { method: 'GET', path: '/admin' },
  { method: 'GET', path: '/mfa-only' },
  { method: 'GET', path: '/office' },
];

/** What a hostile input may build on: a real session and a real login challenge of the server under test. */
export interface HostileContext {
  /** `Cookie` header of a valid session (`__Host-kanmon=…`). */
  readonly cookie: string;
  /** The bare session token. */
  readonly token: string;
  /** A valid MFA login challenge. */
  readonly challenge: string;
}

export interface HostileInput {
  readonly name: string;
  /** The request for one route (`path` and `method` default to the route's). */
  readonly request: (ctx: HostileContext, route: KanmonRoute) => Partial<WireRequest>;
  /**
   * Who answers: kanmon (a coded JSON body), or node's HTTP parser / the
   * framework before any route runs (no body required, but never a stack).
   * @default 'kanmon'
   */
  readonly answeredBy?: 'kanmon' | 'server';
}

const json = (body: string, headers: Record<string, string> = {}) => () => ({ body, headers: { 'content-type': 'application/json', ...headers } });
const fields = (body: Record<string, unknown>) => () => ({ body });
const header = (name: string, value: string | readonly string[]) => () => ({ headers: { [name]: value } });
const withSession = (build: (ctx: HostileContext) => Partial<WireRequest>) => (ctx: HostileContext) => {
  const built = build(ctx);
  return { ...built, headers: { cookie: ctx.cookie, ...built.headers } };
};
/** A raw request line and headers for a route, with a body. */
/** A raw request (latin-1 bytes) for a route: its request line, then `headers` and `body` as given (no Content-Length added). */
const raw = (headers: string, body = '') => (_ctx: HostileContext, route: KanmonRoute) => ({
  raw: Buffer.from(`${route.method} ${route.path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n${headers}\r\n${body}`, 'latin1'),
});

export const hostileInputs: readonly HostileInput[] = [
  // ── bodies ──
  { name: 'no body', request: () => ({}) },
  { name: 'empty JSON body', request: json('') },
  { name: 'broken JSON', request: json('{"username": "yamada", "password":') },
  { name: 'a lone brace', request: json('{') },
  { name: 'JSON null', request: json('null') },
  { name: 'JSON string', request: json('"yamada"') },
  { name: 'JSON number 1e999', request: json('1e999') },
  { name: 'JSON array', request: json('[{"username":"yamada"}]') },
  { name: 'nested 5000 deep', request: json('['.repeat(5000) + ']'.repeat(5000)) },
  { name: 'unclosed nesting', request: json('{"a":'.repeat(2000)) },
  { name: '__proto__ pollution', request: json('{"__proto__":{"admin":true,"roles":["admin"]},"constructor":{"prototype":{"x":1}},"username":"yamada","password":"x","challenge":"x","code":"1","currentPassword":"x","newPassword":"y"}') },
  { name: 'duplicate keys', request: json('{"username":"a","username":"yamada","password":"x","password":"Kanmon#Gate2026"}') },
  { name: 'wrong types: numbers', request: fields({ username: 1, password: 2, challenge: 3, code: 4, currentPassword: 5, newPassword: 6 }) },
  { name: 'wrong types: objects', request: fields({ username: { $ne: '' }, password: { toString: 'x' }, challenge: {}, code: { $gt: '' }, currentPassword: [], newPassword: {} }) },
  { name: 'wrong types: booleans and null', request: fields({ username: true, password: null, challenge: false, code: null, currentPassword: true, newPassword: null }) },
  { name: 'missing fields', request: fields({}) },
  { name: 'empty strings', request: fields({ username: '', password: '', challenge: '', code: '', currentPassword: '', newPassword: '' }) },
  { name: 'over-long fields', request: fields({ username: 'a'.repeat(3000), password: 'p'.repeat(5000), challenge: 'c'.repeat(9000), code: '1'.repeat(100) }) },
  { name: 'body over the limit', request: fields({ username: 'yamada', password: 'x'.repeat(40_000) }) },
  { name: 'lone surrogates and NUL', request: json('{"username":"\\ud800ya\\u0000mada","password":"\\udfff","challenge":"\\ud800","code":"\\u0000","currentPassword":"\\ud800","newPassword":"\\udc00\\u0000"}') },
  { name: 'bidi overrides, emoji, full width', request: fields({ username: '\u202eadamay\u202c', password: '🔑'.repeat(100), challenge: '\uff43\uff48', code: '１２３４５６', currentPassword: '\u200b', newPassword: 'Ｋａｎｍｏｎ＃Ｇａｔｅ２０２６' }) },
  { name: 'invalid UTF-8', request: () => ({ body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0xc0, 0x80, 0x7d]), headers: { 'content-type': 'application/json' } }) },
  { name: 'a forged challenge (alg none)', request: fields({ challenge: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1LWthbnJpIn0.', code: '123456', currentPassword: 'x', newPassword: 'y' }) },
  { name: 'a real challenge with a hostile code', request: (ctx) => ({ body: { challenge: ctx.challenge, code: '９９９９９９', currentPassword: '\u0000', newPassword: 'short' } }) },
  { name: 'a real challenge as a password-change challenge', request: (ctx) => ({ body: { challenge: ctx.challenge, currentPassword: 'Kanmon#Gate2026', newPassword: 'Tsuki#Hoshi-7319' } }) },
  // ── content types ──
  { name: 'text/plain', request: () => ({ body: 'username=yamada&password=x', headers: { 'content-type': 'text/plain' } }) },
  { name: 'form-urlencoded', request: () => ({ body: 'username=yamada&password=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }) },
  { name: 'multipart', request: () => ({ body: '--x\r\nContent-Disposition: form-data; name="username"\r\n\r\nyamada\r\n--x--', headers: { 'content-type': 'multipart/form-data; boundary=x' } }) },
  { name: 'JSON declared UTF-16', request: () => ({ body: Buffer.from('{"username":"yamada"}', 'utf16le'), headers: { 'content-type': 'application/json; charset=utf-16' } }) },
  { name: 'JSON declared gzip but plain', request: json('{"username":"yamada","password":"x"}', { 'content-encoding': 'gzip' }) },
  { name: 'a content type of garbage', request: json('{}', { 'content-type': ';;;/\u00ff' }) },
  // ── headers ──
  { name: 'malformed cookie: bad percent-encoding', request: header('cookie', '__Host-kanmon=%E0%A4%A; x=%%') },
  { name: 'malformed cookie: unterminated quote', request: header('cookie', '__Host-kanmon="abc') },
  { name: 'malformed cookie: only separators', request: header('cookie', ';;;===;, ;') },
  { name: 'malformed cookie: 8 KiB token', request: header('cookie', `__Host-kanmon=${'a.'.repeat(4000)}`) },
  { name: 'malformed cookie: twice', request: header('cookie', ['__Host-kanmon=a.b.c', '__Host-kanmon=d.e.f']) },
  { name: 'a tampered real session', request: (ctx) => ({ headers: { cookie: `${ctx.cookie.slice(0, -4)}AAAA` }, body: { currentPassword: 'x', newPassword: 'y', code: '1' } }) },
  { name: 'Bearer garbage', request: header('authorization', `Bearer ${'x'.repeat(9000)}`) },
  { name: 'Bearer with spaces and latin-1', request: header('authorization', 'Bearer a b \u00ff') },
  { name: 'a real token as Basic', request: (ctx) => ({ headers: { authorization: `Basic ${ctx.token}` } }) },
  { name: 'Accept-Language garbage', request: header('accept-language', `${'*;q=0,'.repeat(500)}ja;q=1e400, en;q=NaN`) },
  { name: 'X-Forwarded-For: ,', request: header('x-forwarded-for', ',') },
  { name: 'X-Forwarded-For: 8 KiB', request: header('x-forwarded-for', ','.repeat(8192)) },
  { name: 'X-Forwarded-For: garbage on several lines', request: header('x-forwarded-for', ['unknown', '[::1', '1.2.3.4:99999']) },
  { name: 'Forwarded: unterminated', request: header('forwarded', 'for="[2001:db8::1') },
  { name: 'X-Forwarded-Proto: a list of junk', request: header('x-forwarded-proto', 'https, ftp, , HTTP/9') },
  { name: 'device header: 3000 bytes of latin-1', request: header('x-kanmon-device', '\u00ff'.repeat(3000)) },
  { name: 'huge headers (12 KiB in all)', request: () => ({ headers: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`x-pad-${i}`, 'p'.repeat(1000)])) }) },
  { name: 'a query string of garbage', request: (_ctx, route) => ({ path: `${route.path}?__proto__[admin]=1&%%%=&a[b][c]=${'x'.repeat(500)}` }) },
  { name: 'session plus a malformed body', request: withSession(json('{"currentPassword":')) },
  { name: 'session plus wrong types', request: withSession(fields({ currentPassword: 1, newPassword: ['x'], code: {}, challenge: 7 })) },
  // ── what node's parser or the framework answers before kanmon ──
  { name: 'raw: a NUL in a header value', request: raw('X-Evil: a\u0000b\r\n'), answeredBy: 'server' },
  { name: 'raw: a header without a colon', request: raw('this is not a header\r\n'), answeredBy: 'server' },
  { name: 'raw: a bad chunk size', request: raw('Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n', 'zz\r\n{}\r\n0\r\n\r\n'), answeredBy: 'server' },
  { name: 'raw: Content-Length and chunked at once', request: raw('Content-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n', '2\r\n{}\r\n0\r\n\r\n'), answeredBy: 'server' },
  { name: 'raw: 20 KiB of header', request: raw(`X-Pad: ${'p'.repeat(20_000)}\r\n`), answeredBy: 'server' },
  { name: 'raw: latin-1 bytes in a JSON body', request: raw('Content-Type: application/json\r\nContent-Length: 32\r\n', '{"username":"\u00ff\u00fe","password":"\u00e9"}') },
];

/** {@link hostileInputs} and those of every `*.hostile.ts` module under test/. */
export async function collectHostileInputs(): Promise<readonly HostileInput[]> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const found = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.hostile.ts')).sort();
  const more: HostileInput[] = [];
  for (const file of found) {
    const module = (await import(pathToFileURL(path.join(root, file)).href)) as { hostileInputs?: unknown };
    const list = module.hostileInputs;
    if (!Array.isArray(list)) throw new Error(`${file}: export hostileInputs: readonly HostileInput[]`);
    more.push(...(list as HostileInput[]));
  }
  return [...hostileInputs, ...more];
}
