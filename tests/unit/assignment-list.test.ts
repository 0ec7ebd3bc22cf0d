import { describe, expect, it } from 'vitest';
import { assignmentList, parseAssignmentsQuery, UPCOMING_DAYS } from '../../src/domain/gradebook/assignments.js';
import type { AssignmentView, ClassGrades, StudentGrades } from '../../src/domain/gradebook/grades.js';
import type { ClassRow } from '../../src/domain/scheduling/schedule.js';

// Today is Tuesday 24 November; "upcoming" reaches 14 days ahead, to 8 December.
const TODAY = '2026-11-24';
let next = 0;
const work = (sectionId: number, due: string, flags: Partial<AssignmentView> = {}): AssignmentView => ({
  id: ++next,
  sectionId,
  title: `A${next}`,
  category: 'Homework',
  categoryId: 1,
  periodId: 1,
  assigned: '2026-11-01',
  due,
  pointsPossible: 10,
  points: null,
  percent: null,
  missing: false,
  late: false,
  exempt: false,
  incomplete: false,
  dropped: false,
  comment: null,
  status: due > TODAY ? 'upcoming' : 'counted',
  ...flags,
});
const classOf = (sectionId: number, courseTitle: string, assignments: AssignmentView[]) =>
  ({ class: { sectionId, courseTitle } as ClassRow, categories: [], periods: [], currentPeriodId: 1, assignments, scale: [], semesters: [] }) as ClassGrades;

// Two classes, assignments in due order (as Grades gives them).
const math = [work(10, '2026-11-02', { missing: true, points: null }), work(10, '2026-11-20', { late: true, points: 8 }), work(10, '2026-12-01'), work(10, '2026-12-09')];
const art = [work(20, '2026-11-10', { points: 9 }), work(20, '2026-11-30'), work(20, '2026-12-08')];
const grades: StudentGrades = { today: TODAY, periods: [], classes: [classOf(10, 'Algebra I', math), classOf(20, 'Art', art)] };
const ids = (list: AssignmentView[]) => list.map((a) => a.title);

describe('the Assignments lists', () => {
  it('keeps all, the missing, the late, or what is due in the next two weeks', () => {
    expect(UPCOMING_DAYS).toBe(14);
    expect(assignmentList(grades, 'all').count).toBe(7);
    expect(ids(assignmentList(grades, 'missing').byDate)).toEqual(['A1']);
    expect(ids(assignmentList(grades, 'late').byDate)).toEqual(['A2']);
    // 9 December is past the horizon; 8 December is on it.
    expect(ids(assignmentList(grades, 'upcoming').byDate)).toEqual(['A6', 'A3', 'A7']);
  });

  it('orders by date the latest first (upcoming: the soonest first), and by class the latest first', () => {
    expect(ids(assignmentList(grades, 'all').byDate)).toEqual(['A4', 'A7', 'A3', 'A6', 'A2', 'A5', 'A1']);
    const byClass = assignmentList(grades, 'all').byClass;
    expect(byClass.map((c) => c.class.courseTitle)).toEqual(['Algebra I', 'Art']);
    expect(byClass.map((c) => ids(c.assignments))).toEqual([['A4', 'A3', 'A2', 'A1'], ['A7', 'A6', 'A5']]);
    // A class with nothing the filter keeps is left out.
    expect(assignmentList(grades, 'late').byClass.map((c) => c.class.courseTitle)).toEqual(['Algebra I']);
    // Grades' own lists are left as they were.
    expect(ids(math)).toEqual(['A1', 'A2', 'A3', 'A4']);
  });

  // Issue 23: the default is the current grading period (it used to be the whole year).
  it('reads the filter and the order from the address, anything else being this grading period by class', () => {
    expect(parseAssignmentsQuery({ filter: 'missing', view: 'date' })).toEqual({ filter: 'missing', view: 'date' });
    expect(parseAssignmentsQuery({ filter: 'all' })).toEqual({ filter: 'all', view: 'class' });
    expect(parseAssignmentsQuery({ filter: 'nonsense', view: ['date'] })).toEqual({ filter: 'period', view: 'class' });
    expect(parseAssignmentsQuery({})).toEqual({ filter: 'period', view: 'class' });
  });

  it('keeps each class’s current grading period: missing work first, then what is to come, then the rest', () => {
    // Algebra's current period is 1 (Quarter 2); a Quarter 1 item (period 9) is not this period's.
    // Art's current period is 1 as well. Expected by hand from the fixture's dates and flags.
    const quarter = (id: number, title: string) => ({ period: { id, title: { base: title, es: null }, start: '2026-10-19', end: '2026-12-18' }, state: 'inProgress' }) as ClassGrades['periods'][number];
    const old = work(10, '2026-10-01', { periodId: 9, missing: true });
    const withPeriods: StudentGrades = {
      today: TODAY,
      periods: [],
      classes: [
        { ...classOf(10, 'Algebra I', [old, ...math]), periods: [quarter(9, 'Quarter 1'), quarter(1, 'Quarter 2')] },
        { ...classOf(20, 'Art', art), periods: [quarter(1, 'Quarter 2')] },
      ],
    };
    const list = assignmentList(withPeriods, 'period');
    expect(list.count).toBe(7);
    expect(list.period.titles).toEqual([{ base: 'Quarter 2', es: null }]);
    expect(ids(list.period.missing)).toEqual(['A1']);
    expect(ids(list.period.upcoming)).toEqual(['A6', 'A3', 'A7', 'A4']); // Nov 30, Dec 1, Dec 8, Dec 9
    expect(ids(list.period.rest)).toEqual(['A2', 'A5']); // Nov 20, Nov 10
    // The whole year keeps the Quarter 1 item too.
    expect(assignmentList(withPeriods, 'all').count).toBe(8);
  });
});
