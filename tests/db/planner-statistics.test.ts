/**
 * SQLite's planner statistics follow the tables (refreshPlannerStatistics, run by housekeeping): made when
 * a table was small, they are brought up to date once it has grown, without waiting for the write lock.
 * Stale statistics made SQLite scan every account for each child of the low-balance notices (BENCHMARKS.md).
 */
import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { refreshPlannerStatistics, type Database } from '../../src/db/connect.js';
import { holdWriteLock, sqliteFilePerTest } from '../support/sqlite-lock.js';
import { freshDatabase, PG_URL } from '../support/db.js';

const statOf = async (database: Database, index: string) =>
  (await sql<{ stat: string }>`select stat from sqlite_stat1 where idx = ${index}`.execute(database.db)).rows[0]?.stat ?? null;

/** Guardians and their accounts, written for the test: `count` of each. */
async function addAccounts(database: Database, from: number, count: number): Promise<void> {
  const t = '2027-01-04T12:00:00.000Z';
  for (let i = from; i < from + count; i += 500) {
    const ids = Array.from({ length: Math.min(500, from + count - i) }, (_, k) => i + k);
    const guardians = await database.db
      .insertInto('guardians')
      .values(ids.map((n) => ({ first_name: `G${n}`, last_name: 'Test', created_at: t, updated_at: t, updated_by: null })))
      .returning('id')
      .execute();
    await database.db
      .insertInto('user_accounts')
      .values(guardians.map((g, k) => ({ username: `g${ids[k]}`, username_key: `g${ids[k]}`, person_kind: 'guardian' as const, guardian_id: g.id, created_at: t, updated_at: t, updated_by: null })))
      .execute();
  }
}

describe('SQLite planner statistics', () => {
  let database: Database;
  let file: string;
  const sqlite = sqliteFilePerTest('stats');
  beforeEach(() => {
    database = sqlite.database();
    file = sqlite.file();
  });

  it('are brought up to date after a table grew, and the plan follows them', async () => {
    await addAccounts(database, 0, 8);
    await sql`analyze`.execute(database.db);
    expect(await statOf(database, 'user_accounts_guardian_id')).toMatch(/^8 /);
    await addAccounts(database, 8, 3000);
    expect(await refreshPlannerStatistics(database.db)).toBe(true);
    expect(await statOf(database, 'user_accounts_guardian_id')).toMatch(/^3008 /);
    // The audience of a child's notices starts from the child's links, not from every account.
    const plan = await sql<{ detail: string }>`explain query plan
      select ua.id from student_guardians sg inner join user_accounts ua on ua.guardian_id = sg.guardian_id
       where sg.portal_access = 1 and sg.student_id in (1, 2, 3) order by ua.id`.execute(database.db);
    expect(plan.rows.map((r) => r.detail).join('\n')).not.toMatch(/SCAN ua\b/);
  });

  it('give way while another connection holds the write lock, and are made at the next try', async () => {
    await addAccounts(database, 0, 8);
    await sql`analyze`.execute(database.db);
    await addAccounts(database, 8, 3000);
    const lock = await holdWriteLock(file);
    try {
      expect(await refreshPlannerStatistics(database.db)).toBe(false);
    } finally {
      await lock.release();
    }
    expect(await statOf(database, 'user_accounts_guardian_id')).toMatch(/^8 /);
    expect(await refreshPlannerStatistics(database.db)).toBe(true);
    expect(await statOf(database, 'user_accounts_guardian_id')).toMatch(/^3008 /);
  });
});

describe.skipIf(!PG_URL)('PostgreSQL planner statistics', () => {
  it('are left to autovacuum: nothing is run', async () => {
    const database = await freshDatabase('postgres');
    try {
      expect(await refreshPlannerStatistics(database.db)).toBe(false);
    } finally {
      await database.drop();
    }
  });
});
