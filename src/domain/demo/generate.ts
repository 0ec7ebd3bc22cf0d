/**
 * The demo district: a deterministic, realistic school district of any size. The same options give
 * the same rows, in the same order, with the same ids, on every engine: every value comes from the
 * seeded Rng or from the options, never from the clock.
 *
 * Rows go to a RowSink in an order that respects foreign keys; the sink decides when to write them,
 * so a district of a million students never has to fit in memory as rows.
 */
import type { DateString, NewRow, StaffRole, TableName } from '../../db/schema.js';
import { hashPassword, initialsDobPassword } from '../accounts/passwords.js';
import { usernameKey } from '../accounts/identity.js';
import { addDays, daysBetween, nthWeekday, onOrAfter, ymd } from '../calendar/dates.js';
import type { PortalSettingsInput } from '../district/settings.js';
import {
  PERIODS_PER_DAY,
  SCHOOL_NAMES,
  coreSlots,
  electives,
  type CourseDef,
  type Dept,
} from './catalog.js';
import { COMMON_FEMALE, COMMON_MALE, NAME_GROUPS, STREET_NAMES, STREET_SUFFIXES, type NameGroup } from './names.js';
import { gradingMethodFor, PortalData, type EnrollmentInfo } from './portal-data.js';
import { Rng } from './random.js';
import { planSchoolYear, type SchoolYearPlan } from './school-year.js';
import { localeTag } from '../../i18n/format.js';

export interface DemoOptions {
  /** number of students, at least 1 */
  students: number;
  seed: number;
  /** the calendar year the school year starts in (2026 for 2026–27) */
  startYear: number;
  /**
   * The day the portal data is as of: work due by then is graded, attendance taken up to then.
   * Clamped to the school year; default: 14 weeks after the first day (late November).
   */
  asOf?: DateString;
}

export interface RowSink {
  /** A row must not be changed once a checkpoint has come after it: the sink may be writing it then. */
  add<T extends TableName>(table: T, row: NewRow<T>): void;
  /** called between families and sections: the sink may write what it holds */
  checkpoint(): Promise<void>;
}

export interface DemoAccount {
  role: 'student' | 'parent' | 'teacher' | 'office' | 'counselor' | 'nurse' | 'district_admin';
  name: string;
  username: string;
  password: string;
  /** e.g. the children a parent sees, a teacher's school */
  detail: string;
  locale: 'en' | 'es';
}

export interface DemoSummary {
  schools: number;
  students: number;
  guardians: number;
  households: number;
  staff: number;
  sections: number;
  sectionEnrollments: number;
  assignments: number;
  scores: number;
  attendanceRecords: number;
  termGrades: number;
  transcriptCourses: number;
  immunizationDoses: number;
  /** meal ledger rows (written after the generator, demo/meals.ts) */
  mealLedgerRows: number;
  accounts: DemoAccount[];
  /** the day the portal data is as of */
  asOf: DateString;
  /** the demo parent's children (Allen and Grace Alda), for their meal accounts */
  featuredChildren: number[];
}

/** The password of every demo account except the student's, whose password follows the seed's rule. */
export const DEMO_PASSWORD = 'cedar valley demo';
export const DEMO_DISTRICT = {
  name: 'Cedar Valley Public Schools',
  shortName: 'CVPS',
  portalName: 'Cedar Valley Portal',
  timeZone: 'America/Chicago',
  domain: 'cedarvalley.example.org',
  city: 'Cedar Valley',
  state: 'MO',
};

const EMAIL_DOMAINS = ['example.com', 'example.net', 'example.org', 'mail.example.com'];
const TARGET_CLASS_SIZE = 27;
const MAX_TEACHER_PERIODS = 6;

interface SchoolPlan {
  id: number;
  level: 'middle' | 'high';
  name: string;
  low: number;
  high: number;
  bellPeriodIds: number[];
  courseIds: Map<string, number>;
  /** student ids per grade, in generation order */
  byGrade: Map<number, number[]>;
  withdrawn: Set<number>;
  studentCount: number;
  staffEmails: Set<string>;
}

interface Section {
  id: number;
  /** the row, still in the sink's buffer until the school's teachers (and rooms) are assigned */
  row: NewRow<'sections'>;
  school: SchoolPlan;
  course: CourseDef;
  period: number;
  size: number;
  teacherId?: number;
}

interface Person {
  first: string;
  last: string;
  female: boolean;
}

