/**
 * Test factories: a small district built from nothing in a fresh test database, with exactly the rows a
 * test needs (immich's medium-test factories are the model). Not the demo generator: every value is
 * either given by the test or a plain default written here, and each factory returns the ids and the
 * values it wrote, so a test can state its expectations from its own fixture.
 *
 *   const world = await schoolYear(db, { today: '2027-02-09' });
 *   const { student, guardian } = await guardianWithChild(db, world, { student: { first: 'Maya' } });
 *   const bio = await sectionWithGradebook(db, world, { course: { title: 'Biology' }, period: '2', … });
 *   await attendance(db, world, student, [{ date: '2027-01-12', code: 'A-ILL' }]);
 *
 * Rows are inserted with SQL (ids chosen by the database), the same on SQLite and PostgreSQL.
 */
import type { Kysely } from 'kysely';
import type { DateString, DB, GradingMethod, StaffRole } from '../../src/db/schema.js';
import { hashPassword } from '../../src/domain/accounts/passwords.js';
import type { PortalSettingsInput } from '../../src/domain/district/settings.js';

/** The instant every fixture row was "last changed". */
const STAMP = '2026-07-01T12:00:00.000Z';
const changed = { created_at: STAMP, updated_at: STAMP, updated_by: null };

// ── dates ────────────────────────────────────────────────────────────────────────────────────────────

