/**
 * Taking attendance (issue 19): a teacher marks each student of a section present, absent or tardy for a
 * meeting; the office sees which sections have not taken it. This module is the only writer of a
 * section's attendance records: each change is recorded as a change event (kind 'attendance') and in
 * the audit log, in the same transaction as the records.
 *
 * - A present student has no record; an absence or a tardy is one record for the section and day.
 * - Submitting a roster with nobody marked records "taken, all present" (`attendance_takings`), so the
 *   office's list of sections that have not taken attendance is right.
 * - The teacher may take or correct a meeting's attendance on its day only; after that it is the office's.
 * - The form carries the version it was opened at and the students it listed: a roster that changed, or
 *   a save by a co-teacher in between, is refused with the current roster instead of overwriting it.
 * - A whole-day record the office made (a phoned-in absence) is shown beside the student; the teacher's
 *   mark for the class is kept apart from it.
 */
import { sql, type Kysely } from 'kysely';
import type { AttendanceExcuse, AttendanceKind, DateString, DB } from '../../db/schema.js';
import { mayActOnSchool, teachesSection, type OfficeScope, type TeacherScope } from '../access/staff.js';
import { audit } from '../audit/service.js';
import { ttlCache } from '../cache.js';
import { recordChanges, type Change } from '../changes/service.js';

export interface MeetingSection {
  sectionId: number;
  sectionCode: string;
  courseTitle: string;
  schoolId: number;
  school: string;
  period: string;
  periodSequence: number;
  start: string;
  end: string;
  room: string | null;
  /** when attendance was taken for the day, or null */
  takenAt: string | null;
}

export interface AttendanceCode {
  id: number;
  code: string;
  /** what the code means, naming its kind ("Absent: illness"), and its Spanish, when the district has one */
  description: string;
  descriptionEs: string | null;
  kind: AttendanceKind;
  excuse: AttendanceExcuse;
}

export interface RosterRow {
  studentId: number;
  studentNumber: string;
  firstName: string;
  lastName: string;
  /** the student's mark for this class and day: a code, or null for present */
  codeId: number | null;
  /** a whole-day record the office made for the day, if any */
  wholeDay: { code: string; description: string; descriptionEs: string | null } | null;
}

export interface Roster {
  section: MeetingSection;
  date: DateString;
  rows: RosterRow[];
  /** the codes a teacher may mark: absences and tardies */
  codes: AttendanceCode[];
  /** saves so far (0: not taken): the form sends it back */
  version: number;
  /** whether the teacher may still take or correct it (its day is today) */
  open: boolean;
  /** the bell period its records are written for: the section's first of the day */
  bellPeriodId: number;
}

/** Sections meeting on a day: their term covers it and their school has class that day. */
function meetingOn(db: Kysely<DB>, date: DateString) {
  return db
    .selectFrom('sections as s')
    .innerJoin('courses as c', 'c.id', 's.course_id')
    .innerJoin('schools as sc', 'sc.id', 's.school_id')
    .innerJoin('section_periods as sp', 'sp.section_id', 's.id')
    .innerJoin('bell_periods as bp', 'bp.id', 'sp.bell_period_id')
    .leftJoin('attendance_takings as t', (j) => j.onRef('t.section_id', '=', 's.id').on('t.date', '=', date))
    .select([
      's.id as sectionId',
      's.section_code as sectionCode',
      'c.title as courseTitle',
      's.school_id as schoolId',
      'sc.name as school',
      'bp.name as period',
      'bp.sequence as periodSequence',
      'bp.start_time as start',
      'bp.end_time as end',
      's.room',
      't.taken_at as takenAt',
      // for a roster: the taking's version and the period its records are written for
      't.version as takenVersion',
      'bp.id as bellPeriodId',
    ])
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('section_terms as st')
          .innerJoin('academic_sessions as a', 'a.id', 'st.academic_session_id')
          .select(sql`1`.as('one'))
          .whereRef('st.section_id', '=', 's.id')
          .where('a.start_date', '<=', date)
          .where('a.end_date', '>=', date),
      ),
    )
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('calendar_days as d')
          .select(sql`1`.as('one'))
          .whereRef('d.school_id', '=', 's.school_id')
          .where('d.date', '=', date)
          .where('d.instructional', '=', 1),
      ),
    )
    .orderBy('bp.sequence')
    .orderBy('s.id');
}

