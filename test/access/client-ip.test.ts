import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClientIpResolver, createIpAllowList, resolveClientIp } from '../../src/index.js';

const proxies = { trustedProxies: ['10.0.0.0/29', '2001:db8:ffff::/48'] };

describe('EXT-9, express-rate-limit #134: spoofed forwarding headers are ignored', () => {
  it('no trusted proxies: headers are ignored, the socket peer is the client', () => {
    const r = resolveClientIp(
      { remoteAddress: '203.0.113.9', headers: { 'x-forwarded-for': '10.1.2.3', forwarded: 'for=10.1.2.3' } },
      { trustedProxies: [] },
    );
    expect(r).toMatchObject({ ip: '203.0.113.9', source: 'socket', peerTrusted: false });
  });

  it('a header from an untrusted peer is ignored', () => {
    const r = resolveClientIp({ remoteAddress: '203.0.113.9', headers: { 'x-forwarded-for': '10.0.0.1' } }, proxies);
    expect(r).toMatchObject({ ip: '203.0.113.9', source: 'socket', peerTrusted: false });
    const f = resolveClientIp({ remoteAddress: '203.0.113.9', headers: { forwarded: 'for=10.0.0.1' } }, { ...proxies, header: 'forwarded' });
    expect(f.ip).toBe('203.0.113.9');
  });

  it('a client-forged entry left of the real client is skipped: the walk stops at the first untrusted hop', () => {
    const r = resolveClientIp(
      { remoteAddress: '10.0.0.1', headers: { 'x-forwarded-for': '10.0.0.2, 127.0.0.1, 198.51.100.4' } },
      proxies,
    );
    expect(r).toMatchObject({ ip: '198.51.100.4', source: 'x-forwarded-for', peerTrusted: true, malformed: false });
  });

  it('only the configured header is read: a Forwarded header sent by the client through an X-Forwarded-For proxy is ignored', () => {
    const headers = { forwarded: 'for=10.9.9.9', 'x-forwarded-for': '198.51.100.4' };
    expect(resolveClientIp({ remoteAddress: '10.0.0.1', headers }, proxies).ip).toBe('198.51.100.4');
    const viaForwarded = resolveClientIp(
      { remoteAddress: '10.0.0.1', headers: { 'x-forwarded-for': '10.9.9.9', forwarded: 'for=198.51.100.4' } },
      { ...proxies, header: 'forwarded' },
    );
    expect(viaForwarded.ip).toBe('198.51.100.4');
  });

  it('an IPv4-mapped socket peer is the IPv4 proxy (CVE-2024-29415)', () => {
    const r = resolveClientIp({ remoteAddress: '::ffff:10.0.0.3', headers: { 'x-forwarded-for': '198.51.100.4' } }, proxies);
    expect(r).toMatchObject({ ip: '198.51.100.4', peer: '10.0.0.3', peerTrusted: true });
  });
});

describe('EXT-9: chains through several trusted proxies', () => {
  it('X-Forwarded-For: client, proxy, proxy, peer', () => {
    const r = resolveClientIp(
      { remoteAddress: '10.0.0.1', headers: { 'x-forwarded-for': '2001:db8:1::7, 2001:db8:ffff::2, 10.0.0.4' } },
      proxies,
    );
    expect(r.ip).toBe('2001:db8:1::7');
  });

  it('X-Forwarded-For over several header lines, with ports and brackets', () => {
    const r = resolveClientIp(
      { remoteAddress: '10.0.0.1', headers: { 'x-forwarded-for': ['[2001:DB8:1::7]:51234', '10.0.0.5:443'] } },
      proxies,
    );
    expect(r.ip).toBe('2001:db8:1::7');
    const v4port = resolveClientIp({ remoteAddress: '10.0.0.1', headers: { 'x-forwarded-for': '198.51.100.4:8080' } }, proxies);
    expect(v4port.ip).toBe('198.51.100.4');
  });

  it('RFC 7239 Forwarded: quoted "[v6]:port", parameters, case-insensitive names', () => {
    const r = resolveClientIp(
      {
        remoteAddress: '10.0.0.1',
        headers: {
          forwarded: 'for="[2001:db8:cafe::17]:4711";proto=http, For=10.0.0.6;proto=https;by="[2001:db8:ffff::1]", for="10.0.0.2:443";host=example.jp;proto=https',
        },
      },
      { ...proxies, header: 'forwarded' },
    );
    expect(r).toMatchObject({ ip: '2001:db8:cafe::17', source: 'forwarded', forwardedProto: 'https' });
  });

  it('every hop trusted: the leftmost is the client', () => {
    const r = resolveClientIp({ remoteAddress: '10.0.0.1', headers: { 'x-forwarded-for': '10.0.0.3, 10.0.0.2' } }, proxies);
    expect(r.ip).toBe('10.0.0.3');
  });

  it('a trusted proxy without a header is itself the client; X-Forwarded-Proto is read from it', () => {
    const r = resolveClientIp({ remoteAddress: '10.0.0.1', headers: { 'x-forwarded-proto': 'https' } }, proxies);
    expect(r).toMatchObject({ ip: '10.0.0.1', peerTrusted: true, source: 'socket', forwardedProto: 'https' });
    const spoofedProto = resolveClientIp({ remoteAddress: '203.0.113.9', headers: { 'x-forwarded-proto': 'https' } }, proxies);
    expect(spoofedProto.forwardedProto).toBeNull();
  });

  it('accepts a compiled allow-list as trusted proxies', () => {
    const resolver = createClientIpResolver({ trustedProxies: createIpAllowList(['192.0.2.0/24']) });
    expect(resolver.resolve({ remoteAddress: '192.0.2.1', headers: { 'x-forwarded-for': '203.0.113.1' } }).ip).toBe('203.0.113.1');
  });
});

