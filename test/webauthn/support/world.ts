// A kanmon with passkeys on, over a given store, and the steps the passkey suites share.
import type { PolicyOverrides, Session } from '../../../src/index.js';
import { newAccount } from '../../../src/index.js';
import type { MakeStore } from '../../support/stores.js';
import { okOf } from '../../support/results.js';
import { GOOD_PASSWORD, INTERNAL_IP, OUTSIDE_IP, type World, makeWorld } from '../../login/support.js';
import { SoftAuthenticator, type SoftAuthenticatorOptions } from './authenticator.js';

export const RP_ID = 'kanmon.example';
export const ORIGIN = 'https://kanmon.example';
export const inside = { clientIp: INTERNAL_IP, tls: true } as const;
export const outside = { clientIp: OUTSIDE_IP, tls: true } as const;

export const passkeyPolicy = (webauthn: NonNullable<PolicyOverrides['webauthn']> = {}): PolicyOverrides => ({
  webauthn: { enabled: true, rpId: RP_ID, origins: [ORIGIN], passwordless: true, ...webauthn },
});

export function passkeyWorld(makeStore: MakeStore, webauthn: NonNullable<PolicyOverrides['webauthn']> = {}): World {
  return makeWorld(makeStore, passkeyPolicy(webauthn));
}

export const authenticator = (options: Partial<SoftAuthenticatorOptions> = {}): SoftAuthenticator => new SoftAuthenticator({ origin: ORIGIN, rpId: RP_ID, ...options });

/** `username` signed in from inside with the password: a fresh session. */
export async function signedIn(w: World, username = 'sato', tenant = w.tenant): Promise<{ session: Session; token: string; accountId: string }> {
  const account = tenant === w.tenant ? await w.addUser(username, GOOD_PASSWORD, { roles: ['staff'] }) : null;
  const login = await w.kanmon.login({ tenant, username, password: GOOD_PASSWORD, ...inside });
  if (login.status !== 'authenticated') throw new Error(JSON.stringify(login));
  return { session: login.session, token: login.token, accountId: account?.id ?? login.session.subject };
}

/** The same account (id, name, hash) in another tenant: a copy that differs only by tenant. */
export async function twinInOtherTenant(w: World, accountId: string): Promise<string> {
  const account = await w.accounts.findById(w.tenant, accountId);
  if (account === null) throw new Error('no account');
  const other = `${w.tenant}-b`;
  await w.accounts.create(newAccount({ ...account, tenant: other }));
  return other;
}

/** Register `auth` for the session's account (start, create, finish). */
export async function register(w: World, session: Session, auth: SoftAuthenticator, label?: string) {
  const start = okOf(await w.kanmon.startPasskeyRegistration({ session }));
  return okOf(await w.kanmon.finishPasskeyRegistration({ session, response: auth.create(start.options), ...(label === undefined ? {} : { label }) }));
}

/** sato with a registered passkey, then logged in from outside (password right, second factor asked): the login challenge. */
export async function atSecondFactor(w: World, auth = authenticator()) {
  const { session, accountId } = await signedIn(w);
  await register(w, session, auth);
  const login = await w.kanmon.login({ tenant: w.tenant, username: 'sato', password: GOOD_PASSWORD, ...outside });
  if (login.status !== 'mfa_required') throw new Error(JSON.stringify(login));
  return { auth, accountId, login };
}
