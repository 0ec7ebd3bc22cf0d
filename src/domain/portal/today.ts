/**
 * Today, for one student: whether there is school, today's classes with the one going on now, work due
 * in the next week, recent scores, today's attendance, current announcements for the student's school
 * (less those aimed at a condition the reader has met),
 * and what needs attention in any class: missing work, low scores and absences nobody has explained.
 */
import type { Kysely } from 'kysely';
import type { AnnouncementCondition, DateString, DB } from '../../db/schema.js';
import { addDays } from '../calendar/dates.js';
import { ttlCache } from '../cache.js';
import { attendanceOf, type AttendanceEvent } from '../attendance/attendance.js';
import { gradesOf, preload, type AssignmentView, type StudentGrades } from '../gradebook/grades.js';
import type { ClassRow } from '../scheduling/schedule.js';
import type { ReadableStudent } from '../access/portal.js';
import { bilingual, type LocalName } from '../../i18n/format.js';

/** A score below this percent is "low" in the needs-attention list. */
export const LOW_SCORE_PERCENT = 70;
/** How far back a low score or recent score counts as news, and how far ahead work is "due soon". */
export const RECENT_DAYS = 14;
export const DUE_SOON_DAYS = 7;

// The calendar and the announcements are the same for a whole school all day: cached 30 seconds.
const calendarCache = ttlCache<{ instructional: number; note: string | null; note_es: string | null } | undefined>(30_000);
const announcementCache = ttlCache<{ id: number; locale: string; title: string; body: string; condition: AnnouncementCondition | null }[]>(30_000);

/** Forgets the cached announcements (the announcements service calls it after each write). */
export function forgetAnnouncements(db: Kysely<DB>): void {
  announcementCache.clear(db);
}

/** Forgets the cached school days (the calendar days service calls it after each write). */
export function forgetSchoolDays(db: Kysely<DB>): void {
  calendarCache.clear(db);
}

export interface AnnouncementView {
  id: number;
  title: string;
  body: string;
  locale: string;
}

export type Attention =
  | { kind: 'missing'; assignment: AssignmentView; course: string }
  | { kind: 'lowScore'; assignment: AssignmentView; course: string }
  | { kind: 'unexplained'; event: AttendanceEvent };

export interface TodayView {
  date: DateString;
  /** false on weekends, holidays and breaks */
  schoolDay: boolean;
  /** why there is no school today, from the calendar ("Thanksgiving break") */
  /** the calendar's note for the day off, in the district's language and in Spanish */
  noSchoolNote: LocalName | null;
  classes: (ClassRow & { now: boolean; done: boolean })[];
  dueSoon: (AssignmentView & { course: string })[];
  recentScores: (AssignmentView & { course: string })[];
  attendanceToday: AttendanceEvent[];
  announcements: AnnouncementView[];
  needsAttention: Attention[];
  grades: StudentGrades;
}

export async function todayOf(
  db: Kysely<DB>,
  input: {
    student: ReadableStudent;
    date: DateString;
    time: string;
    locale: string;
    districtLocale: string;
    audience: 'students' | 'guardians';
    /** whether the reader (the signed-in account) has confirmed a security email: its announcement goes */
    securityEmailConfirmed: boolean;
  },
): Promise<TodayView> {
  const { date } = input;
  const student = { school_id: input.student.schoolId };
  const preloaded = await preload(db, input.student, date);
  const [grades, attendance, day, announcementRows] = await Promise.all([
    gradesOf(db, input.student, date, preloaded),
    attendanceOf(db, input.student, date, preloaded),
    calendarCache(db, `${student.school_id}:${date}`, () =>
      db.selectFrom('calendar_days').select(['instructional', 'note', 'note_es']).where('school_id', '=', student.school_id).where('date', '=', date).executeTakeFirst(),
    ),
    announcementCache(db, `${student.school_id}:${date}:${input.audience}`, () =>
      db
      .selectFrom('announcements as a')
      .innerJoin('announcement_texts as t', 't.announcement_id', 'a.id')
      .select(['a.id', 't.locale', 't.title', 't.body', 'a.condition'])
      .where('a.start_date', '<=', date)
      .where('a.end_date', '>=', date)
      .where((eb) => eb.or([eb('a.school_id', 'is', null), eb('a.school_id', '=', student.school_id)]))
      .where('a.audience', 'in', ['all', input.audience])
      .orderBy('a.start_date', 'desc')
      .orderBy('a.id', 'desc')
      .execute(),
    ),
  ]);
  const schoolDay = day?.instructional === 1;
  const courseOf = new Map(grades.classes.map((c) => [c.class.sectionId, c.class.courseTitle]));
  const withCourse = (a: AssignmentView) => ({ ...a, course: courseOf.get(a.sectionId) ?? '' });
  const all = grades.classes.flatMap((c) => c.assignments);
  const soon = addDays(date, DUE_SOON_DAYS);
  const since = addDays(date, -RECENT_DAYS);

  const classes = schoolDay
    ? grades.classes
        .map((c) => c.class)
        .filter((c) => c.enrolledFrom <= date && (c.enrolledUntil === null || c.enrolledUntil >= date))
        .filter((c) => c.termIds.some((id) => grades.periods.some((p) => p.termId === id && p.start <= date && date <= p.end)))
        .map((c) => ({ ...c, now: c.start <= input.time && input.time < c.end, done: c.end <= input.time }))
    : [];

  // One announcement per id, in the reader's language when it has one, else the district's.
  const announcements = new Map<number, AnnouncementView>();
  // An announcement aimed at a condition is gone for a reader who has met it.
  const met = (c: AnnouncementCondition | null) => c === 'noSecurityEmail' && input.securityEmailConfirmed;
  for (const r of announcementRows) {
    if (met(r.condition)) continue;
    const seen = announcements.get(r.id);
    if (!seen || (r.locale === input.locale && seen.locale !== input.locale) || (seen.locale !== input.locale && r.locale === input.districtLocale)) {
      announcements.set(r.id, { id: r.id, title: r.title, body: r.body, locale: r.locale });
    }
  }

  const currentTerm = attendance.terms.find((t) => t.current);
  const events = currentTerm?.events ?? [];
  const needsAttention: Attention[] = [
    ...all.filter((a) => a.missing && a.due <= date).map((a) => ({ kind: 'missing' as const, assignment: a, course: courseOf.get(a.sectionId) ?? '' })),
    ...all
      .filter((a) => a.percent !== null && a.percent < LOW_SCORE_PERCENT && a.due >= since && a.due <= date && a.status === 'counted')
      .map((a) => ({ kind: 'lowScore' as const, assignment: a, course: courseOf.get(a.sectionId) ?? '' })),
    ...events.filter((e) => e.excuse === 'unknown').map((e) => ({ kind: 'unexplained' as const, event: e })),
  ];

  return {
    date,
    schoolDay,
    noSchoolNote: schoolDay || !day?.note ? null : bilingual(day.note, day.note_es),
    classes,
    dueSoon: all
      .filter((a) => a.due >= date && a.due <= soon && a.points === null && !a.missing && !a.exempt)
      .sort((a, b) => a.due.localeCompare(b.due) || a.id - b.id)
      .map(withCourse),
    recentScores: all
      .filter((a) => a.points !== null && a.due >= since && a.due <= date)
      .sort((a, b) => b.due.localeCompare(a.due) || b.id - a.id)
      .slice(0, 8)
      .map(withCourse),
    attendanceToday: events.filter((e) => e.date === date),
    announcements: [...announcements.values()],
    needsAttention,
    grades,
  };
}