function asMeeting({ takenVersion: _version, bellPeriodId: _period, ...r }: { takenAt: unknown; takenVersion: unknown; bellPeriodId: unknown } & Omit<MeetingSection, 'takenAt'>): MeetingSection {
  return { ...r, takenAt: r.takenAt === null || r.takenAt === undefined ? null : new Date(r.takenAt as string).toISOString() };
}

/** A teacher's classes meeting on a day, in period order. */
export async function myClassesOn(db: Kysely<DB>, scope: TeacherScope, date: DateString): Promise<MeetingSection[]> {
  if (scope.sections.size === 0) return [];
  const rows = await meetingOn(db, date).where('s.id', 'in', [...scope.sections]).execute();
  return dedupe(rows.map(asMeeting));
}

/** A section meeting in two periods appears once, at its first. */
function dedupe(rows: MeetingSection[]): MeetingSection[] {
  const seen = new Set<number>();
  return rows.filter((r) => (seen.has(r.sectionId) ? false : (seen.add(r.sectionId), true)));
}

/** The office's view: sections of its schools meeting on a day whose attendance was not taken. */
export async function sectionsNotTaken(db: Kysely<DB>, scope: OfficeScope, date: DateString): Promise<MeetingSection[]> {
  const rows = dedupe((await meetingOn(db, date).where('t.id', 'is', null).execute()).map(asMeeting));
  return rows.filter((r) => mayActOnSchool(scope, r.schoolId));
}

// The district's attendance codes are set up with the district (or by an import) and change a few times
// a year: cached a minute, like the grading scales, instead of asked at every roster.
const codesCache = ttlCache<AttendanceCode[]>(60_000);

/** The codes a teacher may mark (absences and tardies). */
function codesForTeachers(db: Kysely<DB>): Promise<AttendanceCode[]> {
  return codesCache(db, 'teachers', () =>
    db.selectFrom('attendance_codes').select(['id', 'code', 'description', 'description_es as descriptionEs', 'kind', 'excuse']).where('kind', 'in', ['absent', 'tardy']).orderBy('kind').orderBy('code').execute(),
  );
}

/**
 * The roster of a section the teacher teaches, for a day it meets; null when not theirs or not meeting.
 * Three queries: the meeting (with the taking's version and the section's first period of the day),
 * the students enrolled that day with their marks for the class and the office's whole-day records,
 * and the codes.
 */
