import type { Session } from '../types.js';

/**
 * A session manager's synchronous answer for the hot path of the HTTP guards: the session of `token` when it can be
 * granted without waiting (its signature already checked and cached, the key still held, within both deadlines, of
 * `tenant`, no refresh due, and the revocation marks read from an in-process store showing it live), else `null`:
 * then `verify()` decides, refusals included. Revocation is read on every call, never cached.
 */
export type VerifyNow = (token: string, tenant: string) => Session | null;

const byManager = new WeakMap<object, VerifyNow>();

/** Offer `verifyNow` for `manager` (only a manager over an in-process store has one). */
export function offerVerifyNow(manager: object, verifyNow: VerifyNow): void {
  byManager.set(manager, verifyNow);
}

/** The synchronous path of `manager`, or `null` (a store over the network, a wrapped or foreign manager). */
export function verifyNowOf(manager: unknown): VerifyNow | null {
  return typeof manager === 'object' && manager !== null ? (byManager.get(manager) ?? null) : null;
}
