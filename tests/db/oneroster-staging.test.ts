/**
 * The loader's staging (issue 20, ADR 0052): a file of many batches is staged whole, in order, with the
 * rows of its extra tables (a user's agents), while on PostgreSQL the COPY of one batch runs as the next
 * is read. A COPY the server refuses, or a reader that fails in the middle of a file, ends the staging
 * with that error, and the run's connection is left ready for its next statement (no COPY left open).
 * The expected rows are computed here from the records written for the test.
 */
import { sql, type Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { createStaging, indexStaging, stageFile, Temporaries } from '../../src/domain/oneroster/load/staging.js';
import type { OneRosterFile, OneRosterPackage, RecordOf } from '../../src/domain/oneroster/records.js';
import { describeEachEngine, type TestDatabase } from '../support/db.js';
import { demographic, memoryPackage, user, type Records } from '../support/oneroster.js';

/** More users than several batches of either engine (SQLite 500, PostgreSQL 5,000 rows), each guardian listing two students. */
const USERS = 12_345;
function manyUsers(): Records {
  const users = [];
  for (let i = 1; i <= USERS; i++) {
    const agents = i % 3 === 0 ? [`U${i - 1}`, `U${i - 2}`] : [];
    users.push(user(`U${i}`, `Given${i}`, `Family\t${i}\\x`, { identifier: String(i).padStart(6, '0'), agentSourcedIds: agents, email: i % 2 === 0 ? null : `u${i}@example.com` }));
  }
  return { users };
}

/** The same package, failing (as a damaged zip would) when the reader reaches `line`. */
function failingAt(pkg: OneRosterPackage, line: number): OneRosterPackage {
  return {
    ...pkg,
    async *rows<K extends OneRosterFile>(file: K): AsyncIterable<RecordOf[K]> {
      for await (const r of pkg.rows(file)) {
        if (r.at.line === line) throw new Error(`the reader failed at line ${line}`);
        yield r;
      }
    },
  };
}

/** Runs `fn` on one connection with the staging tables made, dropping them afterwards. */
async function onStaging<T>(database: TestDatabase, fn: (conn: Kysely<any>) => Promise<T>): Promise<T> {
  return database.db.connection().execute(async (conn) => {
    const temps = new Temporaries(conn as unknown as Kysely<any>, database.dialect);
    await createStaging(temps);
    try {
      return await fn(conn as unknown as Kysely<any>);
    } finally {
      await temps.dropAll();
    }
  });
}

const count = async (conn: Kysely<any>, table: string) => Number((await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(conn)).rows[0]!.n);

describeEachEngine('OneRoster staging: batches, COPY and failures', (get) => {
  it('stages a file of many batches whole and in order, its agents with it', async () => {
    const records = manyUsers();
    const expectedAgents = records.users!.flatMap((u) => u.agentSourcedIds.map((agent) => ({ user_sid: u.sourcedId, agent })));
    await onStaging(get(), async (conn) => {
      const read = await stageFile(conn, get().dialect, memoryPackage(records), 'users');
      expect(read).toMatchObject({ file: 'users', rows: USERS });
      await indexStaging(conn);
      expect(await count(conn, 's_users')).toBe(USERS);
      // Every line once: lines 2 … USERS + 1.
      const lines = (await sql<{ min: number; max: number; n: number | string }>`select min(line) as min, max(line) as max, count(distinct line) as n from s_users`.execute(conn)).rows[0]!;
      expect({ min: Number(lines.min), max: Number(lines.max), n: Number(lines.n) }).toEqual({ min: 2, max: USERS + 1, n: USERS });
      // Rows on either side of a batch's end, and the last, with their values (a tab and a backslash kept as given).
      for (const i of [1, 500, 501, 4_999, 5_000, 5_001, 10_000, 10_001, USERS]) {
        const row = (await sql<{ sourced_id: string; line: number; family: string; identifier: string; email: string | null }>`
          select sourced_id, line, family, identifier, email from s_users where sourced_id = ${`U${i}`}`.execute(conn)).rows;
        expect(row.map((r) => ({ ...r, line: Number(r.line) }))).toEqual([
          { sourced_id: `U${i}`, line: i + 1, family: `Family\t${i}\\x`, identifier: String(i).padStart(6, '0'), email: i % 2 === 0 ? null : `u${i}@example.com` },
        ]);
      }
      const agents = (await sql<{ user_sid: string; agent: string }>`select user_sid, agent from s_agents`.execute(conn)).rows;
      const key = (a: { user_sid: string; agent: string }) => `${a.user_sid}>${a.agent}`;
      expect(agents.map(key).sort()).toEqual(expectedAgents.map(key).sort());
    });
  });

  it('a reader that fails in the middle of a file ends the staging with its error; the connection is ready for more', async () => {
    await onStaging(get(), async (conn) => {
      // Line 7,002 is the 7,001st user: in the second PostgreSQL batch, while the first is being copied.
      await expect(stageFile(conn, get().dialect, failingAt(memoryPackage(manyUsers()), 7_002), 'users')).rejects.toThrow('the reader failed at line 7002');
      const staged = await count(conn, 's_users');
      expect(staged).toBeLessThan(7_001);
      // The same connection stages another file, and queries it.
      const read = await stageFile(conn, get().dialect, memoryPackage({ demographics: [demographic('U1', '2011-03-04'), demographic('U2', null)] }), 'demographics');
      expect(read.rows).toBe(2);
      expect(await count(conn, 's_demographics')).toBe(2);
    });
  });

  it('a batch the database refuses ends the staging with the database error (PostgreSQL: a date its COPY cannot read)', async () => {
    // The reader never gives such a date (it checks each one); the staging must still not swallow the error.
    const demographics = Array.from({ length: 12_000 }, (_, i) => demographic(`U${i + 1}`, i === 7_000 ? '2011-02-30' : '2011-03-04'));
    await onStaging(get(), async (conn) => {
      const staging = stageFile(conn, get().dialect, memoryPackage({ demographics }), 'demographics');
      if (get().dialect === 'postgres') {
        await expect(staging).rejects.toThrow(/date/);
        expect(await count(conn, 's_demographics')).toBeLessThan(7_001);
      } else {
        // SQLite keeps a date as text: the whole file is staged.
        expect((await staging).rows).toBe(12_000);
        expect(await count(conn, 's_demographics')).toBe(12_000);
      }
      expect(Number((await sql<{ n: number }>`select 1 as n`.execute(conn)).rows[0]!.n)).toBe(1);
    });
  });
});
