/**
 * `kanmon/store`: what a store author needs to write a {@link KanmonStore}
 * and run kanmon's transitions on it (the contract, the record shapes, the
 * built-in transitions with their arguments, the key helpers). An application
 * only passes a store to kanmon and imports nothing from here.
 *
 * @module kanmon/store
 */
export type { KanmonStore, RecordWrite, StoreRecord, Transition, TransitionOutcome } from './store.js';
export type { InPlaceOutcome } from './in-process.js';
export type { AddEntryOptions, AddEntryResult, EntryLists, StoreEntry, WhenFull } from './entries.js';
export { MAX_ENTRIES_PER_KEY, MAX_ENTRY_DATA, hasEntryLists } from './entries.js';
export { storeKey, isStoreKey, isTenantId, tenantOfKey } from './key.js';
export { failTransition, reserveTransition, resetTransition, succeedTransition } from '../lockout/transitions.js';
export type {
  FailArgs,
  ReserveArgs,
  ReserveResult,
  ResetArgs,
  ResetResult,
  SettleArgs,
  SourceLimit,
  SucceedArgs,
  SucceedOp,
  SucceedResult,
} from '../lockout/transitions.js';
