import { sql } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import { recordSignIn } from '../../src/domain/accounts/repository.js';
import { newSession } from '../../src/domain/accounts/sessions.js';
import { auditRow } from '../../src/domain/audit/service.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { describeEachEngine } from '../support/db.js';

const settings = { sessionIdleMinutes: 30, sessionAbsoluteHours: 12, rememberDeviceDays: 30 };
const now = new Date('2026-11-26T07:00:00Z');

describeEachEngine('a sign-in’s writes', (get, engine) => {
  let accountId: number;
  beforeAll(async () => {
    await loadDemo(get(), { students: 10, seed: 5, startYear: 2026 });
    accountId = (await get().db.selectFrom('user_accounts').select('id').orderBy('id').executeTakeFirstOrThrow()).id;
  });

  const signIn = (replaces: string | null, session = newSession(accountId, { persistent: false, ip: '192.0.2.7', userAgent: 'test', settings, now })) =>
    recordSignIn(get().db, {
      audit: auditRow({ action: 'sign_in', actorAccountId: accountId, subjectType: 'user_account', subjectId: accountId, ip: '192.0.2.7' }, now),
      session: session.row,
      replaces,
    }).then(() => session);

  const sessions = () => get().db.selectFrom('sessions').select('id').where('account_id', '=', accountId).execute();
  const signIns = async () =>
    (await get().db.selectFrom('audit_log').select('id').where('action', '=', 'sign_in').where('subject_id', '=', accountId).execute()).length;

  it('writes the audit row and the new session, and ends the session it replaces', async () => {
    const first = await signIn(null);
    const second = await signIn(first.started.id);
    expect((await sessions()).map((s) => s.id)).toEqual([second.started.id]);
    expect(await signIns()).toBe(2);
    const row = await get().db.selectFrom('sessions').selectAll().where('id', '=', second.started.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ account_id: accountId, ip: '192.0.2.7', user_agent: 'test', persistent: 0, created_at: now.toISOString() });
  });

  it('writes nothing when one of its writes fails', async () => {
    const [current] = await sessions();
    const before = await signIns();
    // The same session id again: the session insert fails, so the audit row and the end of the
    // replaced session must not stay either.
    const again = newSession(accountId, { persistent: false, ip: null, userAgent: null, settings, now });
    await signIn(null, again);
    await expect(signIn(current!.id, again)).rejects.toThrow();
    expect(await signIns()).toBe(before + 1);
    expect((await sessions()).map((s) => s.id).sort()).toEqual([current!.id, again.started.id].sort());
  });

  // PostgreSQL plans a prepared statement once for all values after its fifth run; a statement that
  // deleted `where id = NULL` was planned as a read of the whole table while the table was small, and
  // kept that plan as it grew: every sign-in read every session.
  it.runIf(engine === 'postgres')('does not read the sessions table when there is no session to end', async () => {
    await get()
      .db.transaction()
      .execute(async (trx) => {
        // the counts of this connection not yet sent to the server's statistics (earlier work included)
        const scans = async () => Number((await sql<{ seq_scan: string }>`select seq_scan from pg_stat_xact_user_tables where relname = 'sessions'`.execute(trx)).rows[0]!.seq_scan);
        const before = await scans();
        for (let i = 0; i < 12; i++) {
          const session = newSession(accountId, { persistent: false, ip: null, userAgent: null, settings, now });
          await recordSignIn(trx, { audit: auditRow({ action: 'sign_in', actorAccountId: accountId, ip: null }, now), session: session.row, replaces: null });
        }
        expect((await scans()) - before).toBe(0);
      });
  });
});
