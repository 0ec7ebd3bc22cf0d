/**
 * Grades and assignments of one student: per class, the in-progress grade of each grading period
 * computed from the gradebook exactly as its categories say (grade.ts), the category
 * breakdown, posted grades with teachers' comments, and every assignment with its score and flags.
 * A fixed number of queries for any number of classes and assignments.
 */
import type { Kysely, Selectable } from 'kysely';
import type { DateString, DB } from '../../db/schema.js';
import { computeGrade, shownFlags, type CategoryInput, type GradeBand, type GradeInput, type GradeResult, type ScoreInput, type ScoreStatus } from './grade.js';
import { ttlCache } from '../cache.js';
import { classesOf, currentOf, stateOf, termsAround, type ClassRow, type Term, type TermState } from '../scheduling/schedule.js';
import type { ReadableStudent } from '../access/portal.js';

export interface AssignmentView {
  id: number;
  sectionId: number;
  title: string;
  category: string;
  categoryId: number;
  periodId: number;
  assigned: DateString;
  due: DateString;
  pointsPossible: number;
  points: number | null;
  /** points / possible, 2 decimals; null when not scored */
  percent: number | null;
  missing: boolean;
  late: boolean;
  exempt: boolean;
  incomplete: boolean;
  dropped: boolean;
  comment: string | null;
  /** how it counts in its grading period's grade; 'upcoming' when due later and not scored */
  status: ScoreStatus | 'upcoming';
}

/** A report-card comment code on a posted grade, with its text in both languages. */
export interface CommentText {
  code: string;
  text: { en: string; es: string };
}

export interface PeriodGrade {
  period: Term;
  /** as of today: only the period today falls in is in progress */
  state: TermState;
  grade: GradeResult;
  posted: { percent: number | null; letter: string | null; comment: string | null; codes: CommentText[]; postedAt: string } | null;
}

export interface ClassGrades {
  class: ClassRow;
  categories: CategoryInput[];
  /** the grading periods of the class, each with its computed and posted grade */
  periods: PeriodGrade[];
  /** the period shown first: the one today falls in, else the last begun; null before the class starts */
  currentPeriodId: number | null;
  assignments: AssignmentView[];
  scale: GradeBand[];
  /** posted semester grades */
  semesters: { term: Term; letter: string | null; percent: number | null; comment: string | null; codes: CommentText[] }[];
}

