/**
 * A passkey as it lives on the account (`AccountRecord.passkeys`, written through `AccountRepository.update`).
 * No secret: the public key only (COSE, base64url), never a private key.
 */
export interface PasskeyCredential {
  /** The credential id (base64url), unique per authenticator. */
  readonly id: string;
  /** The COSE public key (base64url) as `@simplewebauthn/server` returned it at registration. */
  readonly publicKey: string;
  /** The last sign counter seen (0 for authenticators that keep none). A lower one is refused (clone warning). */
  readonly counter: number;
  /** Transports the browser reported (`internal`, `usb`, `hybrid`, …): hints for the next sign-in. */
  readonly transports: readonly string[];
  /** The authenticator model (`00000000-0000-0000-0000-000000000000` when the authenticator gave none). */
  readonly aaguid: string;
  /** Synced to other devices (backed up) at registration or at the last use. */
  readonly backedUp: boolean;
  /** The user's name for it (`Office PC`), 1–64 characters. */
  readonly label: string;
  /** When it was registered (epoch ms). */
  readonly createdAt: number;
  /** When it last signed in (epoch ms); `null` = never. */
  readonly lastUsedAt: number | null;
}

/** One sign-in by a passkey, to write back to the account's list: its counter, backup state and time of use. */
export interface PasskeyUse {
  /** The credential id. */
  readonly id: string;
  /** The counter the assertion carried (the stored one only ever moves up). */
  readonly counter: number;
  readonly backedUp: boolean;
  /** When it signed in (epoch ms). */
  readonly at: number;
}

/** `passkeys` with `use` written into its credential (a list without it is returned unchanged, as a copy). */
export const passkeysAfterUse = (passkeys: readonly PasskeyCredential[], use: PasskeyUse): PasskeyCredential[] =>
  passkeys.map((c) => (c.id === use.id ? { ...c, counter: Math.max(c.counter, use.counter), backedUp: use.backedUp, lastUsedAt: use.at } : c));
