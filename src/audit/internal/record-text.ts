/**
 * The text of a record line (the form documented in ../chain.ts), built from
 * few pieces: the joiners between fields with their quotes, the parts that
 * depend only on the key id and event type, only on the second of the clock,
 * or only on the reason and clauses, are made once and reused. A record is
 * then about twenty concatenations instead of about fifty, and the chain
 * flattens one shallower string (issue 22).
 *
 * The bytes are exactly those of the field-by-field template the writer used
 * before (test/audit/record-form.property.test.ts writes the reference once
 * more, independently): verifiers of every version read the same chain.
 */
import { KanmonError } from '../../errors.js';
import { quote } from '../chain.js';
import { type AuditValue, secretKeyPattern, valueKeyPattern } from '../event.js';

/** Printable ASCII other than `"` and `\`: quoted as is, and one byte per character in UTF-8. */
const plain = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** Whether every text quoted since the last {@link startRecord} was plain ASCII (then so is the whole record). */
let ascii = true;
/** How many records were begun: a record begun inside another (an event check that appends) is seen by its number. */
let begun = 0;

/** A new record begins: its texts are ASCII until one is not. Returns the record's number for {@link recordIsAscii}. */
export function startRecord(): number {
  ascii = true;
  return ++begun;
}

/**
 * True when record `n` (from {@link startRecord}) is all ASCII so far (its fixed parts always are). False, the safe
 * answer (the record is then encoded the general way), when another record was begun since: code run while this one
 * was being written (an event's own check) appended, and the flag is that record's.
 */
export function recordIsAscii(n: number): boolean {
  return ascii && n === begun;
}

/** `quote(text)`, noting when the text is anything but plain ASCII (a `"` counts too: rare, and the careful path stays right). */
export function jsonText(text: string): string {
  if (plain.test(text)) return '"' + text + '"';
  ascii = false;
  return quote(text);
}

/** Longest free text in a value (actor, target and value strings); longer ones are cut, never refused. */
export const maxText = 256;

/** Free text from the network is cut, never refused (a 10 kB username must not crash a login). */
export function cutText(value: unknown, max: number, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new KanmonError('ERR_AUDIT_FORMAT', `audit event: ${field} must be a string`);
  return value.length > max ? value.slice(0, max - 1) + '…' : value;
}

/** `"key":` of value keys that passed both key checks (keys repeat from record to record: `webauthnId`, `role`, …). */
const checkedKeys = new Map<string, string>();

/** The JSON text of `before` / `after`: an object of audit values, or `null`. */
export function valuesText(value: unknown, field: string): string {
  if (value === undefined || value === null) return 'null';
  if (typeof value !== 'object' || Array.isArray(value)) throw new KanmonError('ERR_AUDIT_FORMAT', `audit event: ${field} must be an object`);
  let out = '{';
  let n = 0;
  const record = value as Record<string, AuditValue>;
  for (const key of Object.keys(record)) {
    const v = record[key];
    let keyJson = checkedKeys.get(key);
    if (keyJson === undefined) {
      if (!valueKeyPattern.test(key)) throw new KanmonError('ERR_AUDIT_FORMAT', `audit event: ${field} key '${key.slice(0, 64)}' is not [A-Za-z][A-Za-z0-9_]*`);
      if (secretKeyPattern.test(key)) {
        throw new KanmonError('ERR_AUDIT_FORMAT', `audit event: ${field}.${key} names a secret; secrets are never logged`);
      }
      keyJson = quote(key) + ':';
      if (checkedKeys.size < 4096) checkedKeys.set(key, keyJson); // bounded: keys are names in code, but never grow without end
    }
    if (++n > 64) throw new KanmonError('ERR_AUDIT_FORMAT', `audit event: ${field} has more than 64 keys`);
    const encoded = valueText(v);
    if (encoded === null) throw new KanmonError('ERR_AUDIT_FORMAT', `audit event: ${field}.${key} must be a string, finite number, boolean, null or string[]`);
    out += (n > 1 ? ',' : '') + keyJson + encoded;
  }
  return out + '}';
}

/** A value string as written: cut at {@link maxText} characters (never refused), quoted. */
const cutJson = (text: string): string => jsonText(text.length > maxText ? text.slice(0, maxText - 1) + '…' : text);

/**
 * The JSON text of one audit value (string, finite number, boolean, null, or up to 64 strings), or null for
 * anything else (the caller refuses it). Arrays are read by index: a gap (`[, 'a']`) is not a string (`every`/`map`
 * skip gaps, and wrote the invalid JSON `[,"a"]`).
 */
