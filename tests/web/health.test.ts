/**
 * The nurse's health-record pages, through HTTP: the lookup by number, recording a dose that the
 * parent's Immunizations page shows at its next load, the field messages of bad input (nothing
 * written), a correction, and the compliance list with its CSV. Expected values are literals worked
 * out from the fixture, as of Tuesday 9 February 2027.
 */
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, immunizations, schoolYear, staffMember, student, vaccine, type AccountFixture, type Family, type VaccineFixture } from '../support/factories.js';
import { tableRows, textOf } from '../support/html.js';
import { Client } from '../support/http.js';

const TODAY = '2027-02-09';

describeEachEngine('the nurse’s health-record pages', (get) => {
  let app: FastifyInstance;
  let db: Kysely<DB>;
  let ortiz: Family;
  let mmr: VaccineFixture;
  let tdap: VaccineFixture;
  let nurseLogin: AccountFixture;
  let spanishNurseLogin: AccountFixture;
  let eveId: number;

  beforeAll(async () => {
    db = get().db;
    const world = await schoolYear(db, { today: TODAY });
    mmr = await vaccine(db, { code: 'MMR', name: 'Measles, mumps, rubella (MMR)', requirements: [{ gradeLow: 6, gradeHigh: 12, doses: 2 }] });
    tdap = await vaccine(db, { code: 'TDAP', name: 'Tdap booster', requirements: [{ gradeLow: 7, gradeHigh: 12, doses: 1 }] });
    // Maya, grade 11: MMR 1 of 2, Tdap 1 of 1.
    ortiz = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz', number: '00412', birthDate: '2010-03-14', grade: 11 } });
    await immunizations(db, ortiz.student, mmr, { doses: ['2011-04-01'] });
    await immunizations(db, ortiz.student, tdap, { doses: ['2021-08-03'] });
    // A name a spreadsheet would run as a formula; grade 9, nothing on record.
    eveId = (await student(db, world, { first: '=Eve', last: 'Hall', number: '00777', birthDate: '2012-05-05', grade: 9 })).id;
    nurseLogin = (await staffMember(db, world, { first: 'Nia', last: 'Cole', roles: [{ role: 'nurse' }] })).account!;
    spanishNurseLogin = (await staffMember(db, world, { first: 'Inés', last: 'Soto', roles: [{ role: 'nurse' }], locale: 'es' })).account!;
    app = await makeApp(get(), { now: () => new Date(`${TODAY}T18:00:00Z`) });
  });
  afterAll(() => app?.close());

  let address = 0;
  const signedIn = async (who: AccountFixture) => {
    const c = new Client(app, {}, `10.7.0.${++address}`);
    const res = await c.submit('/sign-in', { username: who.username, password: who.password });
    expect(res.statusCode).toBe(303);
    return c;
  };
  const doseCount = async () => Number((await db.selectFrom('immunization_doses').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('lists the nurse’s tools on Home and finds a student by number, leading zeros optional', async () => {
    const nurse = await signedIn(nurseLogin);
    const home = textOf((await nurse.get('/home')).body);
    expect(home).toContain('Health office');
    expect(home).toContain('Health records');
    expect(home).toContain('Students missing immunizations');
    for (const number of ['412', '00412']) {
      const found = await nurse.get(`/staff/health?number=${number}`);
      expect(found.statusCode).toBe(303);
      expect(found.headers.location).toBe(`/staff/health/students/${ortiz.student.id}`);
    }
    const none = await nurse.get('/staff/health?number=4120');
    expect(none.statusCode).toBe(404);
    expect(textOf(none.body)).toContain('Student number: No student of your schools has this number.');
    const bad = await nurse.get('/staff/health?number=%3Cscript%3E');
    expect(bad.statusCode).toBe(400);
    expect(textOf(bad.body)).toContain('Type a student number: letters and digits only.');
    expect((await nurse.get('/staff/health?number=1&number=2')).statusCode).toBe(400);
  });

  it('records a dose that the parent’s Immunizations page shows at its next load', async () => {
    const parent = await signedIn(ortiz.guardianAccount!);
    const page = `/students/${ortiz.student.id}/immunizations`;
    expect(tableRows((await parent.get(page)).body, 'Vaccines')[0]).toEqual(['Measles, mumps, rubella (MMR)', 'Fri, April 1, 2011', '2', 'Incomplete 1 more needed']);

    const nurse = await signedIn(nurseLogin);
    const record = `/staff/health/students/${ortiz.student.id}`;
    await nurse.get(record);
    const saved = await nurse.post(`${record}/doses`, { vaccine: String(mmr.id), date: '2027-02-08', source: 'school_clinic' });
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe(`${record}?saved=dose`);
    const after = await nurse.get(String(saved.headers.location));
    expect(textOf(after.body)).toContain('The dose was recorded.');
    expect(tableRows(after.body, 'Doses on record')).toEqual([
      ['Measles, mumps, rubella (MMR)', 'Fri, April 1, 2011', 'Not recorded', 'Correct Measles, mumps, rubella (MMR), Fri, April 1, 2011 Remove Measles, mumps, rubella (MMR), Fri, April 1, 2011'],
      ['Measles, mumps, rubella (MMR)', 'Mon, February 8, 2027', 'School clinic', 'Correct Measles, mumps, rubella (MMR), Mon, February 8, 2027 Remove Measles, mumps, rubella (MMR), Mon, February 8, 2027'],
      ['Tdap booster', 'Tue, August 3, 2021', 'Not recorded', 'Correct Tdap booster, Tue, August 3, 2021 Remove Tdap booster, Tue, August 3, 2021'],
    ]);

    const parentView = (await parent.get(page)).body;
    expect(textOf(parentView)).toContain('Meets the district’s immunization requirements.');
    expect(tableRows(parentView, 'Vaccines')[0]).toEqual(['Measles, mumps, rubella (MMR)', 'Fri, April 1, 2011; Mon, February 8, 2027', '2', 'Complete']);
  });

  it('answers bad input with field messages and a 400, writing nothing', async () => {
    const nurse = await signedIn(nurseLogin);
    const record = `/staff/health/students/${ortiz.student.id}`;
    await nurse.get(record);
    const before = await doseCount();
    const cases: [Record<string, string>, string[]][] = [
      [{}, ['Vaccine: Select a vaccine.', 'Date given: Enter a date.', 'Source of the record: Select where the record came from.']],
      [{ vaccine: String(mmr.id), date: '2027-02-10', source: 'school_clinic' }, ['Date given: The date cannot be after today.']],
      [{ vaccine: String(mmr.id), date: '2010-03-13', source: 'school_clinic' }, ['Date given: The date cannot be before the student’s birth date.']],
      [{ vaccine: '999999', date: '2020-01-01', source: 'school_clinic' }, ['Vaccine: Select a vaccine from the district’s list.']],
      [{ vaccine: String(mmr.id), date: '2011-04-01', source: 'provider_record' }, ['Date given: A dose of this vaccine on this date is already on record.']],
      [{ vaccine: String(mmr.id), date: '2027-13-01', source: 'x' }, ['Date given: Enter a real date, as year-month-day.']],
    ];
    for (const [body, messages] of cases) {
      const res = await nurse.post(`${record}/doses`, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      for (const m of messages) expect(textOf(res.body), m).toContain(m);
    }
    const exemption = await nurse.post(`${record}/exemptions`, { exemptionVaccine: String(tdap.id), kind: 'medical', granted: '2026-09-01', expires: '2026-08-01' });
    expect(exemption.statusCode).toBe(400);
    expect(textOf(exemption.body)).toContain('End date: The end date cannot be before the date granted.');
    expect(await doseCount()).toBe(before);
    expect(await db.selectFrom('immunization_exemptions').select('id').execute()).toEqual([]);
    expect((await nurse.post('/staff/health/students/abc/doses', {})).statusCode).toBe(404);
  });

  it('corrects a dose on its own page, with the same field messages', async () => {
    const nurse = await signedIn(nurseLogin);
    const dose = await db.selectFrom('immunization_doses').select('id').where('dose_date', '=', '2027-02-08').executeTakeFirstOrThrow();
    const form = await nurse.get(`/staff/health/doses/${dose.id}`);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('value="2027-02-08"');
    const bad = await nurse.post(`/staff/health/doses/${dose.id}`, { vaccine: String(mmr.id), date: '2030-01-01', source: 'school_clinic' });
    expect(bad.statusCode).toBe(400);
    expect(textOf(bad.body)).toContain('Date given: The date cannot be after today.');
    const fixed = await nurse.post(`/staff/health/doses/${dose.id}`, { vaccine: String(mmr.id), date: '2027-02-01', source: 'state_registry' });
    expect(fixed.statusCode).toBe(303);
    expect(await db.selectFrom('immunization_doses').select(['dose_date', 'source']).where('id', '=', dose.id).executeTakeFirstOrThrow()).toEqual({
      dose_date: '2027-02-01',
      source: 'state_registry',
    });
  });

  it('lists students out of compliance by grade, and downloads the list as CSV that spreadsheets will not run', async () => {
    const nurse = await signedIn(nurseLogin);
    const all = await nurse.get('/staff/health/compliance');
    expect(all.statusCode).toBe(200);
    // Maya now meets every requirement; Eve, grade 9, has nothing on record.
    expect(tableRows(all.body, 'Students missing immunizations')).toEqual([['=Eve Hall', '00777', '9', 'Cedar Ridge High School', 'Measles, mumps, rubella (MMR): 2 more doses Tdap booster: 1 more dose']]);
    expect(all.body).toContain(`href="/staff/health/students/${eveId}"`);
    expect(textOf((await nurse.get('/staff/health/compliance?grade=11')).body)).toContain('Every student listed here meets the requirements.');
    const badGrade = await nurse.get('/staff/health/compliance?grade=99&school=abc');
    expect(badGrade.statusCode).toBe(400);
    expect(textOf(badGrade.body)).toContain('Grade level: Select a grade level from the list.');
    expect(textOf(badGrade.body)).toContain('School: Select one of your schools.');

    const csv = await nurse.get('/staff/health/compliance.csv?grade=9');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.body).toBe(
      'student_number,student,grade,school,missing\n' + `00777,'=Eve Hall,9,Cedar Ridge High School,"Measles, mumps, rubella (MMR): 2 more doses; Tdap booster: 1 more dose"\n`,
    );
    expect((await nurse.get('/staff/health/compliance.csv?grade=x')).statusCode).toBe(400);
  });
  // Last: Eve's exemptions would change the compliance list above.
  it('refuses the same exemption recorded twice, and a double submit, with a field message in the nurse’s language', async () => {
    const exemptions = () => db.selectFrom('immunization_exemptions').select(['vaccine_id', 'kind', 'granted_date', 'expires_date']).where('student_id', '=', eveId).execute();
    const record = `/staff/health/students/${eveId}`;
    const form = { exemptionVaccine: String(mmr.id), kind: 'medical', granted: '2026-09-01', expires: '2027-06-30' };
    const nurse = await signedIn(nurseLogin);
    await nurse.get(record);
    const first = await nurse.post(`${record}/exemptions`, form);
    expect(first.statusCode).toBe(303);
    const again = await nurse.post(`${record}/exemptions`, { ...form, granted: '2027-01-04', expires: '' });
    expect(again.statusCode).toBe(400);
    expect(textOf(again.body)).toContain('Date granted: An exemption of this kind from this vaccine is already on record for some of these dates.');
    expect(again.body).toMatch(/id="granted"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="granted"/);
    const spanish = await signedIn(spanishNurseLogin);
    await spanish.get(record);
    const enEspanol = await spanish.post(`${record}/exemptions`, form);
    expect(enEspanol.statusCode).toBe(400);
    expect(textOf(enEspanol.body)).toContain('Fecha de otorgamiento: Ya hay una exención de este tipo para esta vacuna registrada en algunas de estas fechas.');
    expect(await exemptions()).toEqual([{ vaccine_id: mmr.id, kind: 'medical', granted_date: '2026-09-01', expires_date: '2027-06-30' }]);

    // The same form sent twice at once (a double click): one saved, one refused.
    const twice = { exemptionVaccine: String(tdap.id), kind: 'religious', granted: '2025-08-15', expires: '' };
    const answers = await Promise.all([nurse.post(`${record}/exemptions`, twice), nurse.post(`${record}/exemptions`, twice)]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([303, 400]);
    expect((await exemptions()).filter((e) => e.vaccine_id === tdap.id)).toEqual([{ vaccine_id: tdap.id, kind: 'religious', granted_date: '2025-08-15', expires_date: null }]);
  });
});
