import { type Check, item, weak } from './evidence.js';

/** Session checks: a session left idle ends (IPC-11, IPC-12, RM-38). */

/** kanmon's reading of "a set time without operation" (IPC-12, RM-38): at most 30 minutes. */
const MAX_IDLE_MS = 30 * 60_000;

export const idleTimeout: Check = (s) => [
  item('session.idleTimeoutMs', s.session.idleTimeoutMs, `<= ${MAX_IDLE_MS}`, s.session.idleTimeoutMs > MAX_IDLE_MS ? weak('above_maximum', { path: 'session.idleTimeoutMs', value: s.session.idleTimeoutMs, max: MAX_IDLE_MS }) : undefined),
];
