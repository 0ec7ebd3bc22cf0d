/**
 * The OneRoster reader alone (issue 20, ADR 0057): every file of a package read and checked through
 * `openPackage`, as the loader reads it, with no database — the import's CPU per row without the staging.
 * Prints, as JSON, each file's rows, seconds and rows per second, the problems found, and the process's
 * CPU seconds and CPU microseconds per row. Run it under `node --cpu-prof --import tsx` for a profile.
 *
 *   npx tsx scripts/bench/oneroster-read.ts PACKAGE [--digest]
 *
 * --digest: also a SHA-256 of every record (as JSON, in file order) and of every problem, to show that two
 * versions of the reader read a package alike (it costs CPU of its own: not for timing).
 */
import { createHash } from 'node:crypto';
import { ONEROSTER_FILES, ProblemSink } from '../../src/domain/oneroster/records.js';
import { openPackage } from '../../src/domain/oneroster/read/package.js';

const [source, option] = process.argv.slice(2);
if (!source) throw new Error('usage: oneroster-read.ts <package> [--digest]');
const digest = option === '--digest' ? createHash('sha256') : null;

const cpuBefore = process.cpuUsage();
const started = performance.now();
const problems = new ProblemSink();
const pkg = await openPackage(source, problems);
const files: { file: string; rows: number; seconds: number; rowsPerSecond: number }[] = [];
const read = async (file: string, rows: AsyncIterable<unknown>) => {
  const at = performance.now();
  let count = 0;
  for await (const record of rows) {
    count += 1;
    digest?.update(JSON.stringify(record));
  }
  const seconds = (performance.now() - at) / 1000;
  files.push({ file, rows: count, seconds, rowsPerSecond: Math.round(count / Math.max(seconds, 1e-9)) });
};
try {
  for (const file of ONEROSTER_FILES) if (pkg.modes[file] !== 'absent') await read(file, pkg.rows(file));
  if (pkg.hasAttendance) await read('homeroom_attendance', pkg.attendance());
} finally {
  await pkg.close();
}
const cpu = process.cpuUsage(cpuBefore);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const rows = files.reduce((n, f) => n + f.rows, 0);
console.log(
  JSON.stringify({
    seconds: (performance.now() - started) / 1000,
    rows,
    files,
    errors: problems.errors,
    ...(digest ? { records: digest.digest('hex'), problems: createHash('sha256').update(JSON.stringify(problems.list())).digest('hex') } : {}),
    warnings: problems.warnings,
    cpuSeconds,
    cpuMicrosPerRow: (cpuSeconds * 1e6) / Math.max(rows, 1),
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  }),
);
