import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect, type Database } from '../../src/db/connect.js';
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
   * Whole-table reads of the throttle table by `run`: counted in one transaction, on its connection
   * (the connection's counts are sent to the server's statistics, and start again, between transactions).
   */
  const scansDuring = async (run: (conn: Kysely<DB>) => Promise<unknown>) =>
    short!.db.transaction().execute(async (conn) => {
      const count = async () => Number((await sql<{ n: string }>`select seq_scan as n from pg_stat_xact_user_tables where relname = 'throttle'`.execute(conn)).rows[0]!.n);
      const before = await count();
      await run(conn);
      return (await count()) - before;
    });

  // A named statement planned for all values while the table was a few rows reads the whole table, and
  // without a new connection it would go on doing so however large the table grows.
  it.runIf(engine === 'postgres')('so that a plan made for a small table does not outlive the connection', async () => {
    const db = short!.db;
    const pid = async () => (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db)).rows[0]!.pid;
    const first = await pid();
    await db.insertInto('throttle').values({ key: 'small', failures: 1, window_start: '2026-11-26T08:00:00.000Z', blocked_until: null }).execute();
    // its statistics, as autovacuum or a load would leave them: one row
    await sql`analyze throttle`.execute(db);
    // more than five runs: PostgreSQL settles on one plan for all values, here a read of the table
    expect(
      await scansDuring(async (conn) => {
        for (let i = 0; i < 8; i++) await byKey(conn, { key: 'small' });
      }),
    ).toBeGreaterThan(0);
    // The table grows (an attack's counters) …
    await sql`insert into throttle (key, failures, window_start) select 'k' || g, 1, '2026-11-26T08:00:00.000Z' from generate_series(1, 20000) g`.execute(db);
    expect(await scansDuring((conn) => byKey(conn, { key: 'k7' }))).toBe(1);
    // … and once the connection's lifetime has passed, a new connection plans again: the index.
    // (pg-pool ends the connection at its first idle moment after the second: asked every 200 ms, up to 10 s)
    let now = first;
    for (let i = 0; i < 50 && now === first; i++) {
      await new Promise((r) => setTimeout(r, 200));
      now = await pid();
    }
    expect(now).not.toBe(first);
    expect(
      await scansDuring(async (conn) => {
        for (let i = 0; i < 8; i++) expect(await byKey(conn, { key: 'k7' })).toEqual([{ failures: 1 }]);
      }),
    ).toBe(0);
  });
});
