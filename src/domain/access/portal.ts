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
import { studentsVisibleTo, type VisibleStudent } from '../people/visibility.js';

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
