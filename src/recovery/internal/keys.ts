import { trustedKey } from '../../store/key.js';

/**
 * The store keys of self-service password reset, all under `{tenant}:pwreset:` (the tenant validated by the
 * caller; every part escaped by `trustedKey`, so no account id or name reaches into another key):
 *
 * - `gen:<accountId>`: the account's token generation (a counter); a token of an older generation is dead.
 * - `gen-standin`: the one counter an unknown or disabled account's request bumps instead (same work, no key per name).
 * - `token:<ref>`: a token issued, by its keyed hash `ref` (never the token): its expiry (epoch ms).
 * - `used:<ref>`: the token was spent (`consumeOnce`).
 * - `tries:<ref>`: completion attempts made with the token.
 * - `req-account:<accountId>`, `req-name:<name>`, `req-ip:<bucket>`: the request throttles.
 */
export const resetKeys = {
  generation: (tenant: string, accountId: string) => trustedKey(tenant, 'pwreset', 'gen', accountId),
  standInGeneration: (tenant: string) => trustedKey(tenant, 'pwreset', 'gen-standin'),
  token: (tenant: string, ref: string) => trustedKey(tenant, 'pwreset', 'token', ref),
  used: (tenant: string, ref: string) => trustedKey(tenant, 'pwreset', 'used', ref),
  tries: (tenant: string, ref: string) => trustedKey(tenant, 'pwreset', 'tries', ref),
  requestsOfAccount: (tenant: string, accountId: string) => trustedKey(tenant, 'pwreset', 'req-account', accountId),
  requestsOfName: (tenant: string, name: string) => trustedKey(tenant, 'pwreset', 'req-name', name),
  requestsOfIp: (tenant: string, bucket: string) => trustedKey(tenant, 'pwreset', 'req-ip', bucket),
} as const;
