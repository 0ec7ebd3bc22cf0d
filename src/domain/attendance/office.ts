/**
 * The attendance office (issue 19): a day's absences and tardies across the office's schools; a record
 * changed to an excused code with a reason (illness, appointment …); a whole-day absence entered for a
 * student, also ahead of time when a parent phones it in; a whole-day record entered by mistake removed.
 * Like taking.ts, every write records its change event and an audit row in the same transaction.
 */
import { sql, type Kysely } from 'kysely';
import type { AttendanceExcuse, AttendanceKind, DateString, DB } from '../../db/schema.js';
import { mayActOnSchool, type OfficeScope } from '../access/staff.js';
import { normalizeStudentNumber } from '../accounts/identity.js';
import { audit } from '../audit/service.js';
import { recordChanges } from '../changes/service.js';

export interface DayRecord {
  id: number;
  studentId: number;
  studentNumber: string;
  firstName: string;
  lastName: string;
  school: string;
  /** null: the whole day */
  course: string | null;
  period: string | null;
  code: string;
  description: string;
  descriptionEs: string | null;
  kind: AttendanceKind;
  excuse: AttendanceExcuse;
  comment: string | null;
}

export interface OfficeCode {
  id: number;
  code: string;
  description: string;
  descriptionEs: string | null;
  kind: AttendanceKind;
  excuse: AttendanceExcuse;
}

/** The codes the office uses: every one of the district's. */
export function officeCodes(db: Kysely<DB>): Promise<OfficeCode[]> {
  return db.selectFrom('attendance_codes').select(['id', 'code', 'description', 'description_es as descriptionEs', 'kind', 'excuse']).orderBy('kind').orderBy('code').execute();
}

/** Every absence, tardy and early release on a day at the office's schools, whole days first, by name. */
export async function recordsOn(db: Kysely<DB>, scope: OfficeScope, date: DateString): Promise<DayRecord[]> {
  let q = db
    .selectFrom('attendance_records as r')
    .innerJoin('students as s', 's.id', 'r.student_id')
    .innerJoin('schools as sc', 'sc.id', 's.school_id')
    .innerJoin('attendance_codes as c', 'c.id', 'r.code_id')
    .leftJoin('sections as se', 'se.id', 'r.section_id')
    .leftJoin('courses as co', 'co.id', 'se.course_id')
    .leftJoin('bell_periods as bp', 'bp.id', 'r.bell_period_id')
    .select([
      'r.id',
      's.id as studentId',
      's.student_number as studentNumber',
      's.legal_first_name',
      's.preferred_first_name',
      's.legal_last_name',
      's.preferred_last_name',
      'sc.name as school',
      'co.title as course',
      'bp.name as period',
      'bp.sequence',
      'c.code',
      'c.description',
      'c.description_es',
      'c.kind',
      'c.excuse',
      'r.comment',
    ])
    .where('r.date', '=', date);
  if (!scope.district) {
    if (scope.schools.size === 0) return [];
    q = q.where('s.school_id', 'in', [...scope.schools]);
  }
  const rows = await q.execute();
  return rows
    .map((r) => ({
      id: r.id,
      studentId: r.studentId,
      studentNumber: r.studentNumber,
      firstName: r.preferred_first_name ?? r.legal_first_name,
      lastName: r.preferred_last_name ?? r.legal_last_name,
      school: r.school,
      course: r.course,
      period: r.period,
      code: r.code,
      description: r.description,
      descriptionEs: r.description_es,
      kind: r.kind,
      excuse: r.excuse,
      comment: r.comment,
      order: r.sequence ?? -1,
    }))
    .sort((a, b) => a.lastName.localeCompare(b.lastName, 'en') || a.firstName.localeCompare(b.firstName, 'en') || a.order - b.order || a.id - b.id)
    .map(({ order: _order, ...r }) => r);
}

export type OfficeResult = { kind: 'saved'; id: number } | { kind: 'notFound' } | { kind: 'invalid'; field: 'number' | 'date' | 'code' | 'reason'; problem: OfficeProblem };
export type OfficeProblem = 'unknownStudent' | 'notSchoolDay' | 'notExcused' | 'unknownCode' | 'alreadyRecorded' | 'reasonNeeded';

interface Actor {
  actorAccountId: number | null;
  ip: string | null;
}

/**
 * A whole-day absence (or tardy, or early release) for a student of the office's schools, on a school
 * day of theirs — today, a past day, or ahead of time. One per student and day: a second is refused.
 */
