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
 *
 * When. A single office write (a deposit, an adjustment) decides and writes its notices in its own
 * transaction (`notifyLowBalances`: a few statements). A point-of-sale import may cross thresholds for
 * thousands of children at once, and writing those notices inside it held the import's transaction (and
 * SQLite's write lock) for minutes: the import keeps only the moves that crossed a threshold in use, and
 * queues them in its own transaction as `meals.low_balance` jobs (`queueLowBalanceNotices`); the jobs
 * write the notices after the commit (`runLowBalanceNotices`), a few children per transaction. A dry run
 * or a rolled-back import queues nothing; a committed one always has its jobs. The crossing is the
 * import's own (the balances before and after it, carried in the job), never the balance read later. A
 * job run again (a crash after some of its transactions) adds nothing: a notice's key is the child and
 * the ledger row of the crossing, unique per person.
 */
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema.js';
import { enqueueMany, type NewJob } from '../../jobs/queue.js';
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

/** The job that writes an import's low-balance notices after its commit. */
export const LOW_BALANCE_JOB = 'meals.low_balance';
/** Moves per job: a payload of some 150 KB at most, however large the day's file. */
const MOVES_PER_JOB = 5_000;
/** Children per transaction in the job: SQLite's write lock is held for a few dozen notices at a time. */
const CHILDREN_PER_TRANSACTION = 50;

const cents = z.number().int().min(-1_000_000_000).max(1_000_000_000);
const id = z.number().int().positive();
/** A job's payload: each move as [student, before, after, ledger row]. */
const lowBalancePayload = z.object({ moves: z.array(z.tuple([id, cents, cents, id])).max(MOVES_PER_JOB) });

/**
 * The moves that crossed one of the thresholds in use downwards (the district's default and the amounts
 * guardians chose), by child; none where the district hides Payments (the meal account's page is not
 * shown: nothing to point to). In memory but for two small reads.
 */
async function crossingMoves(trx: Kysely<DB>, moves: readonly BalanceMove[]): Promise<{ crossing: Map<number, BalanceMove>; defaultCents: number }> {
  const none = { crossing: new Map<number, BalanceMove>(), defaultCents: 0 };
  const falling = moves.filter((m) => m.afterCents < m.beforeCents);
  if (falling.length === 0) return none;
  const district = await getDistrictProfile(trx);
  if (!district.settings.tools.payments) return none;
  const defaultCents = district.settings.mealLowBalanceDollars * 100;
  // The thresholds in use are few (the default and the amounts guardians chose): a move that crosses
  // none of them concerns nobody, and a day's purchases cross one for few children.
  const own = await trx.selectFrom('meal_thresholds').select('threshold_cents').distinct().execute();
  const thresholds = [...new Set([defaultCents, ...own.map((r) => r.threshold_cents)])];
  return { crossing: new Map(falling.filter((m) => thresholds.some((t) => m.afterCents < t && t <= m.beforeCents)).map((m) => [m.studentId, m])), defaultCents };
}

/**
 * Tells each guardian whose threshold one of these moves crossed downwards, in the caller's transaction
 * (a write rolled back tells nobody). For a single office write; an import queues its moves instead
 * (queueLowBalanceNotices). Returns the notifications written.
 */
export async function notifyLowBalances(trx: Kysely<DB>, moves: readonly BalanceMove[], now: Date): Promise<number> {
  const { crossing, defaultCents } = await crossingMoves(trx, moves);
  return crossing.size === 0 ? 0 : tellGuardians(trx, crossing, defaultCents, now);
}

/**
 * In the import's transaction: the moves that crossed a threshold in use, queued as jobs that write the
 * notices after the commit (rolled back with the import, a dry run's included). Returns the moves queued.
 */
export async function queueLowBalanceNotices(trx: Kysely<DB>, moves: readonly BalanceMove[], now: Date): Promise<number> {
  const { crossing } = await crossingMoves(trx, moves);
  const packed = [...crossing.values()].sort((a, b) => a.studentId - b.studentId).map((m) => [m.studentId, m.beforeCents, m.afterCents, m.entryId] as const);
  const jobs: NewJob[] = [];
  for (let i = 0; i < packed.length; i += MOVES_PER_JOB) jobs.push({ kind: LOW_BALANCE_JOB, payload: { moves: packed.slice(i, i + MOVES_PER_JOB) } });
  await enqueueMany(trx, jobs, now);
  return packed.length;
}

/**
 * The job: the import's moves, a few children per transaction, each judged against its guardians'
 * thresholds now and told through notifyDirect. Run again, it writes nothing twice. Stops between
 * transactions when the job's lease was lost (`signal`); the next holder goes on. Returns the notices written.
 */
export async function runLowBalanceNotices(db: Kysely<DB>, payload: unknown, now: () => Date, signal?: AbortSignal): Promise<number> {
  const moves = lowBalancePayload.parse(payload).moves.map(([studentId, beforeCents, afterCents, entryId]) => ({ studentId, beforeCents, afterCents, entryId }));
  let written = 0;
  for (let i = 0; i < moves.length; i += CHILDREN_PER_TRANSACTION) {
    if (signal?.aborted) throw new Error('the job was taken over');
    written += await db.transaction().execute(async (trx) => {
      const district = await getDistrictProfile(trx);
      if (!district.settings.tools.payments) return 0;
      const chunk = new Map(moves.slice(i, i + CHILDREN_PER_TRANSACTION).map((m) => [m.studentId, m]));
      return tellGuardians(trx, chunk, district.settings.mealLowBalanceDollars * 100, now());
    });
  }
  return written;
}

/** The guardians of these children whose threshold their move crossed, each child's notice written for them. */
async function tellGuardians(trx: Kysely<DB>, crossing: ReadonlyMap<number, BalanceMove>, defaultCents: number, now: Date): Promise<number> {
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
