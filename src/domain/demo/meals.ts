/**
 * The demo district's meal accounts (issue 24, ADR 0040): every active student has an account, and the
 * 30 days before the demo's date hold a coherent history — lunches bought on school days (most students,
 * most days; one in six brings lunch from home), a deposit at the office in the middle of the month, and
 * last school year's balance brought forward on the first day of school. Most balances end between $12
 * and $48; about one child in 25 is under the district's $10 default and one in 40 owes the kitchen. Of
 * the demo parent's children, Grace is low (Today's banner) and Allen is not.
 *
 * Set-based: a handful of `insert … select` statements over the students and the month's school days,
 * run by the database in the load's transaction (about a dozen rows a student: 1.2 million at 100,000
 * students, never built in JavaScript), and each balance set once from its ledger's sum — so the balance
 * is the ledger's sum, as writeMealEntries keeps it. Every value comes from the student's id and the
 * calendar: the same seed gives the same rows, ids included (the statements are ordered), on both engines.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { DateTime } from 'luxon';
import type { Dialect } from '../../db/connect.js';
import type { DateString, DB } from '../../db/schema.js';
import { addDays } from '../calendar/dates.js';
import { HISTORY_DAYS } from '../meals/ledger.js';
import { planSchoolYear } from './school-year.js';

export interface DemoMealOptions {
  startYear: number;
  /** the day the demo's data is as of: lunches are bought on the school days before it */
  asOf: DateString;
  timeZone: string;
  /** the demo parent's children (Allen, Grace): the first ends well above the threshold, the second under it */
  featured: readonly number[];
}

/** Lunch prices in cents (grades 6–8, 9–12), and a carton of milk bought with it on some days. */
const PRICE_MIDDLE = 285;
const PRICE_HIGH = 310;
const MILK = 60;

/** A local wall-clock time of a day in the district's zone, as the UTC instant the ledger stores. */
function instant(date: DateString, time: string, zone: string): string {
  return DateTime.fromISO(`${date}T${time}`, { zone }).toJSDate().toISOString();
}

/** Writes the demo's meal accounts and ledger in the caller's transaction; returns the ledger rows written. */
export async function loadDemoMeals(trx: Kysely<DB>, dialect: Dialect, options: DemoMealOptions): Promise<number> {
  const pg = dialect === 'postgres';
  // An instant as each engine stores it (SQLite: the ISO text; PostgreSQL: a timestamptz).
  const at = (text: RawBuilder<unknown>) => (pg ? sql<string>`cast(${text} as timestamptz)` : text);
  const stamp = (iso: string) => at(sql`cast(${iso} as text)`);
  const year = planSchoolYear(options.startYear);
  const from = addDays(options.asOf, -(HISTORY_DAYS - 1));
  const days = year.days.filter((d) => d.instructional && d.date >= from && d.date < options.asOf).map((d) => d.date);
  const zone = options.timeZone;
  const [fine = -1, low = -1] = options.featured;

  // The balance each student ends with, in cents, from the id alone.
  const target = sql<number>`case when s.id = ${sql.lit(fine)} then 2340 when s.id = ${sql.lit(low)} then 385
    when s.id % 25 = 3 then 150 + (s.id % 7) * 100
    when s.id % 40 = 17 then -(95 + (s.id % 3) * 110)
    else 1200 + (s.id % 9) * 450 end`;
  const buysLunch = sql`s.id % 6 <> 0 or s.id = ${sql.lit(fine)} or s.id = ${sql.lit(low)}`;

  await sql`insert into meal_accounts (student_id, balance_cents, updated_at)
    select s.id, 0, ${stamp(instant(options.asOf, '07:00', zone))} from students s where s.enrollment_status = 'active' order by s.id`.execute(trx);

  if (days.length > 0) {
    // Lunch at the middle schools' and the high schools' lunch periods, on most school days.
    const rows = days.map((d, n) => sql`(${sql.lit(n + 1)}, cast(${instant(d, '11:40', zone)} as text), cast(${instant(d, '11:25', zone)} as text))`);
    const when = at(sql`case when s.grade_level >= 9 then d.at_high else d.at_middle end`);
    await sql`with days (n, at_middle, at_high) as (values ${sql.join(rows)})
      insert into meal_ledger (student_id, kind, amount_cents, at, item, source, external_id, recorded_at)
      select s.id, 'purchase',
             -(case when s.grade_level >= 9 then ${sql.lit(PRICE_HIGH)} else ${sql.lit(PRICE_MIDDLE)} end + case when (s.id + d.n) % 5 = 0 then ${sql.lit(MILK)} else 0 end),
             ${when}, case when (s.id + d.n) % 5 = 0 then 'Lunch, milk' else 'Lunch' end,
             'pos', 'CV' || cast(d.n as text) || '-' || cast(s.id as text), ${when}
        from students s cross join days d
       where s.enrollment_status = 'active' and (${buysLunch}) and ((s.id * 7 + d.n * 3) % 10 < 8 or s.id = ${sql.lit(fine)} or s.id = ${sql.lit(low)})
       order by d.n, s.id`.execute(trx);

    // A deposit at the office in the middle of the month: $20, $30 or $40, in cash or by check.
    const mid = days[Math.floor(days.length / 2)]!;
    const deposited = stamp(instant(mid, '07:45', zone));
    await sql`insert into meal_ledger (student_id, kind, amount_cents, at, method, check_number, source, recorded_at)
      select s.id, 'deposit', 2000 + (s.id % 3) * 1000, ${deposited},
             case when s.id % 4 = 0 then 'check' else 'cash' end,
             case when s.id % 4 = 0 then cast(1001 + s.id % 8000 as text) else null end,
             'office', ${deposited}
        from students s
       where s.enrollment_status = 'active' and (${buysLunch})
       order by s.id`.execute(trx);
  }

  // Last year's balance brought forward on the first day of school: whatever makes the month end at the target.
  const carried = stamp(instant(year.first, '07:00', zone));
  await sql`insert into meal_ledger (student_id, kind, amount_cents, at, reason, source, recorded_at)
    select s.id, 'adjustment', ${target} - coalesce(m.total, 0), ${carried}, 'Balance from last school year', 'office', ${carried}
      from students s
      left join (select student_id, sum(amount_cents) as total from meal_ledger group by student_id) m on m.student_id = s.id
     where s.enrollment_status = 'active' and ${target} - coalesce(m.total, 0) <> 0
     order by s.id`.execute(trx);

  // Each balance once, from its ledger (a join with one grouped pass: the ledger's index is built after the load).
  await sql`update meal_accounts set balance_cents = t.total
    from (select student_id, sum(amount_cents) as total from meal_ledger group by student_id) t
   where meal_accounts.student_id = t.student_id`.execute(trx);

  const counted = await trx.selectFrom('meal_ledger').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(counted.n);
}
