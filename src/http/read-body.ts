import type { Readable } from 'node:stream';

/** Largest request body a kanmon handler reads. */
export const MAX_BODY_BYTES = 16_384;

export type ReadBodyResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly reason: 'invalid_request' | 'payload_too_large' };

/** The media type of a `Content-Type` header, lower-cased, without parameters. */
function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * Read a JSON request body from a stream, at most `limitBytes`, never throwing:
 * not `application/json`, not UTF-8 JSON, or empty → `invalid_request`;
 * larger than the limit (by `Content-Length` or by counting) → `payload_too_large`.
 * The rest of an over-long body is drained, not kept; the stream (and so the
 * socket) is never destroyed, so the answer still reaches the client.
 */
export function readJsonBody(stream: Readable, contentType: string | undefined, limitBytes = MAX_BODY_BYTES, contentLength?: string): Promise<ReadBodyResult> {
  if (contentLength !== undefined && /^\d+$/.test(contentLength) && Number(contentLength) > limitBytes) {
    stream.resume();
    return Promise.resolve({ ok: false, reason: 'payload_too_large' });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (result: ReadBodyResult) => {
      if (settled) return;
      settled = true;
      chunks.length = 0;
      resolve(result);
    };
    stream.on('data', (chunk: Buffer | string) => {
      if (settled) return; // draining
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      if (size > limitBytes) settle({ ok: false, reason: 'payload_too_large' });
      else chunks.push(buffer);
    });
    stream.once('end', () => settle(parseJsonBody(Buffer.concat(chunks), contentType)));
    stream.once('error', () => settle({ ok: false, reason: 'invalid_request' }));
    stream.once('close', () => settle({ ok: false, reason: 'invalid_request' }));
  });
}

/** A body the framework read as bytes: JSON only (`application/json` or `+json`), never throwing. */
export function parseJsonBody(bytes: Uint8Array | undefined | null, contentType: string | undefined): ReadBodyResult {
  const type = mediaType(contentType);
  if (type !== 'application/json' && !type.endsWith('+json')) return { ok: false, reason: 'invalid_request' };
  return parseJsonText(bytes ?? new Uint8Array(0));
}

/** Parse JSON text, never throwing. */
function parseJsonText(bytes: Uint8Array): ReadBodyResult {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, reason: 'invalid_request' };
  }
  if (text.trim() === '') return { ok: false, reason: 'invalid_request' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, reason: 'invalid_request' };
  }
}

/**
 * A body a framework already parsed (NestJS's own JSON parser runs before any route): kept only when it
 * came as JSON and within `limitBytes` (by `Content-Length`, else by its re-serialised size, which is
 * never more than the bytes sent), so a form post or an over-long body gets the same coded answer as
 * one kanmon read itself. A U+FFFD anywhere (invalid UTF-8 decoded leniently) is `invalid_request`.
 */
export function parsedJsonBody(value: unknown, contentType: string | undefined, limitBytes = MAX_BODY_BYTES, contentLength?: string): ReadBodyResult {
  const type = mediaType(contentType);
  if (type !== 'application/json' && !type.endsWith('+json')) return { ok: false, reason: 'invalid_request' };
  if (contentLength !== undefined && /^\d+$/.test(contentLength) && Number(contentLength) > limitBytes) return { ok: false, reason: 'payload_too_large' };
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    return { ok: false, reason: 'invalid_request' };
  }
  // U+FFFD is what a lenient decoder (body-parser, Fastify) makes of invalid UTF-8: refused, as kanmon's strict decoder refuses the bytes.
  if (text === undefined || text.includes('\uFFFD')) return { ok: false, reason: 'invalid_request' };
  return Buffer.byteLength(text) > limitBytes ? { ok: false, reason: 'payload_too_large' } : { ok: true, value };
}
