import type { HttpContext } from './context.js';
import { type HttpReply, errorReply } from './error-body.js';
import type { ReadBodyResult } from './read-body.js';
import type { HttpRequest, KanmonRequestState } from './types.js';

/** One string field of a JSON body. */
export interface FieldRule {
  /** Longest value, in UTF-16 code units. */
  readonly max: number;
  /** The field may be left out (`null` then); when present it must still fit. @default false */
  readonly optional?: boolean;
  /** The empty string is a value. @default false */
  readonly allowEmpty?: boolean;
}

/** The fields read: a string each, `null` for an optional one left out. */
export type Fields<S extends Readonly<Record<string, FieldRule>>> = {
  readonly [K in keyof S]: S[K] extends { readonly optional: true } ? string | null : string;
};

export type FieldsResult<S extends Readonly<Record<string, FieldRule>>> =
  | { readonly ok: true; readonly fields: Fields<S> }
  | { readonly ok: false; readonly reply: HttpReply };

/**
 * The preamble of every body route: the transport (IPC-16), then the body (a JSON object, else its coded
 * refusal), then each field of `rules` (a string of the right length, else `invalid_request`). Nothing
 * else of the body is read: whatever else it holds is ignored.
 */
export function readFields<const S extends Readonly<Record<string, FieldRule>>>(
  ctx: HttpContext,
  request: HttpRequest,
  current: KanmonRequestState,
  body: ReadBodyResult,
  rules: S,
): FieldsResult<S> {
  const refused = ctx.transport(request, current);
  if (refused) return { ok: false, reply: refused };
  if (!body.ok) return { ok: false, reply: errorReply(body.reason, current.lang) };
  const value = body.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reply: errorReply('invalid_request', current.lang) };
  const fields: Record<string, string | null> = {};
  for (const [name, rule] of Object.entries(rules)) {
    const field = (value as Record<string, unknown>)[name];
    if (field === undefined && rule.optional === true) {
      fields[name] = null;
      continue;
    }
    if (typeof field !== 'string' || field.length > rule.max || (field.length === 0 && rule.allowEmpty !== true)) {
      return { ok: false, reply: errorReply('invalid_request', current.lang) };
    }
    fields[name] = field;
  }
  return { ok: true, fields: fields as Fields<S> };
}
