import { Worker } from 'node:worker_threads';

/** One MAC to check: `HMAC(key(kid), prev ‖ canonical)` must encode to `mac`. */
export interface MacJob {
  readonly kid: string;
  /** The previous MAC, base64url (43 characters). */
  readonly prev: string;
  /** The whole record line (as `readHead` accepted it): canonical bytes, then `,"mac":"<mac>"}`. */
  readonly bytes: Uint8Array;
  /** The MAC as written in the line. */
  readonly mac: string;
}

/**
 * Worker threads that check MACs in batches. Each record's MAC depends only on
 * the previous record's *claimed* MAC, which is in the log, so the checks are
 * independent and run in parallel while the main thread reads and sequences.
 * The workers get the audit-mac subkeys (same process, never written anywhere).
 */
export interface MacPool {
  /** Positions (in `jobs`) whose MAC does not match. */
  check(jobs: readonly MacJob[]): Promise<number[]>;
  close(): Promise<void>;
}

/** Bytes of a job before its record line: a block for the HMAC ipad, the previous MAC. */
const jobHead = 64 + 32;

/*
 * A job in the batch buffer is `room for K ⊕ ipad (64) | prev (32) | line`, the
 * line ending in `,"mac":"<43 characters>"}` (53 bytes, checked by readHead).
 * The worker fills the room with its key's ipad block, so the inner hash of
 * HMAC-SHA-256 (RFC 2104) is one one-shot SHA-256 over bytes already in place:
 * `H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ prev ‖ canonical))`, the MAC chain.ts computes.
 * On a Node without `crypto.hash` (< 20.12) it uses createHmac over `prev ‖ canonical`.
 */
const workerSource = `
const { parentPort } = require('node:worker_threads');
const { createHash, createHmac, hash } = require('node:crypto');
const padsOf = (raw) => {
  const key = raw.length > 64 ? createHash('sha256').update(raw).digest() : raw;
  const ipad = Buffer.alloc(64), outer = Buffer.alloc(96);
  for (let i = 0; i < 64; i++) {
    const k = i < key.length ? key[i] : 0;
    ipad[i] = k ^ 0x36;
    outer[i] = k ^ 0x5c;
  }
  return { raw, ipad, outer };
};
parentPort.on('message', (m) => {
  const data = Buffer.from(m.data);
  const meta = new Int32Array(m.meta);
  const keys = m.keys.map((k) => padsOf(Buffer.from(k)));
  const bad = [];
  for (let i = 0; i < m.n; i++) {
    const off = meta[3 * i], end = off + ${jobHead} + meta[3 * i + 1] - 53, key = keys[meta[3 * i + 2]];
    let mac;
    if (typeof hash === 'function') {
      data.set(key.ipad, off);
      key.outer.write(hash('sha256', data.subarray(off, end), 'latin1'), 64, 32, 'latin1');
      mac = hash('sha256', key.outer, 'base64url');
    } else {
      mac = createHmac('sha256', key.raw).update(data.subarray(off + 64, end)).digest('base64url');
    }
    if (mac !== data.toString('latin1', end + 8, end + 51)) bad.push(i);
  }
  parentPort.postMessage({ id: m.id, bad });
});
`;

export function createMacPool(threads: number, keyOf: (kid: string) => Buffer): MacPool {
  const workers = Array.from({ length: threads }, () => {
    const worker = new Worker(workerSource, { eval: true });
    worker.unref();
    return worker;
  });
  const waiting = new Map<number, { resolve: (bad: number[]) => void; reject: (err: unknown) => void }>();
  for (const worker of workers) {
    worker.on('message', (m: { id: number; bad: number[] }) => {
      waiting.get(m.id)?.resolve(m.bad);
      waiting.delete(m.id);
    });
    worker.on('error', (err) => {
      for (const w of waiting.values()) w.reject(err);
      waiting.clear();
    });
  }
  let next = 0;
  return {
    check(jobs) {
      const kids: string[] = [];
      const kidIndex = new Map<string, number>();
      let size = 0;
      for (const job of jobs) size += jobHead + job.bytes.length;
      const data = Buffer.from(new ArrayBuffer(size));
      const meta = new Int32Array(jobs.length * 3);
      let off = 0;
      for (let i = 0; i < jobs.length; i++) {
        const job = jobs[i]!;
        let k = kidIndex.get(job.kid);
        if (k === undefined) {
          k = kids.push(job.kid) - 1;
          kidIndex.set(job.kid, k);
        }
        data.write(job.prev, off + 64, 32, 'base64url');
        data.set(job.bytes, off + jobHead);
        meta[3 * i] = off;
        meta[3 * i + 1] = job.bytes.length;
        meta[3 * i + 2] = k;
        off += jobHead + job.bytes.length;
      }
      const id = next++;
      const worker = workers[id % workers.length]!;
      return new Promise<number[]>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker.postMessage(
          { id, n: jobs.length, data: data.buffer, meta: meta.buffer, keys: kids.map((kid) => new Uint8Array(keyOf(kid))) },
          [data.buffer, meta.buffer],
        );
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
