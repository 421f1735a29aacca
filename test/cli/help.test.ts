/**
 * Help for every `kanmon` command, in English and Japanese chosen by the
 * locale (LC_ALL > LC_MESSAGES > LANG), through the built command. Walks the
 * registry, so a command added later without Japanese (or English) help fails here.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands/index.js';
import { langFromEnv } from '../../src/cli/command.js';
import { kanmon, requireBuilt } from './built.js';

const kana = /[\u3040-\u30ff]/;
const ja = { LANG: 'ja_JP.UTF-8' };

beforeAll(() => {
  requireBuilt();
});

describe('kanmon --help', () => {
  it('lists every command with its summary, in English under LANG=C and Japanese under LANG=ja_JP.UTF-8', async () => {
    const [en, jp] = await Promise.all([kanmon(['--help']), kanmon(['--help'], ja)]);
    expect(en.code).toBe(0);
    expect(jp.code).toBe(0);
    for (const command of commands) {
      expect(en.stdout).toContain(`  ${command.name} `);
      expect(en.stdout).toContain(command.summary.en);
      expect(jp.stdout).toContain(command.summary.ja);
    }
    expect(en.stdout).toContain('Usage: kanmon <command>');
    expect(en.stdout).toContain('LANG=ja_JP.UTF-8');
    expect(en.stdout).not.toMatch(kana);
    expect(jp.stdout).toContain('使い方: kanmon <コマンド>');
  });

  it('no arguments prints the overview but exits 2; an unknown command or `help <unknown>` exits 2 on stderr', async () => {
    const [none, unknown, helpUnknown] = await Promise.all([kanmon([]), kanmon(['frobnicate'], ja), kanmon(['help', 'frobnicate'])]);
    expect(none.code).toBe(2);
    expect(none.stdout).toContain('Commands:');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('コマンド「frobnicate」はありません');
    expect(helpUnknown.code).toBe(2);
    expect(helpUnknown.stderr).toContain("Unknown command 'frobnicate'");
    expect(helpUnknown.stdout).toBe('');
  });

  it('LC_ALL overrides LANG, LC_MESSAGES sits between them', () => {
    expect(langFromEnv({ LANG: 'ja_JP.UTF-8', LC_ALL: 'C' })).toBe('en');
    expect(langFromEnv({ LANG: 'C', LC_ALL: 'ja_JP.eucJP' })).toBe('ja');
    expect(langFromEnv({ LANG: 'en_US.UTF-8', LC_MESSAGES: 'ja_JP.UTF-8' })).toBe('ja');
    expect(langFromEnv({ LANG: 'ja' })).toBe('ja');
    expect(langFromEnv({})).toBe('en');
  });
});

describe.each(commands.map((c) => [c.name, c] as const))('kanmon %s --help', (name, command) => {
  it('prints its own usage in English and Japanese, exit 0, from `--help`, `-h` and `help <command>`', async () => {
    const [en, jp, viaHelp] = await Promise.all([
      kanmon([name, '--help']),
      kanmon([name, '-h'], ja),
      kanmon(['help', name], { LANG: 'C', LC_ALL: 'ja_JP.UTF-8' }),
    ]);
    for (const r of [en, jp, viaHelp]) {
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
    }
    expect(en.stdout).toBe(command.usage.en + '\n');
    expect(jp.stdout).toBe(command.usage.ja + '\n');
    expect(viaHelp.stdout).toBe(jp.stdout);

    // Each starts with its synopsis, explains itself in more than one line,
    // and is written in its own language.
    expect(command.usage.en.startsWith(`kanmon ${name}`)).toBe(true);
    expect(command.usage.ja.startsWith(`kanmon ${name}`)).toBe(true);
    expect(command.usage.en.split('\n').length).toBeGreaterThan(2);
    expect(command.usage.en).not.toMatch(kana);
    expect(command.usage.ja).toMatch(kana);
    expect(command.summary.en).not.toMatch(kana);
    expect(command.summary.ja).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
    expect(command.usage.ja).not.toBe(command.usage.en);
  });
});
