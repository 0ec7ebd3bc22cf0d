import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect, openConnections, type Database } from '../../src/db/connect.js';
import { prepared } from '../../src/db/prepared.js';
import type { DB } from '../../src/db/schema.js';
import { describeEachEngine } from '../support/db.js';

describeEachEngine('PostgreSQL connections are replaced', (get, engine) => {
  let short: Database | undefined;
  beforeAll(async () => {
    if (engine === 'postgres') short = await connect(get().url!, { poolSize: 1, connectionLifetimeSeconds: 1 });
  });
  afterAll(() => short?.close());

  const byKey = prepared((db, p: { key: string }) => db.selectFrom('throttle').select('failures').where('key', '=', p.key));
  /**
   * `run`, in one transaction on one connection, given a counter of the whole-table reads of the
   * throttle table so far (the connection's counts are sent to the server's statistics, and start
   * again, only between transactions; and pg-pool replaces a connection only when it is not in use).
   */
  const inOneTransaction = <T>(run: (conn: Kysely<DB>, scans: () => Promise<number>) => Promise<T>) =>
    short!.db.transaction().execute((conn) =>
      run(conn, async () => Number((await sql<{ n: string }>`select seq_scan as n from pg_stat_xact_user_tables where relname = 'throttle'`.execute(conn)).rows[0]!.n)),
    );

  it.runIf(engine === 'postgres')('so that a plan made for a small table does not outlive the connection', async () => {
    const db = short!.db;
    const pid = async () => (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db)).rows[0]!.pid;
    const first = await pid();
    await db.insertInto('throttle').values({ key: 'small', failures: 1, window_start: '2026-11-26T08:00:00.000Z', blocked_until: null }).execute();
    // its statistics, as autovacuum or a load would leave them: one row
    await sql`analyze throttle`.execute(db);
    const staleReads = await inOneTransaction(async (conn, scans) => {
      // More than five runs: PostgreSQL settles on one plan for all values of the named statement,
      // made for a table of one row: read it whole.
      for (let i = 0; i < 8; i++) await byKey(conn, { key: 'small' });
      // The table grows (an attack's counters), and the same connection reads all of it for one key.
      await sql`insert into throttle (key, failures, window_start) select 'k' || g, 1, '2026-11-26T08:00:00.000Z' from generate_series(1, 20000) g`.execute(conn);
      const before = await scans();
      expect(await byKey(conn, { key: 'k7' })).toEqual([{ failures: 1 }]);
      return (await scans()) - before;
    });
    expect(staleReads).toBe(1);
    // Once the connection's lifetime has passed, a new connection plans again: the index.
    // (pg-pool ends the connection at its first idle moment after the second: asked every 200 ms, up to 10 s)
    let now = first;
    for (let i = 0; i < 50 && now === first; i++) {
      await new Promise((r) => setTimeout(r, 200));
      now = await pid();
    }
    expect(now).not.toBe(first);
    const freshReads = await inOneTransaction(async (conn, scans) => {
      const before = await scans();
      for (let i = 0; i < 8; i++) expect(await byKey(conn, { key: 'k7' })).toEqual([{ failures: 1 }]);
      return (await scans()) - before;
    });
    expect(freshReads).toBe(0);
  });
});

describeEachEngine('a web process opens its PostgreSQL connections before it listens', (get, engine) => {
  it.runIf(engine === 'postgres')('every connection of the pool is open, idle and ready, before the first request', async () => {
    const name = `homeroom-open-${process.pid}-${Date.now()}`;
    const url = new URL(get().url!);
    url.searchParams.set('application_name', name);
    const database = await connect(url.toString(), { poolSize: 4 });
    try {
      const count = async () =>
        Number((await sql<{ n: string }>`select count(*) as n from pg_stat_activity where application_name = ${name}`.execute(get().db)).rows[0]!.n);
      // connect() itself asked one question: one connection
      expect(await count()).toBe(1);
      await openConnections(database);
      expect(await count()).toBe(4);
    } finally {
      await database.close();
    }
  });
  it.runIf(engine === 'sqlite')('SQLite has no pool: nothing to open', async () => {
    await expect(openConnections(get())).resolves.toBeUndefined();
  });
});
