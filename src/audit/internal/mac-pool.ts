import { Worker } from 'node:worker_threads';

/** One MAC to check: `HMAC(key(kid), prev ‖ canonical)` must encode to `mac`. */
export interface MacJob {
  readonly kid: string;
  /** The previous MAC: bytes, or base64url text. */
  readonly prev: Uint8Array | string;
  readonly canonical: Uint8Array;
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

const workerSource = `
const { parentPort } = require('node:worker_threads');
const { createHmac } = require('node:crypto');
parentPort.on('message', (m) => {
  const data = Buffer.from(m.data);
  const meta = new Int32Array(m.meta);
  const keys = m.keys.map((k) => Buffer.from(k));
  const bad = [];
  for (let i = 0; i < m.n; i++) {
    const off = meta[3 * i], len = meta[3 * i + 1], kid = meta[3 * i + 2];
    const mac = createHmac('sha256', keys[kid]).update(data.subarray(off, off + 32)).update(data.subarray(off + 75, off + 75 + len)).digest('base64url');
    if (mac !== data.toString('latin1', off + 32, off + 75)) bad.push(i);
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
      for (const job of jobs) size += 75 + job.canonical.length;
      const data = Buffer.from(new ArrayBuffer(size));
      const meta = new Int32Array(jobs.length * 3);
      let off = 0;
      jobs.forEach((job, i) => {
        let k = kidIndex.get(job.kid);
        if (k === undefined) {
          k = kids.push(job.kid) - 1;
          kidIndex.set(job.kid, k);
        }
        if (typeof job.prev === 'string') data.write(job.prev, off, 32, 'base64url');
        else data.set(job.prev, off);
        data.write(job.mac, off + 32, 43, 'latin1');
        data.set(job.canonical, off + 75);
        meta[3 * i] = off;
        meta[3 * i + 1] = job.canonical.length;
        meta[3 * i + 2] = k;
        off += 75 + job.canonical.length;
      });
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
