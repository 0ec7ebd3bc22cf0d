/** The students a demo guardian sees: active links with portal access, not revoked. */
import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.js';

export async function childrenOf(db: Kysely<DB>, username: string): Promise<number[]> {
  const account = await db.selectFrom('user_accounts').select('guardian_id').where('username', '=', username).executeTakeFirstOrThrow();
  const rows = await db
    .selectFrom('student_guardians')
    .select('student_id')
    .where('guardian_id', '=', account.guardian_id!)
    .where('portal_access', '=', 1)
    .where('rights_revoked', '=', 0)
    .orderBy('student_id')
    .execute();
  return [...new Set(rows.map((r) => r.student_id))];
}
