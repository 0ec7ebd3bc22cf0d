/**
 * Queries built once. Kysely builds and compiles a query anew at every call — for the statements every
 * request or every sign-in runs, that was a third of the main thread's work during a sign-in storm
 * (BENCHMARKS.md). A prepared query is built once per database handle with placeholder values, compiled,
 * and from then on run with the real values put in the placeholders' places. Same SQL text each time,
 * so SQLite's statement cache and PostgreSQL's per-connection prepared statements (connect.ts) apply.
 *
 * Only for queries whose shape does not depend on the values: every value must reach the SQL as a bound
 * parameter (an `in` list of varying length needs one prepared query per length).
 */
import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import type { DB } from './schema.js';

type Value = string | number | null;

const PLACEHOLDER = '\u0000homeroom-parameter:';

export class PreparedQueryError extends Error {}

/** `build(db, p)` makes the query from `p`, whose values are placeholders while it is compiled; the returned function runs it with real values. */
export function prepared<P extends Record<string, Value>, R>(build: (db: Kysely<DB>, p: P) => Compilable<R>) {
  // Per dialect adapter, not per Kysely object: a transaction is a new Kysely object on the same
  // dialect, and the SQL is the same in and out of it. (Plugins that rewrite queries would not see a
  // prepared query; Homeroom has none — tests count queries with one.)
  const compiled = new WeakMap<object, { query: CompiledQuery<R>; slots: (string | null)[] }>();
  return async (db: Kysely<DB>, values: P): Promise<R[]> => {
    const adapter = db.getExecutor().adapter;
    let entry = compiled.get(adapter);
    if (!entry) {
      const placeholders = Object.fromEntries(Object.keys(values).map((k) => [k, `${PLACEHOLDER}${k}`])) as unknown as P;
      const query = build(db, placeholders).compile();
      const slots = query.parameters.map((v) => (typeof v === 'string' && v.startsWith(PLACEHOLDER) ? v.slice(PLACEHOLDER.length) : null));
      // A value that did not become a parameter (inlined, transformed) would be run with the placeholder's text.
      const missing = Object.keys(values).filter((k) => !slots.includes(k));
      if (missing.length > 0 || query.sql.includes(PLACEHOLDER)) throw new PreparedQueryError(`values not bound as parameters: ${missing.join(', ')}`);
      entry = { query, slots };
      compiled.set(adapter, entry);
    }
    const { query, slots } = entry;
    const parameters = query.parameters.map((v, i) => {
      const name = slots[i];
      return name === null || name === undefined ? v : values[name];
    });
    return (await db.executeQuery<R>({ ...query, parameters })).rows;
  };
}
