/**
 * The OneRoster loader, priority 2 (issue 20): a delta package after a bulk one; people who leave the
 * SIS (tobedeleted in a delta, absent from a bulk file) lose portal access at once and get it back when
 * they return — unless an administrator disabled the account; what Homeroom owns (accounts, passwords,
 * security emails, sessions of others, feeds, a link's rights and contact order, roles given in
 * Homeroom, edits by the office) survives; enrollments a family sees become change events.
 */
import { expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.js';
import { describeEachEngine } from '../support/db.js';
import { bulkRecords, demographic, dump, enrollment, load, role, user, type Records } from '../support/oneroster.js';

const STAMP = '2026-09-20T12:00:00.000Z';

async function account(db: Kysely<DB>, kind: 'student' | 'guardian' | 'staff', personId: number, username: string, status: 'active' | 'disabled' = 'active') {
  const row = await db
    .insertInto('user_accounts')
    .values({
      username, username_key: username.toLowerCase(), password_hash: `hash-of-${username}`, status, person_kind: kind, security_email: `${username}@home.example`,
      security_email_confirmed_at: STAMP, student_id: kind === 'student' ? personId : null, guardian_id: kind === 'guardian' ? personId : null, staff_id: kind === 'staff' ? personId : null,
      locale: 'en', created_at: STAMP, updated_at: STAMP, updated_by: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db.insertInto('sessions').values({ id: `session-of-${username}`, account_id: row.id, created_at: STAMP, last_seen_at: STAMP, expires_at: '2026-12-31T00:00:00.000Z' }).execute();
  return row.id;
}

const without = (records: Records, users: string[], enrollments: string[]): Records => ({
  ...records,
  users: records.users!.filter((u) => !users.includes(u.sourcedId)),
  roles: records.roles!.filter((r) => !users.includes(r.userSourcedId)),
  demographics: records.demographics!.filter((d) => !users.includes(d.sourcedId)),
  enrollments: records.enrollments!.filter((e) => !enrollments.includes(e.sourcedId)),
});

/** The SIS after the delta: U1's new email, E1 replaced by E4. */
function afterDelta(): Records {
  const r = bulkRecords();
  r.users = r.users!.map((u) => (u.sourcedId === 'U1' ? { ...u, email: 'maya.lopez@students.example' } : u));
  r.enrollments = [...r.enrollments!.filter((e) => e.sourcedId !== 'E1'), enrollment('E4', 'K1', 'U1', 'student', 'S1', { beginDate: '2026-10-01' })];
  return r;
}

describeEachEngine('OneRoster loader: deltas, people who leave and return, what Homeroom owns', (get) => {
  const db = () => get().db;
  const id = async (table: 'students' | 'guardians' | 'staff', sourcedId: string) => (await db().selectFrom(table).select('id').where('sourced_id', '=', sourcedId).executeTakeFirstOrThrow()).id;
  const accounts: Record<string, number> = {};
  const statusOf = async (name: string) => (await db().selectFrom('user_accounts').select('status').where('id', '=', accounts[name]!).executeTakeFirstOrThrow()).status;
  const sessionsOf = async (name: string) => (await db().selectFrom('sessions').select('id').where('account_id', '=', accounts[name]!).execute()).length;

  it('a first bulk import, then what Homeroom adds to it', async () => {
    const { report } = await load(get(), bulkRecords());
    expect(report.ok).toBe(true);
    const [u1, u2, g1, g2, t1, a1] = [await id('students', 'U1'), await id('students', 'U2'), await id('guardians', 'G1'), await id('guardians', 'G2'), await id('staff', 'T1U'), await id('staff', 'A1')];
    accounts.u1 = await account(db(), 'student', u1, '000123');
    accounts.u2 = await account(db(), 'student', u2, '000124');
    accounts.g1 = await account(db(), 'guardian', g1, 'rosa');
    // An administrator disabled Tom's account.
    accounts.g2 = await account(db(), 'guardian', g2, 'tom', 'disabled');
    accounts.t1 = await account(db(), 'staff', t1, 'ada');
    accounts.a1 = await account(db(), 'staff', a1, 'sam');
    await db().insertInto('calendar_feeds').values({ account_id: accounts.u1, token_hash: 'feed-hash', created_at: STAMP, last_used_at: null }).execute();
    // The office corrects Maya's last name; the school limits Rosa's link and makes her second to call.
    await db().updateTable('students').set({ legal_last_name: 'Lopez-Garcia', updated_by: accounts.t1 }).where('id', '=', u1).execute();
    await db().updateTable('student_guardians').set({ portal_access: 0, contact_priority: 2 }).where('student_id', '=', u1).where('guardian_id', '=', g1).execute();
    await db().insertInto('staff_roles').values({ staff_id: t1, role: 'office', school_id: null }).execute();
  });

  it('a delta: a changed email is written, the office’s correction kept; a deleted student loses access at once; enrollments become change events', async () => {
    const delta: Records = {
      users: [{ ...bulkRecords().users![0]!, email: 'maya.lopez@students.example' }, { ...bulkRecords().users![1]!, status: 'tobedeleted' }],
      enrollments: [{ ...bulkRecords().enrollments![0]!, status: 'tobedeleted' }, enrollment('E4', 'K1', 'U1', 'student', 'S1', { beginDate: '2026-10-01' })],
    };
    const { report, problems } = await load(get(), delta, { now: new Date('2026-10-01T14:00:00.000Z'), pkg: { modes: { users: 'delta', enrollments: 'delta' } } });
    expect(problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.firstImport).toBe(false);
    expect(report.counts.students).toEqual({ created: 0, updated: 1, deactivated: 1, reactivated: 0, unchanged: 0 });
    expect(report.counts.enrollments).toEqual({ created: 1, updated: 0, deactivated: 1, reactivated: 0, unchanged: 0 });

    const u1 = await db().selectFrom('students').select(['id', 'legal_last_name', 'email', 'enrollment_status']).where('sourced_id', '=', 'U1').executeTakeFirstOrThrow();
    expect(u1).toMatchObject({ legal_last_name: 'Lopez-Garcia', email: 'maya.lopez@students.example', enrollment_status: 'active' });
    expect(await db().selectFrom('students').select('enrollment_status').where('sourced_id', '=', 'U2').executeTakeFirstOrThrow()).toEqual({ enrollment_status: 'inactive' });
    expect(await statusOf('u2')).toBe('disabled');
    expect(await sessionsOf('u2')).toBe(0);
    // Everyone else's accounts, sessions and feeds are as they were.
    expect(await statusOf('u1')).toBe('active');
    expect(await sessionsOf('u1')).toBe(1);
    expect(await sessionsOf('g1')).toBe(1);
    expect(await db().selectFrom('user_accounts').select(['password_hash', 'security_email']).where('id', '=', accounts.u1!).executeTakeFirstOrThrow()).toEqual({ password_hash: 'hash-of-000123', security_email: '000123@home.example' });
    expect(await db().selectFrom('calendar_feeds').select('token_hash').execute()).toEqual([{ token_hash: 'feed-hash' }]);

    // E1 ended the day before the run (district time: 1 October in New York); E4 begins.
    const enrollments = await db().selectFrom('section_enrollments').select(['id', 'sourced_id', 'begin_date', 'end_date', 'section_id']).where('student_id', '=', u1.id).orderBy('sourced_id').execute();
    expect(enrollments.map((e) => [e.sourced_id, e.begin_date, e.end_date])).toEqual([
      ['E1', '2026-08-20', '2026-09-30'],
      ['E4', '2026-10-01', null],
    ]);
    const section = enrollments[0]!.section_id;
    const events = await db().selectFrom('change_events').select(['kind', 'action', 'subject_id', 'student_id', 'section_id', 'before', 'after', 'at']).orderBy('id').execute();
    expect(events.map((e) => ({ ...e, before: e.before && JSON.parse(e.before), after: e.after && JSON.parse(e.after) }))).toEqual([
      { kind: 'enrollment', action: 'created', subject_id: enrollments[1]!.id, student_id: u1.id, section_id: section, before: null, after: { sectionId: section, beginDate: '2026-10-01', endDate: null }, at: '2026-10-01T14:00:00.000Z' },
      {
        kind: 'enrollment', action: 'deleted', subject_id: enrollments[0]!.id, student_id: u1.id, section_id: section,
        before: { sectionId: section, beginDate: '2026-08-20', endDate: null }, after: { sectionId: section, beginDate: '2026-08-20', endDate: '2026-09-30' }, at: '2026-10-01T14:00:00.000Z',
      },
    ]);
  });

  it('a bulk file without some people: they lose access; Homeroom’s link settings and roles stay', async () => {
    const { report, problems } = await load(get(), without(afterDelta(), ['G1', 'G2', 'U2', 'A1'], ['E2']), { now: new Date('2026-10-02T14:00:00.000Z') });
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(report.counts.guardians).toMatchObject({ deactivated: 2, reactivated: 0 });
    expect(report.counts.staff).toMatchObject({ deactivated: 1, unchanged: 1 });
    // U2 had already left: nothing more happens to them.
    expect(report.counts.students).toMatchObject({ deactivated: 0, updated: 0, unchanged: 1 });
    expect(await statusOf('g1')).toBe('disabled');
    expect(await sessionsOf('g1')).toBe(0);
    expect(await statusOf('g2')).toBe('disabled');
    expect(await statusOf('a1')).toBe('disabled');
    expect(await db().selectFrom('staff').select('active').where('sourced_id', '=', 'A1').executeTakeFirstOrThrow()).toEqual({ active: 0 });
    // Rosa's link is Homeroom's to keep: she is gone from the SIS, not unlinked.
    const link = await db().selectFrom('student_guardians').select(['portal_access', 'contact_priority']).where('guardian_id', '=', await id('guardians', 'G1')).executeTakeFirstOrThrow();
    expect(link).toEqual({ portal_access: 0, contact_priority: 2 });
    const t1Roles = await db().selectFrom('staff_roles').select('role').where('staff_id', '=', await id('staff', 'T1U')).orderBy('role').execute();
    expect(t1Roles.map((r) => r.role)).toEqual(['office', 'teacher']);
    // E2 (U2's) was left out of the bulk file: ended, and the family is told.
    expect(await db().selectFrom('section_enrollments').select('end_date').where('sourced_id', '=', 'E2').executeTakeFirstOrThrow()).toEqual({ end_date: '2026-10-01' });
    expect((await db().selectFrom('change_events').select('action').orderBy('id', 'desc').limit(1).execute()).map((e) => e.action)).toEqual(['deleted']);
  });

  it('people who return get their accounts back, except one an administrator disabled', async () => {
    const back = afterDelta();
    back.enrollments = back.enrollments!.filter((e) => e.sourcedId !== 'E2');
    const { report } = await load(get(), back, { now: new Date('2026-10-03T14:00:00.000Z') });
    expect(report.ok).toBe(true);
    expect(report.counts.guardians).toMatchObject({ reactivated: 2, deactivated: 0 });
    expect(report.counts.students).toMatchObject({ reactivated: 1, deactivated: 0 });
    expect(report.counts.staff).toMatchObject({ reactivated: 1 });
    expect(await statusOf('g1')).toBe('active');
    expect(await statusOf('u2')).toBe('active');
    expect(await statusOf('a1')).toBe('active');
    expect(await statusOf('g2')).toBe('disabled');
    expect(await db().selectFrom('students').select('enrollment_status').where('sourced_id', '=', 'U2').executeTakeFirstOrThrow()).toEqual({ enrollment_status: 'active' });
    expect(await db().selectFrom('staff').select('active').where('sourced_id', '=', 'A1').executeTakeFirstOrThrow()).toEqual({ active: 1 });
    // Their old sessions stay ended: they sign in again.
    expect(await sessionsOf('g1')).toBe(0);
  });

  it('the same package again changes nothing', async () => {
    const back = afterDelta();
    back.enrollments = back.enrollments!.filter((e) => e.sourcedId !== 'E2');
    const before = await dump(get());
    const { report } = await load(get(), back, { now: new Date('2026-10-04T14:00:00.000Z') });
    expect(report.ok).toBe(true);
    expect(await dump(get())).toEqual(before);
  });

  it('a new student the SIS gives as disabled is created without portal access; a user with no role is left out', async () => {
    const { report } = await load(
      get(),
      {
        users: [user('U9', 'New', 'Kid', { identifier: '000999', enabled: false, grades: [9], primaryOrgSourcedId: 'S1' }), user('U8', 'No', 'Role')],
        roles: [role('U9', 'student', 'S1')],
        demographics: [demographic('U9', '2011-05-05')],
      },
      { now: new Date('2026-10-05T14:00:00.000Z'), pkg: { modes: { users: 'delta', roles: 'delta', demographics: 'delta' } } },
    );
    expect(report.problems.map((p) => `${p.code} ${p.value}`)).toEqual(['load.userNoRole U8']);
    expect(report.counts.students).toMatchObject({ created: 1, deactivated: 1 });
    const u9 = await id('students', 'U9');
    expect(await db().selectFrom('oneroster_last_students').select(['gone', 'taken_status']).where('row_id', '=', u9).executeTakeFirstOrThrow()).toEqual({ gone: 1, taken_status: null });
    expect(await db().selectFrom('guardians').select('id').where('sourced_id', '=', 'U8').execute()).toEqual([]);
  });
});
