/**
 * A student's attendance by term: every absence, tardy and early release with its day, period, class,
 * code and whether it is excused, and totals per class. Whole-day absences count in every class the
 * student had that day.
 */
import type { Kysely } from 'kysely';
import type { AttendanceExcuse, AttendanceKind, DateString, DB } from '../../db/schema.js';
import { classesOf, currentOf, termsAround, type ClassRow, type Term } from '../scheduling/schedule.js';
import type { ReadableStudent } from '../access/portal.js';
import { bilingual, type LocalName } from '../../i18n/format.js';

export interface AttendanceEvent {
  date: DateString;
  /** null: the whole day */
  sectionId: number | null;
  course: string | null;
  period: string | null;
  code: string;
  /** in the district's language and in Spanish (i18n/format.ts localName) */
  description: LocalName;
  kind: AttendanceKind;
  excuse: AttendanceExcuse;
  comment: string | null;
}

export interface ClassTotals {
  class: ClassRow;
  absent: number;
  excused: number;
  unexcused: number;
  unknown: number;
  tardy: number;
}

export interface AttendanceView {
  terms: (Term & { current: boolean; events: AttendanceEvent[]; totals: ClassTotals[]; daysAbsent: number })[];
}

export async function attendanceOf(
  db: Kysely<DB>,
  student: ReadableStudent,
  today: DateString,
  preloaded?: { classes: ClassRow[]; terms: Awaited<ReturnType<typeof termsAround>> },
): Promise<AttendanceView> {
  const studentId = student.id;
  const [classes, { semesters }, rows] = await Promise.all([
    preloaded?.classes ?? classesOf(db, student),
    preloaded?.terms ?? termsAround(db, today),
    db
      .selectFrom('attendance_records as r')
      .innerJoin('attendance_codes as c', 'c.id', 'r.code_id')
      .leftJoin('bell_periods as bp', 'bp.id', 'r.bell_period_id')
      .select(['r.date', 'r.section_id', 'bp.name as period', 'c.code', 'c.description', 'c.description_es', 'c.kind', 'c.excuse', 'r.comment'])
      .where('r.student_id', '=', studentId)
      .orderBy('r.date', 'desc')
      .orderBy('bp.sequence')
      .execute(),
  ]);
  const current = currentOf(semesters, today);
  const title = new Map(classes.map((c) => [c.sectionId, c.courseTitle]));
  return {
    terms: semesters.map((term) => {
      const inTerm = rows.filter((r) => r.date >= term.start && r.date <= term.end);
      const termClasses = classes.filter((c) => c.termIds.includes(term.id));
      const events: AttendanceEvent[] = inTerm.map((r) => ({
        date: r.date,
        sectionId: r.section_id,
        course: r.section_id ? (title.get(r.section_id) ?? null) : null,
        period: r.period,
        code: r.code,
        description: bilingual(r.description, r.description_es),
        kind: r.kind,
        excuse: r.excuse,
        comment: r.comment,
      }));
      const totals = termClasses.map((c) => {
        const t: ClassTotals = { class: c, absent: 0, excused: 0, unexcused: 0, unknown: 0, tardy: 0 };
        for (const e of events) {
          const enrolled = e.date >= c.enrolledFrom && (c.enrolledUntil === null || e.date <= c.enrolledUntil);
          if (!enrolled || (e.sectionId !== null && e.sectionId !== c.sectionId)) continue;
          if (e.kind === 'tardy') t.tardy++;
          else if (e.kind === 'absent') {
            t.absent++;
            t[e.excuse]++;
          }
        }
        return t;
      });
      return {
        ...term,
        current: term.id === current?.id,
        events,
        totals,
        daysAbsent: events.filter((e) => e.sectionId === null && e.kind === 'absent').length,
      };
    }),
  };
}
