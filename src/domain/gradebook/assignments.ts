/**
 * The Assignments tool's lists: by default the current grading period's work — what is missing, then
 * what is to come, then the rest of the period (issue 23: the whole year is one tap away, not a phone's
 * 75,000 px) — or every assignment of the student's classes, or only the missing, the late, or the
 * upcoming ones (due in the next UPCOMING_DAYS days and not scored yet), by class or by due date. Read
 * from Grades, so the two never disagree.
 */
import { addDays } from '../calendar/dates.js';
import type { ClassRow } from '../scheduling/schedule.js';
import type { AssignmentView, StudentGrades } from './grades.js';
import type { LocalName } from '../../i18n/format.js';

export const ASSIGNMENT_FILTERS = ['period', 'all', 'missing', 'late', 'upcoming'] as const;
export type AssignmentFilter = (typeof ASSIGNMENT_FILTERS)[number];
export type AssignmentOrder = 'class' | 'date';

/** "Upcoming" looks two weeks ahead: what a family can plan for. */
export const UPCOMING_DAYS = 14;

/** The filter and order asked for in the address; anything else is the default (this grading period, by class). */
export function parseAssignmentsQuery(query: { filter?: unknown; view?: unknown }): { filter: AssignmentFilter; view: AssignmentOrder } {
  return {
    filter: ASSIGNMENT_FILTERS.find((f) => f === query.filter) ?? 'period',
    view: query.view === 'date' ? 'date' : 'class',
  };
}

export interface AssignmentList {
  /** how many assignments the filter keeps */
  count: number;
  /** upcoming: soonest first; otherwise the latest due first */
  byDate: AssignmentView[];
  /** each class that has any, its assignments the latest due first */
  byClass: { class: ClassRow; assignments: AssignmentView[] }[];
  /** the 'period' filter's three parts; the filter keeps each class's work of its current grading period */
  period: {
    /** the grading periods shown ("Quarter 2"), each once */
    titles: LocalName[];
    /** missing work, the latest due first */
    missing: AssignmentView[];
    /** not scored and due later, the soonest first */
    upcoming: AssignmentView[];
    /** everything else of the period, the latest due first */
    rest: AssignmentView[];
  };
}

export function assignmentList(grades: StudentGrades, filter: AssignmentFilter): AssignmentList {
  const horizon = addDays(grades.today, UPCOMING_DAYS);
  const current = new Map(grades.classes.map((c) => [c.class.sectionId, c.currentPeriodId]));
  const keep = (a: AssignmentView) =>
    filter === 'period'
      ? a.periodId === current.get(a.sectionId)
      : filter === 'missing'
        ? a.missing
        : filter === 'late'
          ? a.late
          : filter === 'upcoming'
            ? a.status === 'upcoming' && a.due <= horizon
            : true;
  const all = grades.classes.flatMap((c) => c.assignments).filter(keep);
  const latestFirst = (a: AssignmentView, b: AssignmentView) => b.due.localeCompare(a.due) || a.id - b.id;
  const inPeriod = filter === 'period' ? all : [];
  const titles = grades.classes.flatMap((c) => c.periods.filter((p) => p.period.id === c.currentPeriodId).map((p) => p.period.title));
  return {
    period: {
      titles: titles.filter((n, i) => titles.findIndex((m) => m.base === n.base) === i),
      missing: inPeriod.filter((a) => a.missing).sort(latestFirst),
      upcoming: inPeriod.filter((a) => !a.missing && a.status === 'upcoming').sort((a, b) => a.due.localeCompare(b.due) || a.id - b.id),
      rest: inPeriod.filter((a) => !a.missing && a.status !== 'upcoming').sort(latestFirst),
    },
    count: all.length,
    byDate: [...all].sort((a, b) => (filter === 'upcoming' ? a.due.localeCompare(b.due) : b.due.localeCompare(a.due)) || a.id - b.id),
    byClass: grades.classes.map((c) => ({ class: c.class, assignments: c.assignments.filter(keep).reverse() })).filter((c) => c.assignments.length > 0),
  };
}
