/**
 * Issue 21 point 3: progress on the long commands. Under a pseudo-terminal (util-linux `script -q`) the build of a
 * 1,000,000-line corpus shows a progress line that reaches 100 %, redrawn at most 10 times a second; piped, stderr
 * has no progress line; `--quiet` draws none; `--json` prints a summary that parses. The corpus is made here, in a
 * temporary directory.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProgress } from '../../src/cli/progress.js';
import { bin, kanmon, requireBuilt } from './built.js';

const LINES = 1_000_000;
let dir: string;

beforeAll(async () => {
  requireBuilt();
  dir = await mkdtemp(join(tmpdir(), 'kanmon-progress-'));
  const parts: string[] = [];
  for (let i = 0; i < LINES; i++) parts.push(`pw-${i}`);
  await writeFile(join(dir, 'corpus.txt'), parts.join('\n') + '\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `kanmon ...args` under a pseudo-terminal: `script` gives the child a tty for stdin, stdout and stderr. */
function underPty(args: readonly string[]): Promise<{ code: number; output: string; seconds: number }> {
  const command = [process.execPath, bin, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = execFile('script', ['-q', '-e', '-c', command, '/dev/null'], { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LANG: 'C', TERM: 'dumb' }, encoding: 'utf8', timeout: 60_000, maxBuffer: 16 << 20 }, (error, stdout) => {
      if (error && typeof error.code !== 'number') reject(new Error('script did not run', { cause: error }));
      else resolve({ code: error ? Number(error.code) : 0, output: stdout, seconds: (performance.now() - started) / 1000 });
    });
    child.stdin?.end();
  });
}

/** The progress frames drawn (`\r…` up to the next `\r` or newline). */
const frames = (output: string) => output.split('\r').slice(1).map((f) => f.split('\n')[0]!.replaceAll('\u001b[K', '')).filter((f) => /%/.test(f));

