/**
 * A session's last-seen time is written at most once a minute and never waited for: on PostgreSQL a
 * request whose session row another request holds (several pages of one session at once) skips the
 * write instead of queueing behind it. On SQLite the write lock's case is tests/db/background-writes.
 */
import pg from 'pg';
import { expect, it } from 'vitest';
import { touchSession } from '../../src/domain/accounts/repository.js';
import { describeEachEngine } from '../support/db.js';
import { account, guardian } from '../support/factories.js';

const ID = 'f'.repeat(64);
const SEEN = '2027-03-01T08:00:00.000Z';
const LATER = '2027-03-01T08:05:00.000Z';

describeEachEngine('touchSession', (get, engine) => {
  it('writes the last-seen time of the session, and of no other', async () => {
    const { db } = get();
    const g = await guardian(db, { email: 'touch.one@fixture.example.org' });
    const a = await account(db, { guardian: g });
    const row = { account_id: a.id, created_at: SEEN, last_seen_at: SEEN, expires_at: '2027-04-01T08:00:00.000Z', persistent: 0 as const, ip: null, user_agent: null };
    await db.insertInto('sessions').values([{ id: ID, ...row }, { id: 'e'.repeat(64), ...row }]).execute();
    await touchSession(db, ID, LATER);
    const rows = await db.selectFrom('sessions').select(['id', 'last_seen_at']).where('account_id', '=', a.id).orderBy('id').execute();
    expect(rows.map((r) => [r.id[0], new Date(r.last_seen_at).toISOString()])).toEqual([
      ['e', SEEN],
      ['f', LATER],
    ]);
  });

  if (engine === 'postgres')
    it('skips the write while another request holds the session row, and writes it once free', async () => {
      const database = get();
      const { db } = database;
      await db.updateTable('sessions').set({ last_seen_at: SEEN }).where('id', '=', ID).execute();
      const other = new pg.Client({ connectionString: database.url! });
      await other.connect();
      try {
        await other.query('begin');
        await other.query('select id from sessions where id = $1 for update', [ID]);
        // Waiting here for the row would never end: the lock is released only after this returns.
        await touchSession(db, ID, LATER);
        await other.query('commit');
      } finally {
        await other.end();
      }
      const skipped = await db.selectFrom('sessions').select('last_seen_at').where('id', '=', ID).executeTakeFirstOrThrow();
      expect(new Date(skipped.last_seen_at).toISOString()).toBe(SEEN);
      await touchSession(db, ID, LATER);
      const written = await db.selectFrom('sessions').select('last_seen_at').where('id', '=', ID).executeTakeFirstOrThrow();
      expect(new Date(written.last_seen_at).toISOString()).toBe(LATER);
    });
});

