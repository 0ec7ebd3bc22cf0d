/**
 * The OneRoster loader and rows made in Homeroom (issue 20): on a first import, a school, student,
 * guardian or staff member made by hand is matched by school number, student number or email and takes
 * the SIS's sourcedId and values; the district keeps its name; periods are matched by name to the
 * school's bell schedule; links and roles made in Homeroom stay, those the import made follow the SIS.
 */
import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/db.js';
import { guardian, link, schoolYear, staffMember, student } from '../support/factories.js';
import { bulkRecords, load, role, user, type Records } from '../support/oneroster.js';

function sis(change: (r: Records) => void = () => {}): Records {
  const r = bulkRecords();
  r.orgs = r.orgs!.map((o) => (o.sourcedId === 'S1' ? { ...o, identifier: '0901' } : o));
  r.classes = r.classes!.map((c) => ({ ...c, periods: ['1', 'Z9'] }));
  change(r);
  return r;
}

describeEachEngine('OneRoster loader: rows made in Homeroom', (get) => {
  const db = () => get().db;
  let ids: { school: number; maya: number; rosa: number; ada: number; period1: number; district: number };

  it('a first import matches them by their natural keys', async () => {
    const world = await schoolYear(db());
    const maya = await student(db(), world, { first: 'Maya', last: 'Lopes', number: '000123', birthDate: '2011-03-04', grade: 9 });
    const rosa = await guardian(db(), { first: 'Rosa', last: 'Lopez', email: 'Rosa@Example.com' });
    await link(db(), maya, rosa, { relationship: 'Mother', portalAccess: false });
    const ada = await staffMember(db(), world, { first: 'Ada', last: 'King', roles: [{ role: 'teacher' }], account: false });
    await db().updateTable('staff').set({ email: 'Ada.King@Lakeside.example' }).where('id', '=', ada.id).execute();
    ids = { school: world.school.id, maya: maya.id, rosa: rosa.id, ada: ada.id, period1: world.periods['1']!.id, district: world.districtId };

    const { report, problems } = await load(get(), sis());
    expect(report.ok).toBe(true);
    expect(problems.map((p) => `${p.severity} ${p.code} ${p.file}:${p.line} ${p.column}=${p.value}`)).toEqual([
      // The fixture district has a grading scale and attendance codes but no report-card comment codes: the standard ones are added, and told.
      'warning load.starterSet null:null null=reportCardComments',
      'warning load.unknownPeriod classes.csv:2 periods=Z9',
    ]);
    expect(await db().selectFrom('district').select(['id', 'sourced_id', 'name']).execute()).toEqual([{ id: ids.district, sourced_id: 'D1', name: 'Fixture Unified School District' }]);
    expect(await db().selectFrom('schools').select(['id', 'sourced_id', 'name']).execute()).toEqual([{ id: ids.school, sourced_id: 'S1', name: 'Lakeside High' }]);
    expect(await db().selectFrom('students').select(['sourced_id', 'legal_last_name']).where('id', '=', ids.maya).executeTakeFirstOrThrow()).toEqual({ sourced_id: 'U1', legal_last_name: 'Lopez' });
    expect(report.counts.students).toMatchObject({ created: 1, updated: 1 });
    expect(await db().selectFrom('guardians').select('sourced_id').where('id', '=', ids.rosa).executeTakeFirstOrThrow()).toEqual({ sourced_id: 'G1' });
    expect(await db().selectFrom('staff').select(['sourced_id', 'staff_number']).where('id', '=', ids.ada).executeTakeFirstOrThrow()).toEqual({ sourced_id: 'T1U', staff_number: 'E77' });
    // The hand-made link is kept as it was: no access, its relationship.
    expect(await db().selectFrom('student_guardians').select(['relationship', 'portal_access']).where('student_id', '=', ids.maya).execute()).toEqual([{ relationship: 'Mother', portal_access: 0 }]);
    expect(report.counts.links).toMatchObject({ created: 0, unchanged: 1 });
    // Period '1' is the bell schedule's; 'Z9' is not (the warning).
    const section = await db().selectFrom('sections').select('id').where('sourced_id', '=', 'K1').executeTakeFirstOrThrow();
    expect(await db().selectFrom('section_periods').select('bell_period_id').where('section_id', '=', section.id).execute()).toEqual([{ bell_period_id: ids.period1 }]);
  });

  const rolesOf = async () => (await db().selectFrom('staff_roles').select('role').where('staff_id', '=', ids.ada).orderBy('role').execute()).map((r) => r.role);

  it('a role the SIS gives is added, and taken back when it stops giving it; the role given in Homeroom stays', async () => {
    await load(get(), sis((r) => r.roles!.push(role('T1U', 'counselor', 'S1'))), { now: new Date('2026-09-16T14:00:00Z') });
    expect(await rolesOf()).toEqual(['counselor', 'teacher']);
    await load(get(), sis((r) => (r.roles = r.roles!.filter((x) => x.userSourcedId !== 'T1U').concat(role('T1U', 'principal', 'S1')))), { now: new Date('2026-09-17T14:00:00Z') });
    // Teacher was Homeroom's before the SIS ever gave it: it stays although the SIS now says principal.
    expect(await rolesOf()).toEqual(['school_admin', 'teacher']);
  });

  it('a roles delta adds what it gives and takes back only what it deletes', async () => {
    const delta = { modes: { roles: 'delta' as const } };
    await load(get(), { roles: [role('T1U', 'counselor', 'S1')] }, { now: new Date('2026-09-17T15:00:00Z'), pkg: delta });
    expect(await rolesOf()).toEqual(['counselor', 'school_admin', 'teacher']);
    await load(get(), { roles: [role('T1U', 'principal', 'S1', { status: 'tobedeleted' })] }, { now: new Date('2026-09-17T16:00:00Z'), pkg: delta });
    expect(await rolesOf()).toEqual(['counselor', 'teacher']);
  });

  it('a link the import made is removed when neither side lists it; a hand-made one stays', async () => {
    const withG2 = (on: boolean) => sis((r) => (r.users = r.users!.map((u) => (u.sourcedId === 'G2' ? { ...u, agentSourcedIds: on ? ['U2'] : [] } : u.sourcedId === 'G1' ? { ...u, agentSourcedIds: [] } : u))));
    const added = await load(get(), withG2(true), { now: new Date('2026-09-18T14:00:00Z') });
    expect(added.report.counts.links).toMatchObject({ created: 1, deactivated: 0 });
    const removed = await load(get(), withG2(false), { now: new Date('2026-09-19T14:00:00Z') });
    expect(removed.report.counts.links).toMatchObject({ created: 0, deactivated: 1 });
    const links = await db().selectFrom('student_guardians').innerJoin('guardians', 'guardians.id', 'student_guardians.guardian_id').select('guardians.sourced_id').execute();
    expect(links).toEqual([{ sourced_id: 'G1' }]);
  });

  it('two people of the package matching one person made in Homeroom is an error', async () => {
    await db().insertInto('staff').values({ sourced_id: null, staff_number: 'H1', first_name: 'Jo', last_name: 'Hand', email: 'jo@lakeside.example', phone: null, title: null, school_id: ids.school, created_at: '2026-07-01T00:00:00.000Z', updated_at: '2026-07-01T00:00:00.000Z', updated_by: null }).execute();
    const { report, problems } = await load(
      get(),
      sis((r) => {
        r.users!.push(user('J1', 'Jo', 'Hand', { email: 'jo@lakeside.example', identifier: 'J1' }), user('J2', 'Jo', 'Hand', { email: 'JO@lakeside.example', identifier: 'J2' }));
        r.roles!.push(role('J1', 'teacher', 'S1'), role('J2', 'teacher', 'S1'));
      }),
      { now: new Date('2026-09-20T14:00:00Z') },
    );
    expect(report.ok).toBe(false);
    expect(problems.filter((p) => p.severity === 'error').map((p) => `${p.code} ${p.file}:${p.line} ${p.value} ${p.detail}`)).toEqual(['load.sameRecord users.csv:9 J2 J1']);
  });
});
