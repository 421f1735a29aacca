import { type AuditValue, secretKeyPattern, valueKeyPattern } from '../event.js';
import { valueText } from './record-text.js';

/**
 * The data of an audit event, checked without zod on the append path: the
 * checker answers the object zod would (same fields, in the schema's order) or
 * `null`, and `null` sends the value to the zod schema itself, which then
 * accepts it or names the issues. So a checker may only ever be stricter than
 * the schema, never looser: it is built only for schemas made of what it
 * understands exactly (a strict object of strings, numbers, booleans, null,
 * enums, literals and string arrays, with length, regex and bound checks,
 * optional and nullable), and returns undefined for any other schema.
 *
 * Why: `safeParse` was the one cost an application event paid that a built-in
 * event did not (issue 19's bench: 0.77× and 0.90× of a built-in append).
 */
export type DataCheck = (data: unknown) => Readonly<Record<string, AuditValue>> | null;

type Def = { readonly type: string; readonly checks?: readonly { readonly _zod: { readonly def: CheckDef } }[] } & Record<string, unknown>;
type CheckDef = { readonly check: string } & Record<string, unknown>;
type ValueCheck = (value: unknown) => boolean;

const defOf = (schema: unknown): Def | undefined => (schema as { _zod?: { def?: Def } } | null)?._zod?.def;

const highSurrogate = /[\ud800-\udbff]/;

/** Code points in `text` (a surrogate pair is one; never more than `text.length`). */
function codePoints(text: string): number {
  if (!highSurrogate.test(text)) return text.length;
  let count = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    if ((text.charCodeAt(i) & 0xfc00) === 0xd800 && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      count--;
      i++;
    }
  }
  return count;
}

/** A check of one zod check on a value already of the right type; undefined when not understood. */
function checkOf(def: CheckDef, kind: 'string' | 'number' | 'array'): ValueCheck | undefined {
  const n = (key: string) => def[key] as number;
  switch (def.check) {
    // zod measures strings in UTF-16 units up to 4.5 and in code points from 4.6: the check holds in both measures
    case 'min_length': {
      const min = n('minimum');
      if (kind === 'number') return undefined;
      // a code point is one or two units: twice the floor in units always clears it
      return kind === 'string'
        ? (v) => (v as string).length >= min && ((v as string).length >= 2 * min || codePoints(v as string) >= min)
        : (v) => (v as unknown[]).length >= min;
    }
    case 'max_length': {
      const max = n('maximum');
      return kind === 'number' ? undefined : (v) => (v as string | unknown[]).length <= max;
    }
    case 'length_equals': {
      const length = n('length');
      if (kind === 'number') return undefined;
      return kind === 'string' ? (v) => (v as string).length === length && codePoints(v as string) === length : (v) => (v as unknown[]).length === length;
    }
    case 'string_format': {
      const pattern = def['pattern'];
      if (kind !== 'string' || def['format'] !== 'regex' || !(pattern instanceof RegExp) || pattern.global || pattern.sticky) return undefined;
      return (v) => pattern.test(v as string);
    }
    case 'number_format':
      return kind === 'number' && def['format'] === 'safeint' ? (v) => Number.isSafeInteger(v) : undefined;
    case 'greater_than':
      if (kind !== 'number' || typeof def['value'] !== 'number') return undefined;
      return def['inclusive'] === true ? (v) => (v as number) >= n('value') : (v) => (v as number) > n('value');
    case 'less_than':
      if (kind !== 'number' || typeof def['value'] !== 'number') return undefined;
      return def['inclusive'] === true ? (v) => (v as number) <= n('value') : (v) => (v as number) < n('value');
    default:
      return undefined;
  }
}

/** Every check of `def`, or undefined when one is not understood. */
function checksOf(def: Def, kind: 'string' | 'number' | 'array'): ValueCheck[] | undefined {
  const out: ValueCheck[] = [];
  for (const check of def.checks ?? []) {
    const one = checkOf(check._zod.def, kind);
    if (!one) return undefined;
    out.push(one);
  }
  return out;
}

const all = (checks: readonly ValueCheck[], v: unknown): boolean => {
  for (let i = 0; i < checks.length; i++) if (!checks[i]!(v)) return false;
  return true;
};

