/**
 * Which students an account may see: a student only themself; a guardian each student they have an
 * active link with portal access to, unless rights were revoked. Staff see students through their
 * sections and schools (built with the staff tools).
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';

export interface VisibleStudent {
  id: number;
  firstName: string;
  lastName: string;
  grade: number;
  school: string;
  studentNumber: string;
}

export async function studentsVisibleTo(
  db: Kysely<DB>,
  account: { person_kind: string; student_id: number | null; guardian_id: number | null },
  /** when the district ends guardians' access at 18: students born on or before this date are hidden */
  adultBornOnOrBefore: string | null = null,
): Promise<VisibleStudent[]> {
  let q = db
    .selectFrom('students as s')
    .innerJoin('schools as sc', 'sc.id', 's.school_id')
    .select([
      's.id',
      (eb) => eb.fn.coalesce('s.preferred_first_name', 's.legal_first_name').as('firstName'),
      's.legal_last_name as lastName',
      's.grade_level as grade',
      'sc.name as school',
      's.student_number as studentNumber',
    ])
    .orderBy('s.birth_date')
    .orderBy('s.id');
  if (account.person_kind === 'student' && account.student_id) {
    q = q.where('s.id', '=', account.student_id);
  } else if (account.person_kind === 'guardian' && account.guardian_id) {
    const guardianId = account.guardian_id;
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('student_guardians as sg')
          .select('sg.id')
          .whereRef('sg.student_id', '=', 's.id')
          .where('sg.guardian_id', '=', guardianId)
          .where('sg.portal_access', '=', 1)
          .where('sg.rights_revoked', '=', 0),
      ),
    );
    if (adultBornOnOrBefore) q = q.where('s.birth_date', '>', adultBornOnOrBefore);
  } else {
    return [];
  }
  return (await q.execute()) as VisibleStudent[];
}

export async function staffRoles(db: Kysely<DB>, staffId: number) {
  return db
    .selectFrom('staff_roles as r')
    .leftJoin('schools as s', 's.id', 'r.school_id')
    .select(['r.role', 's.name as school'])
    .where('r.staff_id', '=', staffId)
    .execute();
}
