/**
 * The one body preamble of the HTTP core (readFields): transport first (IPC-16), then a JSON object, then
 * each field a string of the right length; anything else in the body is ignored. Malformed input gets a
 * coded `invalid_request`, never a throw.
 */
import { describe, expect, it } from 'vitest';
import { definePolicy } from '../../src/policy/define-policy.js';
import { readFields } from '../../src/http/body-fields.js';
import { createHttpContext } from '../../src/http/context.js';
import type { HttpKanmon, HttpRequest, KanmonRequestState } from '../../src/http/types.js';
import type { ReadBodyResult } from '../../src/http/read-body.js';

function context(requireTls: boolean) {
  const policy = definePolicy('funabashi', { access: { requireTls } });
  // Only what createHttpContext checks and reads of a Kanmon: readFields never calls it.
  const kanmon = { policy, sessions: { verify: () => Promise.reject(new Error('not called')) }, login: () => Promise.reject(new Error('not called')) } as unknown as HttpKanmon;
  return createHttpContext(kanmon, { tenant: 'funabashi' });
}

const request: HttpRequest = { headers: {}, socket: { encrypted: true, remoteAddress: '127.0.0.1' } };
const current: KanmonRequestState = { tenant: 'funabashi', lang: 'en', session: null, access: null };
const body = (value: unknown): ReadBodyResult => ({ ok: true, value });
const codeOf = (result: { ok: boolean; reply?: { body: string | null } }) => (result.ok ? null : (JSON.parse(result.reply?.body ?? '{}') as { error: { code: string } }).error.code);

describe('issue 15: readFields, the preamble of every body route', () => {
  const ctx = context(true);
  const rules = { name: { max: 5 }, note: { max: 3, optional: true }, blank: { max: 3, allowEmpty: true } } as const;

  it('reads each field as a string, an optional one left out as null, and nothing else', () => {
    const read = readFields(ctx, request, current, body({ name: 'sato', blank: '', extra: { status: 200 } }), rules);
    expect(read).toEqual({ ok: true, fields: { name: 'sato', note: null, blank: '' } });
  });

  it.each([
    ['a missing required field', { blank: '' }],
    ['an empty required field', { name: '', blank: '' }],
    ['a field over its length', { name: 'sato-san', blank: '' }],
    ['a number for a string', { name: 5, blank: '' }],
    ['an optional field present but null', { name: 'sato', note: null, blank: '' }],
    ['an optional field present but empty', { name: 'sato', note: '', blank: '' }],
    ['an optional field over its length', { name: 'sato', note: 'long', blank: '' }],
  ])('%s → invalid_request', (_name, value) => {
    expect(codeOf(readFields(ctx, request, current, body(value), rules))).toBe('invalid_request');
  });

  it.each([
    ['an array', ['sato']],
    ['null', null],
    ['a string', 'sato'],
  ])('a body that is %s, not an object → invalid_request', (_name, value) => {
    expect(codeOf(readFields(ctx, request, current, body(value), rules))).toBe('invalid_request');
  });

  it('a body the reader refused keeps its own code (payload_too_large)', () => {
    expect(codeOf(readFields(ctx, request, current, { ok: false, reason: 'payload_too_large' }, rules))).toBe('payload_too_large');
  });

  it('IPC-16: plain HTTP is refused before the body is looked at', () => {
    const plain: HttpRequest = { headers: {}, socket: { encrypted: false, remoteAddress: '203.0.113.9' } };
    expect(codeOf(readFields(ctx, plain, current, body({ name: 'sato', blank: '' }), rules))).toBe('tls_required');
    expect(codeOf(readFields(context(false), plain, current, body({ name: 'sato', blank: '' }), rules))).toBeNull();
  });
});
