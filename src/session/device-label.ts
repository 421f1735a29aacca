/**
 * A short, human label for a session's device ("Chrome on Windows") from its User-Agent, parsed by hand.
 *
 * Why by hand and not a parser package: the label is only a hint for the user's session list (never a
 * security decision: a User-Agent is whatever the client sends), kanmon keeps its dependencies few, and the
 * UA parsers weighed (ua-parser-js: AGPL from v2; bowser, detect-browser) carry large regex tables for
 * detail the list does not show. Here: only the first `MAX_UA_SCANNED` (512) characters are read, only with
 * `indexOf` (no regular expression, so no backtracking on hostile input), and the label is one of a fixed
 * set of words, at most {@link MAX_DEVICE_LABEL} characters.
 */

/** Characters of a User-Agent read; the rest is ignored (real ones are under 300). */
export const MAX_UA_SCANNED = 512;
/** Longest label. */
export const MAX_DEVICE_LABEL = 64;
/** The label when nothing is recognised (or there is no User-Agent). */
export const UNKNOWN_DEVICE = 'Unknown device';

/** Browser tokens, most specific first (Edge and Opera also say Chrome; Chrome also says Safari). */
const browsers: readonly (readonly [token: string, name: string])[] = [
  ['edg/', 'Edge'],
  ['edga/', 'Edge'],
  ['edgios/', 'Edge'],
  ['opr/', 'Opera'],
  ['samsungbrowser/', 'Samsung Internet'],
  ['firefox/', 'Firefox'],
  ['fxios/', 'Firefox'],
  ['crios/', 'Chrome'],
  ['chrome/', 'Chrome'],
  ['chromium/', 'Chromium'],
  ['safari/', 'Safari'],
];

/** Systems, most specific first (Android says Linux; iOS says Mac OS X; ChromeOS says X11). */
const systems: readonly (readonly [token: string, name: string])[] = [
  ['iphone', 'iOS'],
  ['ipad', 'iPadOS'],
  ['ipod', 'iOS'],
  ['android', 'Android'],
  ['cros ', 'ChromeOS'],
  ['windows', 'Windows'],
  ['macintosh', 'macOS'],
  ['mac os x', 'macOS'],
  ['linux', 'Linux'],
];

const first = (ua: string, table: readonly (readonly [string, string])[]): string | null => {
  for (const [token, name] of table) if (ua.includes(token)) return name;
  return null;
};

/**
 * The device label of a User-Agent: `'<browser> on <system>'`, `'<browser>'`, `'<system>'`, or
 * `UNKNOWN_DEVICE`. Never throws; reads at most `MAX_UA_SCANNED` (512) characters.
 *
 * @example
 * ```ts
 * import { deviceLabel } from 'kanmon';
 * deviceLabel('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36');
 * // 'Chrome on Windows'
 * ```
 */
export function deviceLabel(userAgent: unknown): string {
  if (typeof userAgent !== 'string' || userAgent.length === 0) return UNKNOWN_DEVICE;
  const ua = userAgent.slice(0, MAX_UA_SCANNED).toLowerCase();
  const system = first(ua, systems);
  let browser = first(ua, browsers);
  // Safari's token is in every WebKit UA: it names Safari only with Version/ (Apple's own) or on iOS.
  if (browser === 'Safari' && !ua.includes('version/') && system !== 'iOS' && system !== 'iPadOS') browser = null;
  const label = browser && system ? `${browser} on ${system}` : (browser ?? system ?? UNKNOWN_DEVICE);
  return label.slice(0, MAX_DEVICE_LABEL);
}
