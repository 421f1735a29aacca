import { KanmonError } from '../../../errors.js';
import { formatPhc } from '../phc.js';

/** The Keycloak algorithms kanmon reads from a credential export. */
export type KeycloakAlgorithm = 'pbkdf2-sha256' | 'pbkdf2-sha512' | 'argon2';

const invalid = (message: string): KanmonError => new KanmonError('ERR_INVALID_HASH', `keycloak: ${message}`);

function object(value: unknown, what: string): Record<string, unknown> {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch (cause) {
      throw new KanmonError('ERR_INVALID_HASH', `keycloak: ${what} is not JSON`, { cause });
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid(`${what} is not an object`);
  return parsed as Record<string, unknown>;
}

function bytes(value: unknown, what: string): Buffer {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) throw invalid(`${what} is not base64`);
  return Buffer.from(value, 'base64');
}

/** A Keycloak `additionalParameters` entry: `{ "memory": ["7168"] }`. */
function param(extra: Record<string, unknown>, name: string): string | undefined {
  const v = extra[name];
  return Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined;
}

function positive(text: string | undefined, fallback: number, what: string): number {
  if (text === undefined) return fallback;
  if (!/^[1-9]\d{0,9}$/.test(text)) throw invalid(`${what} is not a positive integer`);
  return Number(text);
}

/**
 * A Keycloak password credential as a realm export writes it (`secretData` and `credentialData`,
 * each a JSON string, per `PasswordSecretData` / `PasswordCredentialData`), as the `imported$`
 * PHC string kanmon verifies: PBKDF2 keeps its salt, count and key length; Argon2 must be
 * argon2id version 1.3 (Keycloak 24+'s default).
 */
export function keycloakToImported(credential: unknown): { algorithm: KeycloakAlgorithm; stored: string } {
  const cred = object(credential, 'credential');
  if (cred.type !== undefined && cred.type !== 'password') throw invalid('the credential is not of type password');
  const secret = object(cred.secretData, 'secretData');
  const data = object(cred.credentialData, 'credentialData');
  const salt = bytes(secret.salt, 'salt');
  const value = bytes(secret.value, 'value');
  const iterations = data.hashIterations;
  if (typeof iterations !== 'number' || !Number.isSafeInteger(iterations) || iterations < 1) throw invalid('hashIterations is not a positive integer');
  const algorithm = data.algorithm;
  const extra = data.additionalParameters === undefined ? {} : object(data.additionalParameters, 'additionalParameters');
  if (algorithm === 'pbkdf2-sha256' || algorithm === 'pbkdf2-sha512') {
    return { algorithm, stored: 'imported$' + formatPhc({ id: algorithm, params: [['i', iterations]], salt, hash: value }) };
  }
  if (algorithm === 'argon2') {
    const type = param(extra, 'type') ?? 'id';
    const version = param(extra, 'version') ?? '1.3';
    if (type !== 'id' || version !== '1.3') throw new KanmonError('ERR_UNSUPPORTED_HASH', `keycloak: argon2 type ${type} version ${version} (kanmon verifies argon2id 1.3)`);
    const params: Array<[string, number]> = [
      ['m', positive(param(extra, 'memory'), 7168, 'memory')],
      ['t', iterations],
      ['p', positive(param(extra, 'parallelism'), 1, 'parallelism')],
    ];
    if (positive(param(extra, 'hashLength'), value.length, 'hashLength') !== value.length) throw invalid('hashLength does not match the value');
    return { algorithm, stored: 'imported$' + formatPhc({ id: 'argon2id', version: 19, params, salt, hash: value }) };
  }
  throw new KanmonError('ERR_UNSUPPORTED_HASH', `keycloak: algorithm '${String(algorithm)}' is not one kanmon verifies (pbkdf2-sha256, pbkdf2-sha512, argon2)`, {
    details: { reason: 'unknown_format' },
  });
}
