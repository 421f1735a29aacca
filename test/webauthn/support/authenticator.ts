/**
 * A software WebAuthn authenticator for the tests (W3C WebAuthn Level 3 §6.1 authenticator data, §6.5 attestation
 * object with the `none` format, §5.8.1 client data; RFC 9052/9053 COSE EC2 key; ES256 over node:crypto P-256).
 * Everything it sends is built here byte by byte, independently of `@simplewebauthn/server`, which the code under
 * test uses to check it: a test of the library against its own encoder would prove nothing.
 */
import { type KeyObject, X509Certificate, createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';

// ─── A minimal CBOR encoder (RFC 8949): unsigned/negative ints, byte and text strings, maps ───────────────────

type Cbor = number | string | Uint8Array | Cbor[] | Map<Cbor, Cbor>;

function head(major: number, value: number): Buffer {
  if (value < 24) return Buffer.from([(major << 5) | value]);
  if (value < 0x100) return Buffer.from([(major << 5) | 24, value]);
  if (value < 0x10000) return Buffer.from([(major << 5) | 25, value >> 8, value & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(value, 1);
  return b;
}

export function cbor(value: Cbor): Buffer {
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), value]);
  if (Array.isArray(value)) return Buffer.concat([head(4, value.length), ...value.map(cbor)]);
  const parts: Buffer[] = [head(5, value.size)];
  for (const [k, v] of value) parts.push(cbor(k), cbor(v));
  return Buffer.concat(parts);
}

// ─── The authenticator ─────────────────────────────────────────────────────────────────────────────────────────

const b64u = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString('base64url');
const sha256 = (bytes: Uint8Array | string): Buffer => createHash('sha256').update(bytes).digest();

/** What a test may bend, per call: what a phishing page, a clone or a broken authenticator would send. */
export interface Bend {
  readonly origin?: string;
  readonly rpId?: string;
  /** The user-verified flag (UV). @default the authenticator's `userVerification` */
  readonly uv?: boolean;
  /** The sign counter to report (an assertion). @default the next one */
  readonly counter?: number;
  /** Another challenge than the options' (base64url). */
  readonly challenge?: string;
  /** `clientDataJSON.type`. */
  readonly type?: string;
  /**
   * The attestation statement of a registration: `none`, or `self` (W3C WebAuthn §8.2 `packed` self attestation:
   * signed by the credential's own key, no certificate: the model it names is the authenticator's word), or a `packed`
   * full attestation signed by a batch key (`key`, PEM) with its certificate chain (`chain`, PEM, batch certificate
   * first). @default 'none'
   */
  readonly attestation?: 'none' | 'self' | { readonly chain: readonly string[]; readonly key: string };
  /** Sign with another key than the credential's. */
  readonly wrongKey?: boolean;
}

export interface SoftAuthenticatorOptions {
  readonly origin: string;
  readonly rpId: string;
  /** @default 16 zero bytes ('none' attestation may give none) */
  readonly aaguid?: string;
  /** @default true */
  readonly userVerification?: boolean;
  /** Backup eligible and backed up (a synced passkey). @default false */
  readonly backedUp?: boolean;
  /** Counter reported by the first assertion minus 1 (0 = the authenticator keeps no counter). @default 0 */
  readonly counterStart?: number;
  /** Add this to the counter on each assertion (0: no counter, like most passkeys). @default 1 */
  readonly counterStep?: number;
}

type Json = Record<string, unknown>;

/** One credential on a software authenticator (P-256, ES256). */
export class SoftAuthenticator {
  readonly credentialId = randomBytes(32);
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  counter: number;
  userHandle: string | null = null;
  constructor(readonly options: SoftAuthenticatorOptions) {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
    this.counter = options.counterStart ?? 0;
  }

  get id(): string {
    return b64u(this.credentialId);
  }

  private coseKey(): Buffer {
    const jwk = this.publicKey.export({ format: 'jwk' });
    return cbor(
      new Map<Cbor, Cbor>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, Buffer.from(jwk.x ?? '', 'base64url')],
        [-3, Buffer.from(jwk.y ?? '', 'base64url')],
      ]),
    );
  }

  private authData(bend: Bend, counter: number, attested: boolean): Buffer {
    const uv = bend.uv ?? this.options.userVerification ?? true;
    const backed = this.options.backedUp ?? false;
    const flags = 0x01 | (uv ? 0x04 : 0) | (backed ? 0x08 | 0x10 : 0) | (attested ? 0x40 : 0);
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter >>> 0);
    const parts = [sha256(bend.rpId ?? this.options.rpId), Buffer.from([flags]), count];
    if (attested) {
      const aaguid = Buffer.from((this.options.aaguid ?? '00000000-0000-0000-0000-000000000000').replace(/-/g, ''), 'hex');
      const len = Buffer.alloc(2);
      len.writeUInt16BE(this.credentialId.length);
      parts.push(aaguid, len, this.credentialId, this.coseKey());
    }
    return Buffer.concat(parts);
  }

  private clientData(type: string, challenge: string, bend: Bend): Buffer {
    return Buffer.from(JSON.stringify({ type: bend.type ?? type, challenge: bend.challenge ?? challenge, origin: bend.origin ?? this.options.origin, crossOrigin: false }));
  }

  /** `navigator.credentials.create` with `options` (PublicKeyCredentialCreationOptionsJSON): a RegistrationResponseJSON ('none' attestation unless bent). */
  create(options: { challenge: string; user: { id: string } }, bend: Bend = {}): Json {
    this.userHandle = options.user.id;
    const clientDataJSON = this.clientData('webauthn.create', options.challenge, bend);
    const authData = this.authData(bend, this.counter, true);
    const how = bend.attestation ?? 'none';
    const signed = Buffer.concat([authData, sha256(clientDataJSON)]);
    const attStmt =
      how === 'none'
        ? new Map<Cbor, Cbor>()
        : how === 'self'
          ? new Map<Cbor, Cbor>([
              ['alg', -7],
              ['sig', sign('sha256', signed, this.privateKey)],
            ])
          : new Map<Cbor, Cbor>([
              ['alg', -7],
              ['sig', sign('sha256', signed, createPrivateKey(how.key))],
              ['x5c', how.chain.map((pem) => Buffer.from(new X509Certificate(pem).raw))],
            ]);
    const attestationObject = cbor(
      new Map<Cbor, Cbor>([
        ['fmt', how === 'none' ? 'none' : 'packed'],
        ['attStmt', attStmt],
        ['authData', authData],
      ]),
    );
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: { clientDataJSON: b64u(clientDataJSON), attestationObject: b64u(attestationObject), transports: ['internal'] },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** `navigator.credentials.get` with `options` (PublicKeyCredentialRequestOptionsJSON): an AuthenticationResponseJSON. */
  get(options: { challenge: string }, bend: Bend = {}): Json {
    const counter = bend.counter ?? (this.counter += this.options.counterStep ?? 1);
    const authenticatorData = this.authData(bend, counter, false);
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, bend);
    const signed = Buffer.concat([authenticatorData, sha256(clientDataJSON)]);
    const key = bend.wrongKey ? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey : this.privateKey;
    const signature = sign('sha256', signed, key); // DER, as WebAuthn ES256 signatures are
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: {
        clientDataJSON: b64u(clientDataJSON),
        authenticatorData: b64u(authenticatorData),
        signature: b64u(signature),
        ...(this.userHandle === null ? {} : { userHandle: this.userHandle }),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }
}
