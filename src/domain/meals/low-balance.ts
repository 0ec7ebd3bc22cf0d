/**
 * The low-balance notification (issue 24, ADR 0040): when a write to the meal ledger — a purchase, an
 * import, an office adjustment — takes a child's balance from at or above a guardian's threshold to
 * below it, that guardian is told, once: kind `mealLow`, through notifications/direct.ts (their channels,
 * quiet hours and digest; the kind is on their Notification Settings). A balance that stays below tells
 * nobody again; one that goes back up to the threshold or above and then falls below it again is a new
 * crossing, told again. The crossing is read from the balance just before and just after the write (the
 * upsert that moves it returns the new balance, under the account row's lock), so nothing is stored for it.
 *
 * Each guardian's threshold is their own (meal_thresholds) or the district's default
 * (mealLowBalanceDollars). Only guardians with portal rights to the child now are told (notifyDirect
 * checks the link, and the end of access at 18, in the same statement).
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { paramChunks } from '../../db/bulk.js';
import { formatMoney } from '../../i18n/format.js';
import { portalLinks } from '../access/guardian-links.js';
import { getDistrictProfile } from '../district/service.js';
import { notifyDirect } from '../notifications/direct.js';

/** One account's balance moved by a write: before and after, in cents, and the last ledger row written for it. */
export interface BalanceMove {
  studentId: number;
  beforeCents: number;
  afterCents: number;
  entryId: number;
}

/** The family page of a child's meal account (the web layer's MEALS_PATH). */
const accountUrl = (studentId: number) => `/payments/meals/${studentId}`;

/**
 * Tells each guardian whose threshold one of these moves crossed downwards, in the caller's transaction
 * (a write rolled back — a dry run — tells nobody). Returns the notifications written.
 */
export async function notifyLowBalances(trx: Kysely<DB>, moves: readonly BalanceMove[], now: Date): Promise<number> {
  const falling = moves.filter((m) => m.afterCents < m.beforeCents);
  if (falling.length === 0) return 0;
  const district = await getDistrictProfile(trx);
  // Where the district hides Payments, the meal account's page is not shown: nothing to point to.
  if (!district.settings.tools.payments) return 0;
  const defaultCents = district.settings.mealLowBalanceDollars * 100;
  // The thresholds in use are few (the default and the amounts guardians chose): a move that crosses
  // none of them concerns nobody, and a day's purchases cross one for few children.
  const own = await trx.selectFrom('meal_thresholds').select('threshold_cents').distinct().execute();
  const thresholds = [...new Set([defaultCents, ...own.map((r) => r.threshold_cents)])];
  const crossing = new Map(falling.filter((m) => thresholds.some((t) => m.afterCents < t && t <= m.beforeCents)).map((m) => [m.studentId, m]));
  if (crossing.size === 0) return 0;

  // Each guardian's threshold: their own, else the district's.
  const threshold = sql<number>`coalesce(mt.threshold_cents, ${sql.lit(defaultCents)})`;
  const guardians = () =>
    portalLinks(trx)
      .innerJoin('user_accounts as ua', 'ua.guardian_id', 'sg.guardian_id')
      .leftJoin('meal_thresholds as mt', 'mt.guardian_id', 'sg.guardian_id')
      .where('ua.person_kind', '=', 'guardian')
      .where('ua.status', '=', 'active');
  // The guardians to tell (with an account, portal rights, their threshold crossed) and the children's
  // names: one query per thousand children. Each notice's audience is then their accounts by primary key
  // (notifyDirect checks the rights again in its statement).
  const told = new Map<number, { name: string; accounts: number[] }>();
  for (const ids of paramChunks([...crossing.keys()], 1)) {
    const rows = await guardians()
      .innerJoin('students as s', 's.id', 'sg.student_id')
      .where('sg.student_id', 'in', ids)
      .select(['ua.id as account_id', 'sg.student_id', 's.preferred_first_name', 's.legal_first_name', threshold.as('threshold')])
      .orderBy('ua.id')
      .execute();
    for (const r of rows) {
      const m = crossing.get(r.student_id)!;
      if (!(m.afterCents < Number(r.threshold) && Number(r.threshold) <= m.beforeCents)) continue;
      const entry = told.get(r.student_id) ?? { name: r.preferred_first_name ?? r.legal_first_name, accounts: [] };
      entry.accounts.push(r.account_id);
      told.set(r.student_id, entry);
    }
  }
  let written = 0;
  for (const [studentId, { name, accounts }] of told) {
    const m = crossing.get(studentId)!;
    const audience = trx
      .selectFrom('user_accounts')
      .where('id', 'in', accounts)
      .select(['id as account_id', sql<number | null>`cast(${studentId} as integer)`.as('student_id')]);
    written += await notifyDirect(
      trx,
      audience,
      // One crossing, one source: the ledger row that made it (a write replayed adds no row, so no notice).
      { kind: 'mealLow', source: `${studentId}:${m.entryId}`, params: { student: name, balance: formatMoney(m.afterCents, 'en') }, url: accountUrl(studentId) },
      now,
    );
  }
  return written;
}
