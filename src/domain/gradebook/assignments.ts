/**
 * The Assignments tool's lists: every assignment of the student's classes, or only the missing, the
 * late, or the upcoming ones (due in the next UPCOMING_DAYS days and not scored yet), by class or by due
 * date. Read from Grades, so the two never disagree.
 */
import { addDays } from '../calendar/dates.js';
import type { ClassRow } from '../scheduling/schedule.js';
import type { AssignmentView, StudentGrades } from './grades.js';

export const ASSIGNMENT_FILTERS = ['all', 'missing', 'late', 'upcoming'] as const;
export type AssignmentFilter = (typeof ASSIGNMENT_FILTERS)[number];
export type AssignmentOrder = 'class' | 'date';

/** "Upcoming" looks two weeks ahead: what a family can plan for. */
export const UPCOMING_DAYS = 14;

/** The filter and order asked for in the address; anything else is the default (all, by class). */
export function parseAssignmentsQuery(query: { filter?: unknown; view?: unknown }): { filter: AssignmentFilter; view: AssignmentOrder } {
  return {
    filter: ASSIGNMENT_FILTERS.find((f) => f === query.filter) ?? 'all',
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
}

export function assignmentList(grades: StudentGrades, filter: AssignmentFilter): AssignmentList {
  const horizon = addDays(grades.today, UPCOMING_DAYS);
  const keep = (a: AssignmentView) =>
    filter === 'missing' ? a.missing : filter === 'late' ? a.late : filter === 'upcoming' ? a.status === 'upcoming' && a.due <= horizon : true;
  const all = grades.classes.flatMap((c) => c.assignments).filter(keep);
  return {
    count: all.length,
    byDate: [...all].sort((a, b) => (filter === 'upcoming' ? a.due.localeCompare(b.due) : b.due.localeCompare(a.due)) || a.id - b.id),
    byClass: grades.classes.map((c) => ({ class: c.class, assignments: c.assignments.filter(keep).reverse() })).filter((c) => c.assignments.length > 0),
  };
}
