/**
 * One measured OneRoster import (issue 20): a package (a zip or a folder) imported into a database
 * (empty: the full first import; or one that already holds it: a rerun or a delta), through the reader
 * and the loader as `homeroom import oneroster` does. Prints, as JSON, the wall time, the run's report
 * (rows and rows per second per file, counts per kind, problems), the process's peak RSS and the peak of
 * its own memory (RSS less mapped files, sampled every 100 ms as in demo-load.ts), and the process's CPU
 * seconds in all and per row. Run by scripts/bench.ts.
 */
import { connect } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { importFrom } from '../../src/domain/oneroster/nightly.js';
import { sampleOwnMemory } from './own-memory.js';

const [url, source, mode] = process.argv.slice(2);
if (!url || !source) throw new Error('usage: oneroster-import.ts <database-url> <package> [dry-run]');
const database = await connect(url);
await migrateToLatest(database);
const memory = sampleOwnMemory();
let peakAnonMiB = 0;
try {
  const started = performance.now();
  const startedAtMs = Date.now();
  const report = await importFrom(database, source, { dryRun: mode === 'dry-run', now: new Date(), actorAccountId: null });
  const ms = performance.now() - started;
  peakAnonMiB = memory.stop();
  const cpu = process.cpuUsage();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(
    JSON.stringify({
      ms,
      startedAtMs,
      ok: report.ok,
      files: report.files,
      stagingSeconds: report.stagingSeconds,
      writeSeconds: report.writeSeconds,
      counts: report.counts,
      errors: report.errors,
      warnings: report.warnings,
      problems: report.problems.slice(0, 10),
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      peakAnonMiB,
      // CPU of this process (reading, checking, sending); the database server's is not in it
      cpuSeconds,
      // and per row of the package (ADR 0057)
      cpuMicrosPerRow: (cpuSeconds * 1e6) / Math.max(1, report.files.reduce((n, f) => n + f.rows, 0)),
    }),
  );
} finally {
  memory.stop();
  await database.close();
}
