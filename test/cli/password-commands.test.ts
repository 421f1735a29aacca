import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/command.js';
import { runCli } from '../../src/cli/run.js';
import { createBreachedPasswordFilter } from '../../src/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kanmon-cli-'));
  // Cheap Argon2 parameters so the CLI tests stay quick.
  await writeFile(join(dir, 'fast.json'), JSON.stringify({ hashing: { argon2: { memoryKiB: 1024, iterations: 1, parallelism: 1 } } }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sink() {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString('utf8');
      cb();
    },
  });
  return { stream, text: () => text };
}

function io(stdin: CliIo['stdin'], env: Record<string, string> = {}) {
  const out = sink();
  const err = sink();
  const value: CliIo = { stdin, stdout: out.stream, stderr: err.stream, env, lang: 'en', cwd: dir };
  return { io: value, stdout: out.text, stderr: err.text };
}

describe('kanmon hash / verify: the password never comes from argv', () => {
  it('hash reads stdin (one trailing newline removed); verify answers valid / invalid by exit code', async () => {
    const h = io(Readable.from(['Correct-Horse-7\n']));
    expect(await runCli(['hash', '--config', 'fast.json'], h.io)).toBe(0);
    const stored = h.stdout().trim();
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    expect(h.stderr()).toBe('');

    const good = io(Readable.from(['Correct-Horse-7\r\n']));
    expect(await runCli(['verify', stored, '--config', 'fast.json'], good.io)).toBe(0);
    expect(JSON.parse(good.stdout())).toEqual({ valid: true, needsRehash: false });

    const bad = io(Readable.from(['Correct-Horse-7 ']));
    expect(await runCli(['verify', stored, '--config', 'fast.json'], bad.io)).toBe(1);
    expect(JSON.parse(bad.stdout())).toEqual({ valid: false, needsRehash: false });
  });

  it('a password passed as an argument is refused, and not echoed back', async () => {
    const h = io(Readable.from([]));
    expect(await runCli(['hash', 'hunter2'], h.io)).toBe(2);
    expect(h.stdout() + h.stderr()).not.toContain('hunter2');
  });

  it('on a terminal it prompts on stderr in raw mode and echoes nothing it reads', async () => {
    const stdin = Object.assign(new PassThrough(), { isTTY: true, modes: [] as boolean[] });
    const tty = Object.assign(stdin, {
      setRawMode(mode: boolean) {
        stdin.modes.push(mode);
        return stdin;
      },
    });
    const h = io(tty);
    const done = runCli(['hash', '--config', 'fast.json'], h.io);
    await new Promise((resolve) => setTimeout(resolve, 50));
    tty.write('s3cret-x\u007fY\r');
    expect(await done).toBe(0);
    expect(tty.modes).toEqual([true, false]);
    expect(h.stderr()).toBe('Password: \n');
    const stored = h.stdout().trim();
    const check = io(Readable.from(['s3cret-Y']));
    expect(await runCli(['verify', stored, '--config', 'fast.json'], check.io)).toBe(0);
  });

  it('a pepper key from the environment', async () => {
    await writeFile(join(dir, 'pepper.json'), JSON.stringify({ hashing: { pepper: true, argon2: { memoryKiB: 1024, iterations: 1, parallelism: 1 } } }));
    const env = { KANMON_PEPPER_KEY_ID: 'k2026', KANMON_PEPPER_KEY: Buffer.alloc(32, 5).toString('base64') };
    const h = io(Readable.from(['pw']), env);
    expect(await runCli(['hash', '--config', 'pepper.json'], h.io)).toBe(0);
    expect(h.stdout()).toContain(',keyid=');
    const missing = io(Readable.from(['pw']));
    expect(await runCli(['hash', '--config', 'pepper.json'], missing.io)).toBe(2);
    expect(missing.stderr()).toContain('ERR_INVALID_ARGUMENT');
  });
});