/** ASCII, lower case, letters and digits only: for emails and usernames */
export function slug(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

export async function generateDemo(options: DemoOptions, sink: RowSink): Promise<DemoSummary> {
  return new Generator(options, sink).run();
}

class Generator {
  private readonly rng: Rng;
  private readonly year: SchoolYearPlan;
  /** the instant every generated record was "last changed": noon UTC on July 1 of the start year */
  private readonly stamp: string;
  private readonly ids = new Map<string, number>();
  private readonly schools: SchoolPlan[] = [];
  private readonly sessionIds = { year: 0, s1: 0, s2: 0 };
  private readonly quarterIds: number[] = [];
  private readonly portal: PortalData;
  /** the day the portal data is as of */
  readonly asOf: DateString;
  private readonly guardianEmails = new Set<string>();
  private readonly studentEmails = new Set<string>();
  private readonly usernames = new Set<string>();
  private studentNumber = 4_000;
  private staffNumber = 100_000;
  private middleCount = 1;
  private highCount = 1;
  private sections: Section[] = [];
  private readonly summary: DemoSummary = {
    schools: 0,
    students: 0,
    guardians: 0,
    households: 0,
    staff: 0,
    sections: 0,
    sectionEnrollments: 0,
    assignments: 0,
    scores: 0,
    attendanceRecords: 0,
    termGrades: 0,
    transcriptCourses: 0,
    immunizationDoses: 0,
    mealLedgerRows: 0,
    accounts: [],
    asOf: '',
    featuredChildren: [],
  };
  /** people who get demo accounts */
  private readonly featured: {
    allen?: { id: number; number: string; first: string; last: string; birth: DateString; school: SchoolPlan };
    parent?: { id: number; name: string; email: string; children: string[] };
    spanishParent?: { id: number; name: string; email: string; children: string[] };
    teacherId?: number;
    /** Allen and Grace Alda, for their demo fees */
    aldaChildren?: { id: number; schoolId: number }[];
  } = {};

  constructor(
    private readonly options: DemoOptions,
    private readonly sink: RowSink,
  ) {
    if (!Number.isInteger(options.students) || options.students < 1) {
      throw new RangeError('The demo district needs at least 1 student');
    }
    this.rng = new Rng(options.seed);
    this.year = planSchoolYear(options.startYear);
    this.stamp = `${options.startYear}-07-01T12:00:00.000Z`;
    const wanted = options.asOf ?? addDays(this.year.first, 98);
    this.asOf = wanted < this.year.first ? this.year.first : wanted > this.year.last ? this.year.last : wanted;
    // Its own random stream, so that adding portal data does not change the people of a seed.
    this.portal = new PortalData({
      rng: new Rng(options.seed ^ 0x5eed),
      sink: this.sink,
      nextId: (table) => this.nextId(table),
      changed: () => this.changed(),
      year: this.year,
      asOf: this.asOf,
      quarterIds: this.quarterIds,
      semesterIds: [0, 0],
      seed: options.seed,
    });
  }

  private nextId(table: string): number {
    const id = (this.ids.get(table) ?? 0) + 1;
    this.ids.set(table, id);
    return id;
  }

  /**
   * Fees of the Alda children, so diane.alda sees Payments with something in each list: Allen's science
   * lab fee due within the week (on To Do), his yearbook paid by check; Grace's library book past due with
   * part paid in cash, her field trip waived. Each fee's ledger is what the office's pages would write.
   */
  private fees(): void {
    const [allen, grace] = this.featured.aldaChildren ?? [];
    if (!allen || !grace) return;
    const year = this.options.startYear + 1;
    const at = (days: number) => `${addDays(this.asOf, days)}T15:30:00.000Z`;
    const fee = (student: { id: number; schoolId: number }, f: { en: string; es: string; cents: number; due: DateString; required: boolean; days: number }) => {
      const id = this.nextId('fees');
      this.sink.add('fees', {
        id,
        student_id: student.id,
        school_id: student.schoolId,
        school_year: year,
        description_en: f.en,
        description_es: f.es,
        amount_cents: f.cents,
        due_date: f.due,
        required: f.required ? 1 : 0,
        assessment_key: `demo-${id}`,
        created_by: null,
        created_at: at(f.days),
        updated_at: at(f.days),
        updated_by: null,
      });
      this.sink.add('fee_ledger', { id: this.nextId('fee_ledger'), fee_id: id, kind: 'assessed', amount_cents: f.cents, reason: null, payment_id: null, idempotency_key: null, by_account: null, at: at(f.days) });
      return id;
    };
    const pay = (feeId: number, cents: number, method: 'cash' | 'check', checkNumber: string | null, days: number) => {
      const id = this.nextId('fee_payments');
      this.sink.add('fee_payments', { id, idempotency_key: `demo-payment-${id}`, method, check_number: checkNumber, reference: null, payer: 'Diane Alda', total_cents: cents, recorded_by: null, recorded_at: at(days) });
      this.sink.add('fee_ledger', { id: this.nextId('fee_ledger'), fee_id: feeId, kind: 'paid', amount_cents: -cents, reason: null, payment_id: id, idempotency_key: null, by_account: null, at: at(days) });
    };
    fee(allen, { en: 'Science lab fee', es: 'Cuota de laboratorio de ciencias', cents: 2500, due: addDays(this.asOf, 7), required: true, days: -14 });
    const yearbook = fee(allen, { en: 'Yearbook', es: 'Anuario', cents: 4500, due: addDays(this.asOf, 30), required: false, days: -40 });
    pay(yearbook, 4500, 'check', '1042', -35);
    const book = fee(grace, { en: 'Lost library book', es: 'Libro de la biblioteca perdido', cents: 1250, due: addDays(this.asOf, -10), required: true, days: -25 });
    pay(book, 500, 'cash', null, -12);
    const trip = fee(grace, { en: 'Field trip to the science museum', es: 'Excursión al museo de ciencias', cents: 1500, due: addDays(this.asOf, -20), required: true, days: -45 });
    this.sink.add('fee_ledger', { id: this.nextId('fee_ledger'), fee_id: trip, kind: 'waived', amount_cents: -1500, reason: 'Fee assistance', payment_id: null, idempotency_key: null, by_account: null, at: at(-30) });
  }

  private changed() {
    return { created_at: this.stamp, updated_at: this.stamp, updated_by: null };
  }

  async run(): Promise<DemoSummary> {
    this.portal.district();
    this.schoolsAndCalendars();
    await this.sink.checkpoint();
    await this.families();
    await this.schedules();
    await this.supportStaff();
    await this.accounts();
    this.fees();
    this.announcements();
    this.events();
    // Last, because its settings list the demo accounts for the sign-in page's demo panel.
    this.district();
    await this.sink.checkpoint();
    const c = this.portal.counts;
    Object.assign(this.summary, {
      assignments: c.assignments,
      scores: c.scores,
      attendanceRecords: c.attendance,
      termGrades: c.termGrades,
      transcriptCourses: c.transcriptCourses,
      immunizationDoses: c.doses,
      asOf: this.asOf,
      featuredChildren: (this.featured.aldaChildren ?? []).map((c) => c.id),
    });
    return this.summary;
  }

  // ── district, schools, calendar, bell schedules, courses ────────────────────────────────────────

  private district(): void {
    const settings: PortalSettingsInput = {
      tools: {
        today: true,
        calendar: true,
        schedule: true,
        assignments: true,
        grades: true,
        attendance: true,
        reportCards: true,
        transcript: true,
        immunizations: true,
        documents: true,
        messages: true,
        discussions: true,
        todo: true,
        payments: true,
      },
      initialStudentPassword: 'initials-dob',
      // The demo's accounts are made on 1 July: its featured student's first password works all year.
      initialPasswordDays: 365,
      signInHelp: {
        en: 'Students: your username is your student ID number, including any zeros at the beginning. Your first password is the first letter of your first name, the first letter of your last name and your birth date as mmddyy (Allen Alda, born January 3, 2011: aa010311).',
        es: 'Estudiantes: su nombre de usuario es su número de identificación de estudiante, incluidos los ceros al principio. Su primera contraseña es la primera letra de su nombre, la primera letra de su apellido y su fecha de nacimiento como mmddaa (Allen Alda, nacido el 3 de enero de 2011: aa010311).',
      },
      eSignaturePinEnabled: false,
      resources: [
        { audience: 'parent', label: { en: 'Parent Resources', es: 'Recursos para padres' }, url: '/help/parents' },
        {
          audience: 'student',
          label: { en: 'Student Resources', es: 'Recursos para estudiantes' },
          url: '/help/students',
        },
      ],
      demo: { accounts: this.summary.accounts },
    };
    this.sink.add('district', {
      id: this.nextId('district'),
      sourced_id: null,
      name: DEMO_DISTRICT.name,
      short_name: DEMO_DISTRICT.shortName,
      portal_name: DEMO_DISTRICT.portalName,
      time_zone: DEMO_DISTRICT.timeZone,
      locale: 'en',
      color_primary: '#1a4480',
      color_secondary: '#8b1303',
      help_email: `portalhelp@${DEMO_DISTRICT.domain}`,
      website_url: `https://www.${DEMO_DISTRICT.domain}`,
      settings: JSON.stringify(settings),
      ...this.changed(),
    });
  }

  private schoolsAndCalendars(): void {
    const n = this.options.students;
    this.middleCount = Math.max(1, Math.round((n * 3) / 7 / 800));
    this.highCount = Math.max(1, Math.round((n * 4) / 7 / 1400));
    const y = this.year;
    const schoolYear = y.startYear + 1;

    // District-wide sessions: the school year, two semesters, four quarters (grading periods).
    this.sessionIds.year = this.session(null, 'schoolYear', { title: y.title, titleEs: y.title }, y.first, y.last, schoolYear);
    this.sessionIds.s1 = this.session(this.sessionIds.year, 'semester', y.semesters[0], y.semesters[0].start, y.semesters[0].end, schoolYear);
    this.sessionIds.s2 = this.session(this.sessionIds.year, 'semester', y.semesters[1], y.semesters[1].start, y.semesters[1].end, schoolYear);
    this.portal.setSemesters(this.sessionIds.s1, this.sessionIds.s2);
    y.quarters.forEach((q, i) => {
      this.quarterIds[i] = this.session(i < 2 ? this.sessionIds.s1 : this.sessionIds.s2, 'gradingPeriod', q, q.start, q.end, schoolYear);
    });

    const names = this.rng.shuffle([...SCHOOL_NAMES]);
    const nameFor = (i: number) => {
      const base = names[i % names.length] as string;
      const round = Math.floor(i / names.length);
      return round === 0 ? base : `${base} ${['North', 'South', 'East', 'West', 'Central'][(round - 1) % 5]}${round > 5 ? ` ${round}` : ''}`;
    };
    let nameIndex = 0;
    const levels: ('middle' | 'high')[] = [
      ...Array<'middle'>(this.middleCount).fill('middle'),
      ...Array<'high'>(this.highCount).fill('high'),
    ];
    for (const level of levels) {
      const id = this.nextId('schools');
      const base = nameFor(nameIndex++);
      const name = `${base} ${level === 'middle' ? 'Middle School' : 'High School'}`;
      const school: SchoolPlan = {
        id,
        level,
        name,
        low: level === 'middle' ? 6 : 9,
        high: level === 'middle' ? 8 : 12,
        bellPeriodIds: [],
        courseIds: new Map(),
        byGrade: new Map(),
        withdrawn: new Set(),
        studentCount: 0,
        staffEmails: new Set(),
      };
      this.schools.push(school);
      this.sink.add('schools', {
        id,
        sourced_id: null,
        school_number: String(level === 'middle' ? 200 + id : 400 + id).padStart(4, '0'),
        name,
        short_name: `${base.split(' ').map((w) => w[0]).join('')}${level === 'middle' ? 'MS' : 'HS'}`,
        grade_low: school.low,
        grade_high: school.high,
        address_line1: this.streetAddress(),
        city: DEMO_DISTRICT.city,
        state: DEMO_DISTRICT.state,
        postal_code: this.postalCode(),
        phone: this.phone(),
        ...this.changed(),
      });
      for (const day of y.days) {
        this.sink.add('calendar_days', {
          id: this.nextId('calendar_days'),
          school_id: id,
          date: day.date,
          instructional: day.instructional ? 1 : 0,
          reason: day.reason,
          note: day.note,
          note_es: day.noteEs,
        });
      }
      this.bellSchedule(school);
      this.courses(school);
    }
    this.summary.schools = this.schools.length;
  }

  private session(
    parent: number | null,
    type: 'schoolYear' | 'semester' | 'gradingPeriod',
    name: { title: string; titleEs: string },
    start: DateString,
    end: DateString,
    schoolYear: number,
  ): number {
    const id = this.nextId('academic_sessions');
    this.sink.add('academic_sessions', {
      id,
      sourced_id: null,
      school_id: null,
      parent_id: parent,
      type,
      title: name.title,
      title_es: name.titleEs,
      school_year: schoolYear,
      start_date: start,
      end_date: end,
      ...this.changed(),
    });
    return id;
  }

  private bellSchedule(school: SchoolPlan): void {
    const scheduleId = this.nextId('bell_schedules');
    this.sink.add('bell_schedules', {
      id: scheduleId,
      school_id: school.id,
      name: 'Regular Day',
      is_default: 1,
      ...this.changed(),
    });
    // Middle schools start at 8:00, high schools at 7:40; 50-minute periods, lunch after period 4.
    let minute = school.level === 'middle' ? 8 * 60 : 7 * 60 + 40;
    const passing = school.level === 'middle' ? 4 : 5;
    const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
    let sequence = 0;
    const add = (name: string, length: number, instructional: boolean) => {
      const id = this.nextId('bell_periods');
      this.sink.add('bell_periods', {
        id,
        bell_schedule_id: scheduleId,
        name,
        sequence: ++sequence,
        start_time: hhmm(minute),
        end_time: hhmm(minute + length),
        instructional: instructional ? 1 : 0,
      });
      minute += length + passing;
      return id;
    };
    for (let p = 1; p <= PERIODS_PER_DAY; p++) {
      school.bellPeriodIds.push(add(String(p), 50, true));
      if (p === 4) add('Lunch', 30, false);
    }
  }

  private courses(school: SchoolPlan): void {
    const defs: CourseDef[] = [];
    for (let g = school.low; g <= school.high; g++) for (const slot of coreSlots(g)) defs.push(...slot);
    defs.push(...electives(school.low));
    for (const def of defs) {
      if (school.courseIds.has(def.code)) continue;
      const id = this.nextId('courses');
      school.courseIds.set(def.code, id);
      const grades = this.gradesOf(def, school);
      this.sink.add('courses', {
        id,
        sourced_id: null,
        school_id: school.id,
        course_code: def.code,
        title: def.title,
        subject: def.dept,
        grade_low: grades[0],
        grade_high: grades[1],
        credits: def.credits,
        gpa_bonus: def.title.startsWith('AP ') ? 1 : 0,
        ...this.changed(),
      });
    }
  }

  private gradesOf(def: CourseDef, school: SchoolPlan): [number, number] {
    for (let g = school.low; g <= school.high; g++) {
      if (coreSlots(g).some((slot) => slot.includes(def))) return [g, g];
    }
    return [school.low, school.high];
  }

  // ── families: households, guardians, students, links ────────────────────────────────────────────

  private async families(): Promise<void> {
    let made = 0;
    let family = 0;
    while (made < this.options.students) {
      made += this.family(family++, this.options.students - made);
      if (family % 200 === 0) await this.sink.checkpoint();
    }
    await this.sink.checkpoint();
  }

  private group(): NameGroup {
    return this.rng.weighted(NAME_GROUPS, (g) => g.weight);
  }

  private givenName(group: NameGroup, female: boolean): string {
    if (this.rng.chance(0.12)) return this.rng.pick(female ? COMMON_FEMALE : COMMON_MALE);
    return this.rng.pick(female ? group.female : group.male);
  }

  private person(group: NameGroup, last: string, female: boolean): Person {
    let first = this.givenName(group, female);
    if (first === last) first = this.givenName(group, female);
    return { first, last, female };
  }

  /** Makes one family with at most `room` students; returns how many students it made. */
  private family(index: number, room: number): number {
    const rng = this.rng;
    const allen = index === 0;
    // Family 4 is, at every size, a Spanish-speaking family with children in two schools.
    const spanishFamily = index === 4;
    const group = allen
      ? (NAME_GROUPS.find((g) => g.id === 'anglo') as NameGroup)
      : spanishFamily
        ? (NAME_GROUPS.find((g) => g.id === 'hispanic') as NameGroup)
        : this.group();
    const surname = allen ? 'Alda' : rng.pick(group.surnames);
    const spanish = spanishFamily || rng.chance(group.spanishPreferred);
    const language = spanish ? 'es' : 'en';
    const zone = rng.int(0, this.middleCount * this.highCount - 1);

    // Children in grades 6–12.
    const childCount = Math.min(room, allen || spanishFamily ? 2 : rng.table([[1, 52], [2, 32], [3, 12], [4, 4]] as const));
    const grades: number[] = [];
    if (spanishFamily) {
      grades.push(7, 10);
    } else if (allen) {
      const allenGrade = Math.min(12, Math.max(6, this.options.startYear - 2016));
      grades.push(allenGrade, allenGrade >= 9 ? 7 : 12);
    } else {
      grades.push(index === 3 ? 12 : rng.int(6, 12));
      for (let tries = 0; grades.length < childCount && tries < 12; tries++) {
        const g = (grades[0] as number) + rng.pick([-4, -3, -2, -1, 1, 2, 3, 4, 0]);
        if (g >= 6 && g <= 12 && (!grades.includes(g) || rng.chance(0.1))) grades.push(g);
      }
    }
    grades.length = Math.min(grades.length, room);

    // Households: most children live with two parents; some with one; some split between two homes.
    // The first families guarantee, at every size, a shared guardian email (index 1), a parent whose
    // rights were revoked (index 2) and a student of 18 or more (index 3).
    const shape = allen || index === 1 || spanishFamily
      ? 'two'
      : index === 2
        ? 'split'
        : rng.table([['two', 62], ['single', 16], ['split', 14], ['grand', 5], ['guardian', 3]] as const);
    const homeA = this.household(surname);
    const homes = [homeA];
    type G = { id: number; relationship: string; home: number; livesWith: boolean; revoked: boolean; contactOnly: boolean; priority: number };
    const guardians: G[] = [];
    const sharedEmail = index === 1 || (shape === 'two' && !allen && rng.chance(0.06));
    let firstEmail: string | null = null;
    const addGuardian = (p: Person, relationship: string, home: number, extra: Partial<G> = {}) => {
      const hasEmail = (index <= 4 || rng.chance(0.88)) && !extra.contactOnly;
      let email: string | null = null;
      if (allen) email = `${slug(p.first)}.${slug(p.last)}@example.com`;
      else if (sharedEmail && firstEmail) email = firstEmail;
      else if (hasEmail) email = this.guardianEmail(p);
      if (allen && email) this.guardianEmails.add(email);
      if (!firstEmail) firstEmail = email;
      const id = this.nextId('guardians');
      this.sink.add('guardians', {
        id,
        sourced_id: null,
        first_name: p.first,
        last_name: p.last,
        email,
        phone_mobile: rng.chance(0.93) ? this.phone() : null,
        phone_home: rng.chance(0.25) ? this.phone() : null,
        phone_work: rng.chance(0.35) ? this.phone() : null,
        household_id: extra.contactOnly ? null : home,
        preferred_language: language,
        ...this.changed(),
      });
      this.summary.guardians++;
      guardians.push({
        id,
        relationship,
        home,
        livesWith: extra.livesWith ?? true,
        revoked: extra.revoked ?? false,
        contactOnly: extra.contactOnly ?? false,
        priority: guardians.length + 1,
      });
      return { id, email, name: `${p.first} ${p.last}` };
    };
    const mother = allen ? { first: 'Diane', last: 'Alda', female: true } : this.person(group, surname, true);
    const father = allen ? { first: 'Mark', last: 'Alda', female: false } : this.person(group, surname, false);
    let primary: { id: number; email: string | null; name: string };
    switch (shape) {
      case 'two':
        primary = addGuardian(mother, 'mother', homeA);
        addGuardian(father, 'father', homeA);
        break;
      case 'single':
        primary = rng.chance(0.8) ? addGuardian(mother, 'mother', homeA) : addGuardian(father, 'father', homeA);
        break;
      case 'split': {
        const homeB = this.household(surname);
        homes.push(homeB);
        primary = addGuardian(mother, 'mother', homeA);
        // A court order takes the other parent's rights in a few split families.
        const revoked = index === 2 || rng.chance(0.06);
        const fatherLast = rng.chance(0.2) ? rng.pick(group.surnames) : surname;
        addGuardian({ ...father, last: fatherLast }, 'father', homeB, { livesWith: !revoked && rng.chance(0.5), revoked });
        if (!revoked && rng.chance(0.3)) {
          addGuardian(this.person(this.group(), fatherLast, true), 'stepparent', homeB, { livesWith: false });
        }
        break;
      }
      case 'grand':
        primary = addGuardian(this.person(group, surname, true), 'grandparent', homeA);
        if (rng.chance(0.5)) addGuardian(this.person(group, surname, false), 'grandparent', homeA);
        break;
      default:
        primary = addGuardian(this.person(group, rng.pick(group.surnames), rng.chance(0.6)), 'legal guardian', homeA);
    }
    // Relatives who are emergency contacts only: no portal access, no mail.
    if (rng.chance(0.3)) {
      addGuardian(this.person(group, rng.chance(0.5) ? surname : rng.pick(group.surnames), rng.chance(0.6)), rng.pick(['grandparent', 'aunt', 'uncle', 'family friend']), homeA, {
        contactOnly: true,
        livesWith: false,
      });
    }

    // The featured families (the Aldas, the Spanish-speaking family) always have a relative who is an
    // emergency contact, so that a demo parent finds one to correct (issue 23, ADR 0050). Written without
    // the random stream, so that the rest of the district stays as it was.
    if ((allen || spanishFamily) && !guardians.some((g) => g.contactOnly)) {
      const id = this.nextId('guardians');
      const relative = allen ? { first: 'Ruth', last: 'Alda', phone: '+15735550162', relationship: 'grandparent' } : { first: 'Teresa', last: surname, phone: '+15735550163', relationship: 'aunt' };
      this.sink.add('guardians', {
        id,
        sourced_id: null,
        first_name: relative.first,
        last_name: relative.last,
        email: null,
        phone_mobile: relative.phone,
        phone_home: null,
        phone_work: null,
        household_id: null,
        preferred_language: language,
        ...this.changed(),
      });
      this.summary.guardians++;
      guardians.push({ id, relationship: relative.relationship, home: homeA, livesWith: false, revoked: false, contactOnly: true, priority: guardians.length + 1 });
    }

    // The students.
    const children: string[] = [];
    grades.forEach((grade, i) => {
      const female = allen ? i === 1 : rng.chance(0.5);
      const p: Person = allen
        ? { first: i === 0 ? 'Allen' : 'Grace', last: 'Alda', female }
        : this.person(group, surname, female);
      const retained = (index === 3 && i === 0) || (!allen && rng.chance(0.02));
      const birth = allen && i === 0 ? '2011-01-03' : this.birthDate(grade, retained);
      const school = this.schoolFor(grade, zone);
      const id = this.nextId('students');
      this.studentNumber += allen ? 1 : rng.int(1, 3);
      const number = String(this.studentNumber).padStart(7, '0');
      const withdrawn = !allen && rng.chance(0.004);
      const middle = rng.chance(0.6) ? this.givenName(group, female) : null;
      this.sink.add('students', {
        id,
        sourced_id: null,
        student_number: number,
        legal_first_name: p.first,
        legal_middle_name: middle === p.first ? null : middle,
        legal_last_name: p.last,
        preferred_first_name: !allen && rng.chance(0.04) ? this.givenName(group, female) : null,
        preferred_last_name: null,
        birth_date: birth,
        grade_level: grade,
        school_id: school.id,
        enrollment_status: withdrawn ? 'withdrawn' : 'active',
        email: this.studentEmail(p),
        phone: grade >= 9 && rng.chance(0.4) ? this.phone() : null,
        preferred_language: 'en',
        ...this.changed(),
      });
      this.summary.students++;
      school.studentCount++;
      this.portal.transcript({ id, grade, schoolName: school.name });
      this.portal.immunizations({ id, birth, grade });
      const list = school.byGrade.get(grade) ?? [];
      list.push(id);
      school.byGrade.set(grade, list);
      if (withdrawn) school.withdrawn.add(id);
      if (allen && i === 0) this.featured.allen = { id, number, first: p.first, last: p.last, birth, school };
      if (allen) (this.featured.aldaChildren ??= []).push({ id, schoolId: school.id });
      children.push(`${p.first} (${grade})`);

      homes.forEach((home, h) => {
        this.sink.add('household_students', { household_id: home, student_id: id, primary_household: h === 0 ? 1 : 0 });
      });
      for (const g of guardians) {
        this.sink.add('student_guardians', {
          id: this.nextId('student_guardians'),
          student_id: id,
          guardian_id: g.id,
          relationship: g.relationship,
          portal_access: g.revoked || g.contactOnly ? 0 : 1,
          rights_revoked: g.revoked ? 1 : 0,
          lives_with: g.livesWith ? 1 : 0,
          receives_mail: g.revoked || g.contactOnly ? 0 : 1,
          emergency_contact: g.revoked ? 0 : 1,
          contact_priority: g.priority,
          ...this.changed(),
        });
      }
    });

    // Parents featured on the demo sign-in panel: the Aldas, and the first Spanish-speaking parent
    // with children in two schools.
    if (allen && primary.email) this.featured.parent = { ...primary, email: primary.email, children };
    if (
      !this.featured.spanishParent &&
      spanish &&
      primary.email &&
      !sharedEmail &&
      grades.length >= 2 &&
      grades.some((g) => g <= 8) &&
      grades.some((g) => g >= 9)
    ) {
      this.featured.spanishParent = { ...primary, email: primary.email, children };
    }
    return grades.length;
  }

  private household(surname: string): number {
    const id = this.nextId('households');
    this.sink.add('households', {
      id,
      sourced_id: null,
      name: `${surname} Household`,
      address_line1: this.streetAddress(),
      address_line2: this.rng.chance(0.12) ? `Apt ${this.rng.int(1, 40)}${this.rng.pick(['A', 'B', 'C', ''])}` : null,
      city: DEMO_DISTRICT.city,
      state: DEMO_DISTRICT.state,
      postal_code: this.postalCode(),
      phone: this.rng.chance(0.3) ? this.phone() : null,
      ...this.changed(),
    });
    this.summary.households++;
    return id;
  }

  private schoolFor(grade: number, zone: number): SchoolPlan {
    if (grade <= 8) return this.schools[zone % this.middleCount] as SchoolPlan;
    return this.schools[this.middleCount + (Math.floor(zone / this.middleCount) % this.highCount)] as SchoolPlan;
  }

  /** Born so that the student is `grade + 5` on September 1 of the start year (a year older if retained). */
  private birthDate(grade: number, retained: boolean): DateString {
    const y = this.options.startYear - grade - 6 - (retained ? 1 : 0);
    const from = ymd(y, 9, 2);
    return addDays(from, this.rng.int(0, daysBetween(from, ymd(y + 1, 9, 1))));
  }

  private guardianEmail(p: Person): string {
    const domain = this.rng.pick(EMAIL_DOMAINS);
    const first = slug(p.first);
    const last = slug(p.last);
    const styles = [`${first}.${last}`, `${first[0]}${last}`, `${first}${last}`, `${last}.${first}`];
    let local = this.rng.pick(styles);
    if (this.rng.chance(0.5)) local += String(this.rng.int(1, 99));
    let email = `${local}@${domain}`;
    for (let n = 2; this.guardianEmails.has(email); n++) email = `${local}${n}@${domain}`;
    this.guardianEmails.add(email);
    return email;
  }

  private studentEmail(p: Person): string {
    const local = `${slug(p.first)}.${slug(p.last)}`;
    let email = `${local}@students.${DEMO_DISTRICT.domain}`;
    for (let n = 2; this.studentEmails.has(email); n++) email = `${local}${n}@students.${DEMO_DISTRICT.domain}`;
    this.studentEmails.add(email);
    return email;
  }

  /** Only the 555-0100…0199 numbers, which are reserved for fiction; stored in E.164 as every phone is (people/phones.ts). */
  private phone(): string {
    return `+157355501${String(this.rng.int(0, 99)).padStart(2, '0')}`;
  }

  private streetAddress(): string {
    return `${this.rng.int(100, 9899)} ${this.rng.pick(STREET_NAMES)} ${this.rng.pick(STREET_SUFFIXES)}`;
  }

  private postalCode(): string {
    return `65${String(this.rng.int(100, 119)).padStart(3, '0')}`;
  }

  // ── sections, teachers, enrollments ─────────────────────────────────────────────────────────────

  private async schedules(): Promise<void> {
    for (const school of this.schools) {
      this.sections = [];
      const enroll: [studentId: number, section: Section][] = [];
      // Students of a grade form cohorts of about a class each. Cohort c takes core slot k in period
      // (k + c) mod 7, so cohorts of one grade spread over the day; the free periods are electives.
      const electiveDemand: number[][] = Array.from({ length: PERIODS_PER_DAY }, () => []);
      for (let grade = school.low; grade <= school.high; grade++) {
        const ids = school.byGrade.get(grade) ?? [];
        if (ids.length === 0) continue;
        const slots = coreSlots(grade);
        const cohorts = Math.max(1, Math.round(ids.length / TARGET_CLASS_SIZE));
        for (let c = 0; c < cohorts; c++) {
          const members = ids.filter((_, i) => i % cohorts === c);
          const used = new Set<number>();
          slots.forEach((slot, k) => {
            const period = (k + c) % PERIODS_PER_DAY;
            used.add(period);
            for (const course of slot) {
              const section = this.section(school, course, period, members.length);
              for (const id of members) enroll.push([id, section]);
            }
          });
          for (let p = 0; p < PERIODS_PER_DAY; p++) if (!used.has(p)) electiveDemand[p]?.push(...members);
        }
      }
      // Elective sections: each period offers a rotating choice of the school's electives.
      // A student never takes one elective twice (issue 23: two report-card lines for one course): a section
      // of a course they already have is passed over, and with no other choice the period gets a section of
      // another elective of the same term (the day stays full).
      const offered = electives(school.low);
      const electivesOf = new Map<number, Set<string>>();
      electiveDemand.forEach((students, period) => {
        if (students.length === 0) return;
        const count = Math.max(1, Math.round(students.length / TARGET_CLASS_SIZE));
        const capacity = Math.ceil(students.length / count) + 3;
        const sections = Array.from({ length: count }, (_, i) =>
          this.section(school, offered[(period * 3 + i) % offered.length] as CourseDef, period, 0),
        );
        for (const id of students) {
          const mine = electivesOf.get(id) ?? new Set<string>();
          electivesOf.set(id, mine);
          const fits = (s: Section, full: boolean) => !mine.has(s.course.code) && (full || s.size < capacity);
          const start = this.rng.int(0, count - 1);
          const order = Array.from({ length: sections.length }, (_, i) => sections[(start + i) % sections.length] as Section);
          const section = order.find((s) => fits(s, false)) ?? order.find((s) => fits(s, true)) ?? this.otherElective(school, offered, mine, order[0] as Section);
          if (section !== order[0] && !sections.includes(section)) sections.push(section);
          section.size++;
          mine.add(section.course.code);
          enroll.push([id, section]);
        }
      });
      this.assignTeachers(school);
      // The demo teacher is Allen's English teacher, so that the teacher sees a demo student.
      const allen = this.featured.allen;
      if (allen?.school === school) {
        const english = enroll.find(([id, section]) => id === allen.id && section.course.dept === 'English');
        this.featured.teacherId = english?.[1].teacherId;
      }
      await this.sink.checkpoint();
      const bySection = new Map<Section, EnrollmentInfo[]>();
      const byStudent = new Map<number, { section: number; bellPeriodId: number; begin: DateString; end: DateString }[]>();
      for (const [studentId, section] of enroll) {
        const dates = this.enrollment(school, studentId, section);
        if (!dates) continue;
        const list = bySection.get(section) ?? [];
        list.push({ studentId, ...dates });
        bySection.set(section, list);
        const mine = byStudent.get(studentId) ?? [];
        mine.push({ section: section.id, bellPeriodId: school.bellPeriodIds[section.period] as number, ...dates });
        byStudent.set(studentId, mine);
      }
      await this.sink.checkpoint();
      for (const [section, students] of bySection) {
        await this.portal.section({ id: section.id, course: section.course, bellPeriodId: school.bellPeriodIds[section.period] as number }, students);
      }
      await this.portal.attendance(byStudent);
      await this.sink.checkpoint();
    }
  }

  private termDates(course: CourseDef): { sessions: number[]; begin: DateString; end: DateString } {
    const y = this.year;
    if (course.term === 'S1') return { sessions: [this.sessionIds.s1], begin: y.semesters[0].start, end: y.semesters[0].end };
    if (course.term === 'S2') return { sessions: [this.sessionIds.s2], begin: y.semesters[1].start, end: y.semesters[1].end };
    return { sessions: [this.sessionIds.s1, this.sessionIds.s2], begin: y.first, end: y.last };
  }

  private readonly sectionCounts = new Map<string, number>();

  /** A section in `like`'s period of an elective the student does not have, with `like`'s term. */
  private otherElective(school: SchoolPlan, offered: readonly CourseDef[], mine: ReadonlySet<string>, like: Section): Section {
    const course = offered.find((c) => !mine.has(c.code) && c.term === like.course.term);
    if (!course) throw new Error(`demo: no elective left for a student at ${school.id}`);
    return this.section(school, course, like.period, 0);
  }

  private section(school: SchoolPlan, course: CourseDef, period: number, size: number): Section {
    const id = this.nextId('sections');
    const key = `${school.id}:${course.code}`;
    const n = (this.sectionCounts.get(key) ?? 0) + 1;
    this.sectionCounts.set(key, n);
    const row: NewRow<'sections'> = {
      id,
      sourced_id: null,
      school_id: school.id,
      course_id: school.courseIds.get(course.code) as number,
      section_code: `${course.code}-${String(n).padStart(2, '0')}`,
      room: null,
      grading_method: gradingMethodFor(course.dept),
      grading_scale_id: this.portal.gradingScaleId,
      ...this.changed(),
    };
    const section: Section = { id, row, school, course, period, size };
    this.sections.push(section);
    this.sink.add('sections', row);
    for (const session of this.termDates(course).sessions) {
      this.sink.add('section_terms', { section_id: id, academic_session_id: session });
    }
    this.sink.add('section_periods', { section_id: id, bell_period_id: school.bellPeriodIds[period] as number });
    this.summary.sections++;
    return section;
  }

  /** Teachers by department: each teaches at most six of the seven periods and keeps one room. */
  private assignTeachers(school: SchoolPlan): void {
    interface Teacher {
      id: number;
      room: string;
      busy: Set<string>;
      periods: Set<number>;
    }
    const byDept = new Map<Dept, Teacher[]>();
    let roomNumber = 100;
    const sorted = [...this.sections].sort(
      (a, b) => a.course.dept.localeCompare(b.course.dept) || a.period - b.period || a.id - b.id,
    );
    for (const section of sorted) {
      const dept = section.course.dept;
      const terms = section.course.term === 'year' ? ['S1', 'S2'] : [section.course.term];
      const fits = (t: Teacher) =>
        terms.every((term) => !t.busy.has(`${section.period}:${term}`)) &&
        (t.periods.has(section.period) || t.periods.size < MAX_TEACHER_PERIODS);
      const list = byDept.get(dept) ?? [];
      byDept.set(dept, list);
      let teacher = list.find(fits);
      if (!teacher) {
        const room =
          dept === 'Physical Education'
            ? `Gym ${list.length + 1}`
            : dept === 'Music'
              ? `Music ${list.length + 1}`
              : String(++roomNumber);
        teacher = { id: this.staff(school, 'teacher', `${dept} Teacher`, null), room, busy: new Set(), periods: new Set() };
        list.push(teacher);
      }
      for (const term of terms) teacher.busy.add(`${section.period}:${term}`);
      teacher.periods.add(section.period);
      section.row.room = teacher.room;
      section.teacherId = teacher.id;
      const dates = this.termDates(section.course);
      this.sink.add('section_teachers', {
        id: this.nextId('section_teachers'),
        sourced_id: null,
        section_id: section.id,
        staff_id: teacher.id,
        primary_teacher: 1,
        begin_date: dates.begin,
        end_date: null,
        ...this.changed(),
      });
    }
  }

  private enrollment(school: SchoolPlan, studentId: number, section: Section): { begin: DateString; end: DateString } | null {
    const dates = this.termDates(section.course);
    let end: DateString = dates.end;
    if (school.withdrawn.has(studentId)) {
      // Withdrawn after the first quarter: no second-semester classes at all.
      if (section.course.term === 'S2') return null;
      end = this.year.quarters[0].end;
    }
    this.sink.add('section_enrollments', {
      id: this.nextId('section_enrollments'),
      sourced_id: null,
      section_id: section.id,
      student_id: studentId,
      begin_date: dates.begin,
      end_date: end,
      ...this.changed(),
    });
    this.summary.sectionEnrollments++;
    return { begin: dates.begin, end };
  }

  // ── staff ───────────────────────────────────────────────────────────────────────────────────────

  private staff(school: SchoolPlan | null, role: StaffRole, title: string, forcedName: Person | null): number {
    const group = this.group();
    const female = this.rng.chance(0.7);
    const p = forcedName ?? this.person(group, this.rng.pick(group.surnames), female);
    const id = this.nextId('staff');
    const taken = school?.staffEmails ?? this.districtEmails;
    const local = `${slug(p.first)[0] ?? 'x'}${slug(p.last)}`;
    let email = `${local}@${DEMO_DISTRICT.domain}`;
    for (let n = 2; taken.has(email) || this.allStaffEmails.has(email); n++) email = `${local}${n}@${DEMO_DISTRICT.domain}`;
    taken.add(email);
    this.allStaffEmails.add(email);
    this.sink.add('staff', {
      id,
      sourced_id: null,
      staff_number: String(++this.staffNumber).padStart(6, '0'),
      first_name: p.first,
      last_name: p.last,
      email,
      phone: this.phone(),
      title,
      school_id: school?.id ?? null,
      active: 1,
      ...this.changed(),
    });
    this.sink.add('staff_roles', { staff_id: id, role, school_id: role === 'district_admin' ? null : (school?.id ?? null) });
    this.staffInfo.set(id, { name: `${p.first} ${p.last}`, email, school });
    this.summary.staff++;
    return id;
  }

  private readonly districtEmails = new Set<string>();
  private readonly allStaffEmails = new Set<string>();
  private readonly staffInfo = new Map<number, { name: string; email: string; school: SchoolPlan | null }>();
  private readonly supportStaffIds = new Map<string, number>();

  private async supportStaffFor(school: SchoolPlan): Promise<void> {
    const add = (role: StaffRole, title: string) => {
      const id = this.staff(school, role, title, null);
      if (!this.supportStaffIds.has(`${school.id}:${role}`)) this.supportStaffIds.set(`${school.id}:${role}`, id);
    };
    add('school_admin', 'Principal');
    if (school.studentCount > 400) add('school_admin', 'Assistant Principal');
    add('office', 'Registrar');
    add('office', 'Attendance Secretary');
    for (let i = 0; i < Math.max(1, Math.ceil(school.studentCount / 350)); i++) add('counselor', 'School Counselor');
    add('nurse', 'School Nurse');
  }

  private async supportStaff(): Promise<void> {
    for (const school of this.schools) await this.supportStaffFor(school);
    const admin = this.staff(null, 'district_admin', 'Director of Student Information Systems', null);
    this.supportStaffIds.set('district:district_admin', admin);
    this.staff(null, 'district_admin', 'Portal Administrator', null);
    await this.sink.checkpoint();
  }

  // ── demo accounts ───────────────────────────────────────────────────────────────────────────────

  private async accounts(): Promise<void> {
    const allen = this.featured.allen;
    if (!allen) return;
    const salt = () => this.rng.bytes(16);
    const add = async (
      account: DemoAccount,
      person: { student_id?: number; guardian_id?: number; staff_id?: number },
      kind: 'student' | 'guardian' | 'staff',
      securityEmail: string | null,
      mustChange: boolean,
    ) => {
      this.sink.add('user_accounts', {
        id: this.nextId('user_accounts'),
        username: account.username,
        username_key: usernameKey(kind, account.username),
        password_hash: await hashPassword(account.password, salt()),
        status: 'active',
        must_change_password: mustChange ? 1 : 0,
        initial_password: mustChange ? 'formula' : null,
        initial_password_set_at: mustChange ? this.stamp : null,
        initial_password_used_at: null,
        security_email: securityEmail,
        security_email_confirmed_at: securityEmail ? this.stamp : null,
        person_kind: kind,
        student_id: person.student_id ?? null,
        guardian_id: person.guardian_id ?? null,
        staff_id: person.staff_id ?? null,
        locale: account.locale === 'es' ? 'es' : null,
        ...this.changed(),
      });
      this.usernames.add(usernameKey(kind, account.username));
      this.summary.accounts.push(account);
    };

    await add(
      {
        role: 'student',
        name: `${allen.first} ${allen.last}`,
        username: allen.number,
        password: initialsDobPassword(allen.first, allen.last, allen.birth),
        detail: allen.school.name,
        locale: 'en',
      },
      { student_id: allen.id },
      'student',
      null,
      true,
    );
    const parents = [this.featured.parent, this.featured.spanishParent];
    for (const [i, parent] of parents.entries()) {
      if (!parent) continue;
      const username = parent.email.split('@')[0] as string;
      if (this.usernames.has(username)) continue;
      await add(
        {
          role: 'parent',
          name: parent.name,
          username,
          password: DEMO_PASSWORD,
          detail: parent.children.join(', '),
          locale: i === 0 ? 'en' : 'es',
        },
        { guardian_id: parent.id },
        'guardian',
        parent.email,
        false,
      );
    }
    const staffAccount = async (role: DemoAccount['role'], staffId: number | undefined) => {
      if (!staffId) return;
      const info = this.staffInfo.get(staffId);
      if (!info) return;
      await add(
        {
          role,
          name: info.name,
          username: info.email.split('@')[0] as string,
          password: DEMO_PASSWORD,
          detail: info.school?.name ?? DEMO_DISTRICT.name,
          locale: 'en',
        },
        { staff_id: staffId },
        'staff',
        info.email,
        false,
      );
    };
    const school = allen.school.id;
    await staffAccount('teacher', this.featured.teacherId);
    await staffAccount('office', this.supportStaffIds.get(`${school}:office`));
    await staffAccount('counselor', this.supportStaffIds.get(`${school}:counselor`));
    await staffAccount('nurse', this.supportStaffIds.get(`${school}:nurse`));
    await staffAccount('district_admin', this.supportStaffIds.get('district:district_admin'));
  }

  // ── announcements ───────────────────────────────────────────────────────────────────────────────

  private announcements(): void {
    const y = this.year;
    const fmt = (d: DateString, locale: 'en' | 'es') =>
      new Intl.DateTimeFormat(localeTag(locale), {
        weekday: 'long',
        month: 'long',
        day: 'numeric',
        timeZone: 'UTC',
      }).format(new Date(`${d}T12:00:00Z`));
    const add = (
      start: DateString,
      end: DateString,
      isPublic: boolean,
      audience: 'all' | 'students' | 'guardians',
      en: [string, string],
      es: [string, string],
    ) => {
      const id = this.nextId('announcements');
      this.sink.add('announcements', {
        id,
        school_id: null,
        audience,
        start_date: start,
        end_date: end,
        public: isPublic ? 1 : 0,
        // The seed's "Account Security Email" asks for what a reader who confirmed one has done.
        condition: en[0] === 'Account Security Email' ? 'noSecurityEmail' : null,
        ...this.changed(),
      });
      this.sink.add('announcement_texts', { announcement_id: id, locale: 'en', title: en[0], body: en[1] });
      this.sink.add('announcement_texts', { announcement_id: id, locale: 'es', title: es[0], body: es[1] });
    };
    const yearStart = ymd(y.startYear, 7, 1);
    const yearEnd = ymd(y.startYear + 1, 6, 30);
    add(
      yearStart,
      yearEnd,
      true,
      'all',
      [
        'Account Security Email',
        'Please be sure to enter a recovery email in your Account Settings. This will allow you to recover your username or reset your password.',
      ],
      [
        'Correo electrónico de seguridad de la cuenta',
        'Asegúrese de ingresar un correo electrónico de recuperación en la Configuración de la cuenta. Así podrá recuperar su nombre de usuario o restablecer su contraseña.',
      ],
    );
    add(
      ymd(y.startYear, 7, 15),
      y.first,
      true,
      'all',
      ['Welcome back!', `The first day of school is ${fmt(y.first, 'en')}. Schedules are available in the portal.`],
      ['¡Bienvenidos!', `El primer día de clases es el ${fmt(y.first, 'es')}. Los horarios están disponibles en el portal.`],
    );
    add(
      ymd(y.startYear, 12, 1),
      y.winterBreak.resume,
      true,
      'all',
      [
        'Winter break',
        `There is no school from ${fmt(y.winterBreak.first, 'en')} through ${fmt(y.winterBreak.last, 'en')}. Classes resume ${fmt(y.winterBreak.resume, 'en')}.`,
      ],
      [
        'Vacaciones de invierno',
        `No hay clases desde el ${fmt(y.winterBreak.first, 'es')} hasta el ${fmt(y.winterBreak.last, 'es')}. Las clases se reanudan el ${fmt(y.winterBreak.resume, 'es')}.`,
      ],
    );
    add(
      addDays(y.springBreak.first, -21),
      y.springBreak.last,
      true,
      'all',
      ['Spring break', `Spring break is ${fmt(y.springBreak.first, 'en')} through ${fmt(y.springBreak.last, 'en')}.`],
      ['Vacaciones de primavera', `Las vacaciones de primavera son del ${fmt(y.springBreak.first, 'es')} al ${fmt(y.springBreak.last, 'es')}.`],
    );
    add(
      addDays(y.quarters[0].end, 7),
      addDays(y.quarters[0].end, 35),
      false,
      'guardians',
      ['First-quarter report cards', 'Report cards for the first quarter are available under Report Cards.'],
      ['Boletas de calificaciones del primer trimestre', 'Las boletas de calificaciones del primer trimestre están disponibles en Boletas de calificaciones.'],
    );
  }

  // ── school events ───────────────────────────────────────────────────────────────────────────────

  /** A plausible year of events: each school's nights and days for families, and the district's board meetings. */
  private events(): void {
    const y = this.year;
    const schoolDays = y.days.filter((d) => d.instructional).map((d) => d.date);
    /** the first school day on or after a date */
    const schoolDayFrom = (d: DateString) => schoolDays.find((s) => s >= d) ?? y.last;
    /** the first given weekday on or after a date that is a school day */
    const weekdayFrom = (d: DateString, dow: number) => {
      let day = onOrAfter(d, dow);
      while (!schoolDays.includes(day) && day < y.last) day = addDays(day, 7);
      return day;
    };
    type Text = [title: string, description: string | null];
    /** The demo's places, in both languages. */
    const places: Record<string, string> = {
      Cafeteria: 'Cafetería',
      Library: 'Biblioteca',
      'Front office': 'Oficina principal',
      Auditorium: 'Auditorio',
      Gym: 'Gimnasio',
      Stadium: 'Estadio',
      'District Office, Board Room': 'Oficina del distrito, sala de la junta',
    };
    const add = (
      schoolId: number | null,
      start: DateString,
      end: DateString,
      times: [string, string] | null,
      location: string | null,
      en: Text,
      es: Text,
    ) => {
      const id = this.nextId('school_events');
      this.sink.add('school_events', {
        id,
        sourced_id: null,
        school_id: schoolId,
        start_date: start,
        end_date: end,
        start_time: times?.[0] ?? null,
        end_time: times?.[1] ?? null,
        location,
        ...this.changed(),
      });
      this.sink.add('school_event_texts', { event_id: id, locale: 'en', title: en[0], description: en[1], location });
      this.sink.add('school_event_texts', { event_id: id, locale: 'es', title: es[0], description: es[1], location: location === null ? null : (places[location] ?? location) });
    };
    const start = y.first;
    for (const school of this.schools) {
      const id = school.id;
      const high = school.level === 'high';
      add(id, weekdayFrom(addDays(start, 7), 4), weekdayFrom(addDays(start, 7), 4), ['18:00', '19:30'], 'Cafeteria',
        ['Back-to-School Night', 'Meet the teachers and walk through your student\'s schedule.'],
        ['Noche de regreso a clases', 'Conozca a los maestros y recorra el horario de su estudiante.']);
      const picture = schoolDayFrom(addDays(start, 16 + (id % 5)));
      add(id, picture, picture, null, 'Library', ['Picture Day', 'School photos for the yearbook and student ID cards.'], ['Día de fotos', 'Fotos escolares para el anuario y las credenciales.']);
      const conferences = weekdayFrom(addDays(y.quarters[0].end, 7), 2);
      for (const day of [conferences, addDays(conferences, 2)]) {
        add(id, day, day, ['15:30', '19:00'], null,
          ['Parent–Teacher Conferences', 'Sign up for a 15-minute conference with each teacher through the front office.'],
          ['Conferencias de padres y maestros', 'Inscríbase en la oficina para una conferencia de 15 minutos con cada maestro.']);
      }
      const drive = weekdayFrom(ymd(y.startYear, 11, 9), 1);
      add(id, drive, addDays(drive, 4), null, 'Front office',
        ['Canned Food Drive', 'Bring canned food to your first-period class all week.'],
        ['Colecta de alimentos enlatados', 'Traiga alimentos enlatados a su clase de primer período toda la semana.']);
      const play = weekdayFrom(ymd(y.startYear, 11, 18), 5);
      add(id, play, play, ['19:00', '21:00'], 'Auditorium', [high ? 'Fall Play' : 'Fall Showcase', null], [high ? 'Obra de teatro de otoño' : 'Muestra de otoño', null]);
      const concert = weekdayFrom(ymd(y.startYear, 12, 8), 4);
      add(id, concert, concert, ['19:00', '20:30'], 'Auditorium',
        ['Winter Concert', 'Band, orchestra and choir. Doors open at 6:30 p.m.'],
        ['Concierto de invierno', 'Banda, orquesta y coro. Las puertas abren a las 6:30 p. m.']);
      const fair = weekdayFrom(ymd(y.startYear + 1, 2, 10), 3);
      add(id, fair, fair, ['17:00', '19:00'], 'Gym', ['Science Fair', null], ['Feria de ciencias', null]);
      const openHouse = weekdayFrom(ymd(y.startYear + 1, 3, 3), 4);
      add(id, openHouse, openHouse, ['18:00', '19:30'], null, ['Spring Open House', 'Families of next year\'s students are welcome.'], ['Puertas abiertas de primavera', 'Las familias de los estudiantes del próximo año son bienvenidas.']);
      add(id, y.last, y.last, ['18:00', '20:00'], high ? 'Stadium' : 'Gym',
        high ? ['Graduation Ceremony', null] : ['8th Grade Promotion', null],
        high ? ['Ceremonia de graduación', null] : ['Ceremonia de promoción de 8.º grado', null]);
    }
    // The school board meets on the second Tuesday of each month, August through June.
    for (let m = 0; m < 11; m++) {
      const month = ((7 + m) % 12) + 1;
      const year = month >= 8 ? y.startYear : y.startYear + 1;
      const day = nthWeekday(year, month, 2, 2);
      add(null, day, day, ['18:30', '20:30'], 'District Office, Board Room',
        ['School Board Meeting', 'Open to the public. The agenda is posted on the district website.'],
        ['Reunión de la Junta Escolar', 'Abierta al público. La agenda se publica en el sitio web del distrito.']);
    }
  }
}
