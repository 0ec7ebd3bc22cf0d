/**
 * A small per-process cache for data that changes rarely and that every page reads (the year's terms,
 * grading scales, the school calendar, announcements, a student's classes): kept for half a minute or a
 * minute per database, so a change shows within that time on every process.
 *
 * Entries are kept in the order they were loaded, so expired ones are dropped from the front in time
 * proportional to their number; past `maxEntries` the oldest go first.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

export function ttlCache<V>(ttlMs: number, maxEntries = 20_000) {
  const byDb = new WeakMap<Kysely<DB>, Map<string, { at: number; value: Promise<V> }>>();
  const cached = (db: Kysely<DB>, key: string, load: () => Promise<V>): Promise<V> => {
    let entries = byDb.get(db);
    if (!entries) {
      entries = new Map();
      byDb.set(db, entries);
    }
    const hit = entries.get(key);
    const now = Date.now();
    if (hit && now - hit.at < ttlMs) return hit.value;
    const value = load();
    // Deleted first, so the new entry goes to the end: the map stays in load order.
    entries.delete(key);
    entries.set(key, { at: now, value });
    // A failed load is not kept.
    value.catch(() => {
      if (entries.get(key)?.value === value) entries.delete(key);
    });
    for (const [k, e] of entries) {
      if (now - e.at < ttlMs && entries.size <= maxEntries) break;
      entries.delete(k);
    }
    return value;
  };
  /** Forgets every entry of a database: the writer of the cached data calls it, so this process's next read sees the write. */
  const clear = (db: Kysely<DB>): void => {
    byDb.get(db)?.clear();
  };
  return Object.assign(cached, { clear });
}
