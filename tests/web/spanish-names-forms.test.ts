/**
 * Staff type the Spanish names (issue 23, ADR 0043 addendum): a district administrator the names of the
 * district's terms, attendance codes and vaccines at /admin/spanish-names; office staff a calendar day's
 * note in Spanish on the school calendar. Empty is no Spanish name (the district's shows); only spaces,
 * too long or a control character is a field message, 400, nothing written. A Spanish guardian then
 * reads the names on Grades, Attendance, Immunizations and the calendar.
 *
 * Fixture: the factories' school year read on Saturday Dec 5 2026 (Quarter 2); Maya has English 11 with
 * one Quarter 2 score, was absent ill on Dec 1 and has one MMR dose.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { attendance, guardianWithChild, immunizations, schoolYear, sectionWithGradebook, staffMember, vaccine, type Family, type StaffFixture, type VaccineFixture, type World } from '../support/factories.js';
import { textOf, textsOfClass } from '../support/html.js';
import { clock, Client } from '../support/http.js';

describeEachEngine('staff type the Spanish names', (get) => {
  let app: FastifyInstance;
  let world: World;
  let family: Family;
  let admin: StaffFixture;
  let office: StaffFixture;
  let mmr: VaccineFixture;
  const time = clock('2026-12-05T18:00:00Z');

  beforeAll(async () => {
    const db = get().db;
    world = await schoolYear(db, { today: '2026-12-05' });
    family = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz', grade: 11 }, guardian: { first: 'Lucia', last: 'Ortiz' }, locale: 'es' });
    const maya = family.student;
    await sectionWithGradebook(db, world, {
      course: { code: 'ENG11', title: 'English 11' },
      period: '1',
      teacher: { first: 'Daniel', last: 'Brooks' },
      categories: [{ name: 'Essays', weight: 100 }],
      assignments: [{ title: 'Essay: Hamlet', category: 'Essays', quarter: 'Q2', due: '2026-11-20', possible: 50 }],
      students: [{ student: maya }],
      scores: [{ student: maya, assignment: 'Essay: Hamlet', points: 40 }],
    });
    mmr = await vaccine(db, { code: 'MMR', name: 'Measles, mumps, rubella', requirements: [{ gradeLow: 6, gradeHigh: 12, doses: 2 }] });
    await immunizations(db, maya, mmr, { doses: ['2011-04-01'] });
    await attendance(db, world, maya, [{ date: '2026-12-01', code: 'A-ILL' }]);
    admin = await staffMember(db, world, { first: 'Dana', last: 'District', roles: [{ role: 'district_admin', schoolId: null }] });
    office = await staffMember(db, world, { first: 'Olga', last: 'Office', roles: [{ role: 'office' }] });
    app = await makeApp(get(), { now: time.now });
  });
  afterAll(() => app?.close());

  let address = 0;
  const signedIn = async (who: { username: string; password: string } | null, lang = 'en') => {
    if (!who) throw new Error('no account');
    const c = new Client(app, { 'accept-language': lang }, `10.23.2.${++address}`);
    const res = await c.submit('/sign-in', { username: who.username, password: who.password });
    expect(res.statusCode).toBe(303);
    return c;
  };
  const names = async () => {
    const db = get().db;
    return {
      q2: (await db.selectFrom('academic_sessions').select('title_es').where('id', '=', world.terms.Q2.id).executeTakeFirstOrThrow()).title_es,
      ill: (await db.selectFrom('attendance_codes').select('description_es').where('id', '=', world.codes['A-ILL']).executeTakeFirstOrThrow()).description_es,
      mmr: (await db.selectFrom('vaccines').select('name_es').where('id', '=', mmr.id).executeTakeFirstOrThrow()).name_es,
    };
  };
  const audits = () => get().db.selectFrom('audit_log').select(['actor_account_id', 'details']).where('action', '=', 'district.spanish_names_changed').orderBy('id').execute();

  describe('the district administrator’s page', () => {
    it('lists each record with the district’s name and saves the Spanish ones, audited; the guardian reads them', async () => {
      const staff = await signedIn(admin.account);
      const page = await staff.get('/admin/spanish-names');
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain(`name="es-${world.terms.Q2.id}"`);
      expect(textOf(page.body)).toContain('Quarter 2');
      expect(textOf(page.body)).toContain('Absent: illness');
      expect(textOf(page.body)).toContain('Measles, mumps, rubella');

      const padre = await signedIn(family.guardianAccount, 'es');
      // Read (and cached) before the name is typed: the save must show at once all the same.
      expect(textsOfClass((await padre.get(`/students/${family.student.id}/grades`)).body, 'li', 'hr-card')[0]).toContain('Quarter 2 (en curso)');

      const saved = await staff.post('/admin/spanish-names', { kind: 'sessions', [`es-${world.terms.Q2.id}`]: '  Trimestre 2 ', [`es-${world.terms.Q1.id}`]: '' });
      expect(saved.statusCode).toBe(303);
      expect(saved.headers.location).toBe('/admin/spanish-names?saved=1');
      await staff.post('/admin/spanish-names', { kind: 'codes', [`es-${world.codes['A-ILL']}`]: 'Ausente: enfermedad' });
      await staff.post('/admin/spanish-names', { kind: 'vaccines', [`es-${mmr.id}`]: 'Sarampión, paperas, rubéola' });
      expect(await names()).toEqual({ q2: 'Trimestre 2', ill: 'Ausente: enfermedad', mmr: 'Sarampión, paperas, rubéola' });

      const entries = await audits();
      expect(entries.map((e) => e.actor_account_id)).toEqual([admin.account!.id, admin.account!.id, admin.account!.id]);
      expect(JSON.parse(entries[0]!.details!)).toEqual({ kind: 'sessions', changes: [{ id: world.terms.Q2.id, base: 'Quarter 2', before: null, after: 'Trimestre 2' }] });

      const grades = textsOfClass((await padre.get(`/students/${family.student.id}/grades`)).body, 'li', 'hr-card');
      expect(grades[0]).toContain('Trimestre 2 (en curso)');
      expect(textOf((await padre.get(`/students/${family.student.id}/attendance`)).body)).toContain('A-ILL: Ausente: enfermedad');
      expect(textOf((await padre.get(`/students/${family.student.id}/immunizations`)).body)).toContain('Sarampión, paperas, rubéola');
      // An English reader (the language switch of this browser) still reads the district's names.
      const parent = await signedIn(family.guardianAccount, 'en');
      await parent.get('/lang/en?next=/home');
      expect(textsOfClass((await parent.get(`/students/${family.student.id}/grades`)).body, 'li', 'hr-card')[0]).toContain('Quarter 2');

      // The same form again changes nothing and audits nothing.
      const again = await staff.post('/admin/spanish-names', { kind: 'vaccines', [`es-${mmr.id}`]: 'Sarampión, paperas, rubéola' });
      expect(again.headers.location).toBe('/admin/spanish-names?saved=0');
      expect(await audits()).toHaveLength(3);

      // Emptied: no Spanish name, the district's shows.
      await staff.post('/admin/spanish-names', { kind: 'vaccines', [`es-${mmr.id}`]: '' });
      expect((await names()).mmr).toBeNull();
      expect(textOf((await padre.get(`/students/${family.student.id}/immunizations`)).body)).toContain('Measles, mumps, rubella');
    });

    const BAD: [string, string, string][] = [
      ['only spaces', '   ', 'This has only spaces. Leave it empty or type the words.'],
      ['a name too long', 'x'.repeat(121), 'This is too long.'],
      ['a control character', 'Trimestre\u00002', 'This contains characters that are not allowed.'],
    ];
    for (const [what, value, message] of BAD) {
      it(`refuses ${what}: 400, a message at the field, nothing written`, async () => {
        const staff = await signedIn(admin.account);
        await staff.get('/admin/spanish-names');
        const before = { names: await names(), audits: (await audits()).length };
        // A good name beside the bad one is not written either: the form is saved whole or not at all.
        const res = await staff.post('/admin/spanish-names', { kind: 'sessions', [`es-${world.terms.Q3.id}`]: 'Trimestre 3', [`es-${world.terms.Q2.id}`]: value });
        expect(res.statusCode).toBe(400);
        expect(res.body).toContain(`id="sessions-${world.terms.Q2.id}-error"`);
        expect(textOf(res.body)).toContain(message);
        // What was typed comes back in the form.
        expect(res.body).toContain('value="Trimestre 3"');
        expect({ names: await names(), audits: (await audits()).length }).toEqual(before);
        expect((await get().db.selectFrom('academic_sessions').select('title_es').where('id', '=', world.terms.Q3.id).executeTakeFirstOrThrow()).title_es).toBeNull();
      });
    }

    it('answers a form of no kind with 400 and writes nothing; a Spanish administrator reads the page in Spanish', async () => {
      const staff = await signedIn(admin.account, 'es');
      await staff.get('/admin/spanish-names');
      const before = await names();
      const res = await staff.post('/admin/spanish-names', { kind: 'students', [`es-${world.terms.Q2.id}`]: 'Otro' });
      expect(res.statusCode).toBe(400);
      expect(textOf(res.body)).toContain('No se pudo leer ese formulario.');
      expect(await names()).toEqual(before);
      const spaces = await staff.post('/admin/spanish-names', { kind: 'codes', [`es-${world.codes['A-ILL']}`]: ' ' });
      expect(spaces.statusCode).toBe(400);
      expect(textOf(spaces.body)).toContain('Solo tiene espacios. Déjelo vacío o escriba las palabras.');
    });
  });

  describe('the office’s calendar day note in Spanish', () => {
    it('is saved with its change event and audit, and a Spanish reader sees it; emptied, the district’s note', async () => {
      const staff = await signedIn(office.account);
      const saved = await staff.submit('/staff/calendar', { school: String(world.school.id), date: '2027-02-12', kind: 'holiday', note: 'Lincoln Day', noteEs: 'Día de Lincoln' }, '/staff/calendar/days');
      expect(saved.statusCode).toBe(303);
      expect(textOf((await staff.get(String(saved.headers.location))).body)).toContain('Día de Lincoln');
      const row = await get().db.selectFrom('calendar_days').select(['id', 'note', 'note_es']).where('school_id', '=', world.school.id).where('date', '=', '2027-02-12').executeTakeFirstOrThrow();
      expect(row).toMatchObject({ note: 'Lincoln Day', note_es: 'Día de Lincoln' });
      const change = await get().db.selectFrom('change_events').select(['after']).where('kind', '=', 'event').where('subject_id', '=', row.id).orderBy('id', 'desc').executeTakeFirstOrThrow();
      expect(JSON.parse(change.after!)).toMatchObject({ note: 'Lincoln Day', noteEs: 'Día de Lincoln' });
      const audit = await get().db.selectFrom('audit_log').select('details').where('action', '=', 'calendar_day.set').where('subject_id', '=', row.id).orderBy('id', 'desc').executeTakeFirstOrThrow();
      expect(JSON.parse(audit.details!).after).toMatchObject({ noteEs: 'Día de Lincoln' });

      const padre = await signedIn(family.guardianAccount, 'es');
      const month = textOf((await padre.get(`/students/${family.student.id}/calendar?month=2027-02`)).body);
      expect(month).toContain('Día de Lincoln');
      expect(month).not.toContain('Lincoln Day');

      await staff.submit('/staff/calendar', { school: String(world.school.id), date: '2027-02-12', kind: 'holiday', note: 'Lincoln Day', noteEs: '' }, '/staff/calendar/days');
      expect((await get().db.selectFrom('calendar_days').select('note_es').where('id', '=', row.id).executeTakeFirstOrThrow()).note_es).toBeNull();
    });

    for (const [what, value, message] of [
      ['only spaces', '   ', 'This has only spaces. Leave it empty or type the words.'],
      ['a note too long', 'x'.repeat(81), 'This is too long.'],
    ] as const) {
      it(`refuses ${what} in Spanish: 400, a message at the field, nothing written`, async () => {
        const staff = await signedIn(office.account);
        const before = await get().db.selectFrom('calendar_days').selectAll().orderBy('id').execute();
        const res = await staff.submit('/staff/calendar', { school: String(world.school.id), date: '2027-03-15', kind: 'holiday', note: 'Spring holiday', noteEs: value }, '/staff/calendar/days');
        expect(res.statusCode).toBe(400);
        expect(res.body).toContain('id="noteEs-error"');
        expect(textOf(res.body)).toContain(message);
        expect(await get().db.selectFrom('calendar_days').selectAll().orderBy('id').execute()).toEqual(before);
      });
    }
  });
});
