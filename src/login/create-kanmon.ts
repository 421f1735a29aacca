import type { Kanmon, KanmonOptions } from './types.js';

/** The login flow (work in progress on branch issue-8: the contract is in ./types.ts). */
export function createKanmon(options: KanmonOptions): Kanmon {
  void options;
  throw new Error('createKanmon: not yet implemented on this branch');
}
