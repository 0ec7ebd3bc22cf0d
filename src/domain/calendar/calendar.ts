/**
 * The calendar of one student: school days and days without school (with the calendar's reason),
 * the events of the student's school and of the whole district, and the due dates of the student's
 * assignments — for a month (whole weeks, Sunday to Saturday, as US school calendars print them) or a
 * week. Three queries for any range; the same reads feed the private iCalendar feed.
 */
import type { Kysely } from 'kysely';
import type { DateString, DB } from '../../db/schema.js';
import { addDays, toDate, weekday, ymd } from './dates.js';
import { gradesOfEvents } from './events.js';
import { classesOf, type ClassRow } from '../scheduling/schedule.js';
import { shownFlags } from '../gradebook/grade.js';
import type { ReadableStudent } from '../access/portal.js';
import type { MessageKey } from '../../i18n/index.js';

export interface SchoolEventView {
  id: number;
  /** null: a district event */
  schoolId: number | null;
  title: string;
  description: string | null;
  location: string | null;
  start: DateString;
  end: DateString;
  /** 'HH:MM' local; null for an all-day event */
  startTime: string | null;
  endTime: string | null;
}

export interface DueView {
  assignmentId: number;
  sectionId: number;
  title: string;
  course: string;
  due: DateString;
  missing: boolean;
  /** a score has been entered */
  scored: boolean;
}

export interface CalendarDayView {
  date: DateString;
  /** false for the days of the neighbouring months that fill a month's first and last weeks */
  inRange: boolean;
  today: boolean;
  schoolDay: boolean;
  /** 'weekend', 'holiday', 'break', 'teacher_workday' … when there is no school */
  reason: string | null;
  note: string | null;
  /** the note in Spanish, where the district wrote one (migration 0041) */
  noteEs: string | null;
  events: SchoolEventView[];
  due: DueView[];
}

export type CalendarRequest = { view: 'month'; year: number; month: number } | { view: 'week'; start: DateString };

const REASONS = new Set(['holiday', 'break', 'teacher_workday']);

/**
 * Why there is no school, in the reader's language: the calendar's own note ("Thanksgiving break") is
 * written in the district's language and, where the district gave one, in Spanish (migration 0041); a
 * reader of another language gets the kind of day instead.
 */
export function reasonText(
  day: { reason: string | null; note: string | null; noteEs?: string | null },
  locale: string,
  districtLocale: string,
  t: (key: MessageKey) => string,
): string | null {
  if (locale === 'es' && day.noteEs) return day.noteEs;
  if (day.note && locale === districtLocale) return day.note;
  return day.reason && REASONS.has(day.reason) ? t(`calendar.reason.${day.reason}` as MessageKey) : day.note;
}

export interface CalendarView {
  request: CalendarRequest;
  /** the first and last day shown */
  from: DateString;
  to: DateString;
  weeks: CalendarDayView[][];
  /** null at the ends of the calendar's range (2000–2099) */
  previous: CalendarRequest | null;
  next: CalendarRequest | null;
}

const FIRST_YEAR = 2000;
const LAST_YEAR = 2099;

/** The Sunday on or before a date. */
export function weekStart(date: DateString): DateString {
  return addDays(date, -weekday(date));
}

/**
 * What the page's query asks for: `?month=2026-11`, `?week=2026-11-24` (any day of the week), or
 * nothing (this month). Null when the query is malformed or outside 2000–2099.
 */
export function parseCalendarRequest(query: { month?: unknown; week?: unknown; view?: unknown }, today: DateString): CalendarRequest | null {
  const { month, week, view } = query;
  if (month !== undefined && week !== undefined) return null;
  // A view that contradicts the date asked for is as malformed as a bad date.
  if (view !== undefined && ((month !== undefined && view !== 'month') || (week !== undefined && view !== 'week'))) return null;
  if (typeof month === 'string') {
    const m = /^(\d{4})-(\d{2})$/.exec(month);
    if (!m) return null;
    const year = Number(m[1]);
    const mon = Number(m[2]);
    if (year < FIRST_YEAR || year > LAST_YEAR || mon < 1 || mon > 12) return null;
    return { view: 'month', year, month: mon };
  }
  if (typeof week === 'string') {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(week)) return null;
    const date = toDate(week);
    // '2026-02-31' parses as March 3rd: only real dates.
    if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== week) return null;
    const year = date.getUTCFullYear();
    if (year < FIRST_YEAR || year > LAST_YEAR) return null;
    return { view: 'week', start: weekStart(week) };
  }
  if (month !== undefined || week !== undefined) return null;
  if (view === 'week') return { view: 'week', start: weekStart(today) };
  if (view !== undefined && view !== 'month') return null;
  return { view: 'month', year: Number(today.slice(0, 4)), month: Number(today.slice(5, 7)) };
}

