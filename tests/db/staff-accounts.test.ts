/**
 * Staff accounts and roles (issue 25), the domain on both engines: what a district administrator and a
 * school administrator may do, the SIS's fields, the last district administrator, deactivation ending
 * sessions, and the list's search. Expected rows are written by hand from the fixture below.
 */
import type { Kysely } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.js';
import { staffAdminScope } from '../../src/domain/access/staff.js';
import { newStaffInput, staffDetailsInput, staffListFilters } from '../../src/domain/staff/account-schemas.js';
import { createStaff, listStaff, sendStaffWelcome, setStaffActive, staffMember as memberOf, updateStaff, type StaffAdminActor } from '../../src/domain/staff/accounts.js';
import { parseInput } from '../../src/domain/forms.js';
import { describeEachEngine } from '../support/db.js';
import { otherSchool, schoolYear, staffMember, type StaffFixture, type World } from '../support/factories.js';

const NOW = new Date('2027-02-09T16:00:00.000Z');

describe('the staff forms', () => {
  it('refuses each bad field with its message', () => {
    const parsed = parseInput(newStaffInput, { firstName: ' ', lastName: 'x'.repeat(101), email: 'not-an-address', username: '0042', staffNumber: 'T 1', roles: ['teacher@x'] });
    expect(parsed).toEqual({
      ok: false,
      errors: { firstName: 'form.required', lastName: 'form.tooLong', email: 'email.invalid', username: 'staffAccounts.badUsername', staffNumber: 'staffAccounts.badStaffNumber', roles: 'staffAccounts.badRoles' },
    });
    expect(parseInput(staffDetailsInput, { firstName: 'A', lastName: 'B', email: 'a@b.org', roles: { nested: 1 } })).toEqual({ ok: false, errors: { roles: 'staffAccounts.badRoles' } });
    expect(parseInput(staffDetailsInput, { firstName: 'A\u202eB', lastName: 'B', email: 'a@b.org' })).toEqual({ ok: false, errors: { firstName: 'form.badCharacters' } });
  });

  it('folds the username and email by the identity rule and keeps each role once', () => {
    const parsed = parseInput(newStaffInput, { firstName: 'Ana', lastName: 'Ruiz', email: ' Ana.Ruiz@Example.ORG ', username: 'ＡＲｕｉｚ', staffNumber: 'T-7', roles: ['teacher@3', 'teacher@3', 'district_admin'] });
    expect(parsed).toEqual({
      ok: true,
      data: { firstName: 'Ana', lastName: 'Ruiz', email: 'ana.ruiz@example.org', username: 'aruiz', staffNumber: 'T-7', roles: [{ role: 'teacher', schoolId: 3 }, { role: 'district_admin', schoolId: null }] },
    });
  });

  it('reads the list filters from the address, leaving out what cannot be used', () => {
    expect(staffListFilters({ q: '  Ruiz ', school: '4', role: 'nurse', page: '2' })).toEqual({ q: 'Ruiz', school: 4, role: 'nurse', page: 2 });
    expect(staffListFilters({ q: ['a'], school: 'x', role: 'janitor', page: '0' })).toEqual({ q: '', school: null, role: null, page: 1 });
  });
});

