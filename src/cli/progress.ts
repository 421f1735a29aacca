/**
 * The progress line of the long commands (`kanmon breached build`, `kanmon audit verify|export`,
 * `kanmon import`): done / total, percent, rate and ETA, redrawn in place on stderr at most `maxPerSecond`
 * times a second — only when stderr is a terminal and `--quiet` was not given. Piped, redirected or quiet:
 * nothing at all. It shows counts and rates only, never a line's content.
 *
 * Hand-written (about 80 lines) rather than a dependency: the one close fit on npm, `cli-progress`, has had no
 * release since 2023, ships no types and brings its own dependencies, for what is one `\r` line here.
 */
import type { Writable } from 'node:stream';

/** What the counts are: `bytes` are shown in MiB. */
export type ProgressUnit = 'bytes' | 'lines' | 'rows' | 'records';

export interface ProgressOptions {
  /** What is being done (`pass 1/2`, `verifying`): a fixed word, never data. */
  readonly label: string;
  /** The amount to do, when known (else no percent and no ETA). */
  readonly total: number | null;
  readonly unit: ProgressUnit;
  /** `--quiet`: draw nothing. */
  readonly quiet?: boolean;
  /** Milliseconds, monotonic. @default performance.now */
  readonly now?: () => number;
  /** @default 10 */
  readonly maxPerSecond?: number;
}

/** A progress line: `update` as work is done (cheap: it draws only when due), `finish` once at the end. */
export interface Progress {
  /** `done` so far; `label` replaces the label from now on (a new pass). */
  update(done: number, label?: string): void;
  /** Draw the final state (100 % when the total is known) and end the line. */
  finish(done?: number): void;
  /** Whether anything is drawn at all (a terminal, not quiet). */
  readonly active: boolean;
}

const NONE: Progress = { update() {}, finish() {}, active: false };

const amount = (n: number, unit: ProgressUnit): string =>
  unit === 'bytes' ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${Math.round(n).toLocaleString('en-US')} ${unit}`;

const duration = (seconds: number): string => {
  const s = Math.max(0, Math.ceil(seconds));
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
};

/** A progress line on `stream` when it is a terminal and not `quiet`; otherwise one that draws nothing. */
export function createProgress(stream: Writable & { isTTY?: boolean }, options: ProgressOptions): Progress {
  if (!stream.isTTY || options.quiet) return NONE;
  const { total, unit } = options;
  const now = options.now ?? (() => performance.now());
  const gapMs = 1000 / (options.maxPerSecond ?? 10);
  const started = now();
  let label = options.label;
  let last = -Infinity;
  let lastDone = 0;

  const draw = (done: number, at: number) => {
    const elapsed = (at - started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const parts = [label];
    if (total !== null && total > 0) {
      const pct = Math.min(100, Math.floor((100 * done) / total));
      parts.push(`${String(pct).padStart(3)}%`, `${amount(done, unit)} / ${amount(total, unit)}`);
    } else parts.push(amount(done, unit));
    parts.push(`${amount(rate, unit)}/s`);
    if (total !== null && total > 0) parts.push(`ETA ${rate > 0 ? duration((total - done) / rate) : '?'}`);
    stream.write(`\r${parts.join('  ')}\u001b[K`);
  };

  return {
    active: true,
    update(done, newLabel) {
      lastDone = done;
      if (newLabel !== undefined) label = newLabel;
      const at = now();
      if (at - last < gapMs) return;
      last = at;
      draw(done, at);
    },
    finish(done = total ?? lastDone) {
      draw(done, now());
      stream.write('\n');
    },
  };
}
