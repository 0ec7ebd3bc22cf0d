/**
 * A student's classes: by term, each period with its times, course, section, teacher and room. The
 * same query feeds Schedule, Grades, Assignments and Today, so each asks the database a fixed number
 * of times however many classes there are.
 */
import type { Kysely } from 'kysely';
import type { DateString, DB, GradingMethod } from '../../db/schema.js';
import { bilingual, type LocalName } from '../../i18n/format.js';
import { ttlCache } from '../cache.js';
import type { ReadableStudent } from '../access/portal.js';

export interface ClassRow {
  sectionId: number;
  sectionCode: string;
  courseTitle: string;
  courseCode: string;
  room: string | null;
  teacher: string | null;
  teacherEmail: string | null;
  period: string;
  periodSequence: number;
  start: string;
  end: string;
  /** the semesters the section meets in */
  termIds: number[];
  enrolledFrom: DateString;
  enrolledUntil: DateString | null;
  gradingMethod: GradingMethod;
  gradingScaleId: number | null;
}

export interface Term {
  id: number;
  /** in the district's language and in Spanish (i18n/format.ts localName) */
  title: LocalName;
  start: DateString;
  end: DateString;
}

// A student's classes change a few times a year (a schedule change, a new enrollment) and every portal
// page starts from them: kept 60 seconds per student, so a change shows within a minute.
const classesCache = ttlCache<ClassRow[]>(60_000);

/** Every class the student is or was enrolled in this school year, in period order (cached a minute). */
export function classesOf(db: Kysely<DB>, student: ReadableStudent): Promise<ClassRow[]> {
  const studentId = student.id;
  return classesCache(db, String(studentId), () => loadClasses(db, studentId));
}

async function loadClasses(db: Kysely<DB>, studentId: number): Promise<ClassRow[]> {
  const rows = await db
    .selectFrom('section_enrollments as e')
    .innerJoin('sections as s', 's.id', 'e.section_id')
    .innerJoin('courses as c', 'c.id', 's.course_id')
    .innerJoin('section_periods as sp', 'sp.section_id', 's.id')
    .innerJoin('bell_periods as bp', 'bp.id', 'sp.bell_period_id')
    .innerJoin('section_terms as st', 'st.section_id', 's.id')
    .leftJoin('section_teachers as tt', (join) => join.onRef('tt.section_id', '=', 's.id').on('tt.primary_teacher', '=', 1))
    .leftJoin('staff as t', 't.id', 'tt.staff_id')
    .select([
      's.id as sectionId',
      's.section_code as sectionCode',
      'c.title as courseTitle',
      'c.course_code as courseCode',
      's.room',
      't.first_name as teacherFirst',
      't.last_name as teacherLast',
      't.email as teacherEmail',
      'tt.begin_date as teacherFrom',
      'tt.end_date as teacherUntil',
      'bp.name as period',
      'bp.sequence as periodSequence',
      'bp.start_time as start',
      'bp.end_time as end',
      'st.academic_session_id as termId',
      'e.begin_date as enrolledFrom',
      'e.end_date as enrolledUntil',
      's.grading_method as gradingMethod',
      's.grading_scale_id as gradingScaleId',
    ])
    .where('e.student_id', '=', studentId)
    .orderBy('bp.sequence')
    .orderBy('s.id')
    .execute();
  // A class's primary teacher is the one whose assignment has no end (the teacher now), else the one
  // who began last: a class whose teacher changed names the new one, not whichever row comes first.
  const teacherRank = (r: (typeof rows)[number]) => `${r.teacherUntil === null ? '1' : '0'}${r.teacherFrom ?? ''}`;
  const chosen = new Map<number, (typeof rows)[number]>();
  for (const r of rows) {
    const best = chosen.get(r.sectionId);
    if (!best || teacherRank(r) > teacherRank(best)) chosen.set(r.sectionId, r);
  }
  const bySection = new Map<number, ClassRow>();
  for (const row of rows) {
    const known = bySection.get(row.sectionId);
    if (known) {
      if (!known.termIds.includes(row.termId)) known.termIds.push(row.termId);
      continue;
    }
    const t = chosen.get(row.sectionId)!;
    const r = { ...row, teacherFirst: t.teacherFirst, teacherLast: t.teacherLast, teacherEmail: t.teacherEmail };
    bySection.set(r.sectionId, {
      sectionId: r.sectionId,
      sectionCode: r.sectionCode,
      courseTitle: r.courseTitle,
      courseCode: r.courseCode,
      room: r.room,
      teacher: r.teacherFirst ? `${r.teacherFirst} ${r.teacherLast}` : null,
      teacherEmail: r.teacherEmail,
      period: r.period,
      periodSequence: r.periodSequence,
      start: r.start,
      end: r.end,
      termIds: [r.termId],
      enrolledFrom: r.enrolledFrom,
      enrolledUntil: r.enrolledUntil,
      gradingMethod: r.gradingMethod,
      gradingScaleId: r.gradingScaleId,
    });
  }
  return [...bySection.values()];
}

