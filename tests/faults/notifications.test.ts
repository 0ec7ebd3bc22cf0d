/**
 * The notifications' decider through a crash (issue 22): a worker killed in the middle of a write (after
 * it wrote some notifications, before that write's commit), then a healthy one. Each person who may see
 * a change gets exactly one notification of it and one email delivery: nothing lost, nothing twice.
 * Who may see it is worked out here with the portal-link rule written out in SQL, not with the decider.
 * And a worker killed between two of a batch's writes (ADR 0054): what the first committed stays, whole, and
 * the next worker adds the rest without a second notification or email.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { recordChanges } from '../../src/domain/changes/service.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { NOTIFICATIONS_JOB } from '../../src/domain/notifications/service.js';
import { enqueue } from '../../src/jobs/queue.js';
import { describeFaults, homeroom, tally } from './support.js';

describeFaults('notifications through a crash mid-batch', (get) => {
  it('tells each person once of each change, after a worker was killed mid-batch', async () => {
    const { db } = get();
    await loadDemo(get(), { students: 40, seed: 31, startYear: 2026 });
    // A posted term grade for every student, recorded 20 minutes ago: past the 15-minute grace period.
    const students = await db.selectFrom('students').select(['id', 'school_id', 'student_number']).execute();
    // Every student signs in (the demo makes only a few accounts): one account each, made here.
    const withAccount = new Set((await db.selectFrom('user_accounts').select('student_id').where('student_id', 'is not', null).execute()).map((a) => a.student_id));
    const stamp = new Date().toISOString();
    await db
      .insertInto('user_accounts')
      .values(
        students
          .filter((s) => !withAccount.has(s.id))
          .map((s) => ({ username: `crash-${s.student_number}`, username_key: `crash-${s.student_number}`, password_hash: null, status: 'active' as const, must_change_password: 0 as const, security_email: null, security_email_confirmed_at: null, person_kind: 'student' as const, student_id: s.id, guardian_id: null, staff_id: null, locale: null, created_at: stamp, updated_at: stamp, updated_by: null })),
      )
      .execute();
    const at = new Date(Date.now() - 20 * 60_000);
    await db.transaction().execute((trx) =>
      recordChanges(trx, students.map((s) => ({ kind: 'term_grade', action: 'created', subjectId: s.id, studentId: s.id, schoolId: s.school_id, after: { letter: 'B', percent: 85 }, actorAccountId: null })), at),
    );
    const expected = (
      await sql<{ account_id: number; student_id: number }>`
        select ua.id as account_id, ua.student_id from user_accounts ua where ua.person_kind = 'student' and ua.status = 'active' and ua.student_id is not null
        union
        select ua.id, sg.student_id from student_guardians sg join user_accounts ua on ua.guardian_id = sg.guardian_id
         where sg.portal_access = 1 and sg.rights_revoked = 0 and ua.person_kind = 'guardian' and ua.status = 'active'`.execute(db)
    ).rows.map((r) => `${r.account_id}:${r.student_id}`);
    expect(expected.length).toBeGreaterThan(40);
    await enqueue(db, { kind: NOTIFICATIONS_JOB }, new Date());

    const first = await homeroom(get(), ['worker', '--until-idle'], { fault: 'notify.after-notification:4' });
    expect(first.signal, first.stderr).toBe('SIGKILL');
    // The notification and its deliveries were one write transaction (of a few hundred): nothing of it stayed.
    expect(await db.selectFrom('notifications').select('id').execute()).toEqual([]);
    expect((await db.selectFrom('notification_cursor').select('decided_through').executeTakeFirstOrThrow()).decided_through).toBe(0);

    const second = await homeroom(get(), ['worker', '--until-idle']);
    expect(second.code, second.stderr).toBe(0);
    const written = await db.selectFrom('notifications').select(['account_id', 'student_id']).where('kind', '=', 'termGrade').execute();
    const counts = tally(written.map((n) => `${n.account_id}:${n.student_id}`));
    expect(counts).toEqual(new Map(expected.map((k) => [k, 1])));
    const deliveries = await db.selectFrom('notification_deliveries').select(['notification_id', 'channel']).execute();
    expect(tally(deliveries.map((d) => `${d.notification_id}:${d.channel}`)).size).toBe(deliveries.length);
  });
});

describeFaults('notifications through a crash between two writes', (get) => {
  it('keeps what the first write committed, and the next worker writes the rest: each notification and its email once', async () => {
    const { db } = get();
    await loadDemo(get(), { students: 200, seed: 32, startYear: 2026 });
    // Every student and guardian signs in, with a confirmed address: one account each where the demo made none.
    const stamp = new Date().toISOString();
    for (const [kind, table, column] of [['student', 'students', 'student_id'], ['guardian', 'guardians', 'guardian_id']] as const) {
      await sql`insert into user_accounts (username, username_key, password_hash, status, must_change_password, security_email, security_email_confirmed_at, person_kind, student_id, guardian_id, staff_id, locale, created_at, updated_at, updated_by)
        select ${`crash-${kind}-`} || p.id, ${`crash-${kind}-`} || p.id, null, 'active', 0, ${`crash-${kind}-`} || p.id || '@example.org', ${stamp}, ${kind},
               ${kind === 'student' ? sql`p.id` : sql`cast(null as integer)`}, ${kind === 'guardian' ? sql`p.id` : sql`cast(null as integer)`}, cast(null as integer), cast(null as text), ${stamp}, ${stamp}, cast(null as integer)
          from ${sql.table(table)} p
         where not exists (select 1 from user_accounts u where u.${sql.ref(column)} = p.id)`.execute(db);
    }
    const students = await db.selectFrom('students').select(['id', 'school_id']).execute();
    await db.transaction().execute((trx) =>
      recordChanges(trx, students.map((s) => ({ kind: 'term_grade', action: 'created', subjectId: s.id, studentId: s.id, schoolId: s.school_id, after: { letter: 'B', percent: 85 }, actorAccountId: null })), new Date(Date.now() - 20 * 60_000)),
    );
    const expected = (
      await sql<{ account_id: number; student_id: number }>`
        select ua.id as account_id, ua.student_id from user_accounts ua where ua.person_kind = 'student' and ua.status = 'active' and ua.student_id is not null
        union
        select ua.id, sg.student_id from student_guardians sg join user_accounts ua on ua.guardian_id = sg.guardian_id
         where sg.portal_access = 1 and sg.rights_revoked = 0 and ua.person_kind = 'guardian' and ua.status = 'active'`.execute(db)
    ).rows;
    // More than one write's worth (a few hundred notifications a write).
    expect(expected.length).toBeGreaterThan(400);
    // Emails written, and the email deliveries recorded sent with them (none in the district's quiet hours: then they wait).
    const emails = async () => tally((await db.selectFrom('email_outbox').select('to_address').where('kind', '=', 'notification').execute()).map((e) => e.to_address));
    const sent = async () =>
      tally(
        (
          await db.selectFrom('notification_deliveries as d').innerJoin('user_accounts as ua', 'ua.id', 'd.account_id').select('ua.security_email').where('d.channel', '=', 'email').where('d.status', '=', 'sent').execute()
        ).map((d) => d.security_email),
      );
    await enqueue(db, { kind: NOTIFICATIONS_JOB }, new Date());

    const first = await homeroom(get(), ['worker', '--until-idle'], { fault: 'notify.after-chunk' });
    expect(first.signal, first.stderr).toBe('SIGKILL');
    // The first write stayed, whole: its notifications, with their emails when due now; the cursor did not move.
    const kept = await db.selectFrom('notifications').select('account_id').execute();
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(expected.length);
    expect(await emails()).toEqual(await sent());
    expect((await db.selectFrom('notification_cursor').select('decided_through').executeTakeFirstOrThrow()).decided_through).toBe(0);

    const second = await homeroom(get(), ['worker', '--until-idle']);
    expect(second.code, second.stderr).toBe(0);
    const written = await db.selectFrom('notifications').select(['account_id', 'student_id']).where('kind', '=', 'termGrade').execute();
    expect(tally(written.map((n) => `${n.account_id}:${n.student_id}`))).toEqual(new Map(expected.map((r) => [`${r.account_id}:${r.student_id}`, 1])));
    expect(await emails()).toEqual(await sent());
    // One email delivery per notification (every account has a confirmed address).
    const deliveries = await db.selectFrom('notification_deliveries').select('notification_id').where('channel', '=', 'email').execute();
    expect(tally(deliveries.map((d) => d.notification_id)).size).toBe(written.length);
    expect(deliveries).toHaveLength(written.length);
  });
});
