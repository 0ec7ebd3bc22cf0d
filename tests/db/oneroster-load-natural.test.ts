/**
 * Natural keys on a first import over a district made in Homeroom (ADR 0029): sessions by type and dates
 * (else type, year and title), a course by school and code, a section by course, code and a shared term
 * (else course, shared term and period), an enrollment by student and class, a guardian by email and
 * name, else name and a child in common; an email two guardians share matches neither. A strict key that
 * finds several records is an error naming the file, line, column and value.
 */
import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/db.js';
import { guardian, link, schoolYear, student, type World } from '../support/factories.js';
import { course, demographic, enrollment, klass, load, org, role, session, user, type Records } from '../support/oneroster.js';

const STAMP = '2026-07-01T00:00:00.000Z';

function sis(): Records {
  return {
    orgs: [org('D1', 'district', 'Fixture Unified'), org('S1', 'school', 'Lakeside High', { identifier: '0901', parentSourcedId: 'D1' })],
    academicSessions: [
      // Homeroom's title is "2026-2027": matched by type and dates.
      session('Y', 'schoolYear', '2026-27', '2026-08-17', '2027-05-28'),
      session('SEM1', 'semester', 'Semester 1', '2026-08-17', '2026-12-18', { parentSourcedId: 'Y' }),
      // The SIS ends Quarter 1 a day later: matched by type, year and title.
      session('QA', 'gradingPeriod', 'quarter 1', '2026-08-17', '2026-10-17', { parentSourcedId: 'SEM1' }),
    ],
    courses: [course('C1', 'Biology', 'S1', { courseCode: 'BIO1', grades: [9, 10] })],
    classes: [
      klass('K1', 'C1', 'S1', { classCode: 'BIO1-01', termSourcedIds: ['SEM1'], periods: ['1'] }),
      // The SIS's own class code: matched by course, term and period.
      klass('K2', 'C1', 'S1', { classCode: '7', termSourcedIds: ['SEM1'], periods: ['2'] }),
    ],
    users: [
      user('U1', 'Maya', 'Lopez', { identifier: '000123', grades: [9], primaryOrgSourcedId: 'S1' }),
      user('G1', 'Rosa', 'Lopez', { email: 'lopez@example.com', agentSourcedIds: ['U1'] }),
      user('G2', 'luis', 'LOPEZ', { agentSourcedIds: ['U1'] }),
      user('G3', 'Ana', 'Lopez', { email: 'lopez@example.com', agentSourcedIds: ['U1'] }),
    ],
    roles: [role('U1', 'student', 'S1'), role('G1', 'parent', 'S1'), role('G2', 'parent', 'S1'), role('G3', 'relative', 'S1')],
    enrollments: [enrollment('E1', 'K1', 'U1', 'student', 'S1', { beginDate: '2026-08-17' })],
    demographics: [demographic('U1', '2011-03-04')],
  };
}

