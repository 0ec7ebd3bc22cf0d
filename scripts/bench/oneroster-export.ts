/**
 * One measured OneRoster 1.2 export of an existing database (`homeroom demo --students N` first): the
 * package is written to a temporary folder and removed; prints, as JSON, the rows and rows per second
 * of each file, the package's size, the wall time, the process's peak RSS and the peak of its own
 * memory (RSS less mapped files, sampled every 100 ms as in demo-load.ts: SQLite's memory map of the
 * database file counts in RSS but is the operating system's file cache). Run by scripts/bench.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { exportPackage } from '../../src/domain/oneroster/export/index.js';
import { sampleOwnMemory } from './own-memory.js';

const [url] = process.argv.slice(2);
if (!url) throw new Error('usage: oneroster-export.ts <database-url>');
const database = await connect(url);
await migrateToLatest(database);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homeroom-bench-export-'));
const memory = sampleOwnMemory();
let peakAnonMiB = 0;
try {
  const summary = await exportPackage(database, path.join(dir, 'oneroster.zip'));
  peakAnonMiB = memory.stop();
  console.log(
    JSON.stringify({
      ms: summary.ms,
      rows: summary.rows,
      bytes: summary.bytes,
      files: summary.files.map((f) => ({ name: f.name, rows: f.rows, ms: f.ms, rowsPerSecond: f.ms > 0 ? f.rows / (f.ms / 1000) : 0 })),
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      peakAnonMiB,
    }),
  );
} finally {
  memory.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  await database.close();
}
