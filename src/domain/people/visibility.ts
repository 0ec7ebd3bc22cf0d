/**
 * Which students an account may see: a student only themself; a guardian each student they have an
 * active link with portal access to, unless rights were revoked. Staff see students through their
 * sections and schools (built with the staff tools).
 */
import { sql, type Kysely } from 'kysely';
import { prepared } from '../../db/prepared.js';
import type { DB } from '../../db/schema.js';
import { portalLinks } from '../access/guardian-links.js';

export interface VisibleStudent {
  id: number;
  firstName: string;
  lastName: string;
  grade: number;
  school: string;
  schoolId: number;
  studentNumber: string;
}

const columns = [
  's.id',
  's.preferred_first_name',
  's.legal_first_name',
  's.legal_last_name as lastName',
  's.grade_level as grade',
  'sc.name as school',
  's.school_id as schoolId',
  's.student_number as studentNumber',
] as const;

// Every portal page asks this: built once per shape.
const theStudent = prepared((db, p: { studentId: number }) =>
  db
    .selectFrom('students as s')
    .innerJoin('schools as sc', 'sc.id', 's.school_id')
    .select([...columns, 's.birth_date'])
    .where('s.id', '=', p.studentId),
);
/** From the guardian's links (indexed), never a scan of every student. */
const guardiansStudents = (db: Kysely<DB>, guardianId: number) =>
  portalLinks(db)
    .innerJoin('students as s', 's.id', 'sg.student_id')
    .innerJoin('schools as sc', 'sc.id', 's.school_id')
    .select([...columns, 's.birth_date'])
    .where('sg.guardian_id', '=', guardianId)
    .orderBy('s.birth_date')
    .orderBy('s.id');
const childrenOf = prepared((db, p: { guardianId: number }) => guardiansStudents(db, p.guardianId));
const minorChildrenOf = prepared((db, p: { guardianId: number; bornAfter: string }) => guardiansStudents(db, p.guardianId).where('s.birth_date', '>', p.bornAfter));

export async function studentsVisibleTo(
  db: Kysely<DB>,
  account: { person_kind: string; student_id: number | null; guardian_id: number | null },
  /** when the district ends guardians' access at 18: students born on or before this date are hidden */
  adultBornOnOrBefore: string | null = null,
): Promise<VisibleStudent[]> {
  let rows;
  if (account.person_kind === 'student' && account.student_id) {
    rows = await theStudent(db, { studentId: account.student_id });
  } else if (account.person_kind === 'guardian' && account.guardian_id) {
    rows = adultBornOnOrBefore
      ? await minorChildrenOf(db, { guardianId: account.guardian_id, bornAfter: adultBornOnOrBefore })
      : await childrenOf(db, { guardianId: account.guardian_id });
  } else {
    return [];
  }
  return visibleFromRows(rows);
}

/** A row of the students' columns (as the queries here select them), with the birth date they are ordered by. */
export type VisibleRow = {
  id: number;
  preferred_first_name: string | null;
  legal_first_name: string;
  lastName: string;
  grade: number;
  school: string;
  schoolId: number;
  studentNumber: string;
  birth_date: string;
};

/** The visible students of rows, each once, in the order the rows came. */
function visibleFromRows(rows: readonly VisibleRow[]): VisibleStudent[] {
  const seen = new Set<number>();
  return rows
    .filter((r) => !seen.has(r.id) && seen.add(r.id))
    .map((r) => ({
      id: r.id,
      firstName: r.preferred_first_name ?? r.legal_first_name,
      lastName: r.lastName,
      grade: r.grade,
      school: r.school,
      schoolId: r.schoolId,
      studentNumber: r.studentNumber,
    }));
}

/**
 * The students visible to the account `a` of an enclosing query (its person_kind, student_id and
 * guardian_id), as a correlated subquery of that query: the same rule as studentsVisibleTo, a student's
 * own record or a guardian's portal links (born after `bornAfter` when the district ends access at 18).
 * `ids` selects only the students' ids (for an `in`); otherwise their columns, for studentsVisibleFromRows.
 */
export function visibleToAccountQuery(db: Kysely<DB>, options: { bornAfter: string | null; ids: boolean }) {
  const kind = sql.ref<string>('a.person_kind');
  const own = db
    .selectFrom('students as s')
    .innerJoin('schools as sc', 'sc.id', 's.school_id')
    .where('s.id', '=', sql.ref<number>('a.student_id'))
    .where(kind, '=', 'student');
  const children = portalLinks(db)
    .innerJoin('students as s', 's.id', 'sg.student_id')
    .innerJoin('schools as sc', 'sc.id', 's.school_id')
    .where('sg.guardian_id', '=', sql.ref<number>('a.guardian_id'))
    .where(kind, '=', 'guardian')
    .$if(options.bornAfter !== null, (q) => q.where('s.birth_date', '>', options.bornAfter!));
  if (options.ids) return own.select('s.id').unionAll(children.select('s.id'));
  return own.select([...columns, 's.birth_date']).unionAll(children.select([...columns, 's.birth_date']));
}

/**
 * The visible students of visibleToAccountQuery's rows (in any order): ordered as studentsVisibleTo
 * orders them (a guardian's children by birth date, then id), each once.
 */
export function studentsVisibleFromRows(rows: readonly VisibleRow[]): VisibleStudent[] {
  const sorted = [...rows].sort((x, y) => (x.birth_date < y.birth_date ? -1 : x.birth_date > y.birth_date ? 1 : x.id - y.id));
  return visibleFromRows(sorted);
}

export async function staffRoles(db: Kysely<DB>, staffId: number) {
  return db
    .selectFrom('staff_roles as r')
    .leftJoin('schools as s', 's.id', 'r.school_id')
    .select(['r.role', 's.name as school'])
    .where('r.staff_id', '=', staffId)
    .execute();
}
