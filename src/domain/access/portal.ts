/**
 * Who may read a student's portal records: the student themself, and guardians through an active link
 * with portal access (not revoked; not after 18 when the district ends access then) — the rule of
 * people/visibility.ts. The proof that this was checked is a `ReadableStudent`, and only this module
 * makes one: every portal read (gradesOf, scheduleOf, transcriptOf …) takes it instead of a student id,
 * so a route or job that forgets to ask does not compile. A student the reader may not see is answered
 * exactly like one that does not exist.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { audit } from '../audit/service.js';
import { studentsVisibleFromRows, studentsVisibleTo, visibleToAccountQuery, type VisibleRow, type VisibleStudent } from '../people/visibility.js';
import type { CounselorScope, StaffReach } from './staff.js';

declare const checked: unique symbol;
/** A student whose portal records the reader may see: made only here, after the check. */
export type ReadableStudent = VisibleStudent & { readonly [checked]: true };

export interface PortalReader {
  person_kind: string;
  student_id: number | null;
  guardian_id: number | null;
}

export class StudentNotFound extends Error {
  constructor() {
    super('No such student for this reader');
    this.name = 'StudentNotFound';
  }
}

/** Every student this reader may see (a student: themself; a guardian: their children), each with its proof. */
export async function studentsReadableBy(db: Kysely<DB>, reader: PortalReader, adultBornOnOrBefore: string | null): Promise<ReadableStudent[]> {
  return (await studentsVisibleTo(db, reader, adultBornOnOrBefore)) as ReadableStudent[];
}

/**
 * The same rule as studentsReadableBy for the account `a` of an enclosing query, as a correlated subquery
 * (one statement asks a session, its readable students and its header counts: domain/portal/prefix.ts).
 * `ids`: only the students' ids, for an `in`; otherwise their rows, which readableFromRows makes proofs of.
 */
export function readableToAccountQuery(db: Kysely<DB>, options: { adultBornOnOrBefore: string | null; ids: boolean }) {
  return visibleToAccountQuery(db, { bornAfter: options.adultBornOnOrBefore, ids: options.ids });
}

/** The proofs of the rows readableToAccountQuery answered (in studentsReadableBy's order). */
export function readableFromRows(rows: readonly VisibleRow[]): ReadableStudent[] {
  return studentsVisibleFromRows(rows) as ReadableStudent[];
}

/** The student, if this reader may see them; otherwise StudentNotFound (the route answers 404). */
export async function readableStudent(
  db: Kysely<DB>,
  reader: PortalReader,
  studentId: number,
  adultBornOnOrBefore: string | null,
  /** what studentsReadableBy already answered for this same reader in this request, to ask only once */
  readable?: readonly ReadableStudent[],
): Promise<ReadableStudent> {
  if (reader.person_kind === 'student') {
    if (reader.student_id !== studentId) throw new StudentNotFound();
  } else if (reader.person_kind !== 'guardian') {
    throw new StudentNotFound();
  }
  const student = (readable ?? (await studentsReadableBy(db, reader, adultBornOnOrBefore))).find((s) => s.id === studentId);
  if (!student) throw new StudentNotFound();
  return student;
}

/** Why a staff member opened a student's records: written to the audit log with each open. */
export type StaffReadPurpose = 'student' | 'grades' | 'attendance' | 'transcript' | 'transferCredit' | 'records';

/**
 * The proof for a staff reader (ADR 0019): the student, if the staff member's reach covers them — a
 * school of theirs (all of them for a district administrator), or a section they teach today with the
 * student enrolled today. A counselor's scope reaches the students of the counselor's schools only.
 * Every proof made here is one open of a student's records by staff, and is written to the audit log
 * (who, which student, what for) before anything is read; a student out of reach answers
 * StudentNotFound and writes nothing.
 */
export async function readableByStaff(
  db: Kysely<DB>,
  reach: StaffReach | CounselorScope,
  studentId: number,
  opened: { actorAccountId: number; ip: string | null; purpose: StaffReadPurpose; today: string },
  now: Date,
): Promise<ReadableStudent> {
  const row = await db
    .selectFrom('students as s')
    .innerJoin('schools as sc', 'sc.id', 's.school_id')
    .select(['s.id', 's.preferred_first_name', 's.legal_first_name', 's.legal_last_name', 's.grade_level', 'sc.name as school', 's.school_id', 's.student_number'])
    .where('s.id', '=', studentId)
    .executeTakeFirst();
  if (!row || !(await withinReach(db, reach, row, opened.today))) throw new StudentNotFound();
  await audit(db, { action: 'student.viewed_by_staff', actorAccountId: opened.actorAccountId, subjectType: 'student', subjectId: row.id, ip: opened.ip, details: { page: opened.purpose } }, now);
  const student: VisibleStudent = {
    id: row.id,
    firstName: row.preferred_first_name ?? row.legal_first_name,
    lastName: row.legal_last_name,
    grade: row.grade_level,
    school: row.school,
    schoolId: row.school_id,
    studentNumber: row.student_number,
  };
  return student as ReadableStudent;
}

async function withinReach(db: Kysely<DB>, reach: StaffReach | CounselorScope, student: { id: number; school_id: number }, today: string): Promise<boolean> {
  if ('district' in reach && reach.district) return true;
  if (reach.schools.has(student.school_id)) return true;
  if (!('sections' in reach) || reach.sections.size === 0) return false;
  const enrolled = await db
    .selectFrom('section_enrollments')
    .select('id')
    .where('student_id', '=', student.id)
    .where('section_id', 'in', [...reach.sections])
    .where('begin_date', '<=', today)
    .where((eb) => eb.or([eb('end_date', 'is', null), eb('end_date', '>=', today)]))
    .executeTakeFirst();
  return Boolean(enrolled);
}
