/**
 * What families read of the meal accounts: each readable child's balance and last 30 days, and the
 * guardian's own low-balance threshold (the district's default until they choose one). Every read takes
 * the proof of access/portal.ts (a ReadableStudent), so a child the reader may not see cannot be asked for.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { MessageKey } from '../../i18n/index.js';
import type { ReadableStudent } from '../access/portal.js';
import { accountOf, balancesOf, parseCents, type MealLine } from './ledger.js';

export interface MealAccountView {
  student: ReadableStudent;
  balanceCents: number;
  lines: MealLine[];
}

/** A readable child's meal account: balance and the last 30 days, newest first. */
export async function mealAccountFor(db: Kysely<DB>, student: ReadableStudent, now: Date): Promise<MealAccountView> {
  return { student, ...(await accountOf(db, student.id, now)) };
}

/** Each readable child's balance, in the order given. */
export async function mealBalancesFor(db: Kysely<DB>, students: readonly ReadableStudent[]): Promise<{ student: ReadableStudent; balanceCents: number }[]> {
  const balances = await balancesOf(db, students.map((s) => s.id));
  return students.map((student) => ({ student, balanceCents: balances.get(student.id) ?? 0 }));
}

/** The largest threshold a guardian may choose, in cents. */
export const MAX_THRESHOLD_CENTS = 50_000;

/** The district's default threshold, in cents (the setting is whole dollars). */
export function districtThresholdCents(settings: { mealLowBalanceDollars: number }): number {
  return settings.mealLowBalanceDollars * 100;
}

/** The guardian's threshold in cents, and whether it is their own choice or the district's default. */
export async function thresholdOf(db: Kysely<DB>, guardianId: number, defaultCents: number): Promise<{ cents: number; own: boolean }> {
  const row = await db.selectFrom('meal_thresholds').select('threshold_cents').where('guardian_id', '=', guardianId).executeTakeFirst();
  return row ? { cents: row.threshold_cents, own: true } : { cents: defaultCents, own: false };
}

/**
 * Sets the guardian's threshold from the form ("5", "7.50"); an empty value goes back to the district's
 * default. Answers the message of a value that is not an amount from $0 to $500.
 */
export async function setThreshold(db: Kysely<DB>, guardianId: number, raw: unknown, now: Date): Promise<{ ok: true } | { ok: false; error: MessageKey }> {
  const text = typeof raw === 'string' ? raw.trim() : '';
  if (text === '') {
    await db.deleteFrom('meal_thresholds').where('guardian_id', '=', guardianId).execute();
    return { ok: true };
  }
  const cents = parseCents(text, false);
  if (cents === null || cents > MAX_THRESHOLD_CENTS) return { ok: false, error: 'meals.threshold.invalid' };
  const updated_at = now.toISOString();
  await db
    .insertInto('meal_thresholds')
    .values({ guardian_id: guardianId, threshold_cents: cents, updated_at })
    .onConflict((oc) => oc.column('guardian_id').doUpdateSet({ threshold_cents: cents, updated_at }))
    .execute();
  return { ok: true };
}

/**
 * The guardian's readable children whose balance is below the guardian's threshold: what Today's banner
 * shows. A notification of a low balance would start from this same answer (see ADR 0040).
 */
export async function lowMealBalances(
  db: Kysely<DB>,
  guardianId: number,
  students: readonly ReadableStudent[],
  defaultCents: number,
): Promise<{ student: ReadableStudent; balanceCents: number; thresholdCents: number }[]> {
  if (students.length === 0) return [];
  const [threshold, balances] = await Promise.all([thresholdOf(db, guardianId, defaultCents), mealBalancesFor(db, students)]);
  return balances.filter((b) => b.balanceCents < threshold.cents).map((b) => ({ ...b, thresholdCents: threshold.cents }));
}
