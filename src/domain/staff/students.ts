/**
 * Finding a student, for every staff role within its reach (access/staff.ts staffReach): a teacher the
 * students enrolled today in the sections they teach today, office staff, nurses, counselors and school
 * administrators the students of their schools, district administrators every student. The search
 * takes a name (legal or preferred, first or last, any part of it, any case, with or without accents)
 * or a student number (leading zeros optional: "123" finds 0000123) and lists only students in reach.
 * The student page shows what every staff role may see (schedule, guardians and contacts with their
 * portal rights); each open is audited by the access module's proof (access/portal.ts readableByStaff).
 */
import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import { z } from 'zod';
import type { DB, EnrollmentStatus } from '../../db/schema.js';
import type { MessageKey } from '../../i18n/index.js';
import { readableByStaff, type ReadableStudent } from '../access/portal.js';
import { mayActOnSchool, type CounselorScope, type OfficeScope, type StaffReach, type NurseScope } from '../access/staff.js';
import { hasForbiddenCharacters } from '../forms.js';
import { scheduleOf, type ScheduleView } from '../scheduling/schedule.js';

/** Results on one page of the search. */
export const SEARCH_PAGE_SIZE = 25;
/** The longest search a person types: a full name with room to spare. */
export const SEARCH_MAX = 80;

/** The search form: `q` (a name or a number) and the result page. */
export const studentSearchInput = z.object({
  q: z
    .string({ error: 'form.invalid' satisfies MessageKey })
    .optional()
    .transform((v) => (v ?? '').normalize('NFKC').trim())
    .pipe(
      z
        .string()
        .max(SEARCH_MAX, 'form.tooLong' satisfies MessageKey)
        .refine((v) => !hasForbiddenCharacters(v), 'form.badCharacters' satisfies MessageKey),
    ),
  page: z
    .string({ error: 'form.invalid' satisfies MessageKey })
    .regex(/^\d{1,4}$/, 'form.invalid' satisfies MessageKey)
    .optional()
    .transform((v) => Math.max(1, Number(v ?? '1'))),
});

export interface StudentHit {
  id: number;
  /** the name the student goes by (preferred first name, else legal) */
  firstName: string;
  lastName: string;
  /** the legal name, when the preferred one differs */
  legalName: string | null;
  studentNumber: string;
  grade: number;
  school: string;
}

export interface StudentSearchResult {
  students: StudentHit[];
  total: number;
  page: number;
  pageSize: number;
}

/**
 * A search word folded as the names are: no accents, lower case. The names are folded by the database
 * when they are written (`students.search_name`, migration 0022: SQLite's lower() folds ASCII only, and
 * neither engine has unaccent without an extension, so the letters with accents are listed there).
 */
export function foldForSearch(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}

