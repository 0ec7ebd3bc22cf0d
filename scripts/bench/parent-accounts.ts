/**
 * One measured run of the nightly parent-account generation: load the demo district (not timed), then
 * time `generateParentAccounts` and report its peak memory. Run by scripts/bench.ts.
 */
import { connect } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { generateParentAccounts } from '../../src/domain/accounts/parent-generation.js';
import { loadDemo } from '../../src/domain/demo/load.js';

const [url, students] = process.argv.slice(2);
if (!url || !students) throw new Error('usage: parent-accounts.ts <database-url> <students>');
const database = await connect(url);
await migrateToLatest(database);
await loadDemo(database, { students: Number(students), seed: 1, startYear: 2026 });
const guardians = await database.db.selectFrom('guardians').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
const started = process.hrtime.bigint();
const summary = await generateParentAccounts(database.db, { now: () => new Date() });
const ms = Number(process.hrtime.bigint() - started) / 1e6;
await database.close();
console.log(JSON.stringify({ ms, peakRssMiB: process.resourceUsage().maxRSS / 1024, guardians: Number(guardians.n), summary }));
