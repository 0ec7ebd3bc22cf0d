/**
 * Meal accounts (issue 24, ADR 0040): the one writer of `meal_accounts` and `meal_ledger`. Money is
 * integer cents. Every change is a ledger row, and the account's balance moves by the row's amount in
 * the same transaction, so the balance is always the sum of the ledger. A row from outside Homeroom
 * (the point-of-sale file) carries its transaction id, unique per source: written twice, it is added once.
 */
import { sql, type Kysely } from 'kysely';
import type { DB, MealLedgerKind, MealLedgerSource } from '../../db/schema.js';
import { notifyLowBalances, queueLowBalanceNotices, type BalanceMove } from './low-balance.js';

/** One change to a student's meal account, as it is written. */
export interface MealEntry {
  studentId: number;
  kind: MealLedgerKind;
  /** signed cents: a purchase is negative, a deposit positive */
  amountCents: number;
  /** when it happened, UTC ISO-8601 */
  at: string;
  item?: string | null;
  reason?: string | null;
  method?: 'cash' | 'check' | null;
  checkNumber?: string | null;
  source: MealLedgerSource;
  externalId?: string | null;
  recordedBy: number | null;
}

/** Rows per statement: far below both engines' limits on bound values (13 columns a row). */
const CHUNK = 500;

/**
 * Writes the entries in the caller's transaction: opens the accounts they need, adds each ledger row
 * whose (source, external id) is new, and moves each balance by the rows actually added; a balance
 * that fell below a guardian's threshold tells the guardian (low-balance.ts) — in this transaction
 * (`notices: 'now'`, a single office write), or by jobs queued in it that write the notices after the
 * commit (`'queued'`, an import). Returns the rows added (an entry already written before is not added again).
 */
export async function writeMealEntries(trx: Kysely<DB>, entries: readonly MealEntry[], now: Date, notices: 'now' | 'queued' = 'now'): Promise<number> {
  if (entries.length === 0) return 0;
  const at = now.toISOString();
  const students = [...new Set(entries.map((e) => e.studentId))];
  for (let i = 0; i < students.length; i += CHUNK) {
    await trx
      .insertInto('meal_accounts')
      .values(students.slice(i, i + CHUNK).map((student_id) => ({ student_id, balance_cents: 0, updated_at: at })))
      .onConflict((oc) => oc.column('student_id').doNothing())
      .execute();
  }
  const moved = new Map<number, number>();
  /** the last ledger row added for each student */
  const lastEntry = new Map<number, number>();
  let added = 0;
  for (let i = 0; i < entries.length; i += CHUNK) {
    const rows = await trx
      .insertInto('meal_ledger')
      .values(
        entries.slice(i, i + CHUNK).map((e) => ({
          student_id: e.studentId,
          kind: e.kind,
          amount_cents: e.amountCents,
          at: e.at,
          item: e.item ?? null,
          reason: e.reason ?? null,
          method: e.method ?? null,
          check_number: e.checkNumber ?? null,
          source: e.source,
          external_id: e.externalId ?? null,
          recorded_by: e.recordedBy,
          recorded_at: at,
        })),
      )
      .onConflict((oc) => oc.columns(['source', 'external_id']).doNothing())
      .returning(['id', 'student_id', 'amount_cents'])
      .execute();
    added += rows.length;
    for (const r of rows) {
      moved.set(r.student_id, (moved.get(r.student_id) ?? 0) + r.amount_cents);
      lastEntry.set(r.student_id, Math.max(lastEntry.get(r.student_id) ?? 0, r.id));
    }
  }
  const changes = [...moved].filter(([, cents]) => cents !== 0);
  const moves: BalanceMove[] = [];
  for (let i = 0; i < changes.length; i += CHUNK) {
    const after = await trx
      .insertInto('meal_accounts')
      .values(changes.slice(i, i + CHUNK).map(([student_id, cents]) => ({ student_id, balance_cents: cents, updated_at: at })))
      .onConflict((oc) =>
        oc.column('student_id').doUpdateSet({
          balance_cents: sql<number>`meal_accounts.balance_cents + excluded.balance_cents`,
          updated_at: sql<string>`excluded.updated_at`,
        }),
      )
      // the balance after the move (the row is locked by the update): before is after less the move
      .returning(['student_id', 'balance_cents'])
      .execute();
    for (const r of after) {
      const balance = Number(r.balance_cents);
      moves.push({ studentId: r.student_id, beforeCents: balance - moved.get(r.student_id)!, afterCents: balance, entryId: lastEntry.get(r.student_id)! });
    }
  }
  if (notices === 'queued') await queueLowBalanceNotices(trx, moves, now);
  else await notifyLowBalances(trx, moves, now);
  return added;
}

/** Each student's balance in cents (0 for a student without an account yet). */
export async function balancesOf(db: Kysely<DB>, studentIds: readonly number[]): Promise<Map<number, number>> {
  const found = new Map<number, number>(studentIds.map((id) => [id, 0]));
  if (studentIds.length === 0) return found;
  const rows = await db.selectFrom('meal_accounts').select(['student_id', 'balance_cents']).where('student_id', 'in', [...studentIds]).execute();
  for (const r of rows) found.set(r.student_id, Number(r.balance_cents));
  return found;
}

export interface MealLine {
  id: number;
  kind: MealLedgerKind;
  amountCents: number;
  at: string;
  item: string | null;
  reason: string | null;
  method: 'cash' | 'check' | null;
  checkNumber: string | null;
  source: MealLedgerSource;
}

/** How far back the account's page lists purchases and deposits. */
export const HISTORY_DAYS = 30;

/** A student's balance and the ledger rows of the last 30 days, newest first. */
export async function accountOf(db: Kysely<DB>, studentId: number, now: Date): Promise<{ balanceCents: number; lines: MealLine[] }> {
  const since = new Date(now.getTime() - HISTORY_DAYS * 86_400_000).toISOString();
  const [balances, rows] = await Promise.all([
    balancesOf(db, [studentId]),
    db
      .selectFrom('meal_ledger')
      .select(['id', 'kind', 'amount_cents', 'at', 'item', 'reason', 'method', 'check_number', 'source'])
      .where('student_id', '=', studentId)
      .where('at', '>=', since)
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(1000)
      .execute(),
  ]);
  return {
    balanceCents: balances.get(studentId) ?? 0,
    lines: rows.map((r) => ({ id: r.id, kind: r.kind, amountCents: r.amount_cents, at: r.at, item: r.item, reason: r.reason, method: r.method, checkNumber: r.check_number, source: r.source })),
  };
}

/**
 * Money as a person types it: "12.50", "12,50", "$12", "-3.00" (when negatives are allowed) to cents;
 * null when it is not an amount. Never through floating point.
 */
export function parseCents(input: string, allowNegative: boolean): number | null {
  const text = input.trim().replace(/^\$\s*/, '').replace(/^(-)\s*\$\s*/, '$1');
  const match = /^(-)?(\d{1,7})(?:[.,](\d{1,2}))?$/.exec(text);
  if (!match) return null;
  if (match[1] && !allowNegative) return null;
  const cents = Number(match[2]) * 100 + Number((match[3] ?? '').padEnd(2, '0'));
  return match[1] ? -cents : cents;
}
