/**
 * One measured run: migrate a database, then generate and load the demo district into it, and print
 * the wall time of the load and the process's peak memory (RSS) as JSON. Run by scripts/bench.ts.
 *
 * Peak RSS counts the pages of the SQLite database file that the load read through SQLite's memory
 * map (connect.ts): the operating system's file cache, shared and given back under memory pressure.
 * The process's own memory (anonymous pages: the JavaScript heap, buffers, SQLite's page cache) has no
 * peak counter, so it is sampled from /proc every 100 ms and its highest value reported beside it.
 */
import { connect } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { sampleOwnMemory } from './own-memory.js';

const [url, students, seed, year, asOf] = process.argv.slice(2);
if (!url || !students) throw new Error('usage: demo-load.ts <database-url> <students> [seed] [year] [as-of YYYY-MM-DD]');
const database = await connect(url);
await migrateToLatest(database);
const memory = sampleOwnMemory();
let peakAnonMiB = 0;
const started = process.hrtime.bigint();
const summary = await loadDemo(database, {
  students: Number(students),
  seed: Number(seed ?? 1),
  startYear: Number(year ?? 2026),
  ...(asOf ? { asOf } : {}),
});
const ms = Number(process.hrtime.bigint() - started) / 1e6;
peakAnonMiB = memory.stop();
await database.close();
const { accounts: _accounts, asOf: _asOf, featuredChildren: _featured, ...counts } = summary;
console.log(JSON.stringify({ ms, peakRssMiB: process.resourceUsage().maxRSS / 1024, peakAnonMiB, counts }));
