import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src/domain/demo/generate.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { parsePortalSettings } from '../../src/domain/district/settings.js';
import { officeScope } from '../../src/domain/access/staff.js';
import { openChangeRequest } from '../../src/domain/requests/contact-changes.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { textOf } from '../support/html.js';
import { Client } from '../support/http.js';
import { officeAccountAt } from '../support/staff.js';

describeEachEngine('contact change requests', (get) => {
  let app: FastifyInstance;
  const demo: Record<string, { username: string }> = {};
  let parent: { guardian_id: number; household_id: number | null; email: string | null; phone_mobile: string | null; security_email: string | null };

  beforeAll(async () => {
    await loadDemo(get(), { students: 40, seed: 47, startYear: 2026 });
    app = await makeApp(get());
    const district = await get().db.selectFrom('district').select('settings').executeTakeFirstOrThrow();
    for (const a of parsePortalSettings(district.settings).demo?.accounts ?? []) demo[a.role] ??= a;
    parent = (await get()
      .db.selectFrom('user_accounts as a')
      .innerJoin('guardians as g', 'g.id', 'a.guardian_id')
      .select(['a.guardian_id', 'g.household_id', 'g.email', 'g.phone_mobile', 'a.security_email'])
      .where('a.username', '=', demo.parent!.username)
      .executeTakeFirstOrThrow()) as typeof parent;
  });
  afterAll(() => app.close());

  /** Signed in as a demo role, or as a fixture account with the demo password. */
  const as = async (role: string) => {
    const c = new Client(app);
    await c.submit('/sign-in', { username: demo[role]?.username ?? role, password: DEMO_PASSWORD });
    return c;
  };
  const household = () => get().db.selectFrom('households').selectAll().where('id', '=', parent.household_id!).executeTakeFirstOrThrow();
  /** The form as the page fills it: the values on record, with some changed. */
  const formWith = async (changes: Record<string, string>) => {
    const g = await get().db.selectFrom('guardians').selectAll().where('id', '=', parent.guardian_id).executeTakeFirstOrThrow();
    const h = await household();
    return {
      email: g.email ?? '',
      phoneMobile: g.phone_mobile ?? '',
      phoneHome: g.phone_home ?? '',
      phoneWork: g.phone_work ?? '',
      addressLine1: h.address_line1 ?? '',
      addressLine2: h.address_line2 ?? '',
      city: h.city ?? '',
      state: h.state ?? '',
      postalCode: h.postal_code ?? '',
      householdPhone: h.phone ?? '',
      ...changes,
    };
  };

  it('refuses bad values at their fields and keeps nothing', async () => {
    expect(parent.household_id).not.toBeNull();
    const c = await as('parent');
    const page = await c.get('/account/contact');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain((await household()).address_line1!);
    const cases: [Record<string, string>, string][] = [
      [{ phoneMobile: 'call me maybe' }, 'Enter a phone number with its area code'],
      [{ phoneHome: '12' }, 'Enter a phone number with its area code'],
      // issue 23: digits enough but no such number — 555 is no area code; seven digits have none
      [{ phoneHome: '555-201-9999' }, 'Enter a phone number with its area code'],
      [{ phoneWork: '555-1234' }, 'Enter a phone number with its area code'],
      [{ state: 'California' }, 'Enter the two-letter state code'],
      [{ postalCode: '1234' }, 'Enter a 5-digit ZIP code'],
      [{ city: '' }, 'An address needs the street, city, state and ZIP code.'],
      [{ email: 'nobody' }, 'Enter an email address like name@example.com.'],
      [{ addressLine1: 'x'.repeat(101) }, 'This is too long.'],
      [{ addressLine2: 'Apt 4\u0000' }, 'characters that are not allowed'],
    ];
    for (const [changes, message] of cases) {
      await c.get('/account/contact');
      const res = await c.post('/account/contact', await formWith(changes));
      expect(res.statusCode, JSON.stringify(changes)).toBe(400);
      expect(res.body).toContain(message);
    }
    expect(await get().db.selectFrom('change_requests').select('id').execute()).toEqual([]);
    const same = await c.post('/account/contact', await formWith({}));
    expect(same.statusCode).toBe(303);
    expect((await c.get('/account/contact?sent=none')).body).toContain('Nothing was sent');
    expect(await get().db.selectFrom('change_requests').select('id').execute()).toEqual([]);
  });

  it('sends changes for staff to approve field by field; approved values are written and the parent is told', async () => {
    const c = await as('parent');
    await c.get('/account/contact');
    const before = await household();
    expect((await c.post('/account/contact', await formWith({ phoneMobile: '573-201-9999', city: 'Springfield' }))).statusCode).toBe(303);
    // Sent again with another number while waiting: the same request, updated.
    await c.get('/account/contact');
    expect((await c.post('/account/contact', await formWith({ phoneMobile: '573.201.7777', phoneWork: '+44 20 7946 0958', city: 'Springfield', state: 'ca' }))).statusCode).toBe(303);
    const requests = await get().db.selectFrom('change_requests').selectAll().execute();
    expect(requests).toHaveLength(1);
    const fields = await get().db.selectFrom('change_request_fields').selectAll().where('status', '=', 'pending').orderBy('id').execute();
    const stateChanged = before.state !== 'CA';
    // phones are kept in E.164 (issue 23)
    expect(fields.map((f) => [f.field, f.new_value])).toEqual([
      ['phone_mobile', '+15732017777'],
      ['city', 'Springfield'],
      ['phone_work', '+442079460958'],
      ...(stateChanged ? [['state', 'CA']] : []),
    ]);
    // Nothing is on record before staff decide.
    expect((await get().db.selectFrom('guardians').select('phone_mobile').where('id', '=', parent.guardian_id).executeTakeFirstOrThrow()).phone_mobile).toBe(parent.phone_mobile);
    const waiting = await c.get('/account/contact');
    expect(waiting.body).toContain('Waiting for the school office');
    // shown in the national format, another country's in the international one
    expect(waiting.body).toContain('value="(573) 201-7777"');
    expect(waiting.body).toContain('value="+44 20 7946 0958"');

    const office = await as('office');
    const list = await office.get('/staff/change-requests');
    expect(list.body).toContain(`/staff/change-requests/${requests[0]!.id}`);
    const url = `/staff/change-requests/${requests[0]!.id}`;
    await office.get(url);
    const undecided = await office.post(url, { [`decision-${fields[0]!.id}`]: 'approve' });
    expect(undecided.statusCode).toBe(400);
    expect(undecided.body).toContain('Choose approve or reject.');
    const bogus = await office.post(url, { [`decision-${fields[0]!.id}`]: 'maybe' });
    expect(bogus.statusCode).toBe(400);
    const decisions: Record<string, string> = { note: 'Please bring a utility bill for the new address.' };
    for (const f of fields) decisions[`decision-${f.id}`] = f.field === 'phone_mobile' ? 'approve' : 'reject';
    expect(textOf((await office.get(url)).body)).toContain('requested: (573) 201-7777');
    const done = await office.post(url, decisions);
    expect(done.statusCode).toBe(303);
    expect((await get().db.selectFrom('guardians').select(['phone_mobile', 'updated_by']).where('id', '=', parent.guardian_id).executeTakeFirstOrThrow()).phone_mobile).toBe('+15732017777');
    expect((await household()).city).toBe(before.city);
    const mail = await get().db.selectFrom('email_outbox').selectAll().where('kind', '=', 'contact_change_decided').execute();
    expect(mail.map((m) => m.to_address)).toEqual([parent.security_email]);
    expect(mail[0]!.text_body).toContain('Approved and now on record: Cell phone: (573) 201-7777.');
    expect(mail[0]!.text_body).toContain('Not approved: City: Springfield');
    expect(mail[0]!.text_body).toContain('Please bring a utility bill');
    const audited = await get().db.selectFrom('audit_log').select('action').where('action', 'like', 'contact_change.%').execute();
    expect(audited.map((a) => a.action).sort()).toEqual(['contact_change.approved', 'contact_change.rejected', 'contact_change.rejected', ...(stateChanged ? ['contact_change.rejected'] : []), 'contact_change.requested', 'contact_change.requested'].sort());
    expect((await office.post(url, decisions)).statusCode).toBe(409);
    const seen = await c.get('/account/contact');
    expect(seen.body).toContain('Approved');
    expect(seen.body).toContain('Not approved');
    expect(seen.body).toContain('Note from the school: Please bring a utility bill');
  });

  it('lets the parent withdraw a waiting request', async () => {
    const c = await as('parent');
    await c.get('/account/contact');
    await c.post('/account/contact', await formWith({ phoneWork: '573 201 0000' }));
    await c.get('/account/contact');
    expect((await c.post('/account/contact/withdraw', {})).statusCode).toBe(303);
    const open = await get().db.selectFrom('change_requests').select('status').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(open.status).toBe('withdrawn');
    // Sending the record's own values while a request waits withdraws it, and says so.
    await c.get('/account/contact');
    await c.post('/account/contact', await formWith({ phoneWork: '573 201 0001' }));
    await c.get('/account/contact');
    const back = await c.post('/account/contact', await formWith({}));
    expect(back.headers.location).toBe('/account/contact?sent=withdrawn');
    expect((await c.get('/account/contact?sent=withdrawn')).body).toContain('Your request was withdrawn.');
    const last = await get().db.selectFrom('change_requests').select('status').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(last.status).toBe('withdrawn');
  });

  it('shows the page to parents only and the queue to office staff of the parent’s students', async () => {
    expect((await (await as('teacher')).get('/account/contact')).statusCode).toBe(404);
    expect((await (await as('teacher')).get('/staff/change-requests')).statusCode).toBe(403);
    expect((await new Client(app).get('/account/contact')).statusCode).toBe(303);
    // A parent whose children are all at another school: not this office's to see.
    const office = await as('office');
    const officeSchool = await get()
      .db.selectFrom('user_accounts as a')
      .innerJoin('staff_roles as r', 'r.staff_id', 'a.staff_id')
      .select('r.school_id')
      .where('a.username', '=', demo.office!.username)
      .executeTakeFirstOrThrow();
    const elsewhere = await get()
      .db.selectFrom('guardians as g')
      .select('g.id')
      .where((eb) => eb.not(eb.exists(eb.selectFrom('student_guardians as sg').innerJoin('students as s', 's.id', 'sg.student_id').select('sg.id').whereRef('sg.guardian_id', '=', 'g.id').where('s.school_id', '=', officeSchool.school_id!))))
      .where((eb) => eb.exists(eb.selectFrom('student_guardians as sg2').select('sg2.id').whereRef('sg2.guardian_id', '=', 'g.id')))
      .executeTakeFirstOrThrow();
    const t = new Date().toISOString();
    const other = await get().db.insertInto('change_requests').values({ guardian_id: elsewhere.id, account_id: null, household_id: null, submitted_at: t, decided_at: null, decided_by: null }).returning('id').executeTakeFirstOrThrow();
    expect((await office.get(`/staff/change-requests/${other.id}`)).statusCode).toBe(404);
    expect((await office.get('/staff/change-requests')).body).not.toContain(`/staff/change-requests/${other.id}"`);
    expect((await (await as('district_admin')).get(`/staff/change-requests/${other.id}`)).statusCode).toBe(200);
    expect((await office.get('/staff/change-requests/0')).statusCode).toBe(404);
  });

  it('shows an office only its own schools’ students of a parent, and keeps another school’s household from it', async () => {
    const db = get().db;
    const officeSchool = (
      await db.selectFrom('user_accounts as a').innerJoin('staff_roles as r', 'r.staff_id', 'a.staff_id').select('r.school_id').where('a.username', '=', demo.office!.username).executeTakeFirstOrThrow()
    ).school_id!;
    // The demo parent has a student at the office's school (A) and one at another school (B).
    const children = await db
      .selectFrom('student_guardians as sg')
      .innerJoin('students as s', 's.id', 'sg.student_id')
      .select(['s.id', 's.student_number', 's.legal_first_name', 's.preferred_first_name', 's.legal_last_name', 's.school_id'])
      .where('sg.guardian_id', '=', parent.guardian_id)
      .orderBy('s.id')
      .execute();
    const ours = children.find((c) => c.school_id === officeSchool)!;
    const theirs = children.find((c) => c.school_id !== officeSchool)!;
    expect(ours && theirs).toBeTruthy();
    const nameOf = (c: (typeof children)[number]) => `${c.preferred_first_name ?? c.legal_first_name} ${c.legal_last_name}`;
    const officeB = await officeAccountAt(db, theirs.school_id, 'fixture.office.b', demo.office!.username);

    const c = await as('parent');
    await c.get('/account/contact');
    expect((await c.post('/account/contact', await formWith({ phoneHome: '573 201 3333' }))).statusCode).toBe(303);
    const waiting = await db.selectFrom('change_requests').select('id').where('guardian_id', '=', parent.guardian_id).where('status', '=', 'pending').executeTakeFirstOrThrow();
    const url = `/staff/change-requests/${waiting.id}`;

    const office = await as('office');
    const seenByA = await office.get(url);
    expect(seenByA.statusCode).toBe(200);
    expect(seenByA.body).toContain(`${nameOf(ours)} (${ours.student_number}`);
    expect(seenByA.body).not.toContain(nameOf(theirs));
    expect(seenByA.body).not.toContain(theirs.student_number);
    expect(seenByA.body).toContain('Also a parent or guardian at another school (not shown here).');
    const listA = await office.get('/staff/change-requests');
    expect(listA.body).toContain(`${url}"`);
    expect(listA.body).not.toContain(nameOf(theirs));

    const b = await as(officeB.username);
    const seenByB = await b.get(url);
    expect(seenByB.statusCode).toBe(200);
    expect(seenByB.body).toContain(`${nameOf(theirs)} (${theirs.student_number}`);
    expect(seenByB.body).not.toContain(nameOf(ours));
    expect(seenByB.body).not.toContain(ours.student_number);

    const admin = await as('district_admin');
    const seenByDistrict = await admin.get(url);
    expect(seenByDistrict.body).toContain(`${nameOf(ours)} (${ours.student_number}`);
    expect(seenByDistrict.body).toContain(`${nameOf(theirs)} (${theirs.student_number}`);
    expect(seenByDistrict.body).not.toContain('Also a parent or guardian at another school');
    const field = await db.selectFrom('change_request_fields').select('id').where('request_id', '=', waiting.id).where('status', '=', 'pending').executeTakeFirstOrThrow();
    expect((await office.post(url, { [`decision-${field.id}`]: 'approve' })).statusCode).toBe(303);

    // A parent of a student at A who lives in a household whose only student is at B.
    const sA = await db.selectFrom('students').select(['id', 'student_number']).where('school_id', '=', officeSchool).where('id', 'not in', children.map((k) => k.id)).orderBy('id').executeTakeFirstOrThrow();
    const sB = await db
      .selectFrom('students')
      .select(['id', 'student_number', 'legal_first_name', 'preferred_first_name', 'legal_last_name'])
      .where('school_id', '=', theirs.school_id)
      .where('id', 'not in', children.map((k) => k.id))
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const t = new Date().toISOString();
    const changed = { created_at: t, updated_at: t, updated_by: null };
    const home = await db
      .insertInto('households')
      .values({ sourced_id: null, name: 'Fixture Household', address_line1: '1 Fixture Lane', address_line2: null, city: 'Cedar Valley', state: 'CA', postal_code: '95112', phone: null, ...changed })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('household_students').values({ household_id: home.id, student_id: sB.id, primary_household: 1 }).execute();
    const fixtureParent = await db
      .insertInto('guardians')
      .values({ sourced_id: null, first_name: 'Fixture', last_name: 'Parent', email: 'fixture.parent@example.net', phone_mobile: null, phone_home: null, phone_work: null, household_id: home.id, ...changed })
      .returning('id')
      .executeTakeFirstOrThrow();
    const link = (studentId: number) => ({
      student_id: studentId,
      guardian_id: fixtureParent.id,
      relationship: 'father',
      portal_access: 1 as const,
      rights_revoked: 0 as const,
      lives_with: 1 as const,
      receives_mail: 1 as const,
      emergency_contact: 1 as const,
      contact_priority: 1,
      ...changed,
    });
    await db.insertInto('student_guardians').values([link(sA.id), link(sB.id)]).execute();
    const ask = async (fields: { target: 'guardian' | 'household'; field: string; old_value: string | null; new_value: string; status?: 'withdrawn' }[]) => {
      const r = await db
        .insertInto('change_requests')
        .values({ guardian_id: fixtureParent.id, account_id: null, household_id: home.id, submitted_at: t, decided_at: null, decided_by: null })
        .returning('id')
        .executeTakeFirstOrThrow();
      const ids: number[] = [];
      for (const f of fields) ids.push((await db.insertInto('change_request_fields').values({ request_id: r.id, reason: null, ...f }).returning('id').executeTakeFirstOrThrow()).id);
      return { id: r.id, url: `/staff/change-requests/${r.id}`, fields: ids };
    };
    const moving = await ask([
      { target: 'guardian', field: 'phone_mobile', old_value: null, new_value: '+15732011111' },
      { target: 'household', field: 'address_line1', old_value: '1 Fixture Lane', new_value: '2 Moved Street' },
    ]);
    const decisions = Object.fromEntries(moving.fields.map((id) => [`decision-${id}`, 'approve']));
    // A's office: the household is B's students' only, so the request is not A's, to read or to decide.
    expect((await office.get(moving.url)).statusCode).toBe(404);
    expect((await office.get('/staff/change-requests')).body).not.toContain(`${moving.url}"`);
    await office.get('/staff/change-requests');
    expect((await office.post(moving.url, decisions)).statusCode).toBe(404);
    expect((await db.selectFrom('households').select('address_line1').where('id', '=', home.id).executeTakeFirstOrThrow()).address_line1).toBe('1 Fixture Lane');
    expect((await db.selectFrom('guardians').select('phone_mobile').where('id', '=', fixtureParent.id).executeTakeFirstOrThrow()).phone_mobile).toBeNull();
    expect((await db.selectFrom('change_requests').select('status').where('id', '=', moving.id).executeTakeFirstOrThrow()).status).toBe('pending');
    // The district office sees it; B's office decides it.
    expect((await admin.get(moving.url)).body).toContain('2 Moved Street');
    const forB = await b.get(moving.url);
    expect(forB.statusCode).toBe(200);
    expect(forB.body).toContain('2 Moved Street');
    expect((await b.post(moving.url, decisions)).statusCode).toBe(303);
    expect((await db.selectFrom('households').select('address_line1').where('id', '=', home.id).executeTakeFirstOrThrow()).address_line1).toBe('2 Moved Street');

    // A phone number only (and an address change the parent took back): A's office decides it, and
    // sees neither that household's address nor B's student.
    const phoneOnly = await ask([
      { target: 'guardian', field: 'phone_work', old_value: null, new_value: '555-201-2222' },
      { target: 'household', field: 'address_line1', old_value: '2 Moved Street', new_value: '3 Hidden Road', status: 'withdrawn' },
    ]);
    const page = await office.get(phoneOnly.url);
    expect(page.statusCode).toBe(200);
    for (const hidden of ['2 Moved Street', '3 Hidden Road', 'Fixture Household', `${sB.preferred_first_name ?? sB.legal_first_name} ${sB.legal_last_name}`, sB.student_number]) {
      expect(page.body, hidden).not.toContain(hidden);
    }
    expect(page.body).toContain(sA.student_number);
    expect(page.body).toContain('Also a parent or guardian at another school (not shown here).');
    const scopeA = await officeScope(db, (await db.selectFrom('user_accounts').select('staff_id').where('username', '=', demo.office!.username).executeTakeFirstOrThrow()).staff_id);
    const presented = JSON.stringify(await openChangeRequest(db, scopeA, phoneOnly.id));
    for (const hidden of ['2 Moved Street', '3 Hidden Road', 'Fixture Household', '95112', sB.student_number]) expect(presented, hidden).not.toContain(hidden);
    expect((await office.post(phoneOnly.url, { [`decision-${phoneOnly.fields[0]}`]: 'approve' })).statusCode).toBe(303);
    expect((await db.selectFrom('guardians').select('phone_work').where('id', '=', fixtureParent.id).executeTakeFirstOrThrow()).phone_work).toBe('555-201-2222');
    expect((await db.selectFrom('households').select('address_line1').where('id', '=', home.id).executeTakeFirstOrThrow()).address_line1).toBe('2 Moved Street');
  });
});
