import type { Writable } from 'node:stream';

/** A progress line on a terminal: rows done of total, rows/s, ETA; at most `maxPerSecond` redraws. */
export interface Progress {
  tick(done: number): void;
  done(): void;
}

const NONE: Progress = { tick() {}, done() {} };

/**
 * A progress bar on `stream` when it is a terminal (`isTTY`), nothing otherwise (piped, CI, a file).
 * It shows counts and rates only: never a row's content.
 */
export function createProgress(stream: Writable & { isTTY?: boolean }, label: string, total: number, now: () => number = () => performance.now(), maxPerSecond = 10): Progress {
  if (!stream.isTTY || total === 0) return NONE;
  const started = now();
  let last = -Infinity;
  let drawn = false;
  const draw = (done: number) => {
    const elapsed = (now() - started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const eta = rate > 0 ? Math.ceil((total - done) / rate) : 0;
    const width = 24;
    const filled = Math.round((done / total) * width);
    stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done.toLocaleString('en')}/${total.toLocaleString('en')}  ${Math.round(rate).toLocaleString('en')} rows/s  ETA ${eta}s\u001b[K`);
    drawn = true;
  };
  return {
    tick(done) {
      const t = now();
      if (t - last < 1000 / maxPerSecond) return;
      last = t;
      draw(done);
    },
    done() {
      draw(total);
      if (drawn) stream.write('\n');
    },
  };
}
