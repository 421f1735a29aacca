import { randomFillSync } from 'node:crypto';

/** Ids made per refill of the random pool (Node's own randomUUID buffers 128 too). */
const batch = 128;
const hexDigits = Buffer.from('0123456789abcdef', 'latin1');
const randomPool = Buffer.alloc(16 * batch);
const textPool = Buffer.alloc(36 * batch);
let ids = '';
let next = batch;

/** Fill the pools: 128 random UUIDs (RFC 9562 version 4) written as one string. */
function refill(): void {
  randomFillSync(randomPool);
  let at = 0;
  for (let i = 0; i < batch; i++) {
    const b = i * 16;
    randomPool[b + 6] = (randomPool[b + 6]! & 0x0f) | 0x40; // version 4
    randomPool[b + 8] = (randomPool[b + 8]! & 0x3f) | 0x80; // variant 10
    for (let j = 0; j < 16; j++) {
      if (j === 4 || j === 6 || j === 8 || j === 10) textPool[at++] = 0x2d; // '-'
      const v = randomPool[b + j]!;
      textPool[at++] = hexDigits[v >> 4]!;
      textPool[at++] = hexDigits[v & 15]!;
    }
  }
  ids = textPool.toString('latin1');
  next = 0;
}

/**
 * A random UUID (version 4, lowercase, from node:crypto's CSPRNG) for an audit
 * record's `id`: the same form and randomness as `crypto.randomUUID()`, made
 * 128 at a time into one string that each id is a slice of, so an append
 * costs no per-id string building (`randomUUID` builds each id from 20 pieces).
 */
export function randomRecordId(): string {
  if (next === batch) refill();
  const at = 36 * next++;
  return ids.slice(at, at + 36);
}
