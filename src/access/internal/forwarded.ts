/**
 * Parsers for the proxy headers. They never throw. The headers are read from
 * the right, where the trusted proxies wrote them: what a client prepended can
 * neither hide the hop a proxy appended nor make the header "unreadable".
 */

import { type ParsedIp, formatIp, parseClientIp } from './ip.js';

/** Headers as Node gives them: lower-case names, a string or a list of strings. */
export type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Longest `Forwarded` element parsed; anything longer is malformed. */
export const MAX_HEADER_LENGTH = 8192;

/** The value of a header, several lines joined by `, `; `undefined` when absent. */
export function headerValue(headers: HeaderBag | null | undefined, name: string): string | undefined {
  if (headers === null || typeof headers !== 'object') return undefined;
  const value: unknown = headers[name];
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(', ');
  return undefined;
}

const PORT = /^(?:\d{1,5}|_[A-Za-z0-9._-]+)$/;

function portOk(port: string): boolean {
  return PORT.test(port) && (port.startsWith('_') || Number(port) <= 65535);
}

/**
 * One hop as a proxy writes it: `192.0.2.1`, `192.0.2.1:443`, `2001:db8::1`,
 * `[2001:db8::1]`, `[2001:db8::1]:443`. Returns the parsed address or `null`.
 */
export function parseHop(text: string): ParsedIp | null {
  if (text.length === 0 || text.length > 128) return null;
  if (text.charCodeAt(0) === 91) {
    const close = text.indexOf(']');
    if (close < 0) return null;
    const rest = text.slice(close + 1);
    if (rest.length > 0 && !(rest.charCodeAt(0) === 58 && portOk(rest.slice(1)))) return null;
    const inner = text.slice(1, close);
    const parsed = parseClientIp(inner);
    return parsed !== null && inner.includes(':') ? parsed : null;
  }
  const firstColon = text.indexOf(':');
  if (firstColon >= 0 && firstColon === text.lastIndexOf(':') && text.includes('.')) {
    // IPv4 with a port
    if (!portOk(text.slice(firstColon + 1))) return null;
    const parsed = parseClientIp(text.slice(0, firstColon));
    return parsed !== null && parsed.family === 4 ? parsed : null;
  }
  return parseClientIp(text);
}

/**
 * Most hops walked through one header. A chain of more trusted proxies than
 * this is not believed (the walk stops with the last hop it read).
 */
export const MAX_HOPS = 32;

/**
 * The `X-Forwarded-For` entries from the RIGHT (the one the nearest proxy
 * appended) to the left, trimmed; an empty entry is yielded as `''`.
 *
 * Only the right end of the header is reliable: a trusted proxy appends to
 * whatever the client sent, so the entries are read where the proxy wrote
 * them and the client's own (empty, garbage, 8 KiB) prefix is reached, if at
 * all, only after every hop to its right was a trusted proxy.
 */
export function* forwardedForFromRight(value: string): Generator<string, void, undefined> {
  let end = value.length;
  for (;;) {
    const comma = end === 0 ? -1 : value.lastIndexOf(',', end - 1);
    yield value.slice(comma + 1, end).trim();
    if (comma < 0) return;
    end = comma;
  }
}

/**
 * The elements of an RFC 7239 `Forwarded` header from the RIGHT, as raw text
 * (split at commas outside quoted strings, `\` escapes honoured), for
 * {@link parseForwardedElement}. An unterminated quoted string yields `null`
 * and ends the walk: nothing left of it can be delimited.
 */
export function* forwardedElementsFromRight(value: string): Generator<string | null, void, undefined> {
  let end = value.length;
  for (;;) {
    let i = end - 1;
    let quoted = false;
    for (; i >= 0; i--) {
      const c = value.charCodeAt(i);
      if (c === 34) {
        // Reading backwards, a quote preceded by an odd run of backslashes is escaped.
        let run = 0;
        while (i - 1 - run >= 0 && value.charCodeAt(i - 1 - run) === 92) run++;
        if (!quoted) quoted = true;
        else if (run % 2 === 0) quoted = false;
      } else if (c === 44 && !quoted) {
        break;
      }
    }
    if (quoted) {
      yield null;
      return;
    }
    yield value.slice(i + 1, end);
    if (i < 0) return;
    end = i;
  }
}

/** One element of an RFC 7239 `Forwarded` header: its parameters, names lower-cased. */
export type ForwardedElement = ReadonlyMap<string, string>;

function isTchar(c: number): boolean {
  // RFC 7230 tchar: ALPHA / DIGIT / "!#$%&'*+-.^_`|~"
  return (
    (c >= 48 && c <= 57) ||
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    c === 33 ||
    (c >= 35 && c <= 39) ||
    c === 42 ||
    c === 43 ||
    c === 45 ||
    c === 46 ||
    c === 94 ||
    c === 95 ||
    c === 96 ||
    c === 124 ||
    c === 126
  );
}

/**
 * Parse an RFC 7239 `Forwarded` header (§4): elements separated by commas,
 * `name=value` pairs separated by semicolons, values tokens or quoted strings
 * (with `\` escapes). Returns `null` on any syntax error or repeated parameter.
 */
export function parseForwarded(value: string): ForwardedElement[] | null {
  if (value.length > MAX_HEADER_LENGTH) return null;
  const elements: Map<string, string>[] = [];
  let current = new Map<string, string>();
  let i = 0;
  const n = value.length;
  const skipSpace = () => {
    while (i < n && (value.charCodeAt(i) === 32 || value.charCodeAt(i) === 9)) i++;
  };
  for (;;) {
    skipSpace();
    const nameStart = i;
    while (i < n && isTchar(value.charCodeAt(i))) i++;
    if (i === nameStart || value.charCodeAt(i) !== 61) return null;
    const name = value.slice(nameStart, i).toLowerCase();
    i++; // '='
    let paramValue: string;
    if (value.charCodeAt(i) === 34) {
      i++;
      let text = '';
      for (;;) {
        if (i >= n) return null;
        const c = value.charCodeAt(i);
        if (c === 34) break;
        if (c === 92) {
          i++;
          if (i >= n) return null;
        } else if (c < 32 && c !== 9) {
          return null;
        }
        text += value[i];
        i++;
      }
      i++; // closing quote
      paramValue = text;
    } else {
      const start = i;
      while (i < n && isTchar(value.charCodeAt(i))) i++;
      if (i === start) return null;
      paramValue = value.slice(start, i);
    }
    if (current.has(name)) return null;
    current.set(name, paramValue);
    skipSpace();
    if (i === n) {
      elements.push(current);
      return elements;
    }
    const sep = value.charCodeAt(i);
    i++;
    if (sep === 44) {
      elements.push(current);
      current = new Map();
    } else if (sep !== 59) {
      return null;
    }
  }
}

/** One `Forwarded` element (no top-level comma): its parameters, or `null` when it is not exactly one well-formed element. */
export function parseForwardedElement(text: string): ForwardedElement | null {
  const elements = parseForwarded(text);
  return elements !== null && elements.length === 1 ? (elements[0] ?? null) : null;
}

/** Canonical text of a parsed hop. */
export function hopText(parsed: ParsedIp): string {
  return formatIp(parsed);
}
