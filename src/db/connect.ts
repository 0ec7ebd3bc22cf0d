/**
 * Opens the database named by a URL: `sqlite:<file>` (embedded, the default) or `postgres://…`.
 * Both engines hand the application the same JS values (see schema.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, sql, type DatabaseConnection, type Driver, type RawBuilder, type SqlBool } from 'kysely';
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { DB } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

/**
 * A condition that is always true and, on PostgreSQL, lets the transaction of the statement it is in
 * commit without waiting for its WAL to reach the disk (`synchronous_commit` off for that transaction
 * only: `set_config(…, true)` is `SET LOCAL`). The write is visible at once and on disk a moment later
 * (the WAL writer's next round); only a crash of the database server itself in between undoes it. For
 * writes whose undoing is harmless by design — a delivery marked sent, which undone is a delivery
 * begun and never ended, counted as sent (ADR 0055) — where the wait for the disk was most of the
 * statement's time. SQLite (WAL, synchronous NORMAL) does not wait for the disk at a commit anyway.
 */
export function commitWithoutWaiting(dialect: Dialect): RawBuilder<SqlBool> {
  return dialect === 'postgres' ? sql<SqlBool>`set_config('synchronous_commit', 'off', true) is not null` : sql<SqlBool>`1 = 1`;
}

export interface Database {
  db: Kysely<DB>;
  dialect: Dialect;
  /** the URL without a password, for logs */
  label: string;
  close(): Promise<void>;
}

const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
    const b = pg.types.builtins;
    if (oid === b.TIMESTAMPTZ || oid === b.TIMESTAMP) {
      const parse = pg.types.getTypeParser(oid, 'text') as (v: string) => Date;
      return (v: string) => parse(v).toISOString();
    }
    if (oid === b.DATE) return (v: string) => v;
    // counts and sums: numbers, as on SQLite (ids and counts stay far below 2^53)
    if (oid === b.INT8 || oid === b.NUMERIC) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown;
  },
};

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

export function sqlitePath(url: string): string {
  const file = url.replace(/^sqlite:(\/\/)?/, '');
  return file === ':memory:' ? file : path.resolve(file);
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

/**
 * Kysely prepares every query anew; SQLite's prepare is a good part of a simple query's time. The same
 * SQL text gets the same prepared statement back (better-sqlite3 statements are reusable; the driver
 * runs one query at a time). The cache is bounded: queries with varying IN-lists make new texts. Large
 * statements (over 2,000 characters) have a few places of their own, so that they cannot crowd out the
 * ordinary ones: the bulk writer's multi-row inserts repeat one text per table (bulk.ts), while a large
 * IN-list rarely repeats.
 */
function withStatementCache(sqlite: SQLite.Database, size = 500, largeSize = 8) {
  const small = new Map<string, SQLite.Statement>();
  const large = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      const [cache, limit] = sql.length > 2_000 ? [large, largeSize] : [small, size];
      let statement = cache.get(sql);
      if (statement) {
        cache.delete(sql);
      } else {
        statement = sqlite.prepare(sql);
        if (cache.size >= limit) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sql, statement);
      return statement;
    },
  };
}

/** How much of a SQLite database file is read through a memory map (SQLite's mmap_size). */
export const SQLITE_MMAP_BYTES = 2 * 1024 ** 3;

export interface ConnectOptions {
  poolSize?: number;
  /** PostgreSQL: how long a connection, with its prepared statements and their plans, is kept (seconds) */
  connectionLifetimeSeconds?: number;
  /** SQLite: 'full' syncs the write-ahead log at every commit; 'normal' at checkpoints (ADR 0016) */
  sqliteSynchronous?: 'normal' | 'full';
}

