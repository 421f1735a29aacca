import { KanmonError } from '../../../errors.js';

/** At most `maxInFlight` tasks run at once; up to `maxQueued` wait; past that, `ERR_BUSY`. */
interface Gate {
  run<T>(task: () => Promise<T>): Promise<T>;
  readonly inFlight: number;
  readonly queued: number;
}

export function createGate(maxInFlight: number, maxQueued: number): Gate {
  let inFlight = 0;
  const waiting: Array<() => void> = [];

  const release = () => {
    const next = waiting.shift();
    if (next) next(); // the slot passes straight to the next task: inFlight stays the same
    else inFlight--;
  };

  return {
    get inFlight() {
      return inFlight;
    },
    get queued() {
      return waiting.length;
    },
    async run<T>(task: () => Promise<T>): Promise<T> {
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
      try {
        return await task();
      } finally {
        release();
      }
    },
  };
}
