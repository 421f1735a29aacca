import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { KanmonError } from '../errors.js';
import { type KeyRing, type KeyRingOptions, createKeyRing } from '../keys/key-ring.js';
import type { CliIo } from './command.js';

/**
 * The key ring a command works with: the JSON file named by `--keys`, else the
 * same JSON in the `KANMON_KEYS` environment variable
 * (`{ "keys": [{ "id": "k1", "secret": "<base64, ≥ 32 bytes>" }], "current": "k1" }`).
 * Only the CLI layer reads the environment; library modules take a `KeyRing`.
 * Resolves to `undefined` when neither is given and `required` is false.
 */
export async function keyRingFromFlags(path: string | undefined, io: CliIo, required: false): Promise<KeyRing | undefined>;
export async function keyRingFromFlags(path: string | undefined, io: CliIo, required?: true): Promise<KeyRing>;
export async function keyRingFromFlags(path: string | undefined, io: CliIo, required = true): Promise<KeyRing | undefined> {
  let text: string | undefined;
  let source = 'KANMON_KEYS';
  if (path !== undefined) {
    source = path;
    try {
      text = await readFile(resolve(io.cwd, path), 'utf8');
    } catch (cause) {
      throw new KanmonError('ERR_KEY_NOT_FOUND', `cannot read the key file '${path}'`, { cause });
    }
  } else {
    text = io.env.KANMON_KEYS;
  }
  if (text === undefined || text.trim() === '') {
    if (!required) return undefined;
    throw new KanmonError('ERR_KEY_NOT_FOUND', 'no keys: pass --keys keys.json or set KANMON_KEYS');
  }
  let parsed: KeyRingOptions;
  try {
    parsed = JSON.parse(text) as KeyRingOptions;
  } catch (cause) {
    // The message never quotes the text: it holds key material.
    throw new KanmonError('ERR_INVALID_ARGUMENT', `${source}: keys are not valid JSON`, { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray(parsed.keys)) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', `${source}: expected { "keys": [{ "id", "secret" }], "current" }`);
  }
  return createKeyRing(parsed);
}
