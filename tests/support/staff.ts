/** Fixture accounts the demo does not make: office staff of another school, a person's own account. */
import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.js';

/**
 * A sign-in account for the first office staff member of `schoolId` (the demo makes one only for the
 * featured student's school). It gets the demo office account's password hash, so it signs in with the
 * demo password.
 */
export async function officeAccountAt(db: Kysely<DB>, schoolId: number, username: string, demoOfficeUsername: string): Promise<{ username: string; staffId: number }> {
  const staff = await db
    .selectFrom('staff_roles')
    .select('staff_id')
    .where('role', '=', 'office')
    .where('school_id', '=', schoolId)
    .orderBy('staff_id')
    .executeTakeFirstOrThrow();
  const demoOffice = await db.selectFrom('user_accounts').select('password_hash').where('username', '=', demoOfficeUsername).executeTakeFirstOrThrow();
  const now = new Date().toISOString();
  await db
    .insertInto('user_accounts')
    .values({
      username,
      username_key: username,
      password_hash: demoOffice.password_hash,
      status: 'active',
      must_change_password: 0,
      security_email: `${username}@cedarvalley.example.org`,
      security_email_confirmed_at: now,
      person_kind: 'staff',
      student_id: null,
      guardian_id: null,
      staff_id: staff.staff_id,
      locale: null,
      created_at: now,
      updated_at: now,
      updated_by: null,
    })
    .execute();
  return { username, staffId: staff.staff_id };
}

/** An active account with a confirmed security email for a student or a guardian. */
export async function personAccount(
  db: Kysely<DB>,
  person: { studentId: number } | { guardianId: number },
  username: string,
  securityEmail: string,
): Promise<number> {
  const now = new Date().toISOString();
  const row = await db
    .insertInto('user_accounts')
    .values({
      username,
      username_key: username.toLowerCase(),
      password_hash: null,
      status: 'active',
      must_change_password: 0,
      security_email: securityEmail,
      security_email_confirmed_at: now,
      person_kind: 'studentId' in person ? 'student' : 'guardian',
      student_id: 'studentId' in person ? person.studentId : null,
      guardian_id: 'guardianId' in person ? person.guardianId : null,
      staff_id: null,
      locale: null,
      created_at: now,
      updated_at: now,
      updated_by: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
