/**
 * The unofficial transcript: every completed high-school course by year and term with its grade and
 * credits — earlier years from the transcript records, this year's from posted semester grades —,
 * the credits earned toward graduation, and the cumulative GPA, unweighted and weighted (honors and AP
 * courses add their bonus to a passing grade's points). GPAs are weighted by credits attempted.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { letterFor, type GradeBand } from './grade.js';
import type { ReadableStudent } from '../access/portal.js';

export interface TranscriptCourse {
  schoolYear: number;
  school: string;
  gradeLevel: number;
  code: string;
  title: string;
  term: 'S1' | 'S2' | 'Year';
  letter: string;
  gpaPoints: number | null;
  gpaBonus: number;
  attempted: number;
  earned: number;
}

export interface TranscriptView {
  years: { schoolYear: number; gradeLevel: number; school: string; courses: TranscriptCourse[]; attempted: number; earned: number }[];
  attempted: number;
  earned: number;
  /** null until a course with grade points is on the transcript */
  gpa: number | null;
  weightedGpa: number | null;
  requiredCredits: number;
}

/** Credits-weighted GPA, rounded to 3 decimals; courses without grade points (pass/fail) are left out. */
export function gpaOf(courses: Pick<TranscriptCourse, 'gpaPoints' | 'gpaBonus' | 'attempted'>[], weighted: boolean): number | null {
  let points = 0;
  let credits = 0;
  for (const c of courses) {
    if (c.gpaPoints === null || c.attempted <= 0) continue;
    const bonus = weighted && c.gpaPoints > 0 ? c.gpaBonus : 0;
    points += (c.gpaPoints + bonus) * c.attempted;
    credits += c.attempted;
  }
  if (credits === 0) return null;
  return Math.round((points / credits) * 1000) / 1000;
}

export async function transcriptOf(db: Kysely<DB>, student: ReadableStudent, requiredCredits: number): Promise<TranscriptView> {
  const studentId = student.id;
  const [history, posted] = await Promise.all([
    db.selectFrom('transcript_courses').selectAll().where('student_id', '=', studentId).orderBy('school_year').orderBy('term').orderBy('course_code').execute(),
    db
      .selectFrom('term_grades as g')
      .innerJoin('academic_sessions as t', 't.id', 'g.academic_session_id')
      .innerJoin('sections as s', 's.id', 'g.section_id')
      .innerJoin('courses as c', 'c.id', 's.course_id')
      .innerJoin('schools as sc', 'sc.id', 's.school_id')
      .innerJoin('students as st', 'st.id', 'g.student_id')
      .select([
        't.school_year',
        't.start_date',
        'sc.name as school',
        'st.grade_level',
        'c.course_code',
        'c.title',
        'c.credits',
        'c.gpa_bonus',
        'g.letter',
        'g.percent',
        's.grading_scale_id',
        (eb) => eb.selectFrom('section_terms as x').select((e) => e.fn.countAll<number>().as('n')).whereRef('x.section_id', '=', 's.id').as('terms'),
      ])
      .where('g.student_id', '=', studentId)
      .where('t.type', '=', 'semester')
      .where('g.posted_at', 'is not', null)
      .where('c.credits', '>', 0)
      .execute(),
  ]);
  const scaleIds = [...new Set(posted.map((p) => p.grading_scale_id).filter((id): id is number => id !== null))];
  const bands =
    scaleIds.length === 0
      ? []
      : await db.selectFrom('grading_scale_bands').select(['scale_id', 'letter', 'min_percent', 'gpa_points']).where('scale_id', 'in', scaleIds).execute();
  const courses: TranscriptCourse[] = history.map((h) => ({
    schoolYear: h.school_year,
    school: h.school_name,
    gradeLevel: h.grade_level,
    code: h.course_code,
    title: h.course_title,
    term: h.term,
    letter: h.letter,
    gpaPoints: h.gpa_points,
    gpaBonus: h.gpa_bonus,
    attempted: h.credits_attempted,
    earned: h.credits_earned,
  }));
  for (const p of posted) {
    const scale: GradeBand[] = bands.filter((b) => b.scale_id === p.grading_scale_id).map((b) => ({ letter: b.letter, minPercent: b.min_percent, gpaPoints: b.gpa_points }));
    const band = scale.find((b) => b.letter === p.letter) ?? (p.percent !== null ? letterFor(p.percent, scale) : null);
    // A year-long course earns half its credits each semester.
    const credits = Number(p.terms) > 1 ? p.credits / 2 : p.credits;
    const passed = band ? band.gpaPoints > 0 : p.letter !== 'F';
    courses.push({
      schoolYear: p.school_year,
      school: p.school,
      gradeLevel: p.grade_level,
      code: p.course_code,
      title: p.title,
      term: p.start_date.slice(5, 7) >= '07' ? 'S1' : 'S2',
      letter: p.letter ?? '',
      gpaPoints: band?.gpaPoints ?? null,
      gpaBonus: p.gpa_bonus,
      attempted: credits,
      earned: passed ? credits : 0,
    });
  }
  const byYear = new Map<number, TranscriptCourse[]>();
  for (const c of courses) byYear.set(c.schoolYear, [...(byYear.get(c.schoolYear) ?? []), c]);
  const sum = (list: TranscriptCourse[], key: 'attempted' | 'earned') => Math.round(list.reduce((s, c) => s + c[key], 0) * 100) / 100;
  return {
    years: [...byYear.entries()]
      .sort(([a], [b]) => a - b)
      .map(([schoolYear, list]) => ({
        schoolYear,
        gradeLevel: list[0]!.gradeLevel,
        school: list[0]!.school,
        courses: list.sort((a, b) => a.term.localeCompare(b.term) || a.code.localeCompare(b.code)),
        attempted: sum(list, 'attempted'),
        earned: sum(list, 'earned'),
      })),
    attempted: sum(courses, 'attempted'),
    earned: sum(courses, 'earned'),
    gpa: gpaOf(courses, false),
    weightedGpa: gpaOf(courses, true),
    requiredCredits,
  };
}

/** The birth date printed on the transcript. */
export async function birthDateOf(db: Kysely<DB>, student: ReadableStudent): Promise<string> {
  const studentId = student.id;
  const row = await db.selectFrom('students').select('birth_date').where('id', '=', studentId).executeTakeFirstOrThrow();
  return row.birth_date;
}