const DAY_MS = 86_400_000;
const addDays = (d: DateString, n: number): DateString => new Date(Date.parse(`${d}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
const weekdayOf = (d: DateString) => new Date(`${d}T00:00:00Z`).getUTCDay();

// ── the school year ──────────────────────────────────────────────────────────────────────────────────

export type TermKey = 'S1' | 'S2' | 'Q1' | 'Q2' | 'Q3' | 'Q4';

export interface TermFixture {
  id: number;
  title: string;
  start: DateString;
  end: DateString;
}

export interface PeriodFixture {
  id: number;
  name: string;
  sequence: number;
  start: string;
  end: string;
  instructional: boolean;
}

export interface BandFixture {
  letter: string;
  minPercent: number;
  gpaPoints: number;
}

/** A plus/minus scale written for the tests (not the demo's). */
export const FIXTURE_SCALE: readonly BandFixture[] = [
  { letter: 'A', minPercent: 93, gpaPoints: 4.0 },
  { letter: 'A-', minPercent: 90, gpaPoints: 3.7 },
  { letter: 'B+', minPercent: 87, gpaPoints: 3.3 },
  { letter: 'B', minPercent: 83, gpaPoints: 3.0 },
  { letter: 'B-', minPercent: 80, gpaPoints: 2.7 },
  { letter: 'C+', minPercent: 77, gpaPoints: 2.3 },
  { letter: 'C', minPercent: 73, gpaPoints: 2.0 },
  { letter: 'C-', minPercent: 70, gpaPoints: 1.7 },
  { letter: 'D', minPercent: 60, gpaPoints: 1.0 },
  { letter: 'F', minPercent: 0, gpaPoints: 0 },
];

export const FIXTURE_CODES = {
  'A-ILL': { description: 'Absent: illness', kind: 'absent', excuse: 'excused' },
  'A-APT': { description: 'Absent: appointment', kind: 'absent', excuse: 'excused' },
  'A-UNX': { description: 'Absent: unexcused', kind: 'absent', excuse: 'unexcused' },
  'A-UNK': { description: 'Absent: not yet explained', kind: 'absent', excuse: 'unknown' },
  'T-EX': { description: 'Tardy: excused', kind: 'tardy', excuse: 'excused' },
  'T-UNX': { description: 'Tardy: unexcused', kind: 'tardy', excuse: 'unexcused' },
  ER: { description: 'Early release: signed out by a parent', kind: 'early_release', excuse: 'excused' },
} as const;
export type CodeKey = keyof typeof FIXTURE_CODES;

/** A regular day: three periods, lunch, a fourth. */
export const FIXTURE_PERIODS: readonly { name: string; start: string; end: string; instructional: boolean }[] = [
  { name: '1', start: '08:00', end: '08:50', instructional: true },
  { name: '2', start: '08:55', end: '09:45', instructional: true },
  { name: '3', start: '09:50', end: '10:40', instructional: true },
  { name: 'Lunch', start: '10:45', end: '11:15', instructional: false },
  { name: '4', start: '11:20', end: '12:10', instructional: true },
];

export interface World {
  districtId: number;
  /** the day the tests read the portal on (the app's clock is set to noon of it in the district) */
  today: DateString;
  timeZone: string;
  school: { id: number; name: string; number: string };
  year: TermFixture & { schoolYear: number };
  terms: Record<TermKey, TermFixture>;
  /** the bell periods of the default schedule, by name */
  periods: Record<string, PeriodFixture>;
  scale: { id: number; bands: readonly BandFixture[] };
  codes: Record<CodeKey, number>;
  /** days without school that were written to the calendar, besides weekends */
  holidays: { date: DateString; note: string }[];
}

export interface SchoolYearOptions {
  /** default 2027-02-09, a Tuesday of the second semester */
  today?: DateString;
  settings?: PortalSettingsInput;
  schoolName?: string;
  timeZone?: string;
  periods?: readonly { name: string; start: string; end: string; instructional: boolean }[];
  bands?: readonly BandFixture[];
  holidays?: { date: DateString; note: string }[];
}

/**
 * The district row, one high school, the 2026–27 school year (two semesters of two quarters each, as
 * district-wide academic sessions), its calendar days, a default bell schedule, a grading scale with its
 * bands and the attendance codes.
 */
export async function schoolYear(db: Kysely<DB>, options: SchoolYearOptions = {}): Promise<World> {
  const today = options.today ?? '2027-02-09';
  const timeZone = options.timeZone ?? 'America/Chicago';
  const district = await db
    .insertInto('district')
    .values({
      sourced_id: null,
      name: 'Fixture Unified School District',
      short_name: 'FUSD',
      portal_name: 'Fixture Portal',
      time_zone: timeZone,
      locale: 'en',
      color_primary: '#1a4480',
      color_secondary: '#8b1303',
      help_email: 'help@fixture.example.org',
      website_url: null,
      settings: JSON.stringify(options.settings ?? {}),
      ...changed,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const schoolName = options.schoolName ?? 'Cedar Ridge High School';
  const school = await db
    .insertInto('schools')
    .values({
      sourced_id: null,
      school_number: '0901',
      name: schoolName,
      short_name: 'CRHS',
      grade_low: 9,
      grade_high: 12,
      address_line1: null,
      city: null,
      state: null,
      postal_code: null,
      phone: null,
      ...changed,
    })
    .returning('id')
    .executeTakeFirstOrThrow();

  const session = async (type: 'schoolYear' | 'semester' | 'gradingPeriod', parent: number | null, title: string, start: DateString, end: DateString) => {
    const row = await db
      .insertInto('academic_sessions')
      .values({ sourced_id: null, school_id: null, parent_id: parent, type, title, school_year: 2027, start_date: start, end_date: end, ...changed })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { id: row.id, title, start, end };
  };
  const year = await session('schoolYear', null, '2026-2027', '2026-08-17', '2027-05-28');
  const S1 = await session('semester', year.id, 'Semester 1', '2026-08-17', '2026-12-18');
  const S2 = await session('semester', year.id, 'Semester 2', '2027-01-05', '2027-05-28');
  const Q1 = await session('gradingPeriod', S1.id, 'Quarter 1', '2026-08-17', '2026-10-16');
  const Q2 = await session('gradingPeriod', S1.id, 'Quarter 2', '2026-10-19', '2026-12-18');
  const Q3 = await session('gradingPeriod', S2.id, 'Quarter 3', '2027-01-05', '2027-03-12');
  const Q4 = await session('gradingPeriod', S2.id, 'Quarter 4', '2027-03-15', '2027-05-28');

  // Every day of the year: weekdays are school days except the holidays and the winter break.
  const holidays = options.holidays ?? [
    { date: '2026-09-07', note: 'Labor Day' },
    { date: '2026-11-26', note: 'Thanksgiving' },
    { date: '2027-01-18', note: 'Martin Luther King Jr. Day' },
  ];
  const days: { school_id: number; date: DateString; instructional: 0 | 1; reason: string | null; note: string | null }[] = [];
  for (let d = year.start; d <= year.end; d = addDays(d, 1)) {
    const holiday = holidays.find((h) => h.date === d);
    const weekend = weekdayOf(d) === 0 || weekdayOf(d) === 6;
    const winter = d > S1.end && d < S2.start;
    days.push({
      school_id: school.id,
      date: d,
      instructional: weekend || holiday || winter ? 0 : 1,
      reason: weekend ? 'weekend' : holiday ? 'holiday' : winter ? 'break' : null,
      note: weekend ? null : (holiday?.note ?? (winter ? 'Winter break' : null)),
    });
  }
  for (let i = 0; i < days.length; i += 100) await db.insertInto('calendar_days').values(days.slice(i, i + 100)).execute();

  const schedule = await db
    .insertInto('bell_schedules')
    .values({ school_id: school.id, name: 'Regular Day', is_default: 1, ...changed })
    .returning('id')
    .executeTakeFirstOrThrow();
  const periods: Record<string, PeriodFixture> = {};
  let sequence = 0;
  for (const p of options.periods ?? FIXTURE_PERIODS) {
    sequence++;
    const row = await db
      .insertInto('bell_periods')
      .values({ bell_schedule_id: schedule.id, name: p.name, sequence, start_time: p.start, end_time: p.end, instructional: p.instructional ? 1 : 0 })
      .returning('id')
      .executeTakeFirstOrThrow();
    periods[p.name] = { id: row.id, name: p.name, sequence, start: p.start, end: p.end, instructional: p.instructional };
  }

  const bands = options.bands ?? FIXTURE_SCALE;
  const scale = await db.insertInto('grading_scales').values({ name: 'Fixture A–F', ...changed }).returning('id').executeTakeFirstOrThrow();
  await db
    .insertInto('grading_scale_bands')
    .values(bands.map((b, i) => ({ scale_id: scale.id, letter: b.letter, min_percent: b.minPercent, gpa_points: b.gpaPoints, sequence: i + 1 })))
    .execute();

  const codes = {} as Record<CodeKey, number>;
  for (const [code, c] of Object.entries(FIXTURE_CODES) as [CodeKey, (typeof FIXTURE_CODES)[CodeKey]][]) {
    const row = await db.insertInto('attendance_codes').values({ code, description: c.description, kind: c.kind, excuse: c.excuse }).returning('id').executeTakeFirstOrThrow();
    codes[code] = row.id;
  }

  return {
    districtId: district.id,
    today,
    timeZone,
    school: { id: school.id, name: schoolName, number: '0901' },
    year: { ...year, schoolYear: 2027 },
    terms: { S1, S2, Q1, Q2, Q3, Q4 },
    periods,
    scale: { id: scale.id, bands },
    codes,
    holidays,
  };
}

// ── people and accounts ──────────────────────────────────────────────────────────────────────────────

let serial = 0;
const next = () => ++serial;

export interface StudentFixture {
  id: number;
  number: string;
  first: string;
  last: string;
  birthDate: DateString;
  grade: number;
}

export interface GuardianFixture {
  id: number;
  first: string;
  last: string;
  email: string;
}

export interface AccountFixture {
  id: number;
  username: string;
  password: string;
}

export async function student(
  db: Kysely<DB>,
  world: World,
  { first = 'Maya', last = 'Ortiz', number, birthDate = '2010-03-14', grade = 11 }: { first?: string; last?: string; number?: string; birthDate?: DateString; grade?: number } = {},
): Promise<StudentFixture> {
  const studentNumber = number ?? `00${String(70_000 + next())}`;
  const row = await db
    .insertInto('students')
    .values({
      sourced_id: null,
      student_number: studentNumber,
      legal_first_name: first,
      legal_middle_name: null,
      legal_last_name: last,
      preferred_first_name: null,
      preferred_last_name: null,
      birth_date: birthDate,
      grade_level: grade,
      school_id: world.school.id,
      email: null,
      phone: null,
      ...changed,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, number: studentNumber, first, last, birthDate, grade };
}

export async function guardian(
  db: Kysely<DB>,
  { first = 'Lucia', last = 'Ortiz', email }: { first?: string; last?: string; email?: string } = {},
): Promise<GuardianFixture> {
  const address = email ?? `${first}.${last}.${next()}@fixture.example.com`.toLowerCase();
  const row = await db
    .insertInto('guardians')
    .values({ sourced_id: null, first_name: first, last_name: last, email: address, phone_mobile: null, phone_home: null, phone_work: null, household_id: null, ...changed })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, first, last, email: address };
}

/** The link between a student and a guardian, with its portal rights. */
export async function link(
  db: Kysely<DB>,
  child: StudentFixture,
  parent: GuardianFixture,
  { relationship = 'Mother', portalAccess = true, revoked = false }: { relationship?: string; portalAccess?: boolean; revoked?: boolean } = {},
): Promise<number> {
  const row = await db
    .insertInto('student_guardians')
    .values({ student_id: child.id, guardian_id: parent.id, relationship, portal_access: portalAccess ? 1 : 0, rights_revoked: revoked ? 1 : 0, ...changed })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

// argon2id takes a while on purpose: each password is hashed once per test process.
const hashes = new Map<string, Promise<string>>();
const hashOf = (password: string) => {
  let hash = hashes.get(password);
  if (!hash) {
    hash = hashPassword(password);
    hashes.set(password, hash);
  }
  return hash;
};

export const FIXTURE_PASSWORD = 'fixture lantern meadow';

/**
 * An active portal account that signs in with `password` and needs nothing first (no password change,
 * a confirmed security email). Students sign in with their student number, guardians with their email.
 */
export async function account(
  db: Kysely<DB>,
  person: { student: StudentFixture } | { guardian: GuardianFixture },
  { password = FIXTURE_PASSWORD, locale = null, username }: { password?: string; locale?: 'en' | 'es' | null; username?: string } = {},
): Promise<AccountFixture> {
  const isStudent = 'student' in person;
  const name = username ?? (isStudent ? person.student.number : person.guardian.email.toLowerCase());
  const row = await db
    .insertInto('user_accounts')
    .values({
      username: name,
      username_key: isStudent ? name : name.toLowerCase(),
      password_hash: await hashOf(password),
      status: 'active',
      must_change_password: 0,
      security_email: isStudent ? `${name}@students.fixture.example.org` : person.guardian.email,
      security_email_confirmed_at: STAMP,
      person_kind: isStudent ? 'student' : 'guardian',
      student_id: isStudent ? person.student.id : null,
      guardian_id: isStudent ? null : person.guardian.id,
      staff_id: null,
      locale,
      ...changed,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, username: name, password };
}

export interface FamilyOptions {
  /** a student made before (a sibling's guardian, a second guardian); otherwise a new one */
  child?: StudentFixture;
  student?: Parameters<typeof student>[2];
  guardian?: Parameters<typeof guardian>[1];
  relationship?: string;
  /** the link's rights were revoked (a court order) */
  revoked?: boolean;
  /** the link gives portal access (default true) */
  portalAccess?: boolean;
  /** the student is 18 or older on world.today (born 18 years and a day before it) */
  adult?: boolean;
  /** make portal accounts: the guardian's, the student's, both (default) or none */
  accounts?: 'both' | 'guardian' | 'student' | 'none';
  password?: string;
  /** the guardian's email, which is also their username */
  email?: string;
  /** the guardian account's language */
  locale?: 'en' | 'es';
}

export interface Family {
  student: StudentFixture;
  guardian: GuardianFixture;
  linkId: number;
  studentAccount: AccountFixture | null;
  guardianAccount: AccountFixture | null;
}

/** A student, a guardian, the link between them, and (by default) both portal accounts. */
export async function guardianWithChild(db: Kysely<DB>, world: World, options: FamilyOptions = {}): Promise<Family> {
  const yesterday = addDays(world.today, -1);
  const adultBirth = `${Number(yesterday.slice(0, 4)) - 18}${yesterday.slice(4)}`;
  const child =
    options.child ?? (await student(db, world, { ...(options.adult ? { birthDate: adultBirth, grade: 12 } : {}), ...options.student }));
  const parent = await guardian(db, { ...(options.email ? { email: options.email } : {}), ...options.guardian });
  const linkId = await link(db, child, parent, {
    ...(options.relationship ? { relationship: options.relationship } : {}),
    portalAccess: options.portalAccess ?? true,
    revoked: options.revoked ?? false,
  });
  const which = options.accounts ?? 'both';
  const password = options.password ?? FIXTURE_PASSWORD;
  const guardianAccount = which === 'both' || which === 'guardian' ? await account(db, { guardian: parent }, { password, locale: options.locale ?? null }) : null;
  const studentAccount =
    (which === 'both' || which === 'student') && !options.child ? await account(db, { student: child }, { password }) : null;
  return { student: child, guardian: parent, linkId, studentAccount, guardianAccount };
}

// ── sections and gradebooks ──────────────────────────────────────────────────────────────────────────

export interface ScoreSpec {
  student: StudentFixture;
  /** the assignment's title */
  assignment: string;
  points?: number | null;
  missing?: boolean;
  late?: boolean;
  exempt?: boolean;
  incomplete?: boolean;
  /** dropped by the teacher */
  dropped?: boolean;
  comment?: string | null;
}

export interface SectionOptions {
  course: { code: string; title: string; subject?: string; credits?: number; gpaBonus?: number };
  /** the bell period's name ('1', '2' …) */
  period: string;
  room?: string | null;
  teacher?: { first: string; last: string; email?: string } | null;
  /** several primary teachers one after the other (a teacher who left mid-year and the one who took over) */
  teachers?: { first: string; last: string; email?: string; from?: DateString; until?: DateString | null }[];
  /** the semesters the section meets in (default both) */
  terms?: ('S1' | 'S2')[];
  method?: GradingMethod;
  /** in order; `weight` null in a points class */
  categories?: { name: string; weight: number | null; dropLowest?: number }[];
  assignments?: { title: string; category: string; quarter: 'Q1' | 'Q2' | 'Q3' | 'Q4'; due: DateString; assigned?: DateString; possible: number; published?: boolean }[];
  /** enrolled students; `from` defaults to the first day of the section's first term */
  students?: { student: StudentFixture; from?: DateString; until?: DateString | null }[];
  scores?: ScoreSpec[];
  /** grades of a grading period or a semester; posted unless `posted` is false */
  termGrades?: { student: StudentFixture; term: TermKey; percent: number | null; letter: string | null; comment?: string | null; posted?: boolean }[];
}

export interface SectionFixture {
  id: number;
  courseId: number;
  code: string;
  title: string;
  sectionCode: string;
  room: string | null;
  teacher: string | null;
  period: PeriodFixture;
  categories: Record<string, number>;
  assignments: Record<string, number>;
}

/**
 * A course and one section of it: its period, room, teacher and terms, its gradebook (categories,
 * assignments, scores with flags), its students, and posted term grades.
 */
export async function sectionWithGradebook(db: Kysely<DB>, world: World, options: SectionOptions): Promise<SectionFixture> {
  const period = world.periods[options.period];
  if (!period) throw new Error(`No bell period named ${options.period}`);
  const course = await db
    .insertInto('courses')
    .values({
      sourced_id: null,
      school_id: world.school.id,
      course_code: options.course.code,
      title: options.course.title,
      subject: options.course.subject ?? 'General',
      grade_low: 9,
      grade_high: 12,
      credits: options.course.credits ?? 1,
      gpa_bonus: options.course.gpaBonus ?? 0,
      ...changed,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const sectionCode = `${options.course.code}-0${next() % 10}`;
  const room = options.room === undefined ? null : options.room;
  const section = await db
    .insertInto('sections')
    .values({
      sourced_id: null,
      school_id: world.school.id,
      course_id: course.id,
      section_code: sectionCode,
      room,
      grading_method: options.method ?? 'weighted',
      grading_scale_id: world.scale.id,
      ...changed,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const terms = options.terms ?? ['S1', 'S2'];
  for (const t of terms) await db.insertInto('section_terms').values({ section_id: section.id, academic_session_id: world.terms[t].id }).execute();
  await db.insertInto('section_periods').values({ section_id: section.id, bell_period_id: period.id }).execute();
  const firstDay = world.terms[terms[0]!].start;

  /** the teacher now: the one whose assignment to the section has not ended */
  let teacher: string | null = null;
  const teachers: NonNullable<SectionOptions['teachers']> = options.teachers ?? (options.teacher ? [options.teacher] : []);
  for (const t of teachers) {
    const n = next();
    const staff = await db
      .insertInto('staff')
      .values({
        sourced_id: null,
        staff_number: `T${String(n).padStart(5, '0')}`,
        first_name: t.first,
        last_name: t.last,
        email: t.email ?? `${t.first}.${t.last}@fixture.example.org`.toLowerCase(),
        phone: null,
        title: 'Teacher',
        school_id: world.school.id,
        ...changed,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('staff_roles').values({ staff_id: staff.id, role: 'teacher', school_id: world.school.id }).execute();
    const until = t.until ?? null;
    await db
      .insertInto('section_teachers')
      .values({ sourced_id: null, section_id: section.id, staff_id: staff.id, primary_teacher: 1, begin_date: t.from ?? firstDay, end_date: until, ...changed })
      .execute();
    if (until === null) teacher = `${t.first} ${t.last}`;
  }

  for (const e of options.students ?? []) {
    await db
      .insertInto('section_enrollments')
      .values({ sourced_id: null, section_id: section.id, student_id: e.student.id, begin_date: e.from ?? firstDay, end_date: e.until ?? null, ...changed })
      .execute();
  }

  const categories: Record<string, number> = {};
  let sequence = 0;
  for (const c of options.categories ?? []) {
    const row = await db
      .insertInto('grading_categories')
      .values({ section_id: section.id, name: c.name, weight: c.weight, drop_lowest: c.dropLowest ?? 0, sequence: ++sequence })
      .returning('id')
      .executeTakeFirstOrThrow();
    categories[c.name] = row.id;
  }

  const assignments: Record<string, number> = {};
  for (const a of options.assignments ?? []) {
    const category = categories[a.category];
    if (category === undefined) throw new Error(`No category ${a.category} in ${options.course.title}`);
    const row = await db
      .insertInto('assignments')
      .values({
        sourced_id: null,
        section_id: section.id,
        category_id: category,
        grading_period_id: world.terms[a.quarter].id,
        title: a.title,
        description: null,
        assigned_date: a.assigned ?? addDays(a.due, -7),
        due_date: a.due,
        points_possible: a.possible,
        published: a.published === false ? 0 : 1,
        ...changed,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    assignments[a.title] = row.id;
  }

  for (const s of options.scores ?? []) {
    const assignment = assignments[s.assignment];
    if (assignment === undefined) throw new Error(`No assignment ${s.assignment} in ${options.course.title}`);
    await db
      .insertInto('assignment_scores')
      .values({
        assignment_id: assignment,
        student_id: s.student.id,
        points: s.points ?? null,
        missing: s.missing ? 1 : 0,
        late: s.late ? 1 : 0,
        exempt: s.exempt ? 1 : 0,
        incomplete: s.incomplete ? 1 : 0,
        dropped: s.dropped ? 1 : 0,
        comment: s.comment ?? null,
        ...changed,
      })
      .execute();
  }

  for (const g of options.termGrades ?? []) {
    await db
      .insertInto('term_grades')
      .values({
        section_id: section.id,
        student_id: g.student.id,
        academic_session_id: world.terms[g.term].id,
        percent: g.percent,
        letter: g.letter,
        comment: g.comment ?? null,
        posted_at: g.posted === false ? null : `${world.terms[g.term].end}T23:00:00.000Z`,
        ...changed,
      })
      .execute();
  }

  return {
    id: section.id,
    courseId: course.id,
    code: options.course.code,
    title: options.course.title,
    sectionCode,
    room,
    teacher,
    period,
    categories,
    assignments,
  };
}

// ── attendance and history ───────────────────────────────────────────────────────────────────────────

export interface AttendanceSpec {
  date: DateString;
  code: CodeKey;
  /** the class it was taken in; none: the whole day */
  section?: SectionFixture;
  comment?: string | null;
}

/** Attendance records of one student: whole-day ones, or in a class (at that class's bell period). */
export async function attendance(db: Kysely<DB>, world: World, who: StudentFixture, records: AttendanceSpec[]): Promise<number[]> {
  const ids: number[] = [];
  for (const r of records) {
    const row = await db
      .insertInto('attendance_records')
      .values({
        student_id: who.id,
        date: r.date,
        section_id: r.section?.id ?? null,
        bell_period_id: r.section?.period.id ?? null,
        code_id: world.codes[r.code],
        comment: r.comment ?? null,
        ...changed,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    ids.push(row.id);
  }
  return ids;
}

export interface TranscriptSpec {
  /** the calendar year the school year ends in */
  schoolYear: number;
  grade: number;
  code: string;
  title: string;
  term: 'S1' | 'S2' | 'Year';
  letter: string;
  gpaPoints: number | null;
  gpaBonus?: number;
  attempted: number;
  earned: number;
  school?: string;
}

/** Courses of earlier years on a student's transcript. */
export async function transcriptHistory(db: Kysely<DB>, world: World, who: StudentFixture, courses: TranscriptSpec[]): Promise<void> {
  await db
    .insertInto('transcript_courses')
    .values(
      courses.map((c) => ({
        student_id: who.id,
        school_year: c.schoolYear,
        school_name: c.school ?? world.school.name,
        grade_level: c.grade,
        course_code: c.code,
        course_title: c.title,
        term: c.term,
        letter: c.letter,
        gpa_points: c.gpaPoints,
        gpa_bonus: c.gpaBonus ?? 0,
        credits_attempted: c.attempted,
        credits_earned: c.earned,
        ...changed,
      })),
    )
    .execute();
}

// ── immunizations ────────────────────────────────────────────────────────────────────────────────────

export interface VaccineFixture {
  id: number;
  code: string;
  name: string;
}

/** A vaccine and the doses the district requires of it, by grades. */
export async function vaccine(
  db: Kysely<DB>,
  { code, name, requirements }: { code: string; name: string; requirements: { gradeLow: number; gradeHigh: number; doses: number }[] },
): Promise<VaccineFixture> {
  const row = await db.insertInto('vaccines').values({ code, name }).returning('id').executeTakeFirstOrThrow();
  for (const r of requirements) {
    await db.insertInto('immunization_requirements').values({ vaccine_id: row.id, grade_low: r.gradeLow, grade_high: r.gradeHigh, doses: r.doses }).execute();
  }
  return { id: row.id, code, name };
}

/** Doses of a vaccine on a student's record, and optionally an exemption from it. */
export async function immunizations(
  db: Kysely<DB>,
  who: StudentFixture,
  shot: VaccineFixture,
  { doses = [], exemption }: { doses?: DateString[]; exemption?: { kind: 'medical' | 'religious' | 'personal'; granted: DateString; expires?: DateString | null } } = {},
): Promise<void> {
  for (const date of doses) await db.insertInto('immunization_doses').values({ student_id: who.id, vaccine_id: shot.id, dose_date: date, ...changed }).execute();
  if (exemption) {
    await db
      .insertInto('immunization_exemptions')
      .values({ student_id: who.id, vaccine_id: shot.id, kind: exemption.kind, granted_date: exemption.granted, expires_date: exemption.expires ?? null, ...changed })
      .execute();
  }
}

/** Another school of the fixture district (the world's own is its high school). */
export async function otherSchool(db: Kysely<DB>, name = 'Fixture Middle School'): Promise<{ id: number; name: string }> {
  const n = next();
  const row = await db
    .insertInto('schools')
    .values({
      sourced_id: null,
      school_number: `08${String(n).padStart(2, '0')}`,
      name,
      short_name: `FMS${n}`,
      grade_low: 6,
      grade_high: 8,
      address_line1: null,
      city: null,
      state: null,
      postal_code: null,
      phone: null,
      ...changed,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, name };
}

export interface StaffFixture {
  id: number;
  name: string;
  /** the sign-in account, when asked for */
  account: AccountFixture | null;
}

/**
 * A staff member with roles (`schoolId` null for a district-wide role) and, unless `account` is false,
 * an account that signs in with FIXTURE_PASSWORD and its username.
 */
export async function staffMember(
  db: Kysely<DB>,
  world: World,
  options: { first: string; last: string; roles: { role: StaffRole; schoolId?: number | null }[]; account?: boolean; locale?: 'en' | 'es' | null },
): Promise<StaffFixture> {
  const n = next();
  const email = `${options.first}.${options.last}.${n}@fixture.example.org`.toLowerCase();
  const staff = await db
    .insertInto('staff')
    .values({
      sourced_id: null,
      staff_number: `S${String(n).padStart(5, '0')}`,
      first_name: options.first,
      last_name: options.last,
      email,
      phone: null,
      title: null,
      school_id: world.school.id,
      ...changed,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (const r of options.roles) {
    await db.insertInto('staff_roles').values({ staff_id: staff.id, role: r.role, school_id: r.schoolId === undefined ? world.school.id : r.schoolId }).execute();
  }
  let login: AccountFixture | null = null;
  if (options.account !== false) {
    const row = await db
      .insertInto('user_accounts')
      .values({
        username: email,
        username_key: email,
        password_hash: await hashOf(FIXTURE_PASSWORD),
        status: 'active',
        must_change_password: 0,
        security_email: email,
        security_email_confirmed_at: STAMP,
        person_kind: 'staff',
        student_id: null,
        guardian_id: null,
        staff_id: staff.id,
        locale: options.locale ?? null,
        ...changed,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    login = { id: row.id, username: email, password: FIXTURE_PASSWORD };
  }
  return { id: staff.id, name: `${options.first} ${options.last}`, account: login };
}

/** A staff member teaching a section (a co-teacher unless `primary`), from and until a day. */
export async function teachSection(
  db: Kysely<DB>,
  staff: StaffFixture,
  section: { id: number },
  { from = '2026-08-17', until = null, primary = false }: { from?: DateString; until?: DateString | null; primary?: boolean } = {},
): Promise<void> {
  await db
    .insertInto('section_teachers')
    .values({ sourced_id: null, section_id: section.id, staff_id: staff.id, primary_teacher: primary ? 1 : 0, begin_date: from, end_date: until, ...changed })
    .execute();
}
