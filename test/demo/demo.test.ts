/**
 * The demo app `npm run demo` starts (over the built dist/): its pages answer in
 * Japanese by default, refuse a weak password with every reason, and show the
 * compliance report of the policy it runs with.
 */
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let server: Server;
let base = '';

beforeAll(async () => {
  // @ts-expect-error the demo is plain JavaScript
  const demo = (await import('../../examples/demo/app.mjs')) as {
    createDemoApp: (o: { now: () => number }) => Promise<{ app: { listen(port: number, host: string, cb: () => void): Server } }>;
  };
  const { app } = await demo.createDemoApp({ now: () => Date.now() });
  await new Promise<void>((resolve) => {
    server = app.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('demo app', () => {
  it('shows the funabashi password rules in Japanese', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<html lang="ja">');
    expect(html).toContain('10文字以上で入力してください');
  });

  it('refuses a weak password with every reason, in English on request', async () => {
    const res = await fetch(`${base}/api/check-password?lang=en`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'taro', password: 'taro1985' }),
    });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { ok: boolean; issues: { code: string; message: string }[] };
    expect(body.ok).toBe(false);
    expect(body.issues.map((i) => i.code)).toEqual(expect.arrayContaining(['too_short', 'missing_class', 'contains_context']));
    expect(JSON.stringify(body)).not.toContain('taro1985');
  });

  it('serves the compliance report of the policy in force', async () => {
    const html = await (await fetch(`${base}/compliance?lang=ja`)).text();
    expect(html).toContain('SEC-23');
  });
});
