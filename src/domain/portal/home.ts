/**
 * A parent's Home: one card per child with what a parent looks at every day — each class's grade now,
 * today's attendance, and how many things need attention. Read from Today (today.ts), so the card and
 * the child's Today never disagree: the grades are Grades' own (gradebook/grades.ts, `shownGradeOf`),
 * never computed a second way.
 */
import type { Kysely } from 'kysely';
import type { DateString, DB } from '../../db/schema.js';
import type { ReadableStudent } from '../access/portal.js';
import type { AttendanceEvent } from '../attendance/attendance.js';
import { shownGradeOf, type ClassGrades } from '../gradebook/grades.js';
import type { TermState } from '../scheduling/schedule.js';
import { todayOf } from './today.js';
import type { LocalName } from '../../i18n/format.js';

export interface ClassAtAGlance {
  sectionId: number;
  course: string;
  /** the grading period the grade is of ("Quarter 2") */
  periodTitle: LocalName;
  state: TermState;
  posted: boolean;
  letter: string | null;
  /** null: nothing graded yet */
  percent: number | null;
}

export interface ChildCard {
  student: ReadableStudent;
  schoolDay: boolean;
  noSchoolNote: LocalName | null;
  /**
   * the classes of the grading period going on, in period order, each with its grade now; between
   * periods (a break), those of the period just ended
   */
  classes: ClassAtAGlance[];
  /** today's absences and tardies (attendance keeps only the exceptions) */
  attendanceToday: AttendanceEvent[];
  /** how many items Today lists under "Needs attention" */
  needsAttention: number;
}

export async function familyHomeOf(
  db: Kysely<DB>,
  input: { students: readonly ReadableStudent[]; date: DateString; time: string; locale: string; districtLocale: string; securityEmailConfirmed: boolean },
): Promise<ChildCard[]> {
  const cards: ChildCard[] = [];
  // One child after another: a family has a few, and each Today already asks its queries side by side.
  for (const student of input.students) {
    const today = await todayOf(db, { ...input, student, audience: 'guardians' });
    cards.push({
      student,
      schoolDay: today.schoolDay,
      noSchoolNote: today.noSchoolNote,
      classes: atAGlance(today.grades.classes, input.date),
      attendanceToday: today.attendanceToday,
      needsAttention: today.needsAttention.length,
    });
  }
  return cards;
}

function atAGlance(classes: ClassGrades[], date: DateString): ClassAtAGlance[] {
  const all = classes
    .filter((c) => c.class.enrolledFrom <= date && (c.class.enrolledUntil === null || c.class.enrolledUntil >= date))
    .flatMap((c) => {
      const shown = shownGradeOf(c);
      if (!shown) return [];
      const { period } = shown;
      return [{ sectionId: c.class.sectionId, course: c.class.courseTitle, periodTitle: period.period.title, end: period.period.end, state: period.state, posted: period.posted !== null, letter: shown.letter, percent: shown.percent }];
    });
  const going = all.filter((c) => c.state === 'inProgress');
  const latestEnd = all.reduce<DateString | null>((max, c) => (max === null || c.end > max ? c.end : max), null);
  return (going.length > 0 ? going : all.filter((c) => c.end === latestEnd)).map(({ end: _end, ...c }) => c);
}
