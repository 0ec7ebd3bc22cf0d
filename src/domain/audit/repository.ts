/** Writing the audit log's rows. */
import type { Kysely } from 'kysely';
import { prepared } from '../../db/prepared.js';
import type { DB } from '../../db/schema.js';

export type AuditRow = { at: string; action: string; actor_account_id: number | null; subject_type: string | null; subject_id: number | null; ip: string | null; details: string | null };

// Every sign-in and account change writes one: built once.
const insert = prepared((db, row: AuditRow) => db.insertInto('audit_log').values(row));

export async function insertAudit(db: Kysely<DB>, row: AuditRow): Promise<void> {
  await insert(db, row);
}