function rangeOf(request: CalendarRequest): { from: DateString; to: DateString; inRange: (d: DateString) => boolean } {
  if (request.view === 'week') return { from: request.start, to: addDays(request.start, 6), inRange: () => true };
  const first = ymd(request.year, request.month, 1);
  const last = addDays(ymd(request.year, request.month + 1, 1), -1);
  const prefix = first.slice(0, 7);
  return { from: weekStart(first), to: addDays(weekStart(last), 6), inRange: (d) => d.startsWith(prefix) };
}

function neighbours(request: CalendarRequest): { previous: CalendarRequest | null; next: CalendarRequest | null } {
  const inside = (r: CalendarRequest) => {
    const year = r.view === 'week' ? Number(r.start.slice(0, 4)) : r.year;
    return year >= FIRST_YEAR && year <= LAST_YEAR ? r : null;
  };
  if (request.view === 'week') {
    return { previous: inside({ view: 'week', start: addDays(request.start, -7) }), next: inside({ view: 'week', start: addDays(request.start, 7) }) };
  }
  const shift = (n: number): CalendarRequest => {
    const index = request.year * 12 + (request.month - 1) + n;
    return { view: 'month', year: Math.floor(index / 12), month: (index % 12) + 1 };
  };
  return { previous: inside(shift(-1)), next: inside(shift(1)) };
}

/** The other view of the period shown: the month a week starts in, or the week of a month's first day (today's week in this month). */
export function otherView(request: CalendarRequest, today: DateString): CalendarRequest {
  if (request.view === 'week') return { view: 'month', year: Number(request.start.slice(0, 4)), month: Number(request.start.slice(5, 7)) };
  const first = ymd(request.year, request.month, 1);
  return { view: 'week', start: weekStart(today.startsWith(first.slice(0, 7)) ? today : first) };
}

/** The school's calendar days between two dates (a row for each day the school has planned). */
export function schoolDaysBetween(db: Kysely<DB>, schoolId: number, from: DateString, to: DateString) {
  return db
    .selectFrom('calendar_days')
    .select(['date', 'instructional', 'reason', 'note', 'note_es'])
    .where('school_id', '=', schoolId)
    .where('date', '>=', from)
    .where('date', '<=', to)
    .orderBy('date')
    .execute();
}

/**
 * The events of these students' schools and of the district that touch the range, in the reader's
 * language where written in it. An event for some grade levels only is shown when one of the students
 * is in one of those grades (at the event's school, for a school's event).
 */
export async function eventsBetween(
  db: Kysely<DB>,
  students: readonly { schoolId: number; grade: number }[],
  from: DateString,
  to: DateString,
  locales: { locale: string; districtLocale: string },
): Promise<SchoolEventView[]> {
  const schoolIds = [...new Set(students.map((s) => s.schoolId))];
  const rows = await db
    .selectFrom('school_events as e')
    .innerJoin('school_event_texts as t', 't.event_id', 'e.id')
    .select(['e.id', 'e.school_id', 'e.start_date', 'e.end_date', 'e.start_time', 'e.end_time', 'e.location', 't.locale', 't.title', 't.description', 't.location as localLocation'])
    .where('e.start_date', '<=', to)
    .where('e.end_date', '>=', from)
    .where((eb) => (schoolIds.length === 0 ? eb('e.school_id', 'is', null) : eb.or([eb('e.school_id', 'is', null), eb('e.school_id', 'in', schoolIds)])))
    .orderBy('e.start_date')
    .orderBy('e.start_time')
    .orderBy('e.id')
    .execute();
  const grades = await gradesOfEvents(db, [...new Set(rows.map((r) => r.id))]);
  const forSomeone = (id: number, schoolId: number | null) => {
    const only = grades.get(id);
    return !only || students.some((s) => (schoolId === null || s.schoolId === schoolId) && only.includes(s.grade));
  };
  const byId = new Map<number, (typeof rows)[number]>();
  const rank = (l: string) => (l === locales.locale ? 0 : l === locales.districtLocale ? 1 : 2);
  for (const row of rows) {
    if (!forSomeone(row.id, row.school_id)) continue;
    const seen = byId.get(row.id);
    if (!seen || rank(row.locale) < rank(seen.locale)) byId.set(row.id, row);
  }
  return [...byId.values()].map((r) => ({
    id: r.id,
    schoolId: r.school_id,
    title: r.title,
    description: r.description,
    location: r.localLocation || r.location,
    start: r.start_date,
    end: r.end_date,
    startTime: r.start_time,
    endTime: r.end_time,
  }));
}