/**
 * A PostgreSQL connection is replaced after this long (once it is idle). PostgreSQL plans a named
 * statement once for all values after its fifth run and keeps that plan for the connection's life; it
 * plans again when the table's statistics change, which is autovacuum's ANALYZE — late on a table that
 * grows fast (the sessions of a morning, the throttle counters during an attack), never where
 * autovacuum is off. A plan made while a table was a few rows reads the whole table; with this
 * lifetime, such a plan lasts a minute at most. A new connection costs a server process and planning
 * each of its statements afresh (up to about 2 ms for the portal's largest joins: BENCHMARKS.md), once per
 * connection a minute; connections opened together are replaced together.
 */
export const PG_CONNECTION_LIFETIME_SECONDS = 60;

const statementNames = new Map<string, string>();
/** The most SQL texts whose statement names are remembered (IN-lists of varying length make new texts). */
const STATEMENT_NAMES_KEPT = 2_000;

/**
 * A statement's name: a hash of its text, the same in every connection and every process. Remembered
 * per text, so that the hash is not computed at every query (a V8 profile of a sign-in storm showed
 * SHA-1 at about 2 % of the main thread’s busy time on PostgreSQL).
 */
export function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `hr_${createHash('sha1').update(text).digest('base64url')}`;
    if (statementNames.size >= STATEMENT_NAMES_KEPT) statementNames.clear();
    statementNames.set(text, name);
  }
  return name;
}

/**
 * Every parameterized query runs as a named prepared statement of its connection (the name is a hash
 * of its text), so PostgreSQL parses and plans a query once per connection instead of at every
 * request: for the portal's joins, planning cost more than running (measured: 1.9 ms against 0.15 ms).
 * Anything else that is passed to `query` (a COPY stream, a config object) goes through untouched.
 */
function preparePerConnection(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (config: unknown, values?: unknown, callback?: unknown) => {
    if (typeof config === 'string' && Array.isArray(values)) {
      const name = statementName(config);
      return callback === undefined ? query({ name, text: config, values }) : query({ name, text: config, values }, callback);
    }
    return callback === undefined ? (values === undefined ? query(config) : query(config, values)) : query(config, values, callback);
  };
}

const postgresPools = new WeakMap<Kysely<DB>, pg.Pool>();

/**
 * PostgreSQL: opens every connection of the pool now (a web process, before it listens), rather than
 * one by one under the first requests. A fresh server asked for 200 webhooks a second opened its twenty
 * connections (two processes) while requests queued behind them, and each new server process ran its
 * first statements with cold caches: its first seconds answered in up to 2 s (BENCHMARKS.md, issue 24).
 */
export async function openConnections(database: Database): Promise<void> {
  const pool = postgresPools.get(database.db);
  if (!pool) return;
  const clients = await Promise.all(Array.from({ length: pool.options.max }, () => pool.connect()));
  for (const client of clients) client.release();
}

/** PostgreSQL: how many connections the pool may open (null: SQLite, one connection). */
export function poolSizeOf(db: Kysely<DB>): number | null {
  return postgresPools.get(db)?.options.max ?? null;
}

/** How long a SQLite write waits for another connection's write lock. */
const SQLITE_BUSY_TIMEOUT_MS = 5_000;

