// Per-browser state of the demo between requests that have no kanmon session yet
// (the login → change password → TOTP → MFA steps) and the CSRF token of every
// form. Kept on the server under a random id in an HttpOnly, SameSite=Strict
// cookie; the id is replaced whenever the user signs in or out (no fixation).
import { randomBytes, timingSafeEqual } from 'node:crypto';

const idleMs = 60 * 60_000;
const maxEntries = 10_000;

/**
 * @param {{ now: () => number, cookieName: string, secure: boolean }} options
 */
export function createFlowStates({ now, cookieName, secure }) {
  /** @type {Map<string, { csrf: string, seenAt: number, data: Record<string, unknown> }>} */
  const states = new Map();

  const cookie = (id) =>
    `${cookieName}=${id}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;

  const fresh = (res) => {
    const id = randomBytes(32).toString('base64url');
    const state = { csrf: randomBytes(32).toString('base64url'), seenAt: now(), data: {} };
    if (states.size >= maxEntries) {
      // Oldest first (Map keeps insertion order; entries are re-inserted when seen).
      const oldest = states.keys().next().value;
      if (oldest !== undefined) states.delete(oldest);
    }
    states.set(id, state);
    res.append('Set-Cookie', cookie(id));
    return { id, state };
  };

  return {
    /** The browser's state, created (with a new cookie) when missing or idle too long. */
    of(req, res) {
      const id = readCookie(req, cookieName);
      const state = id ? states.get(id) : undefined;
      if (id && state && now() - state.seenAt < idleMs) {
        state.seenAt = now();
        states.delete(id);
        states.set(id, state);
        return state;
      }
      if (id) states.delete(id);
      return fresh(res).state;
    },
    /** Drop the old state and start a new one under a new id (sign-in, sign-out). */
    renew(req, res) {
      const id = readCookie(req, cookieName);
      if (id) states.delete(id);
      return fresh(res).state;
    },
    /** Constant-time check of the form's token against the browser's. */
    csrfValid(state, token) {
      if (typeof token !== 'string') return false;
      const a = Buffer.from(state.csrf);
      const b = Buffer.from(token);
      return a.length === b.length && timingSafeEqual(a, b);
    },
  };
}

/** One cookie's value from the Cookie header, or null. */
export function readCookie(req, name) {
  const header = req.headers.cookie;
  if (typeof header !== 'string') return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}