export async function rosterFor(
  db: Kysely<DB>,
  scope: TeacherScope,
  sectionId: number,
  date: DateString,
  today: DateString,
  /** the codes, read already (a save reads them before its transaction, from the cache) */
  codes?: AttendanceCode[],
): Promise<Roster | null> {
  if (!teachesSection(scope, sectionId)) return null;
  // In period order: a section meeting in two periods is taken once, at its first.
  const meeting = (await meetingOn(db, date).where('s.id', '=', sectionId).execute())[0];
  if (!meeting) return null;
  const [marked, markable] = await Promise.all([
    db
      .selectFrom('section_enrollments as e')
      .innerJoin('students as st', 'st.id', 'e.student_id')
      // the student's record for this class, and the office's whole-day record, when there are
      .leftJoin('attendance_records as r', (j) =>
        j
          .onRef('r.student_id', '=', 'st.id')
          .on('r.date', '=', date)
          .on((eb) => eb.or([eb('r.section_id', '=', sectionId), eb('r.section_id', 'is', null)])),
      )
      .leftJoin('attendance_codes as c', 'c.id', 'r.code_id')
      .select(['st.id', 'st.student_number', 'st.legal_first_name', 'st.preferred_first_name', 'st.legal_last_name', 'st.preferred_last_name', 'r.section_id', 'r.code_id', 'c.code', 'c.description', 'c.description_es'])
      .where('e.section_id', '=', sectionId)
      .where('e.begin_date', '<=', date)
      .where((eb) => eb.or([eb('e.end_date', 'is', null), eb('e.end_date', '>=', date)]))
      .execute(),
    codes ?? codesForTeachers(db),
  ]);
  const byStudent = new Map<number, RosterRow>();
  for (const s of marked) {
    let row = byStudent.get(s.id);
    if (!row) {
      row = {
        studentId: s.id,
        studentNumber: s.student_number,
        firstName: s.preferred_first_name ?? s.legal_first_name,
        lastName: s.preferred_last_name ?? s.legal_last_name,
        codeId: null,
        wholeDay: null,
      };
      byStudent.set(s.id, row);
    }
    if (s.code_id === null || s.code === null || s.description === null) continue;
    if (s.section_id === sectionId) row.codeId ??= s.code_id;
    else if (s.section_id === null) row.wholeDay ??= { code: s.code, description: s.description, descriptionEs: s.description_es };
  }
  const rows = [...byStudent.values()].sort((a, b) => a.lastName.localeCompare(b.lastName, 'en') || a.firstName.localeCompare(b.firstName, 'en') || a.studentId - b.studentId);
  const version = meeting.takenVersion === null || meeting.takenVersion === undefined ? 0 : Number(meeting.takenVersion);
  return { section: asMeeting(meeting), date, rows, codes: markable, version, open: date === today, bellPeriodId: meeting.bellPeriodId };
}

export type TakeResult =
  | { kind: 'saved'; changed: number }
  | { kind: 'notFound' }
  | { kind: 'closed' }
  /** the roster or its marks changed since the form was opened: nothing was saved */
  | { kind: 'stale'; roster: Roster }
  | { kind: 'invalid'; studentIds: number[] };

/**
 * Saves a roster: `marks` has every listed student, each a code id or null for present; `listed` the
 * students the form showed, `version` the version it was opened at. One transaction: the records, the
 * taking, the change events and the audit row, or nothing.
 */
export async function takeAttendance(
  db: Kysely<DB>,
  scope: TeacherScope,
  input: { sectionId: number; date: DateString; marks: Map<number, number | null>; listed: number[]; version: number; actorAccountId: number | null; ip: string | null },
  today: DateString,
  now: Date,
): Promise<TakeResult> {
  try {
    return await saveRoster(db, scope, input, today, now);
  } catch (error) {
    if (!(error instanceof Collided)) throw error;
    const roster = await rosterFor(db, scope, input.sectionId, input.date, today);
    return roster ? { kind: 'stale', roster } : { kind: 'notFound' };
  }
}

class Collided extends Error {}

