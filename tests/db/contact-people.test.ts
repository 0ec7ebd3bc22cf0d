/**
 * Change requests about the people around a student (issue 23, ADR 0050), in the domain, on both
 * engines: who the family may ask about, one waiting request per person, the office's field-by-field
 * decision written through one service and audited, additions within the limit, removals, a person who
 * is gone by the time the office decides.
 */
import type { Kysely } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.js';
import { readableStudent } from '../../src/domain/access/portal.js';
import { officeScope } from '../../src/domain/access/staff.js';
import { MAX_EMERGENCY_CONTACTS, peopleAround } from '../../src/domain/people/contact-people.js';
import { decideChangeRequest, openChangeRequest } from '../../src/domain/requests/contact-changes.js';
import { peopleInfo, requestNewContact, requestPersonChange, requestRemoval, withdrawPeopleRequest, type Requester } from '../../src/domain/requests/contact-people.js';
import { emergencyContactInput, otherGuardianInput } from '../../src/domain/requests/schemas.js';
import { describeEachEngine } from '../support/db.js';
import { guardian, link, otherSchool, schoolYear, staffMember, type StaffFixture, type World } from '../support/factories.js';
import { peopleFamily, type PeopleFamily } from '../support/contact-people.js';

const NOW = new Date('2027-02-09T18:00:00Z');
const DISTRICT = { name: 'Fixture District', portalName: 'Fixture Portal', helpEmail: null, timeZone: 'America/Chicago', locale: 'en' };

