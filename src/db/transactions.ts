/**
 * A transaction that writes after it reads. SQLite starts a plain `begin` as a reader; when its first
 * write comes after another process (a second web process) committed, SQLite cannot wait for the
 * lock — the reader's snapshot is already stale — and fails at once with SQLITE_BUSY, which the
 * pages answer 503. `begin immediate` takes the write lock first, so a second save waits its turn
 * (up to the busy timeout, connect.ts) instead. Measured with the attendance bell (BENCHMARKS.md, issue 19).
 * PostgreSQL's transactions need no such care: its row locks and constraints decide.
 */
import { PostgresAdapter, sql, type Kysely } from 'kysely';
import type { DB } from './schema.js';

export async function writeTransaction<T>(db: Kysely<DB>, fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return db.transaction().execute(fn);
  return db.connection().execute(async (connection) => {
    await sql`begin immediate`.execute(connection);
    try {
      const result = await fn(connection);
      await sql`commit`.execute(connection);
      return result;
    } catch (error) {
      await sql`rollback`.execute(connection);
      throw error;
    }
  });
}
