/**
 * Who may read a student's portal records: the student themself, and guardians through an active link
 * with portal access (not revoked; not after 18 when the district ends access then). Every portal read
 * starts here; a student the reader may not see is answered exactly like one that does not exist.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { studentsVisibleTo, type VisibleStudent } from '../people/visibility.js';

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

/** The student, if this reader may see them; otherwise StudentNotFound (the route answers 404). */
export async function readableStudent(
  db: Kysely<DB>,
  reader: PortalReader,
  studentId: number,
  adultBornOnOrBefore: string | null,
  /** what studentsVisibleTo already answered for this reader in this request, to ask only once */
  visible?: VisibleStudent[],
): Promise<VisibleStudent> {
  if (reader.person_kind === 'student') {
    if (reader.student_id !== studentId) throw new StudentNotFound();
  } else if (reader.person_kind !== 'guardian') {
    throw new StudentNotFound();
  }
  const student = (visible ?? (await studentsVisibleTo(db, reader, adultBornOnOrBefore))).find((s) => s.id === studentId);
  if (!student) throw new StudentNotFound();
  return student;
}
