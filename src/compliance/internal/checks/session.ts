import { type Check, item, weak } from './evidence.js';

/** Session checks: a session left idle ends (IPC-11, IPC-12, RM-38). */

/** kanmon's reading of "a set time without operation" (IPC-12, RM-38): at most 30 minutes. */
const MAX_IDLE_MS = 30 * 60_000;

export const idleTimeout: Check = (s) => [
  item('session.idleTimeoutMs', s.session.idleTimeoutMs, `<= ${MAX_IDLE_MS}`, s.session.idleTimeoutMs > MAX_IDLE_MS ? weak('above_maximum', { path: 'session.idleTimeoutMs', value: s.session.idleTimeoutMs, max: MAX_IDLE_MS }) : undefined),
];

/**
 * kanmon's reading of a "recent" authentication for privileged work (SEC-13 強化された認証技術): at most an hour.
 * Every administrative operation of createKanmon, `requireRecentAuth` and a factor change ask for one; a longer
 * window makes the step-up a formality.
 */
const MAX_REAUTH_SECONDS = 60 * 60;

/** SEC-13 step-up: shown with its ceiling, weakened above it. */
export const stepUp: Check = (s) => [
  item(
    'session.reauthMaxAgeSeconds',
    s.session.reauthMaxAgeSeconds,
    `<= ${MAX_REAUTH_SECONDS}`,
    s.session.reauthMaxAgeSeconds > MAX_REAUTH_SECONDS ? weak('above_maximum', { path: 'session.reauthMaxAgeSeconds', value: s.session.reauthMaxAgeSeconds, max: MAX_REAUTH_SECONDS }) : undefined,
  ),
];
