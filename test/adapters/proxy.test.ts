/**
 * EXT-9 / RFC 7239, issue 14 item 4: behind a trusted proxy that APPENDS to the
 * client's forwarding header (nginx's `$proxy_add_x_forwarded_for`), whatever
 * the client sends in its own copy of the header (`,`, 8 KiB of it, garbage
 * entries, several lines, `for="`) cannot take it out of the per-IP throttle:
 * N attempts with a malformed header are throttled exactly like N attempts with
 * a well-formed one. A real node:http proxy stands in front of both adapters.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningServer } from './behaviour.js';
import { TENANT, testKanmon } from './kit.js';
import { expressAdapter, fastifyAdapter } from './servers.js';
import { nestExpressAdapter, nestFastifyAdapter } from './nest-servers.js';
import { type RunningProxy, appendingProxy, send } from './wire.js';

const ATTEMPTS = 30;
const PER_IP = 10;

type ClientHeader = string | readonly string[] | undefined;

const xffCases: [string, ClientHeader][] = [
  ['well-formed (the reference)', '198.51.100.7'],
  ['none at all', undefined],
  ['a lone comma', ','],
  ['commas only', ',,,,'],
  ['8 KiB of commas', ','.repeat(8192)],
  ['over 8 KiB of addresses', Array.from({ length: 900 }, (_, i) => `192.0.2.${i % 250}`).join(',')],
  ['garbage entries', 'unknown, garbage, 1.2.3.4:99999, [::1, 010.0.0.1'],
  ['a trailing empty entry', '198.51.100.7,'],
  ['several header lines', ['198.51.100.7', ',', 'x y z']],
  ['latin-1 bytes', 'caf\u00e9, \u00ff'],
];

const forwardedCases: [string, ClientHeader][] = [
  ['well-formed (the reference)', 'for=198.51.100.7'],
  ['a lone comma', ','],
  ['an unterminated quote', 'for="'],
  ['an unterminated IPv6 literal', 'for="[2001:db8::1'],
  ['a trailing backslash in quotes', 'for="a\\'],
  ['garbage', 'garbage;;;=='],
  ['for=unknown', 'for=unknown'],
  ['8 KiB of elements', Array.from({ length: 500 }, (_, i) => `for=192.0.2.${i % 250}`).join(', ')],
  ['repeated parameters', 'for=1.2.3.4;for=5.6.7.8'],
  ['several header lines', ['for=198.51.100.7', 'for="', ';']],
];

for (const adapter of [expressAdapter, fastifyAdapter, nestExpressAdapter, nestFastifyAdapter]) {
  describe(`EXT-9 / RFC 7239 (issue 14): kanmon/${adapter.name} behind a proxy that appends to the client's forwarding header`, () => {
    const running: (RunningServer | RunningProxy)[] = [];
    afterAll(async () => {
      await Promise.all(running.map((r) => r.close()));
    });

    const setUp = async (header: 'x-forwarded-for' | 'forwarded') => {
      const { kanmon } = await testKanmon({
        access: { trustedProxies: ['127.0.0.3/32'], forwardedHeader: header },
        lockout: { perSource: { maxFailuresPerIp: PER_IP } },
      });
      const server = await adapter.serve(kanmon, { tenant: TENANT }, null);
      const proxy = await appendingProxy(server.port, header, '127.0.0.3');
      running.push(server, proxy);
      return proxy;
    };

    /** ATTEMPTS wrong logins for different unknown names through the proxy; the codes of the refusals. */
    const spray = async (proxy: RunningProxy, name: string, header: (i: number) => ClientHeader) => {
      const codes: string[] = [];
      for (let i = 0; i < ATTEMPTS; i++) {
        const value = header(i);
        const answer = await send(proxy.port, {
          method: 'POST',
          path: '/auth/login',
          headers: value === undefined ? {} : { [name]: value },
          body: { username: `ghost-${i}`, password: 'Wrong#Password1' },
        });
        const { code } = (answer.json() as { error: { code: string } }).error;
        if (code === 'throttled') {
          expect(answer.status).toBe(429);
          expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
        } else {
          expect({ status: answer.status, code }).toEqual({ status: 401, code: 'invalid_credentials' });
        }
        codes.push(code);
      }
      return codes;
    };

    const throttled = (codes: readonly string[]) => codes.filter((c) => c === 'throttled').length;

    it.each(xffCases)('X-Forwarded-For from the client: %s → throttled like a well-formed one', async (_name, value) => {
      const proxy = await setUp('x-forwarded-for');
      const codes = await spray(proxy, 'x-forwarded-for', () => value);
      expect(throttled(codes)).toBe(ATTEMPTS - PER_IP);
      expect(codes.slice(0, PER_IP).every((c) => c === 'invalid_credentials')).toBe(true);
    });

    it.each(forwardedCases)('RFC 7239 Forwarded from the client: %s → throttled like a well-formed one', async (_name, value) => {
      const proxy = await setUp('forwarded');
      const codes = await spray(proxy, 'forwarded', () => value);
      expect(throttled(codes)).toBe(ATTEMPTS - PER_IP);
    });

    it('rotating the malformed header on every attempt does not open a new bucket', async () => {
      const proxy = await setUp('x-forwarded-for');
      const codes = await spray(proxy, 'x-forwarded-for', (i) => xffCases[i % xffCases.length]?.[1]);
      expect(throttled(codes)).toBe(ATTEMPTS - PER_IP);
      const viaForwarded = await setUp('forwarded');
      const forwardedCodes = await spray(viaForwarded, 'forwarded', (i) => forwardedCases[i % forwardedCases.length]?.[1]);
      expect(throttled(forwardedCodes)).toBe(ATTEMPTS - PER_IP);
    });

    it('a well-formed address a client prepends is not believed: another client behind the same proxy is not throttled by it', async () => {
      const proxy = await setUp('x-forwarded-for');
      // 127.0.0.1 sprays while claiming to be 127.0.0.2; then 127.0.0.2 itself is still let through.
      for (let i = 0; i < PER_IP; i++) {
        await send(proxy.port, { method: 'POST', path: '/auth/login', headers: { 'x-forwarded-for': '127.0.0.2' }, body: { username: `ghost-${i}`, password: 'x' } });
      }
      const other = await send(proxy.port, { method: 'POST', path: '/auth/login', from: '127.0.0.2', body: { username: 'ghost-x', password: 'x' } });
      expect((other.json() as { error: { code: string } }).error.code).toBe('invalid_credentials');
      const sprayer = await send(proxy.port, { method: 'POST', path: '/auth/login', headers: { 'x-forwarded-for': '127.0.0.2' }, body: { username: 'ghost-y', password: 'x' } });
      expect((sprayer.json() as { error: { code: string } }).error.code).toBe('throttled');
    });
  });
}
