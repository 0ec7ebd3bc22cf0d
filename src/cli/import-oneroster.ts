/**
 * `homeroom import oneroster PATH [--dry-run]`, the part after the package is opened: progress while the
 * loader reads (a bar with rows per second and time left on a terminal, a plain line per file and every
 * few seconds otherwise), then a summary and every kept problem, in English (as the rest of the CLI),
 * each with its message from the catalog when it has one (the reader's and the loader's codes).
 * The exit code is 0 when the package was applied (or, in a dry run, would be), 1 otherwise.
 *
 * main.ts opens the package with the reader (`openPackage(path, problems)`, domain/oneroster/read)
 * and calls runOneRosterImport.
 */
import cliProgress from 'cli-progress';
import type { Database } from '../db/connect.js';
import { importPackage, LOAD_KINDS, LOAD_PROBLEMS, type ImportReport } from '../domain/oneroster/load/index.js';
import type { OneRosterPackage, Problem, ProblemSink } from '../domain/oneroster/records.js';
import { describeProblem } from '../domain/oneroster/read/describe.js';
import { translator } from '../i18n/index.js';

const english = translator('en');

export interface ImportOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** How often a plain progress line is written when the output is not a terminal. */
const PLAIN_EVERY_MS = 5_000;

export async function runOneRosterImport(
  database: Database,
  pkg: OneRosterPackage,
  problems: ProblemSink,
  options: { dryRun: boolean; source: string; now?: Date; out: ImportOutput },
): Promise<{ code: number; report: ImportReport }> {
  const { out } = options;
  const began = Date.now();
  let bar: cliProgress.SingleBar | undefined;
  let lastFile = '';
  let lastLine = 0;
  const onProgress = (p: { file: string; rows: number; bytesRead: number; totalBytes: number }) => {
    const seconds = Math.max((Date.now() - began) / 1000, 0.001);
    const bytesPerSecond = p.bytesRead / seconds;
    const left = bytesPerSecond > 0 ? Math.round((p.totalBytes - p.bytesRead) / bytesPerSecond) : 0;
    if (out.isTTY) {
      if (!bar) {
        bar = new cliProgress.SingleBar(
          { format: '{file} |{bar}| {percentage}% | {rows} rows | {rate} rows/s | {left}s left', stream: out as NodeJS.WritableStream, hideCursor: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(Math.max(pkg.totalBytes, 1), 0, { file: p.file, rows: 0, rate: 0, left: '?' });
      }
      bar.update(p.bytesRead, { file: p.file.padEnd(16), rows: p.rows, rate: Math.round(p.rows / seconds), left });
      return;
    }
    const now = Date.now();
    if (p.file !== lastFile || now - lastLine >= PLAIN_EVERY_MS) {
      out.write(`${p.file}: ${p.rows} rows read, ${Math.round((100 * p.bytesRead) / Math.max(pkg.totalBytes, 1))}% of the package, about ${left}s left\n`);
      lastFile = p.file;
      lastLine = now;
    }
  };
  const report = await importPackage(database, pkg, problems, { dryRun: options.dryRun, now: options.now ?? new Date(), actorAccountId: null, source: options.source, onProgress });
  bar?.stop();
  out.write(summary(report));
  return { code: report.ok ? 0 : 1, report };
}

function where(p: Problem): string {
  const place = [p.file, p.line !== null ? `line ${p.line}` : null, p.column].filter((x) => x !== null).join(', ');
  return place === '' ? '' : `${place}: `;
}

/** The report as the operator reads it. */
export function summary(report: ImportReport): string {
  const lines: string[] = [];
  const verdict = report.ok ? (report.dryRun ? 'Dry run: the package would be imported (nothing was written).' : 'Imported.') : 'Not imported: nothing was changed.';
  lines.push(`OneRoster ${report.version} import, run ${report.runId}. ${verdict}`);
  for (const f of report.files) lines.push(`  ${f.file}: ${f.rows} rows, ${f.rowsPerSecond} rows/s`);
  for (const kind of LOAD_KINDS) {
    const c = report.counts[kind];
    lines.push(`  ${kind}: ${c.created} created, ${c.updated} updated, ${c.deactivated} deactivated, ${c.reactivated} reactivated, ${c.unchanged} unchanged`);
  }
  lines.push(`${report.errors} errors, ${report.warnings} warnings${report.omitted > 0 ? ` (${report.omitted} not listed)` : ''}.`);
  for (const p of report.problems) lines.push(`  ${p.severity}: ${where(p)}${message(p)}`);
  return `${lines.join('\n')}\n`;
}

/** The problem's English message, as the import page gives it. */
function message(p: Problem): string {
  return describeProblem({ ...p, file: null, line: null, column: null }, english, LOAD_PROBLEMS);
}
