import { availableParallelism } from 'node:os';
import { KanmonError } from '../../errors.js';
import { type ChainKey, macSuffixLength } from '../chain.js';
import { type MacJob, type MacPool, createMacPool } from '../internal/mac-pool.js';
import type { AuditLine } from '../sink.js';
import { type StreamState, fail } from './streams.js';

/** A record's MAC left to a worker, with what had verified before it should the MAC fail. */
export interface PendingMac extends MacJob {
  readonly st: StreamState;
  readonly seq: number;
  readonly index: number;
  /** The line, for its `where` (built only if the MAC fails). */
  readonly line: AuditLine;
  readonly count: number;
  readonly lastSeq: number;
  readonly lastMac: string;
}

/** MAC checks on worker threads for large sources; a MAC that fails lands in `fail` with its record's index. */
export interface MacChecks {
  /** Workers are running: a record whose predecessor's MAC is known goes to `add`. */
  readonly parallel: boolean;
  /** Before each batch of lines (`index`: the last line read): start the workers once the source is large enough. */
  startIfDue(index: number): void;
  add(job: PendingMac): void;
  /** After each batch: send what is queued once it is worth a message. */
  flushIfFull(): void;
  /** Send the rest and wait for every answer. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * `threads` as `AuditVerifyOptions.threads`: by default up to 3 (one fewer
 * than the CPUs) once 20,000 lines are read; 0 never; a positive number from
 * the first line.
 */
export function createMacChecks(threads: number | undefined, keyOf: (kid: string) => Buffer, chainKeyOf: (kid: string) => ChainKey): MacChecks {
  const forced = threads;
  if (forced !== undefined && (!Number.isInteger(forced) || forced < 0)) throw new KanmonError('ERR_INVALID_ARGUMENT', 'verifyAuditLog: threads must be a non-negative integer');
  const autoThreads = Math.min(3, availableParallelism() - 1);
  let pool: MacPool | null = null;
  let jobs: PendingMac[] = [];
  const inFlight: Promise<void>[] = [];
  let busy = 0;
  const dispatch = () => {
    if (!pool || jobs.length === 0) return;
    const batch = jobs;
    jobs = [];
    if (busy >= 2 * (forced || autoThreads)) {
      // every worker has a batch running and one queued: this thread checks this batch itself (on a loaded machine, no worse than no workers)
      for (const job of batch) {
        if (chainKeyOf(job.kid).mac(job.prev, job.bytes.subarray(0, job.bytes.length - macSuffixLength)) !== job.mac) {
          fail(job.st, job.seq, 'bad_mac', job.index, job.line.where, job);
        }
      }
      return;
    }
    busy++;
    inFlight.push(
      pool.check(batch).then((bad) => {
        busy--;
        for (const i of bad) {
          const job = batch[i]!;
          fail(job.st, job.seq, 'bad_mac', job.index, job.line.where, job);
        }
      }),
    );
  };
  return {
    get parallel() {
      return pool !== null;
    },
    startIfDue(index) {
      if (!pool && (forced ?? 0) > 0) pool = createMacPool(forced!, keyOf);
      else if (!pool && forced === undefined && autoThreads > 0 && index >= 20_000) pool = createMacPool(autoThreads, keyOf);
    },
    add(job) {
      jobs.push(job);
    },
    flushIfFull() {
      if (jobs.length >= 4096) dispatch(); // a few thousand MACs per message: a message costs more than a MAC
    },
    async settle() {
      dispatch();
      await Promise.all(inFlight);
    },
    async close() {
      await pool?.close();
    },
  };
}
