/**
 * Loads the demo district into a database, in one transaction: a crash leaves the database as it was.
 */
import type { Database } from '../../db/connect.js';
import { BulkWriter, deleteAll, lockAllTables, refreshStatistics, syncIdSequences, withIndexesDeferred } from '../../db/bulk.js';
import { DEMO_DISTRICT, generateDemo, type DemoOptions, type DemoSummary } from './generate.js';
import { loadDemoMeals } from './meals.js';
import { faultPoint } from '../../jobs/faults.js';

export class DistrictExistsError extends Error {
  constructor() {
    super('The database already holds a district. Use --reset to replace it with the demo district.');
    this.name = 'DistrictExistsError';
  }
}

export async function isEmpty(database: Database): Promise<boolean> {
  const row = await database.db.selectFrom('district').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
  return Number(row?.n ?? 0) === 0;
}

export async function loadDemo(
  database: Database,
  options: DemoOptions,
  {
    reset = false,
    beforeCommit,
  }: {
    reset?: boolean;
    /** a test's fault-injection seam: runs once everything is written, just before the commit */
    beforeCommit?: () => Promise<void>;
  } = {},
): Promise<DemoSummary> {
  const result = await database.db.transaction().execute(async (trx) => {
    // before anything else: the load changes the tables' schema (withIndexesDeferred)
    await lockAllTables(trx, database.dialect);
    const existing = await trx.selectFrom('district').select('id').executeTakeFirst();
    if (existing) {
      if (!reset) throw new DistrictExistsError();
      await deleteAll(trx, database.dialect);
    }
    // The district's millions of rows are written with the tables' secondary indexes (and PostgreSQL's
    // foreign keys) off, and those are rebuilt once at the end: see withIndexesDeferred.
    return withIndexesDeferred(trx, database.dialect, async () => {
      const writer = new BulkWriter(trx, database.dialect);
      try {
        const summary = await generateDemo(options, writer);
        await writer.flush();
        // The meal accounts' month, set-based by the database over the rows just written.
        summary.mealLedgerRows = await loadDemoMeals(trx, database.dialect, { startYear: options.startYear, asOf: summary.asOf, timeZone: DEMO_DISTRICT.timeZone, featured: summary.featuredChildren });
        return summary;
      } catch (error) {
        // nothing more may be written once the transaction rolls back (see abandon)
        await writer.abandon();
        throw error;
      }
    }).then(async (summary) => {
      faultPoint('demo.before-commit');
      await beforeCommit?.();
      return summary;
    });
  });
  // The sequences follow the rows only once the rows are committed (syncIdSequences).
  await syncIdSequences(database.db, database.dialect);
  // Fresh statistics after a bulk load, so the planner uses the indexes from the first query on.
  await refreshStatistics(database);
  return result;
}