async function saveRoster(
  db: Kysely<DB>,
  scope: TeacherScope,
  input: Parameters<typeof takeAttendance>[2],
  today: DateString,
  now: Date,
): Promise<TakeResult> {
  // The codes from the cache, before the transaction: one statement fewer while it holds its lock.
  const codes = await codesForTeachers(db);
  // On SQLite the write lock is taken before the roster is read (db/connect.ts): two processes' saves
  // wait their turn instead of the second failing.
  return db.transaction().execute(async (trx): Promise<TakeResult> => {
    const roster = await rosterFor(trx, scope, input.sectionId, input.date, today, codes);
    if (!roster) return { kind: 'notFound' };
    if (!roster.open) return { kind: 'closed' };
    const current = roster.rows.map((r) => r.studentId).sort((a, b) => a - b);
    const listed = [...new Set(input.listed)].sort((a, b) => a - b);
    if (roster.version !== input.version || current.join(',') !== listed.join(',')) return { kind: 'stale', roster };
    const allowed = new Set(roster.codes.map((c) => c.id));
    const bad = roster.rows.filter((r) => !input.marks.has(r.studentId) || (input.marks.get(r.studentId) !== null && !allowed.has(input.marks.get(r.studentId)!)));
    if (bad.length > 0) return { kind: 'invalid', studentIds: bad.map((r) => r.studentId) };

    const t = now.toISOString();
    const codeOf = new Map(roster.codes.map((c) => [c.id, c.code]));
    const changes: Change[] = [];
    const fresh: { studentId: number; codeId: number; at: number }[] = [];
    for (const row of roster.rows) {
      const next = input.marks.get(row.studentId) ?? null;
      if (next === row.codeId) continue;
      const before = row.codeId === null ? null : { date: input.date, sectionId: input.sectionId, code: codeOf.get(row.codeId) ?? null };
      const after = next === null ? null : { date: input.date, sectionId: input.sectionId, code: codeOf.get(next) };
      let subjectId: number;
      const existing = trx.selectFrom('attendance_records').select('id').where('student_id', '=', row.studentId).where('date', '=', input.date).where('section_id', '=', input.sectionId);
      if (next === null) {
        const gone = await existing.executeTakeFirstOrThrow();
        await trx.deleteFrom('attendance_records').where('id', '=', gone.id).execute();
        subjectId = gone.id;
      } else if (row.codeId === null) {
        // Written below with the others, in one statement (most of a first taking's records are new).
        fresh.push({ studentId: row.studentId, codeId: next, at: changes.length });
        subjectId = 0;
      } else {
        const kept = await existing.executeTakeFirstOrThrow();
        await trx.updateTable('attendance_records').set({ code_id: next, updated_at: t, updated_by: input.actorAccountId }).where('id', '=', kept.id).execute();
        subjectId = kept.id;
      }
      changes.push({
        kind: 'attendance',
        action: row.codeId === null ? 'created' : next === null ? 'deleted' : 'updated',
        subjectId,
        studentId: row.studentId,
        sectionId: input.sectionId,
        schoolId: roster.section.schoolId,
        before,
        after,
        actorAccountId: input.actorAccountId,
      });
    }
    if (fresh.length > 0) {
      const made = await trx
        .insertInto('attendance_records')
        .values(
          fresh.map((f) => ({
            student_id: f.studentId,
            date: input.date,
            section_id: input.sectionId,
            bell_period_id: roster.bellPeriodId,
            code_id: f.codeId,
            comment: null,
            created_at: t,
            updated_at: t,
            updated_by: input.actorAccountId,
          })),
        )
        .returning(['id', 'student_id'])
        .execute();
      const idOf = new Map(made.map((m) => [m.student_id, m.id]));
      for (const f of fresh) changes[f.at]!.subjectId = idOf.get(f.studentId)!;
    }
    // A co-teacher's save that came in between (PostgreSQL runs both at once) makes this one write no
    // taking row: the whole transaction is undone and the form answered with the current roster.
    const taken =
      roster.version === 0
        ? await trx
            .insertInto('attendance_takings')
            .values({ section_id: input.sectionId, date: input.date, taken_at: t, taken_by: input.actorAccountId })
            .onConflict((oc) => oc.columns(['section_id', 'date']).doNothing())
            .executeTakeFirst()
        : await trx
            .updateTable('attendance_takings')
            .set({ taken_at: t, taken_by: input.actorAccountId, version: roster.version + 1 })
            .where('section_id', '=', input.sectionId)
            .where('date', '=', input.date)
            .where('version', '=', roster.version)
            .executeTakeFirst();
    const written = 'numInsertedOrUpdatedRows' in taken ? taken.numInsertedOrUpdatedRows : taken.numUpdatedRows;
    if (Number(written ?? 0) !== 1) throw new Collided();
    await recordChanges(trx, changes, now);
    await audit(
      trx,
      {
        action: 'attendance.taken',
        actorAccountId: input.actorAccountId,
        subjectType: 'section',
        subjectId: input.sectionId,
        ip: input.ip,
        details: { date: input.date, changes: changes.map((c) => ({ student: c.studentId, before: c.before?.code ?? null, after: c.after?.code ?? null })) },
      },
      now,
    );
    return { kind: 'saved', changed: changes.length };
  });
}
