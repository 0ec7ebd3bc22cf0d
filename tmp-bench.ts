import { connect } from './src/db/connect.js';
import { migrateToLatest } from './src/db/migrate.js';
import { importPackage } from './src/domain/oneroster/load/index.js';
import { ProblemSink } from './src/domain/oneroster/records.js';
import { crashDistrict } from './tests/faults/oneroster-district.js';
const url = process.argv[2]!;
const n = Number(process.argv[3]);
const database = await connect(url);
await migrateToLatest(database);
for (const run of [1, 2]) {
  const t = performance.now();
  const r = await importPackage(database, crashDistrict(n), new ProblemSink(), { dryRun: false, now: new Date('2026-09-15T14:00:00Z'), actorAccountId: null });
  console.log(run, r.ok, Math.round(performance.now() - t), 'ms', JSON.stringify(r.files.map((f) => [f.file, f.rowsPerSecond])), r.problems.slice(0, 2));
}
console.log('rss MB', Math.round(process.memoryUsage().rss / 1e6));
await database.close();
