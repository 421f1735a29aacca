import { parseArgs } from 'node:util';
import { KanmonError } from '../../errors.js';
import { createKeyRing, type KeyRing } from '../../keys/key-ring.js';
import type { Policy } from '../../policy/define-policy.js';
import { createPasswordHasher, type PasswordHasher } from '../../password/hash/create-hasher.js';
import { type CliCommand, type CliIo, EXIT_FINDING, EXIT_OK, EXIT_USAGE } from '../command.js';
import { readPassword } from '../read-password.js';
import { policyFromFlags } from './policy.js';

const sharedOptions = {
  preset: { type: 'string' },
  config: { type: 'string' },
  engine: { type: 'string' },
} as const;

/**
 * The hasher a command uses: the policy from `--preset`/`--config`, the engine
 * from `--engine`, and a pepper key from `KANMON_PEPPER_KEY_ID` and
 * `KANMON_PEPPER_KEY` (base64, ≥ 32 bytes) when the environment provides one.
 */
async function hasherFromFlags(values: { preset?: string | undefined; config?: string | undefined; engine?: string | undefined }, io: CliIo): Promise<{ policy: Policy; hasher: PasswordHasher }> {
  const policy = await policyFromFlags(values, io);
  const engine = values.engine ?? 'node-rs';
  if (engine !== 'node-rs' && engine !== 'node-argon2') throw new KanmonError('ERR_INVALID_ARGUMENT', "--engine must be 'node-rs' or 'node-argon2'");
  let keyRing: KeyRing | undefined;
  const keyId = io.env.KANMON_PEPPER_KEY_ID;
  const secret = io.env.KANMON_PEPPER_KEY;
  if (keyId !== undefined && secret !== undefined) keyRing = createKeyRing({ keys: [{ id: keyId, secret }], current: keyId });
  else if (policy.hashing.pepper) throw new KanmonError('ERR_INVALID_ARGUMENT', 'the policy peppers hashes: set KANMON_PEPPER_KEY_ID and KANMON_PEPPER_KEY');
  return { policy, hasher: createPasswordHasher({ policy, keyRing, engine }) };
}

export const hashCommand: CliCommand = {
  name: 'hash',
  summary: {
    en: 'Hash a password read from stdin or a no-echo prompt (never from arguments)',
    ja: '標準入力またはエコーなしのプロンプトから読んだパスワードをハッシュ化（引数では受け取らない）',
  },
  usage: {
    en: 'kanmon hash [--preset <id>] [--config kanmon.config.json] [--engine node-rs|node-argon2]\n\nReads the password from stdin (one trailing newline removed) or prompts without echo.\nPepper: KANMON_PEPPER_KEY_ID and KANMON_PEPPER_KEY (base64) in the environment.',
    ja: 'kanmon hash [--preset <id>] [--config kanmon.config.json] [--engine node-rs|node-argon2]\n\nパスワードは標準入力（末尾の改行 1 つを除去）またはエコーなしのプロンプトで読み取ります。\nペッパー: 環境変数 KANMON_PEPPER_KEY_ID と KANMON_PEPPER_KEY（base64）。',
  },
  async run(args, io) {
    const { values, positionals } = parseArgs({ args: [...args], options: sharedOptions, strict: true, allowPositionals: true });
    if (positionals.length > 0) {
      io.stderr.write(io.lang === 'ja' ? 'パスワードを引数で渡さないでください（ps やシェル履歴に残ります）。\n' : 'Do not pass the password as an argument (ps and shell history keep it).\n');
      return EXIT_USAGE;
    }
    const { hasher } = await hasherFromFlags(values, io);
    const password = await readPassword(io, io.lang === 'ja' ? 'パスワード: ' : 'Password: ');
    io.stdout.write((await hasher.hash(password)) + '\n');
    return EXIT_OK;
  },
};

export const verifyCommand: CliCommand = {
  name: 'verify',
  summary: {
    en: 'Verify a password (stdin or no-echo prompt) against a stored hash',
    ja: '保存済みハッシュに対してパスワード（標準入力またはエコーなし）を検証',
  },
  usage: {
    en: "kanmon verify '<stored hash>' [--preset <id>] [--config kanmon.config.json] [--engine node-rs|node-argon2]\n\nPrints {\"valid\",\"needsRehash\"} as JSON; exit 0 when valid, 1 when not.",
    ja: "kanmon verify '<保存済みハッシュ>' [--preset <id>] [--config kanmon.config.json] [--engine node-rs|node-argon2]\n\n{\"valid\",\"needsRehash\"} を JSON で表示。一致すれば終了コード 0、しなければ 1。",
  },
  async run(args, io) {
    const { values, positionals } = parseArgs({ args: [...args], options: sharedOptions, strict: true, allowPositionals: true });
    if (positionals.length !== 1) {
      io.stderr.write(this.usage[io.lang] + '\n');
      return EXIT_USAGE;
    }
    const { hasher } = await hasherFromFlags(values, io);
    const password = await readPassword(io, io.lang === 'ja' ? 'パスワード: ' : 'Password: ');
    const result = await hasher.verify(positionals[0]!, password);
    io.stdout.write(JSON.stringify(result) + '\n');
    return result.valid ? EXIT_OK : EXIT_FINDING;
  },
};