describeEachEngine('staff accounts and roles', (get) => {
  let db: Kysely<DB>;
  let world: World;
  let far: { id: number; name: string };
  let admin: StaffFixture;
  let principal: StaffFixture;
  let teacher: StaffFixture;
  let traveller: StaffFixture;
  let adminActor: StaffAdminActor;
  let principalActor: StaffAdminActor;

  const actorFor = async (who: StaffFixture): Promise<StaffAdminActor> => ({ scope: await staffAdminScope(db, who.id), actorAccountId: who.account!.id, actorStaffId: who.id, ip: '10.0.0.9' });
  const input = (over: Partial<Record<string, unknown>> = {}) => {
    const parsed = parseInput(newStaffInput, { firstName: 'Zoe', lastName: 'Quinn', email: 'zoe.quinn@fixture.example.org', username: 'zquinn', staffNumber: 'Z-1', roles: [`teacher@${world.school.id}`], ...over });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    return parsed.data;
  };
  const details = (over: Partial<Record<string, unknown>>) => {
    const parsed = parseInput(staffDetailsInput, over);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    return parsed.data;
  };

  beforeAll(async () => {
    db = get().db;
    world = await schoolYear(db, { today: '2027-02-09' });
    far = await otherSchool(db);
    admin = await staffMember(db, world, { first: 'Dana', last: 'Admin', roles: [{ role: 'district_admin', schoolId: null }] });
    principal = await staffMember(db, world, { first: 'Pat', last: 'Principal', roles: [{ role: 'school_admin' }] });
    teacher = await staffMember(db, world, { first: 'Rosa', last: 'Teacher', roles: [{ role: 'teacher' }] });
    traveller = await staffMember(db, world, { first: 'Tom', last: 'Traveller', roles: [{ role: 'teacher' }, { role: 'teacher', schoolId: far.id }] });
    adminActor = await actorFor(admin);
    principalActor = await actorFor(principal);
  });

  it('creates the staff member, their roles and a pending account, queues the welcome and audits it, all at once', async () => {
    const result = await createStaff(db, adminActor, input(), NOW);
    expect(result.kind).toBe('done');
    const staffId = (result as { staffId: number }).staffId;
    const staff = await db.selectFrom('staff').select(['first_name', 'last_name', 'email', 'staff_number', 'school_id', 'active', 'sourced_id']).where('id', '=', staffId).executeTakeFirstOrThrow();
    expect(staff).toEqual({ first_name: 'Zoe', last_name: 'Quinn', email: 'zoe.quinn@fixture.example.org', staff_number: 'Z-1', school_id: world.school.id, active: 1, sourced_id: null });
    expect(await db.selectFrom('staff_roles').select(['role', 'school_id']).where('staff_id', '=', staffId).execute()).toEqual([{ role: 'teacher', school_id: world.school.id }]);
    const account = await db.selectFrom('user_accounts').select(['id', 'username', 'username_key', 'status', 'password_hash', 'security_email', 'person_kind']).where('staff_id', '=', staffId).executeTakeFirstOrThrow();
    expect(account).toMatchObject({ username: 'zquinn', username_key: 'zquinn', status: 'pending', password_hash: null, security_email: 'zoe.quinn@fixture.example.org', person_kind: 'staff' });
    const job = await db.selectFrom('jobs').select(['kind', 'payload']).where('kind', '=', 'accounts.welcome').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(JSON.parse(job.payload)).toEqual({ accountId: account.id });
    const row = await db.selectFrom('audit_log').select(['action', 'actor_account_id', 'subject_type', 'subject_id', 'ip', 'details']).where('action', '=', 'staff.created').executeTakeFirstOrThrow();
    expect({ ...row, details: JSON.parse(row.details!) }).toEqual({
      action: 'staff.created',
      actor_account_id: admin.account!.id,
      subject_type: 'staff',
      subject_id: staffId,
      ip: '10.0.0.9',
      details: { after: { firstName: 'Zoe', lastName: 'Quinn', email: 'zoe.quinn@fixture.example.org', username: 'zquinn', staffNumber: 'Z-1', roles: [`teacher@${world.school.id}`] } },
    });
  });

  it('refuses a username, email or staff number already taken (by the identity rule), writing nothing', async () => {
    const before = await db.selectFrom('staff').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    const taken = await createStaff(db, adminActor, input({ username: 'ZQuinn', email: 'ZOE.QUINN@fixture.example.org', staffNumber: 'Z-1' }), NOW);
    expect(taken).toEqual({ kind: 'problems', errors: { username: 'staffAccounts.usernameTaken', email: 'staffAccounts.emailTaken', staffNumber: 'staffAccounts.staffNumberTaken' } });
    // Another staff member's email on record (the fixture's teacher has no other account with it than her own).
    const teacherEmail = (await db.selectFrom('staff').select('email').where('id', '=', teacher.id).executeTakeFirstOrThrow()).email!;
    expect(await createStaff(db, adminActor, input({ username: 'other1', email: teacherEmail.toUpperCase(), staffNumber: 'Z-2' }), NOW)).toEqual({ kind: 'problems', errors: { email: 'staffAccounts.emailTaken' } });
    expect(await createStaff(db, adminActor, input({ username: 'other2', email: 'new2@fixture.example.org', staffNumber: 'Z-3', roles: [] }), NOW)).toEqual({ kind: 'problems', errors: { roles: 'staffAccounts.noRoles' } });
    expect(await createStaff(db, adminActor, input({ username: 'other3', email: 'new3@fixture.example.org', staffNumber: 'Z-4', roles: ['nurse@999999'] }), NOW)).toEqual({ kind: 'problems', errors: { roles: 'staffAccounts.badRoles' } });
    const after = await db.selectFrom('staff').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('lets a school administrator see and give roles only at their school', async () => {
    const seen = await listStaff(db, principalActor.scope, { q: '', school: null, role: null, page: 1 });
    // Everyone with a role at the fixture school (Dana's role is the district's, so she is not theirs).
    expect(seen.rows.map((r) => r.lastName)).toEqual(['Principal', 'Quinn', 'Teacher', 'Traveller']);
    expect(await createStaff(db, principalActor, input({ username: 'far1', email: 'far1@fixture.example.org', staffNumber: 'F-1', roles: [`teacher@${far.id}`] }), NOW)).toEqual({
      kind: 'problems',
      errors: { roles: 'staffAccounts.roleOutsideScope' },
    });
    expect(await createStaff(db, principalActor, input({ username: 'far2', email: 'far2@fixture.example.org', staffNumber: 'F-2', roles: ['district_admin'] }), NOW)).toEqual({
      kind: 'problems',
      errors: { roles: 'staffAccounts.roleOutsideScope' },
    });
    expect(await memberOf(db, principalActor.scope, admin.id)).toBeNull();
    // Tom also teaches at the other school: the principal changes his roles at theirs, never the rest.
    const tom = (await memberOf(db, principalActor.scope, traveller.id))!;
    expect(tom.wholeAccount).toBe(false);
    const changed = await updateStaff(db, principalActor, traveller.id, details({ firstName: 'Tom', lastName: 'Traveller', email: tom.email, roles: [`office@${world.school.id}`] }), NOW);
    expect(changed).toEqual({ kind: 'done', staffId: traveller.id });
    expect((await db.selectFrom('staff_roles').select(['role', 'school_id']).where('staff_id', '=', traveller.id).orderBy('school_id').execute()).map((r) => `${r.role}@${r.school_id}`).sort()).toEqual(
      [`office@${world.school.id}`, `teacher@${far.id}`].sort(),
    );
    expect(await updateStaff(db, principalActor, traveller.id, details({ firstName: 'Thomas', lastName: 'Traveller', email: tom.email, roles: [`office@${world.school.id}`] }), NOW)).toEqual({
      kind: 'problems',
      errors: { firstName: 'staffAccounts.notYourStaff' },
    });
    expect(await setStaffActive(db, principalActor, traveller.id, false, NOW)).toEqual({ kind: 'refused', reason: 'staffAccounts.notYourStaff' });
    expect(await setStaffActive(db, principalActor, admin.id, false, NOW)).toEqual({ kind: 'notFound' });
  });

  it('refuses local edits of what the SIS owns, and keeps the roles Homeroom gives editable', async () => {
    const sis = await staffMember(db, world, { first: 'Sam', last: 'Synced', roles: [{ role: 'teacher' }, { role: 'nurse' }] });
    await db.updateTable('staff').set({ sourced_id: 'sis-sam' }).where('id', '=', sis.id).execute();
    await db.insertInto('oneroster_staff_roles').values({ staff_id: sis.id, role: 'teacher', school_id: world.school.id }).execute();
    const email = (await db.selectFrom('staff').select('email').where('id', '=', sis.id).executeTakeFirstOrThrow()).email!;
    const member = (await memberOf(db, adminActor.scope, sis.id))!;
    expect({ sis: member.sis, sisRoles: member.sisRoles }).toEqual({ sis: true, sisRoles: [{ role: 'teacher', schoolId: world.school.id }] });
    const t = `teacher@${world.school.id}`;
    const n = `nurse@${world.school.id}`;
    expect(await updateStaff(db, adminActor, sis.id, details({ firstName: 'Samuel', lastName: 'Synced', email: 'sam@elsewhere.example.org', roles: [t, n] }), NOW)).toEqual({
      kind: 'problems',
      errors: { firstName: 'staffAccounts.sisOwned', email: 'staffAccounts.sisOwned' },
    });
    expect(await updateStaff(db, adminActor, sis.id, details({ firstName: 'Sam', lastName: 'Synced', email, roles: [n] }), NOW)).toEqual({ kind: 'problems', errors: { roles: 'staffAccounts.sisRole' } });
    // Homeroom's own role goes, another comes; the SIS's teacher role stays.
    expect(await updateStaff(db, adminActor, sis.id, details({ firstName: 'Sam', lastName: 'Synced', email, roles: [t, `office@${world.school.id}`] }), NOW)).toEqual({ kind: 'done', staffId: sis.id });
    expect((await db.selectFrom('staff_roles').select('role').where('staff_id', '=', sis.id).execute()).map((r) => r.role).sort()).toEqual(['office', 'teacher']);
    const row = await db.selectFrom('audit_log').select('details').where('action', '=', 'staff.updated').where('subject_id', '=', sis.id).executeTakeFirstOrThrow();
    expect(JSON.parse(row.details!)).toEqual({ before: { roles: [n, t] }, after: { roles: [`office@${world.school.id}`, t] } });
  });

  it('keeps the district its last active district administrator, and nobody removes their own role or account', async () => {
    const dana = `district_admin`;
    const email = (await db.selectFrom('staff').select('email').where('id', '=', admin.id).executeTakeFirstOrThrow()).email!;
    expect(await updateStaff(db, adminActor, admin.id, details({ firstName: 'Dana', lastName: 'Admin', email, roles: [`teacher@${world.school.id}`] }), NOW)).toEqual({
      kind: 'problems',
      errors: { roles: 'staffAccounts.ownAdminRole' },
    });
    expect(await setStaffActive(db, adminActor, admin.id, false, NOW)).toEqual({ kind: 'refused', reason: 'staffAccounts.ownDeactivation' });
    // A second administrator, acting on Dana: she is the only other active one, so she stays.
    const second = await staffMember(db, world, { first: 'Eve', last: 'Second', roles: [{ role: 'district_admin', schoolId: null }] });
    const eve = await actorFor(second);
    await db.updateTable('user_accounts').set({ status: 'disabled' }).where('staff_id', '=', second.id).execute();
    // With Eve's own account disabled, Dana is the last active one.
    expect(await setStaffActive(db, eve, admin.id, false, NOW)).toEqual({ kind: 'refused', reason: 'staffAccounts.lastAdmin' });
    expect(await updateStaff(db, eve, admin.id, details({ firstName: 'Dana', lastName: 'Admin', email, roles: [`teacher@${world.school.id}`] }), NOW)).toEqual({ kind: 'problems', errors: { roles: 'staffAccounts.lastAdmin' } });
    await db.updateTable('user_accounts').set({ status: 'active' }).where('staff_id', '=', second.id).execute();
    expect(await updateStaff(db, eve, admin.id, details({ firstName: 'Dana', lastName: 'Admin', email, roles: [dana, `teacher@${world.school.id}`] }), NOW)).toEqual({ kind: 'done', staffId: admin.id });
  });

  it('deactivating ends the sessions and links at once; reactivating gives the account back', async () => {
    const who = await staffMember(db, world, { first: 'Gus', last: 'Gone', roles: [{ role: 'office' }] });
    const accountId = who.account!.id;
    await db.insertInto('sessions').values({ id: `s-${accountId}`, account_id: accountId, created_at: NOW.toISOString(), last_seen_at: NOW.toISOString(), expires_at: '2027-02-10T00:00:00.000Z', ip: null, user_agent: null }).execute();
    await db.insertInto('account_tokens').values({ account_id: accountId, purpose: 'reset_password', token_hash: `h-${accountId}`, email: null, created_at: NOW.toISOString(), expires_at: '2027-02-10T00:00:00.000Z', used_at: null }).execute();
    expect(await setStaffActive(db, adminActor, who.id, false, NOW)).toEqual({ kind: 'done' });
    expect(await db.selectFrom('sessions').select('id').where('account_id', '=', accountId).execute()).toEqual([]);
    expect((await db.selectFrom('account_tokens').select('used_at').where('account_id', '=', accountId).executeTakeFirstOrThrow()).used_at).not.toBeNull();
    expect(await db.selectFrom('user_accounts').select('status').where('id', '=', accountId).executeTakeFirstOrThrow()).toEqual({ status: 'disabled' });
    expect(await db.selectFrom('staff').select('active').where('id', '=', who.id).executeTakeFirstOrThrow()).toEqual({ active: 0 });
    expect(await sendStaffWelcome(db, adminActor, who.id, NOW)).toEqual({ kind: 'refused', reason: 'staffAccounts.welcomeInactive' });
    expect(await setStaffActive(db, adminActor, who.id, true, NOW)).toEqual({ kind: 'done' });
    expect(await db.selectFrom('user_accounts').select('status').where('id', '=', accountId).executeTakeFirstOrThrow()).toEqual({ status: 'active' });
    expect(await sendStaffWelcome(db, adminActor, who.id, NOW)).toEqual({ kind: 'refused', reason: 'staffAccounts.welcomeActive' });
    const actions = (await db.selectFrom('audit_log').select('action').where('subject_type', '=', 'staff').where('subject_id', '=', who.id).orderBy('id').execute()).map((r) => r.action);
    expect(actions).toEqual(['staff.deactivated', 'staff.reactivated']);
  });

  it('gives an imported staff member without an account a pending one when the welcome is sent', async () => {
    const imported = await staffMember(db, world, { first: 'Ivy', last: 'Imported', roles: [{ role: 'teacher' }], account: false });
    const email = (await db.selectFrom('staff').select('email').where('id', '=', imported.id).executeTakeFirstOrThrow()).email!;
    expect(await sendStaffWelcome(db, adminActor, imported.id, NOW)).toEqual({ kind: 'done' });
    expect(await db.selectFrom('user_accounts').select(['username', 'status', 'security_email']).where('staff_id', '=', imported.id).execute()).toEqual([{ username: email, status: 'pending', security_email: email }]);
    // Sent again: the same account, a second welcome job.
    expect(await sendStaffWelcome(db, adminActor, imported.id, new Date(NOW.getTime() + 1000))).toEqual({ kind: 'done' });
    expect(await db.selectFrom('user_accounts').select('id').where('staff_id', '=', imported.id).execute()).toHaveLength(1);
  });

  it('searches by name, email and username, filters by school and role, a page at a time', async () => {
    const all = (filters: Partial<{ q: string; school: number | null; role: 'teacher' | 'nurse' | null; page: number }>) =>
      listStaff(db, adminActor.scope, { q: '', school: null, role: null, page: 1, ...filters });
    expect((await all({ q: 'quinn' })).rows.map((r) => r.username)).toEqual(['zquinn']);
    expect((await all({ q: 'ZQUI' })).rows.map((r) => r.lastName)).toEqual(['Quinn']);
    expect((await all({ q: 'zoe.quinn@' })).rows.map((r) => r.lastName)).toEqual(['Quinn']);
    // A LIKE wildcard typed is taken literally.
    expect((await all({ q: '%' })).total).toBe(0);
    expect((await all({ school: far.id })).rows.map((r) => r.lastName)).toEqual(['Traveller']);
    expect((await all({ role: 'nurse' })).rows.map((r) => r.lastName)).toEqual([]);
    for (let i = 0; i < 30; i++) await staffMember(db, world, { first: `P${String(i).padStart(2, '0')}`, last: 'Paged', roles: [{ role: 'nurse' }], account: false });
    const first = await all({ role: 'nurse', page: 1 });
    const second = await all({ role: 'nurse', page: 2 });
    expect({ total: first.total, pages: first.pages, first: first.rows.length, second: second.rows.length }).toEqual({ total: 30, pages: 2, first: 25, second: 5 });
    expect(second.rows.map((r) => r.firstName)).toEqual(['P25', 'P26', 'P27', 'P28', 'P29']);
    // A page past the end shows the last one.
    expect((await all({ role: 'nurse', page: 9 })).page).toBe(2);
  });
});
