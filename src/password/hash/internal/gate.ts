import { KanmonError } from '../../../errors.js';

/** At most `maxInFlight` tasks run at once; up to `maxQueued` wait; past that, `ERR_BUSY`. */
export interface Gate {
  /** `algorithm`: what the task computes, for the observer. */
  run<T>(task: () => Promise<T>, algorithm: string): Promise<T>;
  readonly inFlight: number;
  readonly queued: number;
  /** Told each task's own time (s, the queue wait excluded): src/telemetry. */
  observer: ((seconds: number, algorithm: string) => void) | null;
}

/** Each hasher's gate (`createPasswordHasher`), for src/telemetry's queue gauge and durations. */
export const hasherGates = new WeakMap<object, Gate>();

export function createGate(maxInFlight: number, maxQueued: number): Gate {
  let inFlight = 0;
  const waiting: Array<() => void> = [];

  const release = () => {
    const next = waiting.shift();
    if (next) next(); // the slot passes straight to the next task: inFlight stays the same
    else inFlight--;
  };

  return {
    observer: null,
    get inFlight() {
      return inFlight;
    },
    get queued() {
      return waiting.length;
    },
    async run<T>(task: () => Promise<T>, algorithm: string): Promise<T> {
      if (inFlight < maxInFlight) {
        inFlight++;
      } else if (waiting.length < maxQueued) {
        await new Promise<void>((resolve) => waiting.push(resolve));
      } else {
        throw new KanmonError(
          'ERR_BUSY',
          `password hashing is saturated: ${maxInFlight} in flight and ${maxQueued} queued (hashing.maxConcurrentHashes / maxQueuedHashes)`,
          { details: { maxConcurrentHashes: maxInFlight, maxQueuedHashes: maxQueued } },
        );
      }
      const observer = this.observer;
      const started = observer ? performance.now() : 0;
      try {
        return await task();
      } finally {
        release();
        if (observer) observer((performance.now() - started) / 1000, algorithm);
      }
    },
  };
}
