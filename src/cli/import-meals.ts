/**
 * `homeroom import meals FILE [--dry-run]`: the point-of-sale file imported for the whole district (the
 * command line acts as the operator), then a summary and every kept problem in English, as the rest of
 * the CLI. Exit code 0 when the file was imported (or, in a dry run, would be), 1 otherwise.
 */
import type { Database } from '../db/connect.js';
import { operatorScope } from '../domain/access/staff.js';
import { getDistrictProfile } from '../domain/district/service.js';
import { importMeals, MEAL_PROBLEMS, type MealImportReport } from '../domain/meals/import.js';
import { describeProblem } from '../domain/oneroster/read/describe.js';
import { formatMoney } from '../i18n/format.js';
import { translator } from '../i18n/index.js';

const english = translator('en');

export async function runMealImport(database: Database, content: Buffer, options: { file: string; dryRun: boolean; now?: Date; out: { write(text: string): unknown } }): Promise<number> {
  const district = await getDistrictProfile(database.db);
  const report = await importMeals(database.db, { scope: operatorScope(), actorAccountId: null, ip: null }, content, {
    file: options.file,
    timeZone: district.timeZone,
    dryRun: options.dryRun,
    now: options.now ?? new Date(),
  });
  options.out.write(mealSummary(report));
  return report.ok ? 0 : 1;
}

export function mealSummary(report: MealImportReport): string {
  const lines: string[] = [];
  const counts = { added: report.added, already: report.alreadyImported, skipped: report.skipped, rows: report.rows };
  lines.push(report.ok ? english(report.dryRun ? 'meals.import.wouldImport' : 'meals.import.imported', counts) : english('meals.import.notImported'));
  if (report.ok) lines.push(english('meals.import.totals', { purchases: formatMoney(report.purchasesCents, 'en'), deposits: formatMoney(report.depositsCents, 'en') }));
  lines.push(`${report.errors} errors, ${report.warnings} warnings${report.errors + report.warnings > report.problems.length ? ` (${report.errors + report.warnings - report.problems.length} not listed)` : ''}.`);
  for (const p of report.problems) lines.push(`  ${p.severity}: ${describeProblem(p, english, MEAL_PROBLEMS)}`);
  return `${lines.join('\n')}\n`;
}
