/**
 * The notifications' decider through a crash (issue 22): a worker killed in the middle of a batch (after
 * it wrote some notifications, before the batch's commit), then a healthy one. Each person who may see
 * a change gets exactly one notification of it and one email delivery: nothing lost, nothing twice.
 * Who may see it is worked out here with the portal-link rule written out in SQL, not with the decider.
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