describe('kanmon breached build / check', () => {
  const sha1 = (text: string) => createHash('sha1').update(text, 'utf8').digest('hex').toUpperCase();

  it('builds from a HIBP file with --min-count and --fpr, a summary on stderr (no progress line when not a terminal), and the filter answers', async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => `${sha1(`pw${i}`)}:${i}`);
    await writeFile(join(dir, 'pwned.txt'), rows.join('\r\n') + '\r\n');
    const h = io(Readable.from([]));
    expect(await runCli(['breached', 'build', 'pwned.txt', '-o', 'filter.bin', '--min-count', '10', '--fpr', '1e-4'], h.io)).toBe(0);
    expect(h.stderr()).not.toMatch(/pass 1\/2|%|\r/);
    expect(h.stderr()).toMatch(/hibp: 1,990 entries \(10 skipped\) from 2,000 lines/);
    const filter = createBreachedPasswordFilter(await readFile(join(dir, 'filter.bin')));
    expect(filter.count).toBe(1990);
    expect([filter.has('pw5'), filter.has('pw10'), filter.has('pw1999')]).toEqual([false, true, true]);

    const hit = io(Readable.from(['pw1500\n']));
    expect(await runCli(['breached', 'check', 'filter.bin'], hit.io)).toBe(1);
    expect(hit.stdout()).toBe('breached\n');
    const miss = io(Readable.from(['something-else\n']));
    expect(await runCli(['breached', 'check', 'filter.bin'], miss.io)).toBe(0);
  });

  it('a corrupted filter is refused with its code', async () => {
    const bytes = await readFile(join(dir, 'filter.bin'));
    bytes[100]! ^= 0xff;
    await writeFile(join(dir, 'bad.bin'), bytes);
    const h = io(Readable.from(['x\n']));
    expect(await runCli(['breached', 'check', 'bad.bin'], h.io)).toBe(2);
    expect(h.stderr()).toContain('ERR_INVALID_FILTER');
  });

  it('--classic writes format version 1 (in memory); check and verify read both versions; a truncated file is refused', async () => {
    const h = io(Readable.from([]));
    expect(await runCli(['breached', 'build', 'pwned.txt', '-o', 'classic.bin', '--min-count', '10', '--classic', '--quiet'], h.io)).toBe(0);
    const classic = await readFile(join(dir, 'classic.bin'));
    expect(classic.readUInt16LE(8)).toBe(1);
    expect((await readFile(join(dir, 'filter.bin'))).readUInt16LE(8)).toBe(2);
    for (const file of ['classic.bin', 'filter.bin']) {
      const hit = io(Readable.from(['pw1500\n']));
      expect(await runCli(['breached', 'check', file], hit.io)).toBe(1);
      const ok = io(Readable.from([]));
      expect(await runCli(['breached', 'verify', file], ok.io)).toBe(0);
      expect(ok.stdout()).toMatch(/^ok: version [12], 1,990 entries\n$/);
    }
    const whole = await readFile(join(dir, 'filter.bin'));
    await writeFile(join(dir, 'short.bin'), whole.subarray(0, whole.length - 64));
    const bad = io(Readable.from([]));
    expect(await runCli(['breached', 'verify', 'short.bin'], bad.io)).toBe(2);
    expect(bad.stderr()).toContain('ERR_INVALID_FILTER');
    const small = io(Readable.from([]));
    expect(await runCli(['breached', 'build', 'pwned.txt', '-o', 'x.bin', '--memory', '0'], small.io)).toBe(2);
    expect(small.stderr()).toContain('--memory');
  });

  it('usage errors', async () => {
    const h = io(Readable.from([]));
    expect(await runCli(['breached', 'build', 'pwned.txt'], h.io)).toBe(2);
    expect(await runCli(['breached', 'build', 'pwned.txt', '-o', 'x.bin', '--fpr', '2'], h.io)).toBe(2);
    expect(h.stderr()).toContain('--fpr');
  });
});
