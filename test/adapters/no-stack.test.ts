/**
 * Issue 14 acceptance: no HTTP answer anywhere carries a stack trace.
 *
 * Every hostile input of the suite (hostile-inputs.ts, plus any `*.hostile.ts`
 * another test file adds) goes to every kanmon route of both adapters, in four
 * worlds: healthy, a failing audit sink, a failing state store, a failing
 * account repository. Each answer is grepped for stack frames, file URLs, line
 * references, node internals and internal error names; each answer kanmon gives
 * must be a coded JSON error body (status matching its code), a JSON success or
 * an empty 204.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { httpErrorStatus } from '../../src/http/error-body.js';
import type { HttpErrorCode } from '../../src/http/error-body.js';
import type { RunningServer } from './behaviour.js';
import { type HostileContext, type HostileInput, type KanmonRoute, LEAK_PATTERNS, collectHostileInputs, kanmonRoutes } from './hostile-inputs.js';
import { type Answer, PASSWORD, TENANT } from './kit.js';
import { type Faults, seamKanmon } from './seam-kit.js';
import { expressAdapter, fastifyAdapter } from './servers.js';
import { nestExpressAdapter, nestFastifyAdapter } from './nest-servers.js';
import { send } from './wire.js';

const inputs = await collectHostileInputs();
const worlds = ['healthy', 'sink', 'store', 'accounts'] as const satisfies readonly ('healthy' | keyof Faults)[];

const isCode = (code: unknown): code is HttpErrorCode => typeof code === 'string' && Object.hasOwn(httpErrorStatus, code);

/** What is wrong with one answer, if anything. */
function problemsOf(input: HostileInput, route: KanmonRoute, answer: Answer): string[] {
  const where = `${input.name} → ${route.method} ${route.path} (${answer.status})`;
  const problems: string[] = [];
  const everything = `${answer.text}\n${JSON.stringify(answer.headers)}`;
  for (const leak of LEAK_PATTERNS) if (leak.test(everything)) problems.push(`${where}: matches ${String(leak)}: ${answer.text.slice(0, 300)}`);
  if (input.answeredBy === 'server') return problems;
  if (answer.status === 204) {
    if (answer.bytes.length > 0) problems.push(`${where}: a 204 with a body`);
    return problems;
  }
  if (!String(answer.headers['content-type']).startsWith('application/json')) problems.push(`${where}: content-type ${String(answer.headers['content-type'])}`);
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    problems.push(`${where}: not JSON: ${answer.text.slice(0, 200)}`);
    return problems;
  }
  if (answer.status >= 400) {
    const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    if (!isCode(error?.code) || typeof error.message !== 'string' || error.message.length === 0) problems.push(`${where}: not a coded error body: ${answer.text.slice(0, 200)}`);
    else if (httpErrorStatus[error.code] !== answer.status) problems.push(`${where}: ${error.code} with status ${answer.status}`);
  }
  return problems;
}

describe('issue 14: no stack trace over HTTP, whatever is sent and whatever fails (both adapters)', () => {
  const running: RunningServer[] = [];
  afterAll(async () => {
    await Promise.all(running.map((r) => r.close()));
  });

  it('the input list is collected (the shared list and the *.hostile.ts modules)', () => {
    expect(inputs.length).toBeGreaterThanOrEqual(50);
    expect(new Set(inputs.map((i) => i.name)).size).toBe(inputs.length);
  });

  for (const adapter of [expressAdapter, fastifyAdapter, nestExpressAdapter, nestFastifyAdapter]) {
    for (const world of worlds) {
      it(`kanmon/${adapter.name}, ${world === 'healthy' ? 'all dependencies healthy' : `a failing ${world}`}: ${inputs.length} inputs × ${kanmonRoutes.length} routes, coded and stack-free`, async () => {
        const seam = await seamKanmon({
          access: {
            requireTls: false,
            trustedProxies: ['127.0.0.1/32'],
            routes: { office: { allow: 'allow_listed_terminals', ipAllowList: ['127.0.0.1/32'] } },
          },
          lockout: { maxFailures: 1000 },
          recovery: { selfService: true, throttle: { maxRequestsPerAccount: 1000, maxRequestsPerIp: 1_000_000 } },
        });
        const reported: unknown[] = [];
        const server = await adapter.serve(seam.kanmon, { tenant: TENANT, onError: (err) => reported.push(err) }, null);
        running.push(server);

        const session = await send(server.port, { method: 'POST', path: '/auth/login', body: { username: 'yamada', password: PASSWORD } });
        const cookie = (session.cookies[0] ?? '').split(';')[0] ?? '';
        const mfa = await send(server.port, { method: 'POST', path: '/auth/login', body: { username: 'kanri', password: PASSWORD } });
        const ctx: HostileContext = { cookie, token: cookie.slice(cookie.indexOf('=') + 1), challenge: (mfa.json() as { challenge: string }).challenge };
        expect(ctx.token.length).toBeGreaterThan(20);
        expect(ctx.challenge.length).toBeGreaterThan(20);
        if (world !== 'healthy') seam.faults[world] = true;

        const problems: string[] = [];
        const statuses = new Map<number, number>();
        for (const input of inputs) {
          for (const route of kanmonRoutes) {
            const answer = await send(server.port, { method: route.method, path: route.path, ...input.request(ctx, route) });
            statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
            problems.push(...problemsOf(input, route, answer));
          }
        }
        expect(problems).toEqual([]);
        // The world was really exercised: refusals of many kinds, and outages where a dependency fails.
        expect([...statuses.keys()].filter((s) => s >= 400).length).toBeGreaterThanOrEqual(4);
        if (world !== 'healthy') expect((statuses.get(503) ?? 0) + (statuses.get(500) ?? 0)).toBeGreaterThan(0);
        if (world === 'healthy') expect(reported).toEqual([]);
      });
    }
  }
});
