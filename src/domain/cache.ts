/**
 * A small per-process cache for data that changes a few times a year and that every page reads (the
 * year's terms, grading scales, the school calendar, announcements): kept for a few seconds per
 * database, so a change shows within that time on every process.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

export function ttlCache<V>(ttlMs: number) {
  const byDb = new WeakMap<Kysely<DB>, Map<string, { at: number; value: Promise<V> }>>();
  return (db: Kysely<DB>, key: string, load: () => Promise<V>): Promise<V> => {
    let entries = byDb.get(db);
    if (!entries) {
      entries = new Map();
      byDb.set(db, entries);
    }
    const hit = entries.get(key);
    const now = Date.now();
    if (hit && now - hit.at < ttlMs) return hit.value;
    const value = load();
    entries.set(key, { at: now, value });
    // A failed load is not kept; old entries go when the map grows.
    value.catch(() => entries.delete(key));
    if (entries.size > 1_000) for (const [k, e] of entries) if (now - e.at >= ttlMs) entries.delete(k);
    return value;
  };
}
