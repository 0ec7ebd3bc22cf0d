/**
 * A family's records on request (issue 25, ADR 0037) through the pages: only a district administrator
 * produces them, with a reason (bad input refused, nothing recorded), in the family's language; the zip
 * is opened with yauzl, each CSV parsed with csv-parse and each PDF read with pdftotext, and compared with
 * the fixture written here.
 */
import { parse } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import yauzl from 'yauzl';
import type { DB } from '../../src/db/schema.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import {
  attendance,
  guardianWithChild,
  immunizations,
  schoolYear,
  sectionWithGradebook,
  staffMember,
  transcriptHistory,
  vaccine,
  type AccountFixture,
  type Family,
  type World,
} from '../support/factories.js';
import { Client } from '../support/http.js';
import { pdfText } from '../support/pdf.js';

const TODAY = '2027-02-09';
const NOW = new Date(`${TODAY}T18:00:00.000Z`);
const REASON = 'Written request of the mother, 2 February, under FERPA.';

const mainText = (html: string) => (/<main\b[\s\S]*<\/main>/.exec(html)?.[0] ?? html).replace(/<[^>]+>/g, ' ').replace(/&#x27;|&#39;/g, "'").replace(/&quot;/g, '"').replace(/\s+/g, ' ');

function unzip(bytes: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error);
      const out = new Map<string, Buffer>();
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (err, stream) => {
          if (err || !stream) return reject(err);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            out.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}
const csvRows = (bytes: Buffer | undefined) => parse(bytes!.toString('utf8'), { bom: true }) as string[][];

describeEachEngine('a family’s records on request', (get) => {
  let app: FastifyInstance;
  let db: Kysely<DB>;
  let world: World;
  let family: Family;
  let q2: number;
  const staff: Record<'admin' | 'office' | 'schoolAdmin' | 'teacher', AccountFixture> = {} as never;
  const client = async (who: AccountFixture, address: string) => {
    const c = new Client(app, {}, address);
    expect((await c.submit('/sign-in', { username: who.username, password: who.password })).statusCode).toBe(303);
    return c;
  };

  beforeAll(async () => {
    db = get().db;
    world = await schoolYear(db, { today: TODAY });
    family = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz', number: '00412' }, guardian: { first: 'Lucia', last: 'Ortiz' } });
    await db.updateTable('guardians').set({ preferred_language: 'es' }).where('id', '=', family.guardian.id).execute();
    const bio = await sectionWithGradebook(db, world, {
      course: { code: 'SCI301', title: 'Biology' },
      period: '2',
      room: 'B12',
      teacher: { first: 'Rosa', last: 'Marquez' },
      categories: [{ name: 'Homework', weight: null }],
      method: 'points',
      assignments: [{ title: 'Cell diagram', category: 'Homework', quarter: 'Q3', due: '2027-01-20', possible: 10 }],
      students: [{ student: family.student }],
      scores: [{ student: family.student, assignment: 'Cell diagram', points: 8 }],
      termGrades: [{ student: family.student, term: 'Q2', percent: 85, letter: 'B', comment: 'Steady work' }],
    });
    q2 = world.terms.Q2.id;
    await attendance(db, world, family.student, [{ date: '2027-01-12', code: 'A-ILL', section: bio, comment: 'Flu' }]);
    await transcriptHistory(db, world, family.student, [{ schoolYear: 2026, grade: 10, code: 'ENG201', title: 'English 10', term: 'Year', letter: 'A', gpaPoints: 4, attempted: 1, earned: 1 }]);
    const mmr = await vaccine(db, { code: 'MMR', name: 'Measles, mumps, rubella', requirements: [{ gradeLow: 9, gradeHigh: 12, doses: 2 }] });
    await immunizations(db, family.student, mmr, { doses: ['2011-03-14'] });
    staff.admin = (await staffMember(db, world, { first: 'Dana', last: 'Admin', roles: [{ role: 'district_admin', schoolId: null }] })).account!;
    staff.office = (await staffMember(db, world, { first: 'Otto', last: 'Office', roles: [{ role: 'office' }] })).account!;
    staff.schoolAdmin = (await staffMember(db, world, { first: 'Sara', last: 'Principal', roles: [{ role: 'school_admin' }] })).account!;
    staff.teacher = (await staffMember(db, world, { first: 'Tom', last: 'Teacher', roles: [{ role: 'teacher' }] })).account!;
    app = await makeApp(get(), { now: () => NOW, demoMode: false });
    // The guardian signs in once: the sign-in is part of their account data.
    await client(family.guardianAccount!, '10.7.0.9');
  });
  afterAll(async () => {
    await app?.close();
  });

  const url = () => `/staff/students/${family.student.id}/records`;

  it('is for district administrators only: others get the 403 page, nobody signed in is sent to sign in, an unknown student is a 404', async () => {
    const produced = () => db.selectFrom('audit_log').select('id').where('action', '=', 'student.records_produced').execute();
    const before = (await produced()).length;
    for (const [who, address] of [
      [staff.office, '10.7.1.1'],
      [staff.schoolAdmin, '10.7.1.2'],
      [staff.teacher, '10.7.1.3'],
      [family.guardianAccount!, '10.7.1.4'],
    ] as const) {
      const c = await client(who, address);
      expect((await c.get(url())).statusCode, who.username).toBe(403);
      expect((await c.post(url(), { locale: 'en', reason: REASON })).statusCode, who.username).toBe(403);
      expect((await c.get(`/staff/students/${family.student.id}`)).body).not.toContain('/records"');
    }
    const anonymous = new Client(app);
    const res = await anonymous.get(url());
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/sign-in?next=${encodeURIComponent(url())}`);
    const admin = await client(staff.admin, '10.7.1.5');
    expect((await admin.get('/staff/students/999999/records')).statusCode).toBe(404);
    expect((await admin.get('/staff/students/abc/records')).statusCode).toBe(404);
    expect((await produced()).length).toBe(before);
  });

  it('defaults to the guardians’ language and refuses a missing reason or an unknown language, recording nothing', async () => {
    const admin = await client(staff.admin, '10.7.2.1');
    expect((await admin.get(`/staff/students/${family.student.id}`)).body).toContain(`href="${url()}"`);
    const form = await admin.get(url());
    expect(form.statusCode).toBe(200);
    expect(form.body).toMatch(/value="es" checked/);
    const empty = await admin.post(url(), { locale: 'es', reason: '   ' });
    expect(empty.statusCode).toBe(400);
    expect(mainText(empty.body)).toContain('Say why the records are produced.');
    const french = await admin.post(url(), { locale: 'fr', reason: REASON });
    expect(french.statusCode).toBe(400);
    expect(mainText(french.body)).toContain('Choose the family’s language.'.replace('’', "'"));
    const long = await admin.post(url(), { locale: 'en', reason: 'x'.repeat(501) });
    expect(long.statusCode).toBe(400);
    expect(mainText(long.body)).toContain('Use at most 500 characters.');
    expect(await db.selectFrom('audit_log').select('id').where('action', '=', 'student.records_produced').execute()).toEqual([]);
  });

  it('produces one zip in Spanish: each CSV and PDF holds the fixture’s records, and the request is recorded with its reason', async () => {
    const admin = await client(staff.admin, '10.7.3.1');
    await admin.get(url());
    const res = await admin.post(url(), { locale: 'es', reason: REASON });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="records-00412-${TODAY}.zip"`);
    const files = await unzip(res.rawPayload);
    expect([...files.keys()].sort()).toEqual(
      [
        'README.txt',
        'schedule.csv',
        'grades.csv',
        'assignments.csv',
        'attendance.csv',
        'immunizations.csv',
        'accounts.csv',
        'sign-ins.csv',
        'account-changes.csv',
        'requests.csv',
        `report-card-${q2}.pdf`,
        'unofficial-transcript.pdf',
      ].sort(),
    );
    const schedule = csvRows(files.get('schedule.csv'));
    expect(schedule[0]).toEqual(['Período', 'Hora', 'Curso', 'Sección', 'Maestro/a', 'Salón', 'Empieza', 'Termina']);
    expect(schedule.filter((r) => r[2] === 'Biology').map((r) => [r[0], r[1], r[4], r[5], r[6], r[7]])).toEqual([
      ['Semester 1', '2', 'Rosa Marquez', 'B12', '08:55', '09:45'],
      ['Semester 2', '2', 'Rosa Marquez', 'B12', '08:55', '09:45'],
    ]);
    const grades = csvRows(files.get('grades.csv'));
    expect(grades[0]).toEqual(['Curso', 'Período de calificaciones', 'Calificación', 'Porcentaje', 'Publicada', 'Comentario']);
    expect(grades.find((r) => r[1] === 'Quarter 2')).toEqual(['Biology', 'Quarter 2', 'B', '85.00', 'sí', 'Steady work']);
    const assignments = csvRows(files.get('assignments.csv'));
    expect(assignments.slice(1)).toEqual([['Biology', 'Cell diagram', 'Homework', '2027-01-20', '8', '10', 'no', 'no', 'no', '']]);
    const absences = csvRows(files.get('attendance.csv'));
    expect(absences.slice(1)).toEqual([['2027-01-12', 'Biology', '2', 'A-ILL', 'Absent: illness', 'Flu']]);
    const shots = csvRows(files.get('immunizations.csv'));
    expect(shots.slice(1)).toEqual([['Measles, mumps, rubella', '2', '2011-03-14', '']]);
    const accounts = csvRows(files.get('accounts.csv'));
    expect(accounts.slice(1).map((r) => [r[0], r[1], r[2]])).toEqual([
      ['Maya Ortiz', 'estudiante', family.studentAccount!.username],
      ['Lucia Ortiz', 'padre, madre o tutor', family.guardianAccount!.username],
    ]);
    const signIns = csvRows(files.get('sign-ins.csv'));
    expect(signIns[0]).toEqual(['Cuándo', 'Nombre de usuario', 'Qué', 'Desde (dirección IP)', 'Detalles']);
    // The guardian signed in twice (before the tests, and in the first test); the staff's sign-ins are not the family's.
    expect(signIns.slice(1).map((r) => [r[1], r[2], r[3]])).toEqual([
      [family.guardianAccount!.username, 'sign_in', '10.7.0.9'],
      [family.guardianAccount!.username, 'sign_in', '10.7.1.4'],
    ]);
    expect(csvRows(files.get('requests.csv'))).toHaveLength(1);
    const card = pdfText(files.get(`report-card-${q2}.pdf`)!);
    expect(card).toContain('Maya Ortiz');
    expect(card).toContain('Biology');
    expect(card).toContain('Steady work');
    const transcript = pdfText(files.get('unofficial-transcript.pdf')!);
    expect(transcript).toContain('English 10');
    expect(transcript).toContain('NO OFICIAL');
    expect(files.get('README.txt')!.toString('utf8')).toContain('Registros de Maya Ortiz (estudiante 00412)');
    const recorded = await db.selectFrom('audit_log').select(['actor_account_id', 'subject_type', 'subject_id', 'details']).where('action', '=', 'student.records_produced').execute();
    expect(recorded).toEqual([{ actor_account_id: staff.admin.id, subject_type: 'student', subject_id: family.student.id, details: JSON.stringify({ reason: REASON, locale: 'es' }) }]);
  });
});