export function valueText(v: unknown): string | null {
  if (typeof v === 'string') return cutJson(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : null;
  if (v === null || typeof v === 'boolean') return String(v);
  if (!Array.isArray(v) || v.length > 64) return null;
  let out = '[';
  for (let i = 0; i < v.length; i++) {
    const s: unknown = v[i];
    if (typeof s !== 'string') return null;
    out += (i === 0 ? '' : ',') + cutJson(s);
  }
  return out + ']';
}

/** `000` … `999`. */
const millis = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/** Writes the canonical text of the records of one stream (one per writer: it keeps per-second and per-type parts). */
export interface RecordWriter {
  /**
   * The `time` text of `ts` (throws `ERR_INVALID_ARGUMENT` for a clock value the formatter refuses), and the
   * time of the next {@link RecordWriter.canonical}: call it first for each record.
   */
  at(ts: number): string;
  /**
   * The canonical text (the line up to `,"mac":…`) of a record at the time given to {@link RecordWriter.at},
   * with these fields as the writer checked them (`actor` … `userAgent`, `before`, `after` already JSON: `"…"` or
   * `null`; `clauses` the list's JSON, the type's own when `defaultClauses`, then its part is cached).
   * Positional, not an object: one object fewer per append.
   */
  canonical(
    seq: number,
    kid: string,
    type: string,
    id: string,
    tenant: string,
    outcome: string,
    actor: string,
    target: string,
    ip: string,
    userAgent: string,
    reason: string | null,
    outOfHours: boolean,
    clauses: string,
    defaultClauses: boolean,
    before: string,
    after: string,
  ): string;
}

/** Reasons cached per event type: codes named in code, but bounded all the same. */
const maxReasons = 256;

/** What depends only on the key id and the type: `,"kid":"…","type":"…","id":"`, and the reason-to-`before` parts. */
interface TypeParts {
  readonly head: string;
  /** `},"reason":…,"outOfHours":…,"clauses":…,"before":` by reason (`''` for none), for the type's own clauses. */
  readonly tails: [inHours: Map<string, string>, outOfHours: Map<string, string>];
}

const outcomeParts = new Map(['success', 'failure', 'denied', 'info'].map((o) => [o, `,"outcome":"${o}","actor":`]));

function tailOf(reason: string | null, outOfHours: boolean, clauses: string): string {
  return `},"reason":${reason === null ? 'null' : `"${reason}"`},"outOfHours":${outOfHours},"clauses":${clauses},"before":`;
}

/**
 * The record writer of `stream` (already JSON-quoted) for records of `defaultTenant`, with `formatTime` the
 * writer's ISO time formatter. The `time` and `ts` texts come from a per-second part plus the milliseconds:
 * `formatTime` is called with the record's own `ts` whenever the second changes, so it sees what it saw
 * before (its per-minute offset cache included) and throws for a bad clock value as before.
 */
export function createRecordWriter(streamJson: string, defaultTenant: string, formatTime: (ts: number) => string): RecordWriter {
  const head = `{"v":1,"stream":${streamJson},"seq":`;
  const byKid = new Map<string, Map<string, TypeParts>>();
  let lastKid = '';
  let lastTypes: Map<string, TypeParts> | undefined;

  /** The current second: `[secondStart, secondEnd)` of the clock, and its texts. */
  let secondStart = Number.NaN;
  let secondEnd = Number.NaN;
  /** `YYYY-MM-DDTHH:MM:SS.` */
  let timeHead = '';
  /** `+09:00` */
  let timeZone = '';
  /** `","tenant":"<default>","time":"YYYY-MM-DDTHH:MM:SS.` */
  let tenantTime = '';
  /** `+09:00","ts":<seconds>`; at the epoch's first second `+00:00","ts":` (ts is then the milliseconds alone, unpadded). */
  let zoneTs = '';
  let epochSecond = false;

  const toSecond = (ts: number): void => {
    const time = formatTime(ts); // the writer's formatter with this record's ts: throws ERR_INVALID_ARGUMENT for a bad clock
    const second = Math.floor(ts / 1000);
    secondStart = second * 1000;
    timeHead = time.slice(0, 20);
    timeZone = time.slice(23);
    tenantTime = `","tenant":"${defaultTenant}","time":"${timeHead}`;
    epochSecond = second === 0;
    zoneTs = `${timeZone}","ts":${epochSecond ? '' : String(second)}`;
    secondEnd = secondStart + 1000;
    try {
      formatTime(secondStart + 999); // same second, same minute: the formatter answers from its cache
    } catch {
      secondEnd = ts + 1; // the clock's last accepted second (year 9999): no later ts from the cache
    }
  };

  const partsOf = (kid: string, type: string): TypeParts => {
    if (kid !== lastKid || lastTypes === undefined) {
      lastTypes = byKid.get(kid);
      if (lastTypes === undefined) byKid.set(kid, (lastTypes = new Map<string, TypeParts>()));
      lastKid = kid;
    }
    let parts = lastTypes.get(type);
    if (parts === undefined) {
      parts = { head: `,"kid":"${kid}","type":"${type}","id":"`, tails: [new Map(), new Map()] };
      lastTypes.set(type, parts);
    }
    return parts;
  };

  /** The milliseconds of the record's ts: `000`…`999`, and as the `ts` field writes them after the seconds. */
  let msText = '000';
  let tsMs = '0';
  const writer: RecordWriter = {
    at(ts) {
      let ms = ts - secondStart;
      if (!(ts >= secondStart && ts < secondEnd && Number.isInteger(ms))) {
        toSecond(ts);
        ms = ts - secondStart;
      }
      msText = millis[ms]!;
      tsMs = epochSecond ? String(ms) : msText;
      return timeHead + msText + timeZone;
    },
    canonical(seq, kid, type, id, tenant, outcome, actor, target, ip, userAgent, reason, outOfHours, clauses, defaultClauses, before, after) {
      const parts = partsOf(kid, type);
      let tail: string | undefined;
      if (defaultClauses) {
        const tails = parts.tails[outOfHours ? 1 : 0];
        const key = reason ?? '';
        tail = tails.get(key);
        if (tail === undefined) {
          tail = tailOf(reason, outOfHours, clauses);
          if (tails.size < maxReasons) tails.set(key, tail);
        }
      } else tail = tailOf(reason, outOfHours, clauses);
      return (
        head +
        seq +
        parts.head +
        id +
        (tenant === defaultTenant ? tenantTime : `","tenant":"${tenant}","time":"${timeHead}`) +
        msText +
        zoneTs +
        tsMs +
        outcomeParts.get(outcome)! +
        actor +
        ',"target":' +
        target +
        ',"source":{"ip":' +
        ip +
        ',"userAgent":' +
        userAgent +
        tail +
        before +
        ',"after":' +
        after
      );
    },
  };
  return writer;
}
