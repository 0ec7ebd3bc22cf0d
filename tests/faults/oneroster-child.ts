/**
 * The child process of oneroster-crash.test.ts: imports a generated district (`STUDENTS` students, each
 * with a guardian and two enrollments) into DATABASE_URL and prints the report as JSON. With
 * HOMEROOM_FAULT set it kills itself at that point of the loader (src/jobs/faults.ts). The records are
 * made as the loader reads them (a generator), as the reader streams a real file.
 */
import { connect } from '../../src/db/connect.js';
import { importPackage } from '../../src/domain/oneroster/load/index.js';
import { ProblemSink } from '../../src/domain/oneroster/records.js';
import { crashDistrict } from './oneroster-district.js';

const database = await connect(process.env.DATABASE_URL!);
const sink = new ProblemSink();
const report = await importPackage(database, crashDistrict(Number(process.env.STUDENTS)), sink, { dryRun: false, now: new Date('2026-09-15T14:00:00.000Z'), actorAccountId: null });
process.stdout.write(JSON.stringify({ ok: report.ok, counts: report.counts, problems: report.problems }));
await database.close();