describeEachEngine('OneRoster loader: natural keys of a district made in Homeroom', (get) => {
  const db = () => get().db;
  let world: World;
  const ids: Record<string, number> = {};

  it('links each row made in Homeroom to the SIS row that names it', async () => {
    world = await schoolYear(db());
    const maya = await student(db(), world, { first: 'Maya', last: 'Lopez', number: '000123', birthDate: '2011-03-04', grade: 9 });
    const rosa = await guardian(db(), { first: 'Rosa', last: 'Lopez', email: 'lopez@example.com' });
    const luis = await guardian(db(), { first: 'Luis', last: 'Lopez', email: 'lopez@example.com' });
    await link(db(), maya, rosa, { relationship: 'Mother' });
    await link(db(), maya, luis, { relationship: 'Father' });
    const bio = await db().insertInto('courses').values({ sourced_id: null, school_id: world.school.id, course_code: 'BIO1', title: 'Biology', subject: 'Science', grade_low: 9, grade_high: 10, created_at: STAMP, updated_at: STAMP, updated_by: null }).returning('id').executeTakeFirstOrThrow();
    const section = async (code: string, term: number, period: string) => {
      const row = await db().insertInto('sections').values({ sourced_id: null, school_id: world.school.id, course_id: bio.id, section_code: code, room: null, created_at: STAMP, updated_at: STAMP, updated_by: null }).returning('id').executeTakeFirstOrThrow();
      await db().insertInto('section_terms').values({ section_id: row.id, academic_session_id: term }).execute();
      await db().insertInto('section_periods').values({ section_id: row.id, bell_period_id: world.periods[period]!.id }).execute();
      return row.id;
    };
    // Last year's code again, in the second semester: not the SIS's K1, which is in the first.
    const spring = await section('BIO1-01', world.terms.S2.id, '1');
    const fall = await section('BIO1-01', world.terms.S1.id, '1');
    const second = await section('BIO1-02', world.terms.S1.id, '2');
    const enrolled = await db().insertInto('section_enrollments').values({ sourced_id: null, section_id: fall, student_id: maya.id, begin_date: '2026-08-17', end_date: null, created_at: STAMP, updated_at: STAMP, updated_by: null }).returning('id').executeTakeFirstOrThrow();
    Object.assign(ids, { maya: maya.id, rosa: rosa.id, luis: luis.id, bio: bio.id, spring, fall, second, enrolled: enrolled.id });

    const { report, problems } = await load(get(), sis());
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(report.ok).toBe(true);
    const sourced = async (table: 'academic_sessions' | 'courses' | 'sections' | 'section_enrollments' | 'guardians', id: number) =>
      (await db().selectFrom(table).select('sourced_id').where('id', '=', id).executeTakeFirstOrThrow()).sourced_id;
    expect(await sourced('academic_sessions', world.year.id)).toBe('Y');
    expect(await sourced('academic_sessions', world.terms.S1.id)).toBe('SEM1');
    expect(await sourced('academic_sessions', world.terms.Q1.id)).toBe('QA');
    expect(await sourced('courses', ids.bio!)).toBe('C1');
    expect(await sourced('sections', ids.fall!)).toBe('K1');
    expect(await sourced('sections', ids.second!)).toBe('K2');
    expect(await sourced('sections', ids.spring!)).toBeNull();
    expect(await sourced('section_enrollments', ids.enrolled!)).toBe('E1');
    expect(await sourced('guardians', ids.rosa!)).toBe('G1');
    expect(await sourced('guardians', ids.luis!)).toBe('G2');
    // Ana shares the family's email with Rosa and Luis: a hint, not a name — she is a new guardian.
    expect(await db().selectFrom('guardians').select(['first_name']).where('sourced_id', '=', 'G3').execute()).toEqual([{ first_name: 'Ana' }]);
    expect(report.counts.guardians).toMatchObject({ created: 1 });
    // Nothing made twice; the quarter keeps its semester and takes the SIS's end date; the year its title.
    expect(report.counts.sessions).toMatchObject({ created: 0, updated: 2, unchanged: 1 });
    expect(await db().selectFrom('academic_sessions').select(['parent_id', 'end_date', 'title']).where('id', '=', world.terms.Q1.id).executeTakeFirstOrThrow()).toEqual({ parent_id: world.terms.S1.id, end_date: '2026-10-17', title: 'quarter 1' });
    expect(report.counts.courses).toMatchObject({ created: 0, updated: 1 }); // the SIS gives no subject
    expect(report.counts.sections).toMatchObject({ created: 0 });
    expect(report.counts.enrollments).toMatchObject({ created: 0, updated: 0, unchanged: 1 });
    expect((await db().selectFrom('section_enrollments').select('id').execute()).length).toBe(1);
  });

  it('a strict key that finds several rows made in Homeroom is an error naming the line and value', async () => {
    // Two hand-made Quarter 2s on the same dates: the SIS's cannot be told which.
    for (let i = 0; i < 2; i++) {
      await db().insertInto('academic_sessions').values({ sourced_id: null, school_id: null, parent_id: world.terms.S1.id, type: 'gradingPeriod', title: 'Quarter 2', school_year: 2027, start_date: '2026-10-19', end_date: '2026-12-18', created_at: STAMP, updated_at: STAMP, updated_by: null }).execute();
    }
    await db().deleteFrom('academic_sessions').where('id', '=', world.terms.Q2.id).execute();
    const records = sis();
    records.academicSessions!.push(session('QB', 'gradingPeriod', 'Q2', '2026-10-19', '2026-12-18', { parentSourcedId: 'SEM1' }));
    const { report, problems } = await load(get(), records, { now: new Date('2026-09-16T14:00:00Z') });
    expect(report.ok).toBe(false);
    expect(problems.filter((p) => p.severity === 'error').map((p) => `${p.code} ${p.file}:${p.line} ${p.column}=${p.value} (${p.detail})`)).toEqual([
      'load.ambiguous academicSessions.csv:5 title=Q2 (2)',
    ]);
    expect(await db().selectFrom('academic_sessions').select('id').where('sourced_id', '=', 'QB').execute()).toEqual([]);
  });

  it('a student in two classes of one course in overlapping terms is a warning naming both classes', async () => {
    await db().deleteFrom('academic_sessions').where('type', '=', 'gradingPeriod').where('title', '=', 'Quarter 2').execute();
    const records = sis();
    records.enrollments!.push(enrollment('E2', 'K2', 'U1', 'student', 'S1', { beginDate: '2026-09-01' }));
    const { report, problems } = await load(get(), records, { now: new Date('2026-09-17T14:00:00Z') });
    expect(report.ok).toBe(true);
    expect(problems.map((p) => `${p.severity} ${p.code} ${p.file}:${p.line} ${p.column}=${p.value} (${p.detail})`)).toEqual([
      'warning load.sameCourseTwice enrollments.csv:3 classSourcedId=U1 (K1, K2)',
    ]);
    // Ended before the other began: no warning.
    records.enrollments![0] = { ...records.enrollments![0]!, endDate: '2026-08-31' };
    const later = await load(get(), records, { now: new Date('2026-09-18T14:00:00Z') });
    expect(later.problems).toEqual([]);
  });
});