export async function connect(url: string, options: ConnectOptions = {}): Promise<Database> {
  if (isPostgresUrl(url)) {
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      // A connection is worth keeping for a while: it holds its prepared statements and their plans,
      // and a new server process plans its first queries slowly (cold catalog caches). pg's default
      // closes connections idle for 10 s, which under uneven load meant re-planning every few seconds;
      // here a connection, idle or not, lives PG_CONNECTION_LIFETIME_SECONDS.
      idleTimeoutMillis: 0,
      // A server that does not answer (a network that drops packets) fails the query after 5 s, and
      // the page answers 503 "briefly unavailable", rather than hanging until the browser gives up.
      connectionTimeoutMillis: 5_000,
      maxLifetimeSeconds: options.connectionLifetimeSeconds ?? PG_CONNECTION_LIFETIME_SECONDS,
      // Every connection works in UTC (calendar dates never pass through a time zone), set before the
      // connection is first used: if that fails, the pool drops the connection and the query that
      // asked for it fails, rather than running in the server's time zone.
      onConnect: async (client) => {
        await client.query("SET TIME ZONE 'UTC'");
        preparePerConnection(client as pg.PoolClient);
      },
      types: pgTypes,
    });
    // An idle connection that the server ends (a restart, a failover, an administrator) is an 'error'
    // event on the pool: without a listener Node would stop the process. The pool opens a new one
    // at the next query, so there is nothing else to do.
    pool.on('error', () => undefined);
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    await sql`select 1`.execute(db);
    postgresPools.set(db, pool);
    return { db, dialect: 'postgres', label: redactUrl(url), close: () => db.destroy() };
  }
  if (!url.startsWith('sqlite:')) throw new Error(`Unsupported database URL: ${redactUrl(url)}`);
  const file = sqlitePath(url);
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${options.sqliteSynchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  // 64 MiB of page cache (the default is 2 MiB): large loads and reports stay in memory.
  sqlite.pragma('cache_size = -65536');
  // Reads through a memory map of the database file instead of a read() per page: no system call and
  // no copy out of the operating system's page cache per page (measured: see BENCHMARKS). SQLite as
  // built by better-sqlite3 maps at most 2 GiB; the rest of a larger file is read as before.
  sqlite.pragma(`mmap_size = ${SQLITE_MMAP_BYTES}`);
  const db = new Kysely<DB>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }) });
  sqliteDatabases.add(db);
  return { db, dialect: 'sqlite', label: `sqlite:${file}`, close: () => db.destroy() };
}

const sqliteDatabases = new WeakSet<Kysely<DB>>();

/** Whether this (root) Kysely instance is a SQLite database opened by `connect`. */
export const isSqlite = (db: Kysely<DB>): boolean => sqliteDatabases.has(db);

/**
 * A write that may be skipped, tried without waiting for SQLite's write lock: false when another
 * connection holds it. A SQLite write otherwise waits up to busy_timeout for the lock, and
 * better-sqlite3 waits synchronously: the whole process stops answering meanwhile (a page that only
 * refreshed its session's last-seen time waited for an import's write transaction: BENCHMARKS.md,
 * "A nightly 1 % delta"). Only for writes whose loss is harmless. PostgreSQL: the write is just run.
 */
export async function writeUnlessBusy(db: Kysely<DB>, write: (db: Kysely<DB>) => Promise<unknown>): Promise<boolean> {
  if (!sqliteDatabases.has(db)) {
    await write(db);
    return true;
  }
  // One connection held for the three statements: nothing else runs between them.
  return db.connection().execute(async (connection) => {
    await sql`pragma busy_timeout = 0`.execute(connection);
    try {
      await write(connection);
      return true;
    } catch (error) {
      if (String((error as { code?: string }).code).startsWith('SQLITE_BUSY')) return false;
      throw error;
    } finally {
      await sql`pragma busy_timeout = ${sql.raw(String(SQLITE_BUSY_TIMEOUT_MS))}`.execute(connection);
    }
  });
}

/** How long `writeInTurn` waits, in all, for SQLite's write lock before it gives up. */
const WRITE_IN_TURN_MS = 60_000;

/**
 * One short write transaction of a long background run (the notifications' decider, ADR 0054), taken
 * in turn with everyone else's writes. SQLite: tried with `writeUnlessBusy` (its `begin immediate` does
 * not wait for the lock); while another connection holds the lock, the process waits without blocking
 * (its event loop goes on serving pages) and tries again after a few milliseconds, up to a minute.
 * `BUSY` only comes at `begin`, before `work` ran, so `work` runs to its end at most once per attempt
 * and is rolled back whole if it fails. PostgreSQL: an ordinary transaction.
 * Returns what `work` returned and how long the transaction held the lock (milliseconds).
 */