export interface StudentGrades {
  today: DateString;
  periods: (Term & { termId: number | null })[];
  classes: ClassGrades[];
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * The grade a class shows first (Grades' cards, a parent's Home): its current period's, posted where the
 * teacher has posted it, else computed from the gradebook; null before the class has begun.
 */
export function shownGradeOf(c: ClassGrades): { period: PeriodGrade; percent: number | null; letter: string | null } | null {
  const period = c.periods.find((p) => p.period.id === c.currentPeriodId);
  if (!period) return null;
  return { period, percent: period.posted?.percent ?? period.grade.percent, letter: period.posted?.letter ?? period.grade.letter };
}

const bandsCache = ttlCache<{ scale_id: number; letter: string; min_percent: number; gpa_points: number }[]>(60_000);

/** The bands of these grading scales (they change a few times a year: cached a minute). */
function bandsOf(db: Kysely<DB>, scaleIds: number[]) {
  if (scaleIds.length === 0) return Promise.resolve([]);
  const ids = [...scaleIds].sort((a, b) => a - b);
  return bandsCache(db, ids.join(','), () =>
    db.selectFrom('grading_scale_bands').select(['scale_id', 'letter', 'min_percent', 'gpa_points']).where('scale_id', 'in', ids).execute(),
  );
}

// A class's gradebook categories are set up once a term. Cached a minute per set of classes (students
// who share a schedule share the entry), at most 5,000 sets per process.
const categoriesCache = ttlCache<Selectable<DB['grading_categories']>[]>(60_000, 5_000);

function categoriesOf(db: Kysely<DB>, sectionIds: number[], fresh = false) {
  const ids = [...sectionIds].sort((a, b) => a - b);
  const load = () => db.selectFrom('grading_categories').selectAll().where('section_id', 'in', ids).orderBy('sequence').execute();
  return fresh ? load() : categoriesCache(db, ids.join(','), load);
}

/** Forgets this process's cached categories: the gradebook setup calls it after changing a category. */
export function forgetCategories(db: Kysely<DB>): void {
  categoriesCache.clear(db);
}

/** A grading scale's bands, as computeGrade takes them. */
export async function bandsOfScale(db: Kysely<DB>, scaleId: number | null): Promise<GradeBand[]> {
  if (scaleId === null) return [];
  return (await bandsOf(db, [scaleId])).map(toBand);
}

/** Whether an assignment due on `due` is part of a student's class enrolled from `from` until `until`. */
export function countsDuring(due: DateString, from: DateString, until: DateString | null): boolean {
  return due >= from && (until === null || due <= until);
}

/** A grading scale's band as computeGrade takes it. */
export const toBand = (b: { letter: string; min_percent: number; gpa_points: number }): GradeBand => ({ letter: b.letter, minPercent: b.min_percent, gpaPoints: b.gpa_points });

/** A gradebook category as computeGrade takes it. */
export const toCategoryInput = (k: { id: number; name: string; weight: number | null; drop_lowest: number }): CategoryInput => ({ id: k.id, name: k.name, weight: k.weight, dropLowest: k.drop_lowest });

/** An assignment of a section as the grade reads it. */
export interface GradedAssignment {
  id: number;
  category_id: number;
  grading_period_id: number;
  due_date: DateString;
  points_possible: number;
}

/** One student's score as the grade reads it (flags 0/1). */
export interface GradedScore {
  points: number | null;
  missing: number;
  late: number;
  exempt: number;
  incomplete: number;
  dropped: number;
}

/**
 * One assignment and a student's score on it (none: not scored) as computeGrade takes them: the one way
 * the portal and the teacher's grid both build a grade's input.
 */
export function scoreInput(a: { id: number; category_id: number; points_possible: number; due_date: DateString }, s: GradedScore | undefined): ScoreInput {
  return {
    assignmentId: a.id,
    categoryId: a.category_id,
    pointsPossible: a.points_possible,
    points: s?.points ?? null,
    missing: s?.missing === 1,
    late: s?.late === 1,
    exempt: s?.exempt === 1,
    incomplete: s?.incomplete === 1,
    dropped: s?.dropped === 1,
    dueDate: a.due_date,
  };
}

/**
 * The input of one student's grade in a class for a grading period, as the portal shows it: the
 * period's assignments due while the student was enrolled, each with the student's score. The
 * teacher's posting page (posting.ts) computes the grade it proposes from the same input.
 */
export function periodGradeInput(
  section: { method: GradeInput['method']; categories: CategoryInput[]; scale: GradeBand[] },
  enrolled: { from: DateString; until: DateString | null },
  periodId: number,
  assignments: readonly GradedAssignment[],
  scoreOf: ReadonlyMap<number, GradedScore>,
): GradeInput {
  const scores = assignments
    .filter((a) => a.grading_period_id === periodId && countsDuring(a.due_date, enrolled.from, enrolled.until))
    .map((a) => scoreInput(a, scoreOf.get(a.id)));
  return { method: section.method, categories: section.categories, scores, scale: section.scale };
}

export interface Preloaded {
  classes: ClassRow[];
  terms: Awaited<ReturnType<typeof termsAround>>;
}

/** The student's classes and the year's terms: what every tool starts from, asked once per page. */
export async function preload(db: Kysely<DB>, student: ReadableStudent, today: DateString): Promise<Preloaded> {
  const [classes, terms] = await Promise.all([classesOf(db, student), termsAround(db, today)]);
  return { classes, terms };
}

export async function gradesOf(db: Kysely<DB>, student: ReadableStudent, today: DateString, preloaded?: Preloaded): Promise<StudentGrades> {
  const studentId = student.id;
  const { classes, terms } = preloaded ?? (await preload(db, student, today));
  const sectionIds = classes.map((c) => c.sectionId);
  if (sectionIds.length === 0) return { today, periods: terms.periods, classes: [] };
  const scaleIds = [...new Set(classes.map((c) => c.gradingScaleId).filter((id): id is number => id !== null))];
  const [cachedCategories, rows, bands, postedRows] = await Promise.all([
    categoriesOf(db, sectionIds),
    // Every assignment of the classes, with this student's score where there is one.
    db
      .selectFrom('assignments as a')
      .leftJoin('assignment_scores as sc', (join) => join.onRef('sc.assignment_id', '=', 'a.id').on('sc.student_id', '=', studentId))
      .select([
        'a.id',
        'a.section_id',
        'a.category_id',
        'a.grading_period_id',
        'a.title',
        'a.assigned_date',
        'a.due_date',
        'a.points_possible',
        'sc.id as score_id',
        'sc.points',
        'sc.missing',
        'sc.late',
        'sc.exempt',
        'sc.incomplete',
        'sc.dropped',
        'sc.comment',
      ])
      .where('a.section_id', 'in', sectionIds)
      // An assignment the teacher has not published is not the family's to see, nor part of its grade.
      .where('a.published', '=', 1)
      .orderBy('a.due_date')
      .orderBy('a.id')
      .execute(),
    bandsOf(db, scaleIds),
    // The posted grades with their report-card comment codes, in the teacher's order: one statement (a
    // grade with no code is one row with a null code).
    db
      .selectFrom('term_grades as g')
      .leftJoin('term_grade_comments as tc', 'tc.term_grade_id', 'g.id')
      .leftJoin('report_card_comments as rc', 'rc.id', 'tc.comment_id')
      .select(['g.id', 'g.section_id', 'g.academic_session_id', 'g.percent', 'g.letter', 'g.comment', 'g.posted_at', 'rc.code', 'rc.text_en', 'rc.text_es'])
      .where('g.student_id', '=', studentId)
      .where('g.section_id', 'in', sectionIds)
      .where('g.posted_at', 'is not', null)
      .orderBy('g.id')
      .orderBy('tc.sequence')
      .execute(),
  ]);
  const posted: { section_id: number; academic_session_id: number; percent: number | null; letter: string | null; comment: string | null; posted_at: unknown; codes: CommentText[] }[] = [];
  let lastId: number | null = null;
  for (const r of postedRows) {
    let g = posted[posted.length - 1];
    if (!g || lastId !== r.id) {
      g = { section_id: r.section_id, academic_session_id: r.academic_session_id, percent: r.percent, letter: r.letter, comment: r.comment, posted_at: r.posted_at, codes: [] };
      posted.push(g);
      lastId = r.id;
    }
    if (r.code !== null) g.codes.push({ code: r.code, text: { en: r.text_en!, es: r.text_es! } });
  }
  const codesOf = (sectionId: number, sessionId: number): CommentText[] => posted.find((g) => g.section_id === sectionId && g.academic_session_id === sessionId)?.codes ?? [];
  // Categories are cached; a category added since (with its first assignment) is read fresh at once.
  const knownCategories = new Set(cachedCategories.map((c) => c.id));
  const categories = rows.some((r) => !knownCategories.has(r.category_id)) ? await categoriesOf(db, sectionIds, true) : cachedCategories;
  const assignments = rows;
  const scores = rows
    .filter((r) => r.score_id !== null)
    .map((r) => ({
      assignment_id: r.id,
      points: r.points,
      missing: r.missing as number,
      late: r.late as number,
      exempt: r.exempt as number,
      incomplete: r.incomplete as number,
      dropped: r.dropped as number,
      comment: r.comment,
    }));
  const scoreOf = new Map(scores.map((s) => [s.assignment_id, s]));
  const result: ClassGrades[] = classes.map((c) => {
    const scale: GradeBand[] = bands.filter((b) => b.scale_id === c.gradingScaleId).map(toBand);
    const cats: CategoryInput[] = categories.filter((k) => k.section_id === c.sectionId).map(toCategoryInput);
    const catName = new Map(cats.map((k) => [k.id, k.name]));
    const mine = assignments.filter((a) => a.section_id === c.sectionId && countsDuring(a.due_date, c.enrolledFrom, c.enrolledUntil));
    const classPeriods = terms.periods.filter((p) => p.termId !== null && c.termIds.includes(p.termId));
    const statuses = new Map<number, ScoreStatus>();
    const periods: PeriodGrade[] = classPeriods.map((period) => {
      const input = periodGradeInput({ method: c.gradingMethod, categories: cats, scale }, { from: c.enrolledFrom, until: c.enrolledUntil }, period.id, mine, scoreOf);
      const grade = computeGrade(input);
      for (const [id, status] of grade.statuses) statuses.set(id, status);
      const p = posted.find((g) => g.section_id === c.sectionId && g.academic_session_id === period.id);
      return {
        period,
        state: stateOf(period, today),
        grade,
        posted: p ? { percent: p.percent, letter: p.letter, comment: p.comment, codes: codesOf(c.sectionId, period.id), postedAt: p.posted_at as string } : null,
      };
    });
    // The period today falls in, else the last one begun; none while the class has not started.
    const currentPeriodId =
      currentOf(
        periods.map((p) => p.period),
        today,
      )?.id ?? null;
    return {
      class: c,
      categories: cats,
      periods,
      currentPeriodId,
      scale,
      semesters: terms.semesters
        .filter((t) => c.termIds.includes(t.id))
        .map((t) => {
          const g = posted.find((p) => p.section_id === c.sectionId && p.academic_session_id === t.id);
          return { term: t, letter: g?.letter ?? null, percent: g?.percent ?? null, comment: g?.comment ?? null, codes: codesOf(c.sectionId, t.id) };
        })
        .filter((s) => s.letter !== null),
      assignments: mine.map((a) => {
        const s = scoreOf.get(a.id);
        const points = s?.points ?? null;
        return {
          id: a.id,
          sectionId: a.section_id,
          title: a.title,
          category: catName.get(a.category_id) ?? '',
          categoryId: a.category_id,
          periodId: a.grading_period_id,
          assigned: a.assigned_date,
          due: a.due_date,
          pointsPossible: a.points_possible,
          points,
          percent: points !== null && a.points_possible > 0 ? round2((points / a.points_possible) * 100) : null,
          // One state per score, as the family is shown it (ADR 0025); the grade is the same either way.
          ...shownFlags({ points, missing: s?.missing === 1, late: s?.late === 1, exempt: s?.exempt === 1, incomplete: s?.incomplete === 1, dropped: s?.dropped === 1 }),
          comment: s?.comment ?? null,
          status: !s && a.due_date > today ? 'upcoming' : (statuses.get(a.id) ?? 'ungraded'),
        };
      }),
    };
  });
  return { today, periods: terms.periods, classes: result };
}
