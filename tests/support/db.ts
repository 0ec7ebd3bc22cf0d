/**
 * Test databases: every test file gets its own, on SQLite (in memory) and, when TEST_DATABASE_URL
 * is set, on a fresh PostgreSQL database created for it and dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, beforeAll, afterAll } from 'vitest';
import { connect, type Database, type Dialect } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';

export const PG_URL = process.env.TEST_DATABASE_URL;
export const ENGINES: Dialect[] = PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];

export interface TestDatabase extends Database {
  /** for a second connection to the same database (PostgreSQL; in-memory SQLite has none) */
  url: string | null;
  drop(): Promise<void>;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function freshDatabase(engine: Dialect, { migrate = true } = {}): Promise<TestDatabase> {
  if (engine === 'sqlite') {
    const database = await connect('sqlite::memory:');
    if (migrate) await migrateToLatest(database);
    return { ...database, url: null, drop: () => database.close() };
  }
  if (!PG_URL) throw new Error('TEST_DATABASE_URL is not set');
  const name = `homeroom_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`create database ${name}`));
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  const database = await connect(url.toString(), { poolSize: 4 });
  if (migrate) await migrateToLatest(database);
  return {
    ...database,
    url: url.toString(),
    drop: async () => {
      await database.close();
      await admin((c) => c.query(`drop database if exists ${name} with (force)`));
    },
  };
}

/** Runs the same suite on every engine, each with its own fresh database. */
export function describeEachEngine(name: string, suite: (get: () => TestDatabase, engine: Dialect) => void): void {
  for (const engine of ENGINES) {
    describe(`${name} [${engine}]`, () => {
      let database: TestDatabase | undefined;
      beforeAll(async () => {
        database = await freshDatabase(engine);
      });
      afterAll(async () => {
        await database?.drop();
      });
      suite(() => {
        if (!database) throw new Error('database not ready');
        return database;
      }, engine);
    });
  }
}

/** Every row of every table, ordered, as plain JSON: for comparing two databases. */
export async function dumpAll(database: Database): Promise<Record<string, unknown[]>> {
  const { TABLES_IN_FK_ORDER } = await import('../../src/db/bulk.js');
  const out: Record<string, unknown[]> = {};
  for (const table of TABLES_IN_FK_ORDER) {
    const rows = await database.db.selectFrom(table).selectAll().execute();
    const sorted = rows
      .map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)))))
      .sort();
    out[table] = sorted.map((s) => JSON.parse(s));
  }
  return out;
}
