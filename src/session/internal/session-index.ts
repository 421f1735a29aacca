import { KanmonError } from '../../errors.js';
import { type EntryLists, type StoreEntry, entryListsOf, hasEntryLists } from '../../store/entries.js';
import { trustedKey } from '../../store/key.js';
import { deviceLabel } from '../device-label.js';
import type { AuthMethod, MaxConcurrentSessions, SessionInfo, SessionStore } from '../types.js';

/** Most sessions one account's index holds when no `maxConcurrent` is set: the oldest beyond it is evicted (and revoked). */
export const MAX_INDEXED_SESSIONS = 100;
/** Longest client address kept in the index (longer ones are not addresses: kept as `null`). */
export const MAX_INDEXED_IP = 64;

/** What the index keeps of a session besides the times (the entry's `data`, JSON). */
interface IndexData {
  /** client IP */
  readonly ip: string | null;
  /** device label */
  readonly dev: string;
  readonly amr: readonly AuthMethod[];
  /** absolute expiry (ms): how long a logout mark must live */
  readonly aexp: number;
}

const parseData = (data: string): IndexData | null => {
  try {
    const d = JSON.parse(data) as Partial<IndexData>;
    if (typeof d !== 'object' || d === null || typeof d.dev !== 'string' || typeof d.aexp !== 'number' || !Array.isArray(d.amr)) return null;
    return { ip: typeof d.ip === 'string' ? d.ip : null, dev: d.dev, amr: d.amr, aexp: d.aexp };
  } catch {
    return null;
  }
};

export const toInfo = (e: StoreEntry): SessionInfo | null => {
  const d = parseData(e.data);
  if (!d) return null;
  return { sessionId: e.id, createdAt: e.createdAt, lastSeenAt: e.lastSeenAt, clientIp: d.ip, device: d.dev, amr: d.amr, absoluteExpiresAt: d.aexp };
};

export interface IndexedSession {
  readonly tenant: string;
  readonly subject: string;
  readonly sessionId: string;
  readonly amr: readonly AuthMethod[];
  readonly clientIp?: string | null | undefined;
  readonly userAgent?: string | undefined;
  readonly at: number;
  readonly idleExpiresAt: number;
  readonly absoluteExpiresAt: number;
}

/** The per-account session index over the store's entry lists (`null` lists: a store without them; nothing is indexed). */
export function createSessionIndex(store: SessionStore, maxConcurrent: MaxConcurrentSessions | null, now: () => number) {
  const lists: EntryLists | null = hasEntryLists(store) ? store : null;
  const named = { ...store, name: typeof store.name === 'string' ? store.name : 'custom' };
  if (maxConcurrent !== null && !lists) entryListsOf(named, 'session.maxConcurrent');
  const keyOf = (tenant: string, subject: string) => trustedKey(tenant, 'session-index', subject);
  const need = (feature: string): EntryLists => lists ?? entryListsOf(named, feature);
  /** `refuse`: a login under `refuse_new`; anything else evicts the oldest when full. */
  const addOptions = (at: number, refuse: boolean) =>
    maxConcurrent === null
      ? { now: at, limit: MAX_INDEXED_SESSIONS, whenFull: 'evict_oldest' as const }
      : { now: at, limit: maxConcurrent.limit, whenFull: refuse && maxConcurrent.mode === 'refuse_new' ? ('refuse' as const) : ('evict_oldest' as const) };

  return {
    enabled: lists !== null,
    keyOf,
    /**
     * Index a session being issued. `refused`: the limit is reached in `refuse_new` mode. `evicted`: live sessions
     * pushed out (their logout marks are the caller's to write), with how long each mark must live.
     */
    async add(s: IndexedSession, refuse: boolean): Promise<{ refused: boolean; evicted: readonly { sessionId: string; absoluteExpiresAt: number }[] }> {
      if (!lists) return { refused: false, evicted: [] };
      const ip = typeof s.clientIp === 'string' && s.clientIp.length <= MAX_INDEXED_IP ? s.clientIp : null;
      const data: IndexData = { ip, dev: deviceLabel(s.userAgent), amr: [...s.amr].slice(0, 8), aexp: s.absoluteExpiresAt };
      const entry: StoreEntry = { id: s.sessionId, createdAt: s.at, lastSeenAt: s.at, expiresAt: Math.min(s.idleExpiresAt, s.absoluteExpiresAt), data: JSON.stringify(data) };
      const result = await lists.addEntry(keyOf(s.tenant, s.subject), entry, addOptions(s.at, refuse));
      if (!result.added) return { refused: true, evicted: [] };
      return { refused: false, evicted: result.evicted.map((e) => ({ sessionId: e.id, absoluteExpiresAt: parseData(e.data)?.aexp ?? e.expiresAt })) };
    },
    /** Moved forward on a refresh: last seen now, live until the new idle deadline. A failure is ignored (the entry is a view). */
    async touch(tenant: string, subject: string, sessionId: string, at: number, idleExpiresAt: number): Promise<void> {
      if (!lists) return;
      await lists.touchEntry(keyOf(tenant, subject), sessionId, at, idleExpiresAt, at).catch(() => false);
    },
    async list(tenant: string, subject: string): Promise<readonly SessionInfo[]> {
      const entries = await need('listSessions').listEntries(keyOf(tenant, subject), now());
      const out: SessionInfo[] = [];
      for (const e of entries) {
        const info = toInfo(e);
        if (info) out.push(info);
      }
      return out;
    },
    need,
    async remove(tenant: string, subject: string, sessionId: string): Promise<void> {
      if (!lists) return;
      await lists.removeEntry(keyOf(tenant, subject), sessionId, now());
    },
    async clear(tenant: string, subject: string): Promise<void> {
      if (!lists || typeof store.delete !== 'function') return;
      await store.delete(keyOf(tenant, subject));
    },
  };
}

/** Check a `maxConcurrent` option. */
export function checkMaxConcurrent(value: unknown): MaxConcurrentSessions | null {
  if (value === undefined || value === null) return null;
  const v = value as Partial<MaxConcurrentSessions>;
  if (typeof v !== 'object' || !Number.isSafeInteger(v.limit) || (v.limit as number) < 1 || (v.limit as number) > MAX_INDEXED_SESSIONS || (v.mode !== 'evict_oldest' && v.mode !== 'refuse_new')) {
    throw new KanmonError('ERR_INVALID_ARGUMENT', `maxConcurrent must be null or { limit: 1–${MAX_INDEXED_SESSIONS}, mode: 'evict_oldest' | 'refuse_new' }`);
  }
  return { limit: v.limit as number, mode: v.mode };
}