/** A value check for a field schema; undefined when not understood. `undefined` values always go to zod. */
function fieldCheck(schema: unknown): ValueCheck | undefined {
  const def = defOf(schema);
  if (!def) return undefined;
  switch (def.type) {
    case 'string': {
      const checks = checksOf(def, 'string');
      return checks && ((v) => typeof v === 'string' && all(checks, v));
    }
    case 'number': {
      const checks = checksOf(def, 'number');
      return checks && ((v) => typeof v === 'number' && Number.isFinite(v) && all(checks, v));
    }
    case 'boolean':
      return def.checks?.length ? undefined : (v) => typeof v === 'boolean';
    case 'null':
      return def.checks?.length ? undefined : (v) => v === null;
    case 'enum': {
      const values = new Set(Object.values((def['entries'] ?? {}) as Record<string, unknown>));
      return def.checks?.length ? undefined : (v) => (typeof v === 'string' || typeof v === 'number') && values.has(v);
    }
    case 'literal': {
      const values = new Set((def['values'] ?? []) as unknown[]);
      return def.checks?.length ? undefined : (v) => v !== undefined && values.has(v);
    }
    case 'nullable': {
      const inner = fieldCheck(def['innerType']);
      return inner && !def.checks?.length ? (v) => v === null || inner(v) : undefined;
    }
    case 'optional': {
      const inner = fieldCheck(def['innerType']);
      return inner && !def.checks?.length ? inner : undefined; // an absent key is the object's business; a present undefined goes to zod
    }
    case 'array': {
      const element = fieldCheck(def['element']);
      const checks = checksOf(def, 'array');
      if (!element || !checks) return undefined;
      return (v) => {
        if (!Array.isArray(v) || !all(checks, v)) return false;
        for (const e of v as unknown[]) if (e === undefined || !element(e)) return false; // a hole is undefined here: zod refuses it too
        return true;
      };
    }
    default:
      return undefined;
  }
}

/** One field of a strict object schema the checks understand. */
interface Field {
  readonly key: string;
  readonly optional: boolean;
  readonly check: ValueCheck;
}

/** The fields of a strict object schema, or undefined when the schema holds anything the checks do not understand. */
function fieldsOf(schema: unknown): Field[] | undefined {
  const def = defOf(schema);
  if (!def || def.type !== 'object' || defOf(def['catchall'])?.type !== 'never' || def.checks?.length) return undefined;
  const shape = def['shape'] as Record<string, unknown>;
  const fields: Field[] = [];
  for (const key of Object.keys(shape)) {
    const check = fieldCheck(shape[key]);
    if (!check) return undefined;
    fields.push({ key, optional: defOf(shape[key])?.type === 'optional', check });
  }
  return fields;
}

const isPlainObject = (data: unknown): data is Record<string, unknown> =>
  typeof data === 'object' && data !== null && !Array.isArray(data) && Object.getPrototypeOf(data) === Object.prototype;

/** The input has no field but the `present` ones the schema knows (an unknown, inherited or non-enumerable one: zod names it). */
function onlyKnown(input: Record<string, unknown>, present: number, known: ReadonlySet<string>): boolean {
  const keys = Object.keys(input);
  if (keys.length !== present) return false;
  for (const key of keys) if (!known.has(key)) return false;
  return true;
}

/** The fast checker of a strict object schema, or undefined when the schema holds anything it does not understand. */
export function compileDataCheck(schema: unknown): DataCheck | undefined {
  const fields = fieldsOf(schema);
  if (!fields) return undefined;
  const known = new Set(fields.map((f) => f.key));
  return (data) => {
    if (!isPlainObject(data)) return null;
    let present = 0;
    const out: Record<string, AuditValue> = {};
    for (const { key, optional, check } of fields) {
      if (!Object.prototype.hasOwnProperty.call(data, key)) {
        if (!optional) return null;
        continue;
      }
      const value = data[key];
      if (value === undefined || !check(value)) return null;
      out[key] = value as AuditValue;
      present++;
    }
    return onlyKnown(data, present, known) ? out : null;
  };
}

/**
 * The record text of checked data, in one pass: `(data) => text | null`, where the text is what the writer
 * writes for the object {@link compileDataCheck} answers (`{"recordId":"R-1","screen":"juminhyo"}`: fields in
 * the schema's order, strings cut at 256 characters and quoted as every record text is), and `null` sends the
 * data to the old path (check, or zod, then the generic value writer), which accepts it or refuses it as before.
 */
export type DataText = (data: unknown) => string | null;

const texts = new WeakMap<object, DataText | null>();

/**
 * The one-pass {@link DataText} of a schema (built once per schema), or undefined when the schema is not one
 * {@link compileDataCheck} understands, or names a key the writer refuses (malformed, naming a secret).
 */
export function dataTextOf(schema: unknown): DataText | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined;
  let text = texts.get(schema);
  if (text === undefined) {
    text = compileDataText(schema) ?? null;
    texts.set(schema, text);
  }
  return text ?? undefined;
}

function compileDataText(schema: unknown): DataText | undefined {
  const fields = fieldsOf(schema);
  if (!fields || fields.length > 64 || fields.some((f) => !valueKeyPattern.test(f.key) || secretKeyPattern.test(f.key))) return undefined;
  const known = new Set(fields.map((f) => f.key));
  const parts = fields.map((f) => ({ ...f, first: `{"${f.key}":`, next: `,"${f.key}":` }));
  return (data) => {
    if (!isPlainObject(data)) return null;
    let present = 0;
    let out = '';
    for (const { key, optional, check, first, next } of parts) {
      if (!Object.prototype.hasOwnProperty.call(data, key)) {
        if (!optional) return null;
        continue;
      }
      const value = data[key];
      if (value === undefined || !check(value)) return null;
      const text = valueText(value);
      if (text === null) return null;
      out += (present++ === 0 ? first : next) + text;
    }
    if (!onlyKnown(data, present, known)) return null;
    return present === 0 ? '{}' : out + '}';
  };
}
