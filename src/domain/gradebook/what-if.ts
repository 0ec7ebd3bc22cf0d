/**
 * Beyond the seeds: a what-if calculator (type hypothetical scores for a class's assignments, or add
 * one more assignment, and see the grade change — nothing is saved) and the grade's trend through a
 * grading period (the grade as it stood on its first graded day and at the end of each school week after). Both use the one grade
 * function, so they agree with the gradebook to the hundredth.
 */
import type { DateString } from '../../db/schema.js';
import { addDays } from '../calendar/dates.js';
import { computeGrade, withHypothetical, type GradeResult, type ScoreInput } from './grade.js';
import type { ClassGrades } from './grades.js';

/** The scores of one grading period of a class, as the grade function takes them. */
function scoresOf(c: ClassGrades, periodId: number): ScoreInput[] {
  return c.assignments
    .filter((a) => a.periodId === periodId)
    .map((a) => ({
      assignmentId: a.id,
      categoryId: a.categoryId,
      pointsPossible: a.pointsPossible,
      points: a.points,
      missing: a.missing,
      late: a.late,
      exempt: a.exempt,
      incomplete: a.incomplete,
      dropped: a.dropped,
      dueDate: a.due,
    }));
}

export interface Hypothetical {
  /** assignment id → points to imagine (null: as if not graded) */
  overrides: Map<number, number | null>;
  /** one more assignment, as if it were graded */
  extra: { categoryId: number; points: number; possible: number } | null;
}

export interface WhatIfResult {
  now: GradeResult;
  hypothetical: GradeResult;
}

export function whatIf(c: ClassGrades, periodId: number, today: DateString, input: Hypothetical): WhatIfResult {
  const scores = scoresOf(c, periodId);
  const scale = c.scale;
  const now = computeGrade({ method: c.class.gradingMethod, categories: c.categories, scores, scale });
  const imagined = withHypothetical(scores, input.overrides).map((s) =>
    // An imagined score for missing work means the work was turned in.
    input.overrides.has(s.assignmentId) && input.overrides.get(s.assignmentId) !== null ? { ...s, missing: false, incomplete: false } : s,
  );
  if (input.extra && c.categories.some((k) => k.id === input.extra!.categoryId)) {
    imagined.push({
      assignmentId: -1,
      categoryId: input.extra.categoryId,
      pointsPossible: input.extra.possible,
      points: input.extra.points,
      missing: false,
      late: false,
      exempt: false,
      incomplete: false,
      dropped: false,
      dueDate: today,
    });
  }
  return { now, hypothetical: computeGrade({ method: c.class.gradingMethod, categories: c.categories, scores: imagined, scale }) };
}

export interface TrendPoint {
  date: DateString;
  percent: number | null;
  letter: string | null;
}

/**
 * The grade from the first graded work of the period (the earliest due date of a score with points
 * entered that counts: not a missing zero nor work not scored yet), then at the end of each school
 * week after it (Fridays), and today. None before anything is graded.
 */
export function gradeTrend(c: ClassGrades, periodId: number, today: DateString): TrendPoint[] {
  const period = c.periods.find((p) => p.period.id === periodId)?.period;
  if (!period) return [];
  const scores = scoresOf(c, periodId);
  const last = today < period.end ? today : period.end;
  const graded = scores
    .filter((s) => s.points !== null && !s.dropped && !s.exempt && s.dueDate >= period.start && s.dueDate <= last)
    .map((s) => s.dueDate)
    .sort();
  const first = graded[0];
  if (first === undefined) return [];
  const dates: DateString[] = [first];
  // Each Friday after the first graded day.
  let d = addDays(first, 1);
  while (new Date(`${d}T12:00:00Z`).getUTCDay() !== 5) d = addDays(d, 1);
  for (; d <= last; d = addDays(d, 7)) dates.push(d);
  if (dates[dates.length - 1] !== last) dates.push(last);
  return dates.map((date) => {
    const g = computeGrade({ method: c.class.gradingMethod, categories: c.categories, scores, scale: c.scale, asOf: date });
    return { date, percent: g.percent, letter: g.letter };
  });
}