describe('kanmon breached build: progress on a terminal, none when piped', () => {
  it(`under a pseudo-terminal, ${LINES.toLocaleString('en-US')} lines: a progress line on stderr that reaches 100 %, at most 10 redraws a second`, { timeout: 90_000 }, async () => {
    const { code, output, seconds } = await underPty(['breached', 'build', 'corpus.txt', '-o', 'tty.bin']);
    expect(code, output).toBe(0);
    const drawn = frames(output);
    expect(drawn.length).toBeGreaterThanOrEqual(1);
    expect(drawn.at(-1)).toMatch(/^pass 3\/3 +100% +\d+\.\d MiB \/ \d+\.\d MiB +[\d.]+ MiB\/s +ETA 0s$/);
    for (const f of drawn) expect(f).toMatch(/^pass [123]\/3 +\d{1,3}% .* MiB\/s +ETA (\d+[hms]|\d+m\d+s|\?)/);
    // Percentages only grow.
    const pcts = drawn.map((f) => Number(/(\d+)%/.exec(f)![1]));
    expect([...pcts].sort((a, b) => a - b)).toEqual(pcts);
    // At most 10 a second, plus the final frame.
    expect(drawn.length).toBeLessThanOrEqual(Math.ceil(seconds * 10) + 1);
    expect(output).toContain('plain: 1,000,000 entries (0 skipped) from 1,000,000 lines');
  });

  it('piped: stderr holds the summary only, no progress line, no carriage return', { timeout: 90_000 }, async () => {
    const run = await kanmon(['breached', 'build', join(dir, 'corpus.txt'), '-o', join(dir, 'piped.bin')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toContain('\r');
    expect(run.stderr).not.toMatch(/%|MiB\/s|ETA|pass \d\/\d/);
    expect(run.stderr).toMatch(/^plain: 1,000,000 entries \(0 skipped\) from 1,000,000 lines in [\d.]+ s\nk=\d+, m=[\d,]+ bits, [\d.]+ MiB, expected FPR [\d.]+e-\d+\n$/);
    expect(run.stdout).toBe(join(dir, 'piped.bin') + '\n');
  });

  it('--quiet under a pseudo-terminal: no progress line and no summary, only the file name', { timeout: 90_000 }, async () => {
    const { code, output } = await underPty(['breached', 'build', 'corpus.txt', '-o', 'quiet.bin', '--quiet']);
    expect(code, output).toBe(0);
    expect(frames(output)).toEqual([]);
    expect(output.replace(/\r/g, '')).toBe(join(dir, 'quiet.bin') + '\n');
  });

  it('--json: one summary object on stdout that parses (piped: no progress either)', { timeout: 90_000 }, async () => {
    const run = await kanmon(['breached', 'build', join(dir, 'corpus.txt'), '-o', join(dir, 'json.bin'), '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    const summary = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ command: 'breached build', output: join(dir, 'json.bin'), format: 'plain', entries: LINES, skipped: 0, lines: LINES });
    // The on-disk (version 2) filter is sized so that its expected FPR is at most the target, within 3 %.
    expect(summary.expectedFpr).toBeLessThanOrEqual(1e-6);
    expect(summary.expectedFpr).toBeGreaterThan(0.97e-6);
  });
});

describe('createProgress (src/cli/progress.ts)', () => {
  const sink = (isTTY: boolean) => {
    const writes: string[] = [];
    const stream = Object.assign(new Writable({ write: (c: Buffer, _e, cb) => (writes.push(c.toString('utf8')), cb()) }), { isTTY });
    return { stream, writes };
  };

  it('redraws at most maxPerSecond times a second of its clock, and ends at 100 % with a newline', async () => {
    const { stream, writes } = sink(true);
    let t = 0;
    const progress = createProgress(stream, { label: 'verifying', total: 10_000, unit: 'records', now: () => t });
    for (let i = 1; i <= 10_000; i++) {
      t = i / 5; // 2 seconds of clock over the run
      progress.update(i);
    }
    progress.finish();
    await new Promise((r) => setImmediate(r));
    expect(writes.length).toBeLessThanOrEqual(2 * 10 + 2 + 1);
    expect(writes.at(-2)).toBe('\rverifying  100%  10,000 records / 10,000 records  5,000 records/s  ETA 0s\u001b[K');
    expect(writes.at(-1)).toBe('\n');
  });

  it('no total: counts and rate, no percent or ETA; not a terminal or quiet: writes nothing', async () => {
    const open = sink(true);
    let t = 0;
    const p = createProgress(open.stream, { label: 'exporting', total: null, unit: 'bytes', now: () => t });
    t = 1000;
    p.finish(3 * 1024 * 1024);
    await new Promise((r) => setImmediate(r));
    expect(open.writes[0]).toBe('\rexporting  3.0 MiB  3.0 MiB/s\u001b[K');
    for (const [isTTY, quiet] of [[false, false], [true, true]] as const) {
      const s = sink(isTTY);
      const q = createProgress(s.stream, { label: 'x', total: 10, unit: 'lines', quiet });
      q.update(5);
      q.finish();
      expect(q.active).toBe(false);
      await new Promise((r) => setImmediate(r));
      expect(s.writes).toEqual([]);
    }
  });
});

describe('kanmon audit verify / export: progress on a terminal, none when piped; --json', () => {
  const RECORDS = 30_000;
  let logDir: string;
  let keysFile: string;

  beforeAll(async () => {
    const { createAuditLog, createKeyRing, fileAuditSink } = await import('../../src/index.js');
    keysFile = join(dir, 'keys.json');
    const secret = Buffer.alloc(32, 3);
    await writeFile(keysFile, JSON.stringify({ keys: [{ id: 'k1', secret: secret.toString('base64') }], current: 'k1' }));
    logDir = join(dir, 'log');
    const keyRing = createKeyRing({ keys: [{ id: 'k1', secret }], current: 'k1' });
    let t = Date.UTC(2026, 3, 1, 0, 0, 0);
    const sink = fileAuditSink({ dir: logDir, fsync: false });
    const log = createAuditLog({ sink, keyRing, stream: 'web-1', now: () => (t += 10_000) });
    for (let i = 0; i < RECORDS; i += 500) {
      await Promise.all(Array.from({ length: 500 }, (_, j) => log.append({ type: 'auth.login.failure', tenant: 'city-a', actor: `user-${i + j}`, reason: 'wrong_password' })));
    }
    await log.close();
  }, 120_000);

  it('verify under a pseudo-terminal: a progress line that reaches 100 %, then the verdict', { timeout: 90_000 }, async () => {
    const { code, output, seconds } = await underPty(['audit', 'verify', 'log', '--keys', keysFile]);
    expect(code, output).toBe(0);
    const drawn = frames(output);
    expect(drawn.at(-1)).toMatch(/^verifying +100% +[\d.]+ MiB \/ [\d.]+ MiB +[\d.]+ MiB\/s +ETA 0s$/);
    expect(drawn.length).toBeLessThanOrEqual(Math.ceil(seconds * 10) + 1);
    expect(output).toContain(`OK: ${RECORDS} records verified`);
  });

  it('export under a pseudo-terminal: a progress line that reaches 100 %; --json summary parses', { timeout: 90_000 }, async () => {
    const { code, output } = await underPty(['audit', 'export', 'log', '--keys', keysFile, '-o', 'export.jsonl', '--json']);
    expect(code, output).toBe(0);
    expect(frames(output).at(-1)).toMatch(/^exporting +100% /);
    const json = output.split(/\r?\n/).find((l) => l.startsWith('{'))!;
    expect(JSON.parse(json)).toMatchObject({ command: 'audit export', output: join(dir, 'export.jsonl'), format: 'jsonl', records: RECORDS });
  });

  it('piped: no progress line; verify --json parses; --quiet under a terminal: no progress line', { timeout: 90_000 }, async () => {
    const run = await kanmon(['audit', 'verify', join(dir, 'log'), '--keys', keysFile, '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, count: RECORDS, firstBad: null });
    const exported = await kanmon(['audit', 'export', join(dir, 'log'), '--keys', keysFile, '-o', join(dir, 'piped.jsonl')]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stderr).toBe('');
    const quiet = await underPty(['audit', 'verify', 'log', '--keys', keysFile, '--quiet']);
    expect(quiet.code, quiet.output).toBe(0);
    expect(frames(quiet.output)).toEqual([]);
    expect(quiet.output).not.toContain('\r\u001b');
  });
});
