/**
 * The default clock: the one place kanmon reads the system time, used only
 * when the caller injects no `now`. Everything else takes `now: () => number`.
 */
// eslint-disable-next-line no-restricted-properties -- the injected default itself
export const systemClock: () => number = () => Date.now();