export async function recordWholeDay(
  db: Kysely<DB>,
  scope: OfficeScope,
  input: { studentNumber: string; date: DateString; codeId: number; comment: string | null } & Actor,
  now: Date,
): Promise<OfficeResult> {
  return db.transaction().execute(async (trx): Promise<OfficeResult> => {
    // The number as typed, or without its leading zeros ("123" finds 0000123).
    const typed = normalizeStudentNumber(input.studentNumber);
    const matches = await trx
      .selectFrom('students')
      .select(['id', 'school_id', 'student_number'])
      .where(sql<string>`ltrim(student_number, '0')`, '=', typed.replace(/^0+/, ''))
      .execute();
    const student = matches.find((m) => m.student_number === typed) ?? (matches.length === 1 ? matches[0] : undefined);
    if (!student || !mayActOnSchool(scope, student.school_id)) return { kind: 'invalid', field: 'number', problem: 'unknownStudent' };
    const code = await trx.selectFrom('attendance_codes').select(['id', 'code']).where('id', '=', input.codeId).executeTakeFirst();
    if (!code) return { kind: 'invalid', field: 'code', problem: 'unknownCode' };
    const day = await trx.selectFrom('calendar_days').select('instructional').where('school_id', '=', student.school_id).where('date', '=', input.date).executeTakeFirst();
    if (day?.instructional !== 1) return { kind: 'invalid', field: 'date', problem: 'notSchoolDay' };
    const existing = await trx.selectFrom('attendance_records').select('id').where('student_id', '=', student.id).where('date', '=', input.date).where('section_id', 'is', null).executeTakeFirst();
    if (existing) return { kind: 'invalid', field: 'date', problem: 'alreadyRecorded' };
    const t = now.toISOString();
    const made = await trx
      .insertInto('attendance_records')
      .values({ student_id: student.id, date: input.date, section_id: null, bell_period_id: null, code_id: code.id, comment: input.comment, created_at: t, updated_at: t, updated_by: input.actorAccountId })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordChanges(
      trx,
      [{ kind: 'attendance', action: 'created', subjectId: made.id, studentId: student.id, schoolId: student.school_id, after: { date: input.date, sectionId: null, code: code.code }, actorAccountId: input.actorAccountId }],
      now,
    );
    await audit(trx, { action: 'attendance.whole_day_recorded', actorAccountId: input.actorAccountId, subjectType: 'student', subjectId: student.id, ip: input.ip, details: { date: input.date, code: code.code } }, now);
    return { kind: 'saved', id: made.id };
  });
}

/** A record of the office's schools changed to an excused code, with the reason it was excused. */
export async function excuseRecord(db: Kysely<DB>, scope: OfficeScope, input: { recordId: number; codeId: number; reason: string } & Actor, now: Date): Promise<OfficeResult> {
  return db.transaction().execute(async (trx): Promise<OfficeResult> => {
    const record = await ownRecord(trx, scope, input.recordId);
    if (!record) return { kind: 'notFound' };
    const code = await trx.selectFrom('attendance_codes').select(['id', 'code', 'kind', 'excuse']).where('id', '=', input.codeId).executeTakeFirst();
    if (!code) return { kind: 'invalid', field: 'code', problem: 'unknownCode' };
    // An absence stays an absence and a tardy a tardy: only its excuse changes.
    if (code.excuse !== 'excused' || code.kind !== record.kind) return { kind: 'invalid', field: 'code', problem: 'notExcused' };
    if (input.reason.trim() === '') return { kind: 'invalid', field: 'reason', problem: 'reasonNeeded' };
    await trx.updateTable('attendance_records').set({ code_id: code.id, comment: input.reason, updated_at: now.toISOString(), updated_by: input.actorAccountId }).where('id', '=', record.id).execute();
    await recordChanges(
      trx,
      [
        {
          kind: 'attendance',
          action: 'updated',
          subjectId: record.id,
          studentId: record.student_id,
          sectionId: record.section_id,
          schoolId: record.school_id,
          before: { date: record.date, sectionId: record.section_id, code: record.code },
          after: { date: record.date, sectionId: record.section_id, code: code.code },
          actorAccountId: input.actorAccountId,
        },
      ],
      now,
    );
    await audit(trx, { action: 'attendance.excused', actorAccountId: input.actorAccountId, subjectType: 'attendance_record', subjectId: record.id, ip: input.ip, details: { before: record.code, after: code.code, reason: input.reason } }, now);
    return { kind: 'saved', id: record.id };
  });
}

/** A whole-day record entered by mistake, removed (a class's record is its teacher's, on its day). */
export async function removeWholeDay(db: Kysely<DB>, scope: OfficeScope, input: { recordId: number } & Actor, now: Date): Promise<OfficeResult> {
  return db.transaction().execute(async (trx): Promise<OfficeResult> => {
    const record = await ownRecord(trx, scope, input.recordId);
    if (!record || record.section_id !== null) return { kind: 'notFound' };
    await trx.deleteFrom('attendance_records').where('id', '=', record.id).execute();
    await recordChanges(
      trx,
      [{ kind: 'attendance', action: 'deleted', subjectId: record.id, studentId: record.student_id, schoolId: record.school_id, before: { date: record.date, sectionId: null, code: record.code }, actorAccountId: input.actorAccountId }],
      now,
    );
    await audit(trx, { action: 'attendance.whole_day_removed', actorAccountId: input.actorAccountId, subjectType: 'student', subjectId: record.student_id, ip: input.ip, details: { date: record.date, code: record.code } }, now);
    return { kind: 'saved', id: record.id };
  });
}

/** A record of a student of the office's schools, or null (another school's answers the same as none). */
async function ownRecord(db: Kysely<DB>, scope: OfficeScope, recordId: number) {
  const record = await db
    .selectFrom('attendance_records as r')
    .innerJoin('students as s', 's.id', 'r.student_id')
    .innerJoin('attendance_codes as c', 'c.id', 'r.code_id')
    .select(['r.id', 'r.student_id', 'r.section_id', 'r.date', 's.school_id', 'c.code', 'c.kind'])
    .where('r.id', '=', recordId)
    .executeTakeFirst();
  return record && mayActOnSchool(scope, record.school_id) ? record : null;
}