type Terms = { semesters: Term[]; periods: (Term & { termId: number | null })[] };

const termsCache = ttlCache<Terms>(30_000);

/** Forgets this process's cached terms: the writer of their names calls it, so the next read shows them. */
export function forgetTerms(db: Kysely<DB>): void {
  termsCache.clear(db);
}

/** The school year's terms (semesters) and grading periods (quarters) around `date`, cached 30 seconds. */
export function termsAround(db: Kysely<DB>, date: DateString): Promise<Terms> {
  return termsCache(db, date, () => loadTerms(db, date));
}

async function loadTerms(db: Kysely<DB>, date: DateString): Promise<Terms> {
  const year = await db
    .selectFrom('academic_sessions')
    .select(['id', 'school_year', 'start_date', 'end_date'])
    .where('type', '=', 'schoolYear')
    .where('school_id', 'is', null)
    .where('start_date', '<=', date)
    .orderBy('start_date', 'desc')
    .executeTakeFirst();
  if (!year) return { semesters: [] as Term[], periods: [] as (Term & { termId: number | null })[] };
  const sessions = await db
    .selectFrom('academic_sessions')
    .select(['id', 'type', 'title', 'title_es', 'start_date', 'end_date', 'parent_id'])
    .where('school_year', '=', year.school_year)
    .where('type', 'in', ['semester', 'gradingPeriod'])
    .orderBy('start_date')
    .execute();
  return {
    semesters: sessions.filter((s) => s.type === 'semester').map((s) => ({ id: s.id, title: bilingual(s.title, s.title_es), start: s.start_date, end: s.end_date })),
    periods: sessions
      .filter((s) => s.type === 'gradingPeriod')
      .map((s) => ({ id: s.id, title: bilingual(s.title, s.title_es), start: s.start_date, end: s.end_date, termId: s.parent_id })),
  };
}

/**
 * The term a date falls in, else the last one that has started (between two terms, the one just
 * ended); undefined when none has started yet. A term to come is never the current one.
 */
export function currentOf<T extends { start: DateString; end: DateString }>(terms: T[], date: DateString): T | undefined {
  return terms.find((t) => t.start <= date && date <= t.end) ?? terms.filter((t) => t.start <= date).at(-1);
}

/** Where a term stands on a date: only the one the date falls in is in progress. */
export type TermState = 'notStarted' | 'inProgress' | 'ended';

export function stateOf(term: { start: DateString; end: DateString }, date: DateString): TermState {
  return date < term.start ? 'notStarted' : date > term.end ? 'ended' : 'inProgress';
}

export interface ScheduleView {
  terms: (Term & { current: boolean; classes: ClassRow[] })[];
}

export async function scheduleOf(db: Kysely<DB>, student: ReadableStudent, today: DateString): Promise<ScheduleView> {
  const [classes, { semesters }] = await Promise.all([classesOf(db, student), termsAround(db, today)]);
  const current = currentOf(semesters, today);
  return {
    terms: semesters.map((term) => ({
      ...term,
      current: term.id === current?.id,
      classes: classes.filter((c) => c.termIds.includes(term.id) && (c.enrolledUntil === null || c.enrolledUntil >= term.start)),
    })),
  };
}
