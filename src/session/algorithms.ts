/** JWS algorithms a session may be signed with. `none` is never one of them. */
export type SessionAlgorithm = 'ES256' | 'EdDSA' | 'PS256' | 'HS256';

/**
 * Algorithms on the CRYPTREC list (LS-0001-2022): ECDSA P-256, RSA-PSS and
 * HMAC-SHA-256. EdDSA is left out of the strict profile. One list, read by
 * the session manager, the policy schema and the compliance report.
 */
export const cryptrecSessionAlgorithms: readonly SessionAlgorithm[] = ['ES256', 'PS256', 'HS256'];