describeEachEngine('requests about the people around a student', (get) => {
  let db: Kysely<DB>;
  let world: World;
  let office: StaffFixture;
  let elsewhere: StaffFixture;
  let n = 0;

  beforeAll(async () => {
    db = get().db;
    world = await schoolYear(db, { today: '2027-02-09' });
    office = await staffMember(db, world, { first: 'Olga', last: 'Office', roles: [{ role: 'office' }] });
    const other = await otherSchool(db);
    elsewhere = await staffMember(db, world, { first: 'Otto', last: 'Elsewhere', roles: [{ role: 'office', schoolId: other.id }] });
  });

  const family = () => peopleFamily(db, world, String(++n));
  const reader = (guardianId: number) => ({ person_kind: 'guardian', student_id: null, guardian_id: guardianId });
  const mayaOf = (f: PeopleFamily, guardianId = f.lucia.id) => readableStudent(db, reader(guardianId), f.maya.id, null);
  const as = (f: PeopleFamily, who: 'lucia' | 'marco' = 'lucia'): Requester =>
    who === 'lucia' ? { guardianId: f.lucia.id, accountId: f.luciaAccount.id, ip: '10.0.0.1' } : { guardianId: f.marco.id, accountId: f.marcoAccount.id, ip: '10.0.0.2' };
  const contactForm = (values: Record<string, string>) => ({ kind: 'contact' as const, data: emergencyContactInput.parse({ firstName: 'Nora', lastName: '', relationship: 'aunt', ...values }) });
  const decide = async (staff: StaffFixture, requestId: number, decisions: [number, 'approve' | 'reject'][], note: string | null = null) =>
    decideChangeRequest(db, { scope: await officeScope(db, staff.id), actorAccountId: staff.account!.id, requestId, decisions: new Map(decisions), note, district: DISTRICT, ip: '10.9.9.9' }, NOW);
  const fieldsOf = (requestId: number) => db.selectFrom('change_request_fields').selectAll().where('request_id', '=', requestId).orderBy('id').execute();
  const requestCount = async () => (await db.selectFrom('change_requests').select('id').execute()).length;

  it('lists the emergency contacts and the household’s other guardians, and nobody else', async () => {
    const f = await family();
    const info = await peopleInfo(db, await mayaOf(f), f.lucia.id);
    // not Lucia herself, not Raul (another household), not Tomas (revoked)
    expect(info.people.map((p) => [p.firstName, p.kind]).sort()).toEqual([
      ['Marco', 'guardian'],
      ['Nora', 'contact'],
    ]);
    expect(info.canAdd).toBe(true);
    expect(info.max).toBe(5);
    // Marco sees Lucia as the other guardian of his household
    expect((await peopleAround(db, f.maya.id, f.marco.id)).map((p) => p.firstName).sort()).toEqual(['Lucia', 'Nora']);
  });

  it('keeps a change waiting; the same guardian updates it; anyone else is refused while it waits', async () => {
    const f = await family();
    const maya = await mayaOf(f);
    const nora = { lastName: f.nora.last };
    const first = await requestPersonChange(db, { student: maya, requester: as(f), subjectId: f.nora.id, values: contactForm({ ...nora, phoneMobile: '573-201-4444', relationship: 'grandparent' }) }, NOW);
    expect(first.kind).toBe('submitted');
    const id = (first as { requestId: number }).requestId;
    expect((await fieldsOf(id)).map((x) => [x.target, x.field, x.old_value, x.new_value, x.status])).toEqual([
      ['link', 'relationship', 'aunt', 'grandparent', 'pending'],
      ['contact', 'phone_mobile', '+15732010101', '+15732014444', 'pending'],
    ]);
    // nothing on record yet
    expect((await db.selectFrom('guardians').select('phone_mobile').where('id', '=', f.nora.id).executeTakeFirstOrThrow()).phone_mobile).toBe('+15732010101');
    // sent again: the same request, the relationship set back is withdrawn, the phone replaced
    const again = await requestPersonChange(db, { student: maya, requester: as(f), subjectId: f.nora.id, values: contactForm({ ...nora, phoneMobile: '(573) 201-5555' }) }, NOW);
    expect(again).toEqual({ kind: 'submitted', requestId: id });
    expect((await fieldsOf(id)).map((x) => [x.field, x.new_value, x.status])).toEqual([
      ['relationship', 'grandparent', 'withdrawn'],
      ['phone_mobile', '+15732015555', 'pending'],
    ]);
    const before = await requestCount();
    // Marco asks about Nora while Lucia's request waits: refused, nothing written
    const marco = await requestPersonChange(db, { student: await mayaOf(f, f.marco.id), requester: as(f, 'marco'), subjectId: f.nora.id, values: contactForm({ ...nora, phoneHome: '573-201-7777' }) }, NOW);
    expect(marco).toEqual({ kind: 'busy' });
    expect((await requestRemoval(db, { student: await mayaOf(f, f.marco.id), requester: as(f, 'marco'), subjectId: f.nora.id }, NOW)).kind).toBe('busy');
    expect(await requestCount()).toBe(before);
    // the page says so to Marco, and shows Lucia her own waiting request
    expect((await peopleInfo(db, await mayaOf(f, f.marco.id), f.marco.id)).people.find((p) => p.guardianId === f.nora.id)?.busy).toBe(true);
    const mine = (await peopleInfo(db, maya, f.lucia.id)).people.find((p) => p.guardianId === f.nora.id)!;
    expect([mine.busy, mine.waiting?.id]).toEqual([false, id]);
    // everything set back to the record: withdrawn
    expect((await requestPersonChange(db, { student: maya, requester: as(f), subjectId: f.nora.id, values: contactForm({ ...nora, phoneMobile: '573-201-0101' }) }, NOW)).kind).toBe('withdrawn');
    expect((await db.selectFrom('change_requests').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status).toBe('withdrawn');
  });

  it('refuses people who are not the family’s to ask about, writing nothing', async () => {
    const f = await family();
    const maya = await mayaOf(f);
    const stranger = await guardian(db, { first: 'Sam', last: 'Stranger' });
    const before = await requestCount();
    const phones = { kind: 'guardian' as const, data: otherGuardianInput.parse({ phoneWork: '573-201-8888' }) };
    for (const subjectId of [f.raul.id, f.tomas.id, stranger.id, f.lucia.id, 2_000_000]) {
      expect((await requestPersonChange(db, { student: maya, requester: as(f), subjectId, values: phones }, NOW)).kind, String(subjectId)).toBe('missing');
    }
    // the form of the other kind: Nora is an emergency contact, Marco a guardian
    expect((await requestPersonChange(db, { student: maya, requester: as(f), subjectId: f.nora.id, values: phones }, NOW)).kind).toBe('missing');
    expect((await requestPersonChange(db, { student: maya, requester: as(f), subjectId: f.marco.id, values: contactForm({ lastName: f.marco.last, phoneMobile: '573-201-8888' }) }, NOW)).kind).toBe('missing');
    // a guardian is not removed as an emergency contact here
    expect((await requestRemoval(db, { student: maya, requester: as(f), subjectId: f.marco.id }, NOW)).kind).toBe('missing');
    expect(await requestCount()).toBe(before);
  });

  it('the office approves one field and rejects another: written through one service, audited, the parent told', async () => {
    const f = await family();
    const maya = await mayaOf(f);
    const sent = await requestPersonChange(
      db,
      { student: maya, requester: as(f), subjectId: f.marco.id, values: { kind: 'guardian', data: otherGuardianInput.parse({ phoneWork: '573-201-6666', email: 'Marco.New@Example.com' }) } },
      NOW,
    );
    const id = (sent as { requestId: number }).requestId;
    const [phone, email] = await fieldsOf(id);
    expect([phone!.field, phone!.new_value, email!.field, email!.new_value]).toEqual(['phone_work', '+15732016666', 'email', 'marco.new@example.com']);
    // the office of another school does not see it
    expect(await openChangeRequest(db, await officeScope(db, elsewhere.id), id)).toBeNull();
    expect((await decide(elsewhere, id, [[phone!.id, 'approve'], [email!.id, 'approve']])).kind).toBe('missing');
    const detail = (await openChangeRequest(db, await officeScope(db, office.id), id))!;
    expect([detail.about?.kind, detail.about?.name, detail.parent]).toEqual(['guardian', `Marco ${f.marco.last}`, `Lucia ${f.lucia.last}`]);
    expect(detail.about?.student).toContain(f.maya.number);
    // undecided fields: nothing written
    expect(await decide(office, id, [[phone!.id, 'approve']])).toEqual({ kind: 'undecided', fieldIds: [email!.id] });
    const done = await decide(office, id, [[phone!.id, 'approve'], [email!.id, 'reject']], 'Please ask Marco to call us about his email.');
    expect(done).toEqual({ kind: 'done', approved: 1, rejected: 1, notified: f.lucia.email });
    const marco = await db.selectFrom('guardians').selectAll().where('id', '=', f.marco.id).executeTakeFirstOrThrow();
    expect([marco.phone_work, marco.email, marco.updated_by]).toEqual(['+15732016666', f.marco.email, office.account!.id]);
    const audits = await db.selectFrom('audit_log').select(['action', 'subject_type', 'subject_id', 'details']).where('action', 'in', ['contact_change.approved', 'contact_change.rejected']).where('subject_type', '=', 'guardian').where('subject_id', '=', f.marco.id).orderBy('id').execute();
    expect(audits.map((a) => [a.action, a.subject_type, JSON.parse(a.details!)])).toEqual([
      ['contact_change.rejected', 'guardian', { request: id, student: f.maya.id, field: 'contact.email', from: f.marco.email, to: 'marco.new@example.com' }],
      ['contact_change.approved', 'guardian', { request: id, student: f.maya.id, before: { phone_work: null }, after: { phone_work: '+15732016666' } }],
    ]);
    const mail = await db.selectFrom('email_outbox').selectAll().where('kind', '=', 'contact_change_decided').where('to_address', '=', f.lucia.email).execute();
    expect(mail).toHaveLength(1);
    expect(mail[0]!.text_body).toContain(`Approved and now on record: Marco ${f.marco.last} — Work phone: (573) 201-6666.`);
    expect(mail[0]!.text_body).toContain(`Not approved: Marco ${f.marco.last} — Email: marco.new@example.com.`);
    expect(mail[0]!.text_body).toContain('Please ask Marco to call us about his email.');
    // Lucia's page shows the outcome of each field
    const recent = (await peopleInfo(db, maya, f.lucia.id)).recent;
    expect(recent.map((r) => r.fields.map((x) => [x.field, x.status]))).toEqual([
      [
        ['contact.phone_work', 'approved'],
        ['contact.email', 'rejected'],
      ],
    ]);
    expect((await decide(office, id, [[phone!.id, 'approve'], [email!.id, 'reject']])).kind).toBe('notPending');
  });

  it('adds an emergency contact within the limit and removes one', async () => {
    const f = await family();
    const maya = await mayaOf(f);
    const ana = emergencyContactInput.parse({ firstName: 'Ana', lastName: 'Ruiz', relationship: 'neighbor', phoneHome: '573-201-3333' });
    const added = await requestNewContact(db, { student: maya, requester: as(f), data: ana }, NOW);
    expect(added.kind).toBe('submitted');
    // the same person again (any case), or one who is a contact already: refused
    expect(await requestNewContact(db, { student: maya, requester: as(f, 'marco'), data: { ...ana, firstName: 'ANA', lastName: 'ruiz' } }, NOW)).toEqual({ kind: 'duplicate' });
    expect(await requestNewContact(db, { student: maya, requester: as(f), data: { ...ana, firstName: 'Nora', lastName: f.nora.last } }, NOW)).toEqual({ kind: 'duplicate' });
    // Nora + 3 more on record + Ana waiting = 5: a sixth is refused
    for (const first of ['Uno', 'Dos', 'Tres']) await link(db, f.maya, await guardian(db, { first, last: 'Extra' }), { relationship: 'cousin', portalAccess: false });
    expect(MAX_EMERGENCY_CONTACTS).toBe(5);
    expect(await requestNewContact(db, { student: maya, requester: as(f), data: { ...ana, firstName: 'Seis' } }, NOW)).toEqual({ kind: 'tooMany' });
    expect((await peopleInfo(db, maya, f.lucia.id)).canAdd).toBe(false);
    // approved: a person with no household and a link without portal access or mail
    const id = (added as { requestId: number }).requestId;
    const [field] = await fieldsOf(id);
    expect(await decide(office, id, [[field!.id, 'approve']])).toMatchObject({ kind: 'done', approved: 1 });
    const row = await db
      .selectFrom('guardians as g')
      .innerJoin('student_guardians as sg', 'sg.guardian_id', 'g.id')
      .select(['g.id', 'g.household_id', 'g.phone_home', 'g.email', 'sg.relationship', 'sg.portal_access', 'sg.receives_mail', 'sg.emergency_contact', 'sg.rights_revoked', 'sg.student_id'])
      .where('g.first_name', '=', 'Ana')
      .where('g.last_name', '=', 'Ruiz')
      .executeTakeFirstOrThrow();
    expect({ ...row, id: 0 }).toEqual({ id: 0, household_id: null, phone_home: '+15732013333', email: null, relationship: 'neighbor', portal_access: 0, receives_mail: 0, emergency_contact: 1, rights_revoked: 0, student_id: f.maya.id });
    const audit = await db.selectFrom('audit_log').select('details').where('action', '=', 'contact_change.approved').where('subject_type', '=', 'guardian').where('subject_id', '=', row.id).executeTakeFirstOrThrow();
    expect(JSON.parse(audit.details!)).toMatchObject({ request: id, before: null, after: { firstName: 'Ana', lastName: 'Ruiz', relationship: 'neighbor', phoneHome: '+15732013333' } });
    // removal: the link stays, no longer an emergency contact
    const removal = await requestRemoval(db, { student: maya, requester: as(f), subjectId: f.nora.id }, NOW);
    const removalId = (removal as { requestId: number }).requestId;
    const [remove] = await fieldsOf(removalId);
    expect([remove!.field, remove!.old_value, remove!.new_value]).toEqual(['remove', `Nora ${f.nora.last}`, null]);
    expect(await decide(office, removalId, [[remove!.id, 'approve']])).toMatchObject({ kind: 'done', approved: 1 });
    const nora = await db.selectFrom('student_guardians').select(['emergency_contact', 'rights_revoked']).where('guardian_id', '=', f.nora.id).executeTakeFirstOrThrow();
    expect(nora).toEqual({ emergency_contact: 0, rights_revoked: 0 });
    expect((await peopleAround(db, f.maya.id, f.lucia.id)).map((p) => p.firstName).sort()).toEqual(['Ana', 'Dos', 'Marco', 'Tres', 'Uno']);
  });

  it('does not approve an addition past the limit, nor a change about someone who is gone; rejecting stays possible', async () => {
    const f = await family();
    const maya = await mayaOf(f);
    const added = await requestNewContact(db, { student: maya, requester: as(f), data: emergencyContactInput.parse({ firstName: 'Ana', lastName: 'Ruiz', relationship: 'aunt', phoneMobile: '573-201-3333' }) }, NOW);
    const addId = (added as { requestId: number }).requestId;
    // the office filled the list in the meantime (Nora + 4)
    for (const first of ['Uno', 'Dos', 'Tres', 'Cuatro']) await link(db, f.maya, await guardian(db, { first, last: 'Extra' }), { relationship: 'cousin', portalAccess: false });
    const [field] = await fieldsOf(addId);
    const guardiansBefore = (await db.selectFrom('guardians').select('id').execute()).length;
    expect(await decide(office, addId, [[field!.id, 'approve']])).toEqual({ kind: 'tooMany' });
    expect((await fieldsOf(addId)).map((x) => x.status)).toEqual(['pending']);
    expect((await db.selectFrom('change_requests').select('status').where('id', '=', addId).executeTakeFirstOrThrow()).status).toBe('pending');
    expect((await db.selectFrom('guardians').select('id').execute()).length).toBe(guardiansBefore);
    expect(await decide(office, addId, [[field!.id, 'reject']])).toMatchObject({ kind: 'done', rejected: 1 });

    const changed = await requestPersonChange(db, { student: maya, requester: as(f), subjectId: f.nora.id, values: contactForm({ lastName: f.nora.last, phoneMobile: '573-201-0101', phoneWork: '573-201-2222' }) }, NOW);
    const changeId = (changed as { requestId: number }).requestId;
    await db.updateTable('student_guardians').set({ rights_revoked: 1 }).where('guardian_id', '=', f.nora.id).execute();
    const [work] = await fieldsOf(changeId);
    expect((await openChangeRequest(db, await officeScope(db, office.id), changeId))?.about?.gone).toBe(true);
    expect(await decide(office, changeId, [[work!.id, 'approve']])).toEqual({ kind: 'gone' });
    expect((await db.selectFrom('guardians').select('phone_work').where('id', '=', f.nora.id).executeTakeFirstOrThrow()).phone_work).toBeNull();
    expect(await decide(office, changeId, [[work!.id, 'reject']])).toMatchObject({ kind: 'done', rejected: 1 });
  });

  it('lets a guardian withdraw only their own waiting request', async () => {
    const f = await family();
    const maya = await mayaOf(f);
    const sent = await requestRemoval(db, { student: maya, requester: as(f), subjectId: f.nora.id }, NOW);
    const requestId = (sent as { requestId: number }).requestId;
    expect(await withdrawPeopleRequest(db, { student: await mayaOf(f, f.marco.id), requester: as(f, 'marco'), requestId }, NOW)).toBe('missing');
    expect(await withdrawPeopleRequest(db, { student: maya, requester: as(f), requestId }, NOW)).toBe('done');
    expect(await withdrawPeopleRequest(db, { student: maya, requester: as(f), requestId }, NOW)).toBe('notPending');
    expect((await fieldsOf(requestId)).map((x) => x.status)).toEqual(['withdrawn']);
  });
});
