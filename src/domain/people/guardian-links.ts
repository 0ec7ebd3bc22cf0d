/**
 * Staff link an existing parent account to another student, or take the access away (the link stays
 * as a contact record without portal access). Office staff and school administrators act for their
 * schools' students, district administrators for all; a link whose rights were revoked (court order)
 * is never turned back on here. Audited; takes effect on the parent's next page.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { normalizeStudentNumber, normalizeUsername } from '../accounts/identity.js';
import { audit } from '../audit/service.js';
import { mayActOnSchool, type OfficeScope } from '../access/staff.js';

export const RELATIONSHIPS = ['mother', 'father', 'guardian', 'grandparent', 'stepparent', 'other'] as const;

export type LinkProblem = 'noAccount' | 'noStudent' | 'revoked' | 'alreadyLinked' | 'notLinked';
export type LinkResult = { kind: 'ok'; parent: string; student: string } | { kind: 'problem'; field: 'username' | 'studentNumber'; problem: LinkProblem };

async function find(db: Kysely<DB>, username: string, studentNumber: string) {
  const account = await db
    .selectFrom('user_accounts as a')
    .innerJoin('guardians as g', 'g.id', 'a.guardian_id')
    .select(['a.id', 'a.guardian_id', 'g.first_name', 'g.last_name'])
    .where('a.username_key', '=', normalizeUsername(username))
    .where('a.person_kind', '=', 'guardian')
    .executeTakeFirst();
  const student = await db
    .selectFrom('students')
    .select(['id', 'school_id', 'legal_first_name', 'legal_last_name', 'preferred_first_name'])
    .where('student_number', '=', normalizeStudentNumber(studentNumber))
    .executeTakeFirst();
  return { account, student };
}

export async function changeGuardianLink(
  db: Kysely<DB>,
  input: { scope: OfficeScope; actorAccountId: number; username: string; studentNumber: string; relationship?: string; link: boolean; ip: string | null },
  now: Date,
): Promise<LinkResult> {
  const { account, student } = await find(db, input.username, input.studentNumber);
  if (!account || !account.guardian_id) return { kind: 'problem', field: 'username', problem: 'noAccount' };
  // A student of another school answers as a number that names nobody: no hint that the student exists.
  if (!student || !mayActOnSchool(input.scope, student.school_id)) return { kind: 'problem', field: 'studentNumber', problem: 'noStudent' };
  const existing = await db
    .selectFrom('student_guardians')
    .selectAll()
    .where('student_id', '=', student.id)
    .where('guardian_id', '=', account.guardian_id)
    .executeTakeFirst();
  const t = now.toISOString();
  const names = { parent: `${account.first_name} ${account.last_name}`, student: `${student.preferred_first_name ?? student.legal_first_name} ${student.legal_last_name}` };
  if (input.link) {
    if (existing?.rights_revoked) return { kind: 'problem', field: 'studentNumber', problem: 'revoked' };
    if (existing?.portal_access) return { kind: 'problem', field: 'studentNumber', problem: 'alreadyLinked' };
    await db.transaction().execute(async (trx) => {
      if (existing) {
        await trx
          .updateTable('student_guardians')
          .set({ portal_access: 1, updated_at: t, updated_by: input.actorAccountId })
          .where('id', '=', existing.id)
          .execute();
      } else {
        await trx
          .insertInto('student_guardians')
          .values({
            student_id: student.id,
            guardian_id: account.guardian_id as number,
            relationship: input.relationship ?? 'guardian',
            portal_access: 1,
            lives_with: 0,
            receives_mail: 1,
            emergency_contact: 0,
            contact_priority: 9,
            created_at: t,
            updated_at: t,
            updated_by: input.actorAccountId,
          })
          .execute();
      }
      await audit(trx, { action: 'guardian_link.added', actorAccountId: input.actorAccountId, subjectType: 'student', subjectId: student.id, ip: input.ip, details: { account: account.id } }, now);
    });
  } else {
    if (!existing?.portal_access) return { kind: 'problem', field: 'studentNumber', problem: 'notLinked' };
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('student_guardians')
        .set({ portal_access: 0, updated_at: t, updated_by: input.actorAccountId })
        .where('id', '=', existing.id)
        .execute();
      await audit(trx, { action: 'guardian_link.removed', actorAccountId: input.actorAccountId, subjectType: 'student', subjectId: student.id, ip: input.ip, details: { account: account.id } }, now);
    });
  }
  return { kind: 'ok', ...names };
}