describe('EXT-9: malformed headers are never believed and never throw', () => {
  const malformedXff = ['1.2.3.4,,10.0.0.2', ',', 'unknown', '010.0.0.9', '1.2.3.4:99999', '[::1', '[1.2.3.4]', 'a'.repeat(9000), '1.2.3.4 5.6.7.8', '::ffff:1.2.3'];
  it.each(malformedXff)('X-Forwarded-For %j → ip null', (value) => {
    const r = resolveClientIp({ remoteAddress: '10.0.0.1', headers: { 'x-forwarded-for': value.slice(0, 9000) } }, proxies);
    expect(r).toMatchObject({ ip: null, malformed: true, peer: '10.0.0.1' });
    // The rightmost hop the trusted peer wrote is unreadable: attempts count against that peer.
    expect(r.throttleIp).toBe(value === '1.2.3.4,,10.0.0.2' ? '10.0.0.2' : '10.0.0.1');
  });

  const malformedForwarded = [
    'for=2001:db8::1',
    'for="[2001:db8::1]',
    'for=unknown',
    'for=_hidden',
    'for=1.2.3.4;for=5.6.7.8',
    'proto=https',
    'for=1.2.3.4,',
    'for=1.2.3.4;;',
    '=1.2.3.4',
    'for="1.2.3.4" garbage',
    'for=1.2.3.4, by=10.0.0.1',
  ];
  it.each(malformedForwarded)('Forwarded %j → ip null', (value) => {
    const r = resolveClientIp({ remoteAddress: '10.0.0.1', headers: { forwarded: value } }, { ...proxies, header: 'forwarded' });
    expect(r).toMatchObject({ ip: null, malformed: true, throttleIp: '10.0.0.1' });
  });

  it('a malformed hop left of an untrusted hop does not matter', () => {
    const r = resolveClientIp({ remoteAddress: '10.0.0.1', headers: { 'x-forwarded-for': 'garbage, 198.51.100.4' } }, proxies);
    expect(r.ip).toBe('198.51.100.4');
  });

  it('no socket peer: ip null', () => {
    expect(resolveClientIp({ remoteAddress: undefined, headers: {} }, proxies)).toMatchObject({ ip: null, peer: null, throttleIp: null });
  });

  it('property: any header bytes, any peer: a result, never a throw; a non-null ip is canonical', () => {
    const header = fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom(...'0123456789abcdef:.,;=[]" _forFOR\\') }));
    fc.assert(
      fc.property(header, header, fc.constantFrom('10.0.0.1', '203.0.113.1', '::1', 'junk', undefined), (xff, fwd, peer) => {
        for (const h of ['x-forwarded-for', 'forwarded'] as const) {
          const r = resolveClientIp({ remoteAddress: peer, headers: { 'x-forwarded-for': xff, forwarded: fwd } }, { ...proxies, header: h });
          if (r.ip !== null) expect(createIpAllowList([r.ip.includes(':') ? `${r.ip}/128` : `${r.ip}/32`]).has(r.ip)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('EXT-9 / RFC 7239 §5.2, issue 14: a client-sent header cannot hide the hop its trusted proxy appended', () => {
  // What nginx's $proxy_add_x_forwarded_for does: "<client's header>, <the address the proxy saw>".
  const appended = (clientHeader: string | readonly string[] | undefined, seen: string) =>
    clientHeader === undefined ? seen : `${Array.isArray(clientHeader) ? clientHeader.join(', ') : (clientHeader as string)}, ${seen}`;
  const prefixes: [string, string | readonly string[]][] = [
    ['a lone comma', ','],
    ['commas only', ',,,'],
    ['8 KiB of commas', ','.repeat(8192)],
    ['8 KiB of addresses', Array.from({ length: 600 }, (_, i) => `10.0.${i >> 8}.${i & 255}`).join(',')],
    ['9000 bytes of one entry', 'a'.repeat(9000)],
    ['garbage entries', 'unknown, garbage, 1.2.3.4:99999, [::1'],
    ['a trusted proxy address', '10.0.0.2'],
    ['an empty entry after a good one', '198.51.100.9,'],
    ['several header lines', ['1.2.3.4', ',', 'x']],
    ['control characters', '\t,\t'],
  ];
  it.each(prefixes)('X-Forwarded-For prefixed with %s → the address the proxy appended', (_name, prefix) => {
    const headers = { 'x-forwarded-for': appended(prefix, '203.0.113.7') };
    const r = resolveClientIp({ remoteAddress: '10.0.0.1', headers }, proxies);
    expect(r).toMatchObject({ ip: '203.0.113.7', throttleIp: '203.0.113.7', malformed: false, source: 'x-forwarded-for' });
    // Through two trusted proxies: the second appends the first's address.
    const twice = resolveClientIp({ remoteAddress: '10.0.0.1', headers: { 'x-forwarded-for': `${headers['x-forwarded-for']}, 10.0.0.4` } }, proxies);
    expect(twice.ip).toBe('203.0.113.7');
  });

  const forwardedPrefixes = [',', 'garbage', 'for=', 'for="', 'for="[2001:db8::1', 'for="a\\"', 'for="\\', 'for=unknown', ';;;', 'for=1.2.3.4;for=5.6.7.8', `for=${'x'.repeat(9000)}`, '"', '"\\""'];
  it.each(forwardedPrefixes)('Forwarded prefixed with %j → the element the proxy appended', (prefix) => {
    const options = { ...proxies, header: 'forwarded' as const };
    const r = resolveClientIp({ remoteAddress: '10.0.0.1', headers: { forwarded: `${prefix}, for=203.0.113.7;proto=https` } }, options);
    expect(r).toMatchObject({ ip: '203.0.113.7', throttleIp: '203.0.113.7', malformed: false, forwardedProto: 'https' });
    const v6 = resolveClientIp({ remoteAddress: '10.0.0.1', headers: { forwarded: `${prefix}, for="[2001:db8:cafe::17]:4711", for=10.0.0.4` } }, options);
    expect(v6.ip).toBe('2001:db8:cafe::17');
  });

  it('a quoted comma or an escaped quote inside an element does not split it', () => {
    const options = { ...proxies, header: 'forwarded' as const };
    const r = resolveClientIp({ remoteAddress: '10.0.0.1', headers: { forwarded: 'for=192.0.2.60;host="a,b\\"c", for=10.0.0.2;proto=https' } }, options);
    expect(r).toMatchObject({ ip: '192.0.2.60', forwardedProto: 'https' });
  });

  it('a hop a trusted proxy wrote unreadably: ip unknown, attempts counted against that proxy (never "no IP, no throttle")', () => {
    const xff = (value: string) => resolveClientIp({ remoteAddress: '10.0.0.1', headers: { 'x-forwarded-for': value } }, proxies);
    expect(xff('garbage')).toMatchObject({ ip: null, malformed: true, throttleIp: '10.0.0.1' });
    expect(xff('garbage, 10.0.0.4')).toMatchObject({ ip: null, malformed: true, throttleIp: '10.0.0.4' });
    expect(xff('203.0.113.7, , 10.0.0.4')).toMatchObject({ ip: null, throttleIp: '10.0.0.4' });
    const fwd = (value: string) => resolveClientIp({ remoteAddress: '10.0.0.1', headers: { forwarded: value } }, { ...proxies, header: 'forwarded' });
    expect(fwd('for=203.0.113.7, for=unknown')).toMatchObject({ ip: null, throttleIp: '10.0.0.1' });
    expect(fwd('for=203.0.113.7, for=_hidden, for=10.0.0.3')).toMatchObject({ ip: null, throttleIp: '10.0.0.3' });
  });

  it('more than 32 trusted hops are not walked: ip unknown, throttled at the 32nd', () => {
    const hops = Array.from({ length: 40 }, (_, i) => `2001:db8:ffff::${(i + 1).toString(16)}`);
    const r = resolveClientIp({ remoteAddress: '10.0.0.1', headers: { 'x-forwarded-for': ['203.0.113.7', ...hops].join(', ') } }, proxies);
    expect(r).toMatchObject({ ip: null, malformed: true, throttleIp: hops[40 - 32] });
    const fits = resolveClientIp({ remoteAddress: '10.0.0.1', headers: { 'x-forwarded-for': ['203.0.113.7', ...hops.slice(0, 31)].join(', ') } }, proxies);
    expect(fits.ip).toBe('203.0.113.7');
  });

  it('property: whatever a client sends, the untrusted address its proxy appends is the client, in both headers', () => {
    const junk = fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: fc.constantFrom(...'0123456789abcdef:.,;=[]" _forFOR\\\t'), maxLength: 300 }));
    const v4 = fc.tuple(fc.integer({ min: 11, max: 223 }), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
    fc.assert(
      fc.property(junk, v4, (prefix, client) => {
        const viaXff = resolveClientIp({ remoteAddress: '10.0.0.1', headers: { 'x-forwarded-for': `${prefix}, ${client}` } }, proxies);
        expect(viaXff.ip).toBe(client);
        const viaForwarded = resolveClientIp({ remoteAddress: '10.0.0.1', headers: { forwarded: `${prefix}, for=${client}` } }, { ...proxies, header: 'forwarded' });
        expect(viaForwarded.ip).toBe(client);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: with a socket peer, throttleIp is never null', () => {
    const header = fc.string({ unit: fc.constantFrom(...'0123456789abcdef:.,;=[]" _forFOR\\'), maxLength: 200 });
    fc.assert(
      fc.property(header, header, fc.constantFrom('10.0.0.1', '203.0.113.1', '::1'), (xff, fwd, peer) => {
        for (const h of ['x-forwarded-for', 'forwarded'] as const) {
          const r = resolveClientIp({ remoteAddress: peer, headers: { 'x-forwarded-for': xff, forwarded: fwd } }, { ...proxies, header: h });
          expect(r.throttleIp).not.toBeNull();
          if (r.ip !== null) expect(r.throttleIp).toBe(r.ip);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('ERR_CONFIG_HAZARD: trusting every address is a coded warning, once per instance', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('0.0.0.0/0 or ::/0 warns once per resolver with code ERR_CONFIG_HAZARD', () => {
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const everything = createClientIpResolver({ trustedProxies: ['0.0.0.0/0'] });
    expect(everything.trustsEverything).toBe(true);
    everything.resolve({ remoteAddress: '1.2.3.4', headers: { 'x-forwarded-for': '10.0.0.1' } });
    everything.resolve({ remoteAddress: '1.2.3.4', headers: {} });
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0]?.[1]).toMatchObject({ code: 'ERR_CONFIG_HAZARD', type: 'KanmonWarning' });
    createClientIpResolver({ trustedProxies: ['::/0'] });
    expect(spy).toHaveBeenCalledTimes(2);
    // resolveClientIp caches per list: one more warning for a new list, not one per request
    for (let i = 0; i < 5; i++) resolveClientIp({ remoteAddress: '1.2.3.4', headers: {} }, { trustedProxies: ['0.0.0.0/0', '::/0'] });
    expect(spy).toHaveBeenCalledTimes(3);
  });

  it('a narrow list does not warn', () => {
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    expect(createClientIpResolver({ trustedProxies: ['0.0.0.0/1', '10.0.0.0/8'] }).trustsEverything).toBe(false);
    expect(spy).not.toHaveBeenCalled();
  });

  it('bad options are programmer errors', () => {
    expect(() => createClientIpResolver({ trustedProxies: ['10.1'] })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_CIDR' }));
    expect(() => createClientIpResolver({ trustedProxies: [], header: 'x-real-ip' as 'forwarded' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });
});
