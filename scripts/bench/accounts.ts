/** Benchmarks' districts where every student and guardian has signed in (the demo makes only a few accounts). */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/db/connect.js';
import type { DB } from '../../src/db/schema.js';

/**
 * One active account with a confirmed address (`bench-<kind>-<id>@example.org`) for every student and
 * guardian without one, made set-based, stamped `at`.
 */
export async function accountsForEveryone(database: Database, at: Date): Promise<void> {
  const db: Kysely<DB> = database.db;
  const stamp = database.dialect === 'postgres' ? sql`cast(${at.toISOString()} as timestamptz)` : sql`${at.toISOString()}`;
  for (const [kind, table, column] of [['student', 'students', 'student_id'], ['guardian', 'guardians', 'guardian_id']] as const) {
    await sql`insert into user_accounts (username, username_key, password_hash, status, must_change_password, security_email, security_email_confirmed_at, person_kind, student_id, guardian_id, staff_id, locale, created_at, updated_at, updated_by)
      select ${`bench-${kind}-`} || p.id, ${`bench-${kind}-`} || p.id, null, 'active', 0, ${`bench-${kind}-`} || p.id || '@example.org', ${stamp}, ${kind},
             ${kind === 'student' ? sql`p.id` : sql`cast(null as integer)`}, ${kind === 'guardian' ? sql`p.id` : sql`cast(null as integer)`}, cast(null as integer), cast(null as text), ${stamp}, ${stamp}, cast(null as integer)
        from ${sql.table(table)} p
       where not exists (select 1 from user_accounts u where u.${sql.ref(column)} = p.id)`.execute(db);
  }
}