/** The student's assignments due in the range, in classes the student was enrolled in on the due date. */
export async function dueBetween(db: Kysely<DB>, student: ReadableStudent, from: DateString, to: DateString, classes?: ClassRow[]): Promise<DueView[]> {
  const studentId = student.id;
  const mine = classes ?? (await classesOf(db, student));
  const bySection = new Map(mine.map((c) => [c.sectionId, c]));
  if (bySection.size === 0) return [];
  const rows = await db
    .selectFrom('assignments as a')
    .leftJoin('assignment_scores as sc', (join) => join.onRef('sc.assignment_id', '=', 'a.id').on('sc.student_id', '=', studentId))
    .select(['a.id', 'a.section_id', 'a.title', 'a.due_date', 'sc.points', 'sc.missing', 'sc.late', 'sc.exempt', 'sc.incomplete', 'sc.dropped'])
    .where('a.section_id', 'in', [...bySection.keys()])
    // not published: the teacher's own, not the family's
    .where('a.published', '=', 1)
    .where('a.due_date', '>=', from)
    .where('a.due_date', '<=', to)
    .orderBy('a.due_date')
    .orderBy('a.id')
    .execute();
  return rows.flatMap((r) => {
    const c = bySection.get(r.section_id)!;
    if (r.due_date < c.enrolledFrom || (c.enrolledUntil !== null && r.due_date > c.enrolledUntil)) return [];
    // Missing as the family is shown it: not when the teacher dropped or excused the work (ADR 0025).
    const { missing } = shownFlags({ points: r.points, missing: r.missing === 1, late: r.late === 1, exempt: r.exempt === 1, incomplete: r.incomplete === 1, dropped: r.dropped === 1 });
    return [{ assignmentId: r.id, sectionId: r.section_id, title: r.title, course: c.courseTitle, due: r.due_date, missing, scored: r.points !== null }];
  });
}

export async function calendarOf(
  db: Kysely<DB>,
  input: { student: ReadableStudent; today: DateString; locale: string; districtLocale: string; request: CalendarRequest },
): Promise<CalendarView> {
  const { request, today } = input;
  const { from, to, inRange } = rangeOf(request);
  const [days, events, due] = await Promise.all([
    schoolDaysBetween(db, input.student.schoolId, from, to),
    eventsBetween(db, [input.student], from, to, input),
    dueBetween(db, input.student, from, to),
  ]);
  const dayOf = new Map(days.map((d) => [d.date, d]));
  const weeks: CalendarDayView[][] = [];
  for (let start = from; start <= to; start = addDays(start, 7)) {
    const week: CalendarDayView[] = [];
    for (let i = 0; i < 7; i++) {
      const date = addDays(start, i);
      const day = dayOf.get(date);
      const weekend = i === 0 || i === 6;
      week.push({
        date,
        inRange: inRange(date),
        today: date === today,
        schoolDay: day?.instructional === 1,
        // A day the school has not planned (summer, another year) is a day without school, said plainly.
        reason: day ? (day.instructional === 1 ? null : day.reason) : weekend ? 'weekend' : null,
        note: day?.note ?? null,
        noteEs: day?.note_es ?? null,
        events: events.filter((e) => e.start <= date && e.end >= date),
        due: due.filter((d) => d.due === date),
      });
    }
    weeks.push(week);
  }
  return { request, from, to, weeks, ...neighbours(request) };
}
