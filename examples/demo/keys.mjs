// The demo's key ring: ONE DEMO KEY, generated once into <dataDir>/demo-keyring.json
// (mode 0600) so the audit chain written in earlier runs still verifies after a
// restart. A real deployment loads its keys from a secret manager / HSM and
// rotates them (see docs/keys.md); never reuse this file.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKeyRing } from '../../dist/index.js';

/**
 * @param {string} dataDir
 * @param {() => number} now
 * @returns {{ keyRing: import('../../dist/index.js').KeyRing, path: string, created: boolean }}
 */
export function loadDemoKeyRing(dataDir, now) {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, 'demo-keyring.json');
  let created = false;
  if (!existsSync(path)) {
    // An audit log chained under a key that is gone can never verify again: keep it aside, visibly.
    const audit = join(dataDir, 'audit');
    if (existsSync(audit)) renameSync(audit, join(dataDir, `audit-without-key-${now()}`));
    const file = {
      warning: 'DEMO KEY for `npm run demo` only. Never use it for anything else. / デモ専用の鍵です。他の用途に使わないでください。',
      current: 'demo-1',
      keys: [{ id: 'demo-1', secret: randomBytes(32).toString('base64url') }],
    };
    writeFileSync(path, JSON.stringify(file, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
    created = true;
  }
  const file = JSON.parse(readFileSync(path, 'utf8'));
  return { keyRing: createKeyRing({ keys: file.keys, current: file.current }), path, created };
}
