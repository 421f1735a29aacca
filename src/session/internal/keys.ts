import { createECDH, createPrivateKey, webcrypto } from 'node:crypto';
import { exportJWK, importJWK, type JWK } from 'jose';
import { KanmonError } from '../../errors.js';
import type { KeyRing } from '../../keys/key-ring.js';
import type { SessionAlgorithm } from '../algorithms.js';
import type { SessionKeyPair } from '../types.js';

/** The key that signs and the key that verifies tokens of one key id. */
export interface Keys {
  sign: webcrypto.CryptoKey;
  verify: webcrypto.CryptoKey;
}

const b64u = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

/** P-256 key from a ring subkey: the scalar is the HKDF output (re-derived in the ~2^-32 case it is out of range). */
async function deriveEs256(keyRing: KeyRing, kid: string): Promise<Keys> {
  for (let attempt = 0; ; attempt++) {
    const seed = keyRing.derive(kid, attempt === 0 ? 'session-es256' : `session-es256/${attempt}`);
    const ecdh = createECDH('prime256v1');
    try {
      ecdh.setPrivateKey(seed);
    } catch {
      continue;
    }
    const pub = ecdh.getPublicKey();
    const jwk: JWK = { kty: 'EC', crv: 'P-256', x: b64u(pub.subarray(1, 33)), y: b64u(pub.subarray(33, 65)) };
    return {
      sign: (await importJWK({ ...jwk, d: b64u(seed) }, 'ES256')) as webcrypto.CryptoKey,
      verify: (await importJWK(jwk, 'ES256')) as webcrypto.CryptoKey,
    };
  }
}

async function deriveEd25519(keyRing: KeyRing, kid: string): Promise<Keys> {
  const seed = keyRing.derive(kid, 'session-ed25519');
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  const jwk = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ format: 'jwk' }) as JWK;
  return {
    sign: (await importJWK(jwk, 'EdDSA')) as webcrypto.CryptoKey,
    verify: (await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }, 'EdDSA')) as webcrypto.CryptoKey,
  };
}

async function deriveHs256(keyRing: KeyRing, kid: string): Promise<Keys> {
  const key = await webcrypto.subtle.importKey('raw', keyRing.derive(kid, 'session-hs256'), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
    'verify',
  ]);
  return { sign: key, verify: key };
}

/** Session keys by key id, derived from the ring once (PS256: the caller's key pairs). */
export interface SessionKeys {
  /** The keys of `kid`; rejects with ERR_KEY_DESTROYED / ERR_KEY_NOT_FOUND when the ring no longer holds it. */
  readonly keysFor: (kid: string) => Promise<Keys>;
  /** A key the ring no longer holds (destroyed: crypto-shredding) loses its derived keys here too. */
  readonly forgetDestroyed: () => void;
  /** The public verification keys of the keys the ring still holds (none for HS256): see `SessionManager.publicJwks`. */
  readonly publicJwks: () => Promise<{ readonly keys: readonly JWK[] }>;
}

export function createSessionKeys(keyRing: KeyRing, algorithm: SessionAlgorithm, keyPairs: Readonly<Record<string, SessionKeyPair>>): SessionKeys {
  const keyCache = new Map<string, Promise<Keys>>();
  const forgetDestroyed = () => {
    for (const kid of keyCache.keys()) if (!keyRing.has(kid)) keyCache.delete(kid);
  };
  const keysFor = (kid: string): Promise<Keys> => {
    if (!keyRing.has(kid)) {
      forgetDestroyed();
      return Promise.reject(new KanmonError(keyRing.isDestroyed(kid) ? 'ERR_KEY_DESTROYED' : 'ERR_KEY_NOT_FOUND', `session key '${kid}' is not usable`));
    }
    let keys = keyCache.get(kid);
    if (!keys) {
      if (algorithm === 'PS256') {
        const pair = keyPairs[kid];
        if (!pair) return Promise.reject(new KanmonError('ERR_KEY_NOT_FOUND', `no PS256 key pair for key id '${kid}'`));
        keys = Promise.resolve({ sign: pair.privateKey, verify: pair.publicKey });
      } else {
        keyRing.derive(kid, 'session'); // throws ERR_KEY_NOT_FOUND / ERR_KEY_DESTROYED synchronously
        keys = algorithm === 'ES256' ? deriveEs256(keyRing, kid) : algorithm === 'EdDSA' ? deriveEd25519(keyRing, kid) : deriveHs256(keyRing, kid);
      }
      keyCache.set(kid, keys);
    }
    return keys;
  };
  const publicJwks = async () => {
    if (algorithm === 'HS256') return { keys: [] };
    // Only keys the ring still holds: a destroyed key's tokens verify nowhere, so its public key is not published.
    const ids = (algorithm === 'PS256' ? Object.keys(keyPairs) : keyRing.ids()).filter((id) => keyRing.has(id));
    const keys: JWK[] = [];
    for (const kid of ids) {
      const { verify } = await keysFor(kid);
      keys.push({ ...(await exportJWK(verify)), kid, alg: algorithm, use: 'sig' });
    }
    return { keys };
  };
  return { keysFor, forgetDestroyed, publicJwks };
}
