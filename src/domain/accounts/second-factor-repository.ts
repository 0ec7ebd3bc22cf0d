/** The queries of the staff second factor (second-factor.ts): the app's secret and the recovery codes. */
import type { Kysely } from 'kysely';
import type { DB, Instant } from '../../db/schema.js';

export function findSecondFactor(db: Kysely<DB>, accountId: number) {
  return db.selectFrom('second_factors').selectAll().where('account_id', '=', accountId).executeTakeFirst();
}

/** A new secret waiting for its first code, in place of an earlier unfinished one. */
export async function putPendingSecondFactor(db: Kysely<DB>, row: { account_id: number; secret: string; created_at: Instant }): Promise<void> {
  await db.deleteFrom('second_factors').where('account_id', '=', row.account_id).where('confirmed_at', 'is', null).execute();
  await db.insertInto('second_factors').values({ ...row, confirmed_at: null, last_step: null }).execute();
}

/**
 * Takes the time step of an accepted code: true only when it is later than every step accepted
 * before (one statement, so two requests with the same code cannot both pass).
 */
export async function takeStep(db: Kysely<DB>, accountId: number, step: number, confirm: Instant | null): Promise<boolean> {
  const result = await db
    .updateTable('second_factors')
    .set(confirm ? { last_step: step, confirmed_at: confirm } : { last_step: step })
    .where('account_id', '=', accountId)
    .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
    .where('confirmed_at', confirm ? 'is' : 'is not', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function deleteSecondFactor(db: Kysely<DB>, accountId: number): Promise<boolean> {
  await db.deleteFrom('recovery_codes').where('account_id', '=', accountId).execute();
  const result = await db.deleteFrom('second_factors').where('account_id', '=', accountId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** The account's recovery codes from now on: these, every earlier one gone. */
export async function replaceRecoveryCodes(db: Kysely<DB>, accountId: number, hashes: readonly string[], now: Instant): Promise<void> {
  await db.deleteFrom('recovery_codes').where('account_id', '=', accountId).execute();
  await db
    .insertInto('recovery_codes')
    .values(hashes.map((code_hash) => ({ account_id: accountId, code_hash, created_at: now, used_at: null })))
    .execute();
}

/** Uses an unused recovery code of the account: true when it was one (and is now used). */
export async function useRecoveryCode(db: Kysely<DB>, accountId: number, hash: string, now: Instant): Promise<boolean> {
  const result = await db
    .updateTable('recovery_codes')
    .set({ used_at: now })
    .where('account_id', '=', accountId)
    .where('code_hash', '=', hash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function countUnusedRecoveryCodes(db: Kysely<DB>, accountId: number): Promise<number> {
  const row = await db
    .selectFrom('recovery_codes')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('account_id', '=', accountId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The staff roles of a staff member (any school). */
export async function rolesOfStaff(db: Kysely<DB>, staffId: number): Promise<string[]> {
  const rows = await db.selectFrom('staff_roles').select('role').where('staff_id', '=', staffId).execute();
  return rows.map((r) => r.role);
}
