/** The audit log: sign-ins, account changes and staff views of students' records. */
import type { Kysely } from 'kysely';
import { insertAudit, type AuditRow } from './repository.js';
import type { DB } from '../../db/schema.js';

export interface AuditEntry {
  action: string;
  actorAccountId?: number | null;
  subjectType?: string | null;
  subjectId?: number | null;
  ip?: string | null;
  /** never a password, token or PIN */
  details?: Record<string, unknown>;
}

/** The row an entry becomes (for a caller that writes it together with other rows). */
export function auditRow(entry: AuditEntry, now: Date): AuditRow {
  return {
    at: now.toISOString(),
    action: entry.action,
    actor_account_id: entry.actorAccountId ?? null,
    subject_type: entry.subjectType ?? null,
    subject_id: entry.subjectId ?? null,
    ip: entry.ip ?? null,
    details: entry.details ? JSON.stringify(entry.details) : null,
  };
}

export async function audit(db: Kysely<DB>, entry: AuditEntry, now: Date): Promise<void> {
  await insertAudit(db, auditRow(entry, now));
}