/** A LIKE pattern matching `word` anywhere, its wildcards taken literally. */
export const containing = (word: string) => `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * The students in reach matching the search, by last name, first name and number; an empty search
 * finds nobody. Digits alone are a student number, compared without leading zeros.
 */
export async function searchStudents(db: Kysely<DB>, reach: StaffReach, input: { q: string; page: number }, today: string): Promise<StudentSearchResult> {
  const empty = { students: [], total: 0, page: input.page, pageSize: SEARCH_PAGE_SIZE };
  const words = foldForSearch(input.q).split(/\s+/).filter(Boolean);
  if (words.length === 0) return empty;
  const number = /^\d+$/.test(input.q) ? input.q.replace(/^0+/, '') : null;
  // The students alone (their schools' names are read for the page's rows only): joined to the schools,
  // SQLite read every student's row through the schools instead of scanning the narrow index of the
  // folded names (BENCHMARKS.md, "Staff tools").
  let query = db.selectFrom('students as s');
  if (!reach.district) {
    // Students in the reach: whole schools, and the students enrolled today in the sections taught today.
    query = query.where((eb) => {
      const ors: Expression<SqlBool>[] = [];
      if (reach.schools.size > 0) ors.push(eb('s.school_id', 'in', [...reach.schools]));
      if (reach.sections.size > 0) {
        const enrolled = eb
          .selectFrom('section_enrollments as e')
          .select('e.student_id')
          .where('e.section_id', 'in', [...reach.sections])
          .where('e.begin_date', '<=', today)
          .where((w) => w.or([w('e.end_date', 'is', null), w('e.end_date', '>=', today)]));
        ors.push(eb('s.id', 'in', enrolled));
      }
      return ors.length > 0 ? eb.or(ors) : sql<SqlBool>`1 = 0`;
    });
  }
  if (number !== null) {
    // The expression of the index students_number_digits (migration 0022).
    query = query.where(sql<string>`ltrim(s.student_number, '0')`, '=', number);
  } else {
    // The words matched in the narrow index of the folded names (students_search_name, migration 0022),
    // which SQLite scans instead of the table when the match is a query of its own.
    let match = db.selectFrom('students').select('id');
    for (const word of words) match = match.where(sql<SqlBool>`search_name like ${containing(word)} escape '\\'`);
    query = query.where('s.id', 'in', match);
  }
  // The page and the number of matches in one pass over the students (count(*) over the whole match).
  const rows = await query
    .select(['s.id', 's.preferred_first_name', 's.legal_first_name', 's.legal_last_name', 's.preferred_last_name', 's.student_number', 's.grade_level', 's.school_id'])
    .select((eb) => eb.fn.countAll<number | string>().over().as('matches'))
    .orderBy((eb) => eb.fn.coalesce('s.preferred_last_name', 's.legal_last_name'))
    .orderBy((eb) => eb.fn.coalesce('s.preferred_first_name', 's.legal_first_name'))
    .orderBy('s.student_number')
    .limit(SEARCH_PAGE_SIZE)
    .offset((input.page - 1) * SEARCH_PAGE_SIZE)
    .execute();
  // A page past the last has no row to carry the count: counted alone.
  const total =
    rows.length > 0
      ? Number(rows[0]!.matches)
      : input.page > 1
        ? Number((await query.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirst())?.n ?? 0)
        : 0;
  if (rows.length === 0) return { ...empty, total };
  const schoolIds = [...new Set(rows.map((r) => r.school_id))];
  const schools = new Map(
    schoolIds.length === 0 ? [] : (await db.selectFrom('schools').select(['id', 'name']).where('id', 'in', schoolIds).execute()).map((sc) => [sc.id, sc.name]),
  );
  return {
    students: rows.map((r) => {
      const firstName = r.preferred_first_name ?? r.legal_first_name;
      const lastName = r.preferred_last_name ?? r.legal_last_name;
      const legal = `${r.legal_first_name} ${r.legal_last_name}`;
      return {
        id: r.id,
        firstName,
        lastName,
        legalName: legal === `${firstName} ${lastName}` ? null : legal,
        studentNumber: r.student_number,
        grade: r.grade_level,
        school: schools.get(r.school_id) ?? '',
      };
    }),
    total,
    page: input.page,
    pageSize: SEARCH_PAGE_SIZE,
  };
}

export interface GuardianContact {
  name: string;
  relationship: string;
  email: string | null;
  phones: { kind: 'mobile' | 'home' | 'work'; number: string }[];
  portalAccess: boolean;
  rightsRevoked: boolean;
  emergencyContact: boolean;
  livesWith: boolean;
  /** has a portal account that can sign in */
  hasAccount: boolean;
}

export interface StudentPageView {
  student: ReadableStudent;
  legalName: string;
  birthDate: string;
  enrollmentStatus: EnrollmentStatus;
  email: string | null;
  phone: string | null;
  schedule: ScheduleView;
  guardians: GuardianContact[];
  /** the staff member's tools for this student: a counselor's reads, office staff's account help */
  tools: StudentTool[];
}

export type StudentTool = 'grades' | 'attendance' | 'transcript' | 'accountHelp' | 'fees' | 'health';

/** The student's staff tools this staff member may open. */
function toolsFor(actor: { counselor: CounselorScope; office: OfficeScope; nurse?: NurseScope }, schoolId: number): StudentTool[] {
  const tools: StudentTool[] = [];
  if (actor.counselor.schools.has(schoolId)) tools.push('grades', 'attendance', 'transcript');
  if (mayActOnSchool(actor.office, schoolId)) tools.push('accountHelp', 'fees');
  if (actor.nurse?.schools.has(schoolId)) tools.push('health');
  return tools;
}

/**
 * A student's page for a staff member: null when the student is out of their reach (answered 404).
 * The open is audited by the proof (readableByStaff) before anything is read.
 */
export async function staffStudentPage(
  db: Kysely<DB>,
  actor: { reach: StaffReach; counselor: CounselorScope; office: OfficeScope; nurse?: NurseScope; actorAccountId: number; ip: string | null },
  studentId: number,
  today: string,
  now: Date,
): Promise<StudentPageView> {
  const student = await readableByStaff(db, actor.reach, studentId, { actorAccountId: actor.actorAccountId, ip: actor.ip, purpose: 'student', today }, now);
  const [row, schedule, links] = await Promise.all([
    db
      .selectFrom('students')
      .select(['legal_first_name', 'legal_middle_name', 'legal_last_name', 'birth_date', 'enrollment_status', 'email', 'phone'])
      .where('id', '=', student.id)
      .executeTakeFirstOrThrow(),
    scheduleOf(db, student, today),
    db
      .selectFrom('student_guardians as sg')
      .innerJoin('guardians as g', 'g.id', 'sg.guardian_id')
      .select([
        'g.id',
        'g.first_name',
        'g.last_name',
        'g.email',
        'g.phone_mobile',
        'g.phone_home',
        'g.phone_work',
        'sg.relationship',
        'sg.portal_access',
        'sg.rights_revoked',
        'sg.emergency_contact',
        'sg.lives_with',
        'sg.contact_priority',
        (eb) =>
          eb
            .selectFrom('user_accounts as a')
            .select((e) => e.fn.countAll<number | string>().as('n'))
            .whereRef('a.guardian_id', '=', 'g.id')
            .where('a.status', '=', 'active')
            .as('accounts'),
      ])
      .where('sg.student_id', '=', student.id)
      .orderBy('sg.contact_priority')
      .orderBy('g.last_name')
      .orderBy('g.first_name')
      .orderBy('g.id')
      .execute(),
  ]);
  const phones = (g: (typeof links)[number]) =>
    (
      [
        ['mobile', g.phone_mobile],
        ['home', g.phone_home],
        ['work', g.phone_work],
      ] as const
    )
      .filter((p): p is readonly ['mobile' | 'home' | 'work', string] => Boolean(p[1]))
      .map(([kind, number]) => ({ kind, number }));
  return {
    student,
    legalName: [row.legal_first_name, row.legal_middle_name, row.legal_last_name].filter(Boolean).join(' '),
    birthDate: row.birth_date,
    enrollmentStatus: row.enrollment_status,
    email: row.email,
    phone: row.phone,
    schedule,
    guardians: links.map((g) => ({
      name: `${g.first_name} ${g.last_name}`,
      relationship: g.relationship,
      email: g.email,
      phones: phones(g),
      portalAccess: g.portal_access === 1 && g.rights_revoked === 0,
      rightsRevoked: g.rights_revoked === 1,
      emergencyContact: g.emergency_contact === 1,
      livesWith: g.lives_with === 1,
      hasAccount: Number(g.accounts ?? 0) > 0,
    })),
    tools: toolsFor(actor, student.schoolId),
  };
}

/**
 * A counselor's read of a student's grades, attendance or transcript: the proof for the portal's reads
 * (gradesOf, attendanceOf, transcriptOf), only for a student of the counselor's own schools (else
 * StudentNotFound, answered 404). The open is audited with what was read.
 */
export function counselorReads(
  db: Kysely<DB>,
  actor: { counselor: CounselorScope; actorAccountId: number; ip: string | null },
  studentId: number,
  purpose: 'grades' | 'attendance' | 'transcript',
  today: string,
  now: Date,
): Promise<ReadableStudent> {
  return readableByStaff(db, actor.counselor, studentId, { actorAccountId: actor.actorAccountId, ip: actor.ip, purpose, today }, now);
}