async function writeInTurn<T>(db: Kysely<DB>, work: (trx: Kysely<DB>) => Promise<T>): Promise<{ result: T; heldMs: number }> {
  if (!sqliteDatabases.has(db)) {
    const t0 = performance.now();
    const result = await db.transaction().execute(work);
    return { result, heldMs: performance.now() - t0 };
  }
  const deadline = Date.now() + WRITE_IN_TURN_MS;
  for (let attempt = 0; ; attempt++) {
    const box: { out?: { result: T; heldMs: number } } = {};
    const written = await writeUnlessBusy(db, async (connection) => {
      const t0 = performance.now();
      const result = await connection.transaction().execute(work);
      box.out = { result, heldMs: performance.now() - t0 };
    });
    if (written && box.out) return box.out;
    if (Date.now() > deadline) throw Object.assign(new Error('SQLite write lock stayed taken for a minute'), { code: 'SQLITE_BUSY' });
    await new Promise((resolve) => setTimeout(resolve, Math.min(2 + attempt, 20)));
  }
}

/**
 * The short writes of one long run, taken in turn (`writeInTurn`), with a turn of the event loop before
 * each (a run in a web process lets its requests in between writes). Between two writes the run reads
 * and composes the next without the lock, and other processes' writes take it then. Keeps how many
 * writes there were and the longest hold, for the run's report. (Holding back further, to leave the lock
 * free at least as long as each write held it, was measured: a third more wall time for the run, ADR 0054.)
 */
export function writesInTurn(db: Kysely<DB>) {
  const stats = { writes: 0, longestMs: 0 };
  return {
    stats,
    async write<T>(work: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
      await new Promise((resolve) => setImmediate(resolve));
      const { result, heldMs } = await writeInTurn(db, work);
      stats.writes += 1;
      stats.longestMs = Math.max(stats.longestMs, heldMs);
      return result;
    },
  };
}

/**
 * SQLite's planner statistics (sqlite_stat1) brought up to date where a table has grown or shrunk a lot
 * since they were made: `pragma optimize`, bounded by `analysis_limit` (rows sampled per index). Only a
 * bulk load ran ANALYZE before, so a district whose accounts came later (the nightly parent run) kept the
 * statistics of a table of 8 accounts, and SQLite planned the low-balance notices' audience as a scan of
 * every account, once per child: 13.5 ms a notice at 100,000 students, 6.3 s for 300 children in one
 * statement (BENCHMARKS.md, "The low-balance notices"). ANALYZE writes, so it is tried without waiting
 * for the write lock (writeUnlessBusy): false when another connection holds it, or on PostgreSQL, whose
 * autovacuum analyzes by itself. Run by the housekeeping job every ten minutes; cheap when nothing changed.
 */
export async function refreshPlannerStatistics(db: Kysely<DB>): Promise<boolean> {
  if (!sqliteDatabases.has(db)) return false;
  return writeUnlessBusy(db, async (connection) => {
    await sql`pragma analysis_limit = 1000`.execute(connection);
    try {
      await sql`pragma optimize = 0x10002`.execute(connection);
    } finally {
      await sql`pragma analysis_limit = 0`.execute(connection);
    }
  });
}

/**
 * SQLite transactions begin IMMEDIATE: they take the write lock at `begin`. A plain `begin` starts as a
 * reader; when its first write comes after another process (a second web process, the worker) has
 * committed, its snapshot is stale, SQLite cannot wait for the lock and fails at once with SQLITE_BUSY
 * whatever the busy timeout — a save answered 503. Every transaction here reads and then writes (a
 * version check, a roster, a before for the audit), so every one takes the lock first, and a second
 * save waits its turn (busy_timeout) instead. Readers are never blocked (WAL). Found by the attendance
 * bell (BENCHMARKS.md, issue 19). PostgreSQL needs no such care: its row locks and constraints decide.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection: DatabaseConnection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    return driver;
  }
}
