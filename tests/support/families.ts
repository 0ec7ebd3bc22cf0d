/** The students a demo guardian sees: active links with portal access, not revoked. */
import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.js';
import { parsePortalSettings } from '../../src/domain/district/settings.js';

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

export type DemoAccount = { role: string; username: string; password: string; locale: string };

/** The demo panel's accounts: the first of each role, and the parent who reads Spanish. */
export async function demoAccounts(db: Kysely<DB>): Promise<{ byRole: Record<string, DemoAccount>; spanishParent: DemoAccount }> {
  const district = await db.selectFrom('district').select('settings').executeTakeFirstOrThrow();
  const accounts = (parsePortalSettings(district.settings).demo?.accounts ?? []) as DemoAccount[];
  const byRole: Record<string, DemoAccount> = {};
  for (const a of accounts) byRole[a.role] ??= a;
  return { byRole, spanishParent: accounts.find((a) => a.role === 'parent' && a.locale === 'es')! };
}
