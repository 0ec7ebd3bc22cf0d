/**
 * The family's requests about the people around a child, over HTTP (issue 23, ADR 0050): the pages, a
 * field message and a 400 for every bad value with nothing kept, a 404 for anyone the family may not
 * ask about, a 409 for a second request about the same person, the office's queue saying what each
 * request is about, field-by-field decisions, and the outcome on the family's page. English and Spanish.
 */
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.js';
import { makeApp } from '../support/app.js';
import { peopleFamily, type PeopleFamily } from '../support/contact-people.js';
import { describeEachEngine } from '../support/db.js';
import { FIXTURE_PASSWORD, guardianWithChild, schoolYear, staffMember, type Family, type StaffFixture } from '../support/factories.js';
import { textOf } from '../support/html.js';
import { Client } from '../support/http.js';

describeEachEngine('requests about emergency contacts and other guardians, over HTTP', (get) => {
  let app: FastifyInstance;
  let db: Kysely<DB>;
  let f: PeopleFamily;
  let es: PeopleFamily;
  let other: Family;
  let office: StaffFixture;
  let address = 0;

  beforeAll(async () => {
    db = get().db;
    const world = await schoolYear(db, { today: '2027-02-09' });
    f = await peopleFamily(db, world, 'W');
    es = await peopleFamily(db, world, 'Es', { locale: 'es', studentFirst: 'Sofia' });
    other = await guardianWithChild(db, world, { student: { first: 'Ben', last: 'Quill' }, guardian: { first: 'Rob', last: 'Quill' } });
    office = await staffMember(db, world, { first: 'Olga', last: 'Office', roles: [{ role: 'office' }] });
    app = await makeApp(get(), { now: () => new Date('2027-02-09T18:00:00Z') });
  });
  afterAll(() => app?.close());

  const signedIn = async (username: string) => {
    const c = new Client(app, {}, `10.7.0.${++address}`);
    expect((await c.submit('/sign-in', { username, password: FIXTURE_PASSWORD })).statusCode).toBe(303);
    return c;
  };
  const base = (fam: PeopleFamily) => `/account/contact/students/${fam.maya.id}`;
  const requests = async () => (await db.selectFrom('change_requests').select('id').execute()).length;
  const noraForm = (fam: PeopleFamily, changes: Record<string, string> = {}) => ({
    firstName: 'Nora',
    lastName: fam.nora.last,
    relationship: 'aunt',
    phoneMobile: '(573) 201-0101',
    phoneHome: '',
    phoneWork: '',
    ...changes,
  });

  it('shows the people, refuses each bad value at its field with a 400, and keeps nothing', async () => {
    const lucia = await signedIn(f.luciaAccount.username);
    const list = await lucia.get(base(f));
    expect(list.statusCode).toBe(200);
    const text = textOf(list.body);
    expect(text).toContain(`Nora ${f.nora.last}`);
    expect(text).toContain(`Marco ${f.marco.last}`);
    expect(text).not.toContain('Raul');
    expect(text).not.toContain('Tomas');
    // the parent's contact page leads here
    expect((await lucia.get('/account/contact')).body).toContain(`href="${base(f)}"`);
    const form = await lucia.get(`${base(f)}/people/${f.nora.id}`);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('value="(573) 201-0101"');

    const cases: [Record<string, string>, string][] = [
      [{ firstName: '' }, 'This field is required.'],
      [{ phoneMobile: 'call me' }, 'Enter a phone number with its area code'],
      [{ phoneMobile: '555-1234' }, 'Enter a phone number with its area code'],
      [{ phoneMobile: '' }, 'Enter at least one phone number: the school must be able to call an emergency contact.'],
      [{ relationship: 'boss' }, 'Choose the relationship to the student.'],
      [{ relationship: '' }, 'Choose the relationship to the student.'],
      [{ lastName: 'x'.repeat(101) }, 'This is too long.'],
      [{ firstName: 'Ana\u0000' }, 'characters that are not allowed'],
    ];
    for (const [changes, message] of cases) {
      for (const url of [`${base(f)}/new`, `${base(f)}/people/${f.nora.id}`]) {
        await lucia.get(base(f));
        const res = await lucia.post(url, noraForm(f, { firstName: 'Ana', ...changes }));
        expect(res.statusCode, `${url} ${JSON.stringify(changes)}`).toBe(400);
        expect(textOf(res.body)).toContain(message);
      }
    }
    await lucia.get(base(f));
    const badEmail = await lucia.post(`${base(f)}/people/${f.marco.id}`, { phoneMobile: '', phoneHome: '', phoneWork: '', email: 'nobody' });
    expect(badEmail.statusCode).toBe(400);
    expect(textOf(badEmail.body)).toContain('Enter an email address like name@example.com.');
    // Nora herself again: a duplicate, at the name
    const duplicate = await lucia.post(`${base(f)}/new`, noraForm(f));
    expect(duplicate.statusCode).toBe(400);
    expect(textOf(duplicate.body)).toContain(`Nora ${f.nora.last} is already an emergency contact or guardian of this student`);
    // the values on record: nothing to send
    const same = await lucia.post(`${base(f)}/people/${f.nora.id}`, noraForm(f));
    expect([same.statusCode, same.headers.location]).toEqual([303, `${base(f)}?sent=none`]);
    expect(await requests()).toBe(0);
  });

  it('answers 404 for another family, a student, and people the family may not ask about, writing nothing', async () => {
    const lucia = await signedIn(f.luciaAccount.username);
    const rob = await signedIn(other.guardianAccount!.username);
    await rob.get('/account/contact');
    for (const url of [base(f), `${base(f)}/new`, `${base(f)}/people/${f.nora.id}`]) {
      const res = await rob.get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.body).not.toContain(f.nora.last);
    }
    expect((await rob.post(`${base(f)}/people/${f.nora.id}`, noraForm(f, { phoneWork: '573-201-2222' }))).statusCode).toBe(404);
    expect((await rob.post(`${base(f)}/people/${f.nora.id}/remove`, {})).statusCode).toBe(404);
    const student = await signedIn(other.studentAccount!.username);
    expect((await student.get(`/account/contact/students/${other.student.id}`)).statusCode).toBe(404);
    await lucia.get(base(f));
    for (const id of [f.raul.id, f.tomas.id, f.lucia.id, other.guardian.id, 999_999]) {
      expect((await lucia.get(`${base(f)}/people/${id}`)).statusCode, String(id)).toBe(404);
      expect((await lucia.post(`${base(f)}/people/${id}`, { phoneMobile: '573-201-2222' })).statusCode, String(id)).toBe(404);
    }
    expect((await lucia.post(`${base(f)}/people/${f.marco.id}/remove`, {})).statusCode).toBe(404);
    expect((await lucia.get('/account/contact/students/abc')).statusCode).toBe(404);
    expect((await lucia.post(`${base(f)}/withdraw`, { requestId: 'x' })).statusCode).toBe(404);
    expect(await requests()).toBe(0);
  });

  it('refuses a second request about the same person from the other parent (409), and the office decides field by field', async () => {
    const lucia = await signedIn(f.luciaAccount.username);
    await lucia.get(`${base(f)}/people/${f.nora.id}`);
    const sent = await lucia.post(`${base(f)}/people/${f.nora.id}`, noraForm(f, { phoneWork: '573-201-2222', relationship: 'grandparent' }));
    expect([sent.statusCode, sent.headers.location]).toEqual([303, `${base(f)}?sent=updated`]);
    expect(textOf((await lucia.get(`${base(f)}?sent=updated`)).body)).toContain('Waiting for the school office');
    const marco = await signedIn(f.marcoAccount.username);
    const page = await marco.get(`${base(f)}/people/${f.nora.id}`);
    expect(textOf(page.body)).toContain(`A change to Nora ${f.nora.last} is already waiting for the school office.`);
    const busy = await marco.post(`${base(f)}/people/${f.nora.id}`, noraForm(f, { phoneHome: '573-201-7777' }));
    expect(busy.statusCode).toBe(409);
    expect(textOf(busy.body)).toContain('is already waiting for the school office');
    expect(await requests()).toBe(1);

    const staff = await signedIn(office.account!.username);
    const queue = textOf((await staff.get('/staff/change-requests')).body);
    expect(queue).toContain(`Emergency contact Nora ${f.nora.last} of Maya ${f.maya.last}`);
    const request = await db.selectFrom('change_requests').select('id').executeTakeFirstOrThrow();
    const fields = await db.selectFrom('change_request_fields').select(['id', 'field']).where('request_id', '=', request.id).orderBy('id').execute();
    const detail = textOf((await staff.get(`/staff/change-requests/${request.id}`)).body);
    expect(detail).toContain(`Asked by Lucia ${f.lucia.last}`);
    expect(detail).toContain('On record: (none) → requested: (573) 201-2222');
    expect(detail).toContain('On record: Aunt → requested: Grandparent');
    const decisions = Object.fromEntries(fields.map((x) => [`decision-${x.id}`, x.field === 'phone_work' ? 'approve' : 'reject']));
    const done = await staff.post(`/staff/change-requests/${request.id}`, { ...decisions, note: 'Nora is her aunt, as on her birth record.' });
    expect(done.statusCode).toBe(303);
    const nora = await db.selectFrom('guardians as g').innerJoin('student_guardians as sg', 'sg.guardian_id', 'g.id').select(['g.phone_work', 'sg.relationship']).where('g.id', '=', f.nora.id).executeTakeFirstOrThrow();
    expect(nora).toEqual({ phone_work: '+15732012222', relationship: 'aunt' });
    const outcome = textOf((await lucia.get(base(f))).body);
    expect(outcome).toContain('Earlier requests');
    expect(outcome).toMatch(/Work phone\s*\(none\)\s*\(573\) 201-2222\s*Approved/);
    expect(outcome).toMatch(/Relationship to the student\s*Aunt\s*Grandparent\s*Not approved/);
    expect(outcome).toContain('Note from the school: Nora is her aunt, as on her birth record.');
  });

  it('speaks Spanish to a Spanish-reading guardian, field messages included', async () => {
    const rosa = await signedIn(es.luciaAccount.username);
    const list = textOf((await rosa.get(base(es))).body);
    expect(list).toContain(`Contactos de emergencia y tutores de Sofia ${es.maya.last}`);
    expect(list).toContain('Tía');
    await rosa.get(`${base(es)}/new`);
    const res = await rosa.post(`${base(es)}/new`, noraForm(es, { firstName: 'Ana', phoneMobile: '' }));
    expect(res.statusCode).toBe(400);
    expect(textOf(res.body)).toContain('Escriba al menos un número de teléfono');
  });
});
