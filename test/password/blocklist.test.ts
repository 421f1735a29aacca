import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { commonPasswordCount, commonPasswordsEncoded } from '../../src/password/common-passwords.js';
import { decodeCommonPasswords, foldLeet, foldedCommonPasswords } from '../../src/password/internal/blocklist.js';

const root = resolve(import.meta.dirname, '../..');

describe('the shipped common-password list', () => {
  const entries = decodeCommonPasswords();

  it('holds at least 10,000 distinct, lower-case, sorted entries, as many as its header says', () => {
    expect(entries.length).toBe(commonPasswordCount);
    expect(entries.length).toBeGreaterThanOrEqual(10_000);
    expect(new Set(entries).size).toBe(entries.length);
    expect(entries.every((e) => e === e.toLowerCase() && e.length >= 4)).toBe(true);
    expect([...entries].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(entries);
    for (const known of ['password', 'qwerty', '123456', 'iloveyou', 'trustno1', '1qaz2wsx']) expect(entries).toContain(known);
  });

  it('is smaller than the plain list it encodes', () => {
    expect(commonPasswordsEncoded.length).toBeLessThan(entries.join('\n').length * 0.6);
  });

  it('folds leet forms together for lookup', () => {
    expect(foldLeet('p@ssw0rd')).toBe(foldLeet('password'));
    expect(foldLeet('trustno1')).toBe(foldLeet('tru5tn0l'));
    expect(foldedCommonPasswords().entries.has(foldLeet('p4$$w0rd'))).toBe(true);
  });

  it('is what scripts/build-blocklist.mjs builds from @zxcvbn-ts/language-common today', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kanmon-blocklist-'));
    try {
      const out = join(dir, 'common-passwords.ts');
      await promisify(execFile)('node', [join(root, 'scripts/build-blocklist.mjs'), out], { cwd: root });
      expect(await readFile(out, 'utf8')).toBe(await readFile(join(root, 'src/password/common-passwords.ts'), 'utf8'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
