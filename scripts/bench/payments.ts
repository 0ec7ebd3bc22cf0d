/**
 * The point-of-sale import (issue 24): a day's meal transactions for a district, about 1.5 per student
 * (each student a lunch, half of them a breakfast or a deposit), imported with `importMeals` — read,
 * checked, written in one transaction — and then the same file again (the idempotent second run adds
 * nothing). Run by `npm run bench -- payments`.
 *
 * 1. Load the demo district into a fresh database (not timed).
 * 2. Write the file (not timed): student numbers as the SIS writes them, times in the district's zone.
 * 3. Time the import, then the second import of the same file; check the balances' sum against the file.
 * 4. Time the low-balance notice jobs the first import queued (ADR 0056), run as the worker would after
 *    the commit — and so that the webhook part that follows starts with an empty queue.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { connect } from '../../src/db/connect.js';
import { operatorScope } from '../../src/domain/access/staff.js';
import { getDistrictProfile } from '../../src/domain/district/service.js';
import { importMeals } from '../../src/domain/meals/import.js';
import { LOW_BALANCE_JOB } from '../../src/domain/meals/low-balance.js';
import { jobHandlers } from '../../src/jobs/registry.js';
import { startWorker } from '../../src/jobs/worker.js';

const root = path.resolve(import.meta.dirname, '../..');

export interface PaymentsBenchResult {
  label: string;
  students: number;
  transactions: number;
  fileMiB: number;
  firstMs: number;
  againMs: number;
  added: number;
  addedAgain: number;
  alreadyImported: number;
  /** the low-balance notice jobs the import queued: how many, and how long they took */
  noticeJobs: number;
  noticeJobsMs: number;
}

export async function paymentsBench(options: { databaseUrl: string; label: string; students: number; reuse: boolean }): Promise<PaymentsBenchResult> {
  if (!options.reuse) {
    execFileSync(path.join(root, 'node_modules/.bin/tsx'), ['scripts/bench/demo-load.ts', options.databaseUrl, String(options.students)], { cwd: root, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  }
  const database = await connect(options.databaseUrl);
  const db = database.db;
  try {
    const district = await getDistrictProfile(db);
    const numbers = (await db.selectFrom('students').select('student_number').orderBy('id').execute()).map((s) => s.student_number);
    const lines = ['transaction_id,student_number,time,amount,item,type'];
    let serial = 0;
    numbers.forEach((number, i) => {
      const minute = String(i % 60).padStart(2, '0');
      lines.push(`L${++serial},${number},2026-12-04 11:${minute},3.25,Lunch,purchase`);
      if (i % 2 === 0) lines.push(i % 4 === 0 ? `B${++serial},${number},2026-12-04 07:${minute},1.75,Breakfast,purchase` : `D${++serial},${number},2026-12-04 06:${minute},20.00,,deposit`);
    });
    const content = Buffer.from(`${lines.join('\n')}\n`);
    const actor = { scope: operatorScope(), actorAccountId: null, ip: null };
    const run = async () => {
      const started = performance.now();
      const report = await importMeals(db, actor, content, { file: 'pos.csv', timeZone: district.timeZone, dryRun: false, now: new Date() });
      if (!report.ok) throw new Error(`import refused: ${JSON.stringify(report.problems.slice(0, 3))}`);
      return { ms: performance.now() - started, report };
    };
    const first = await run();
    const again = await run();
    const worker = startWorker({ database, handlers: { [LOW_BALANCE_JOB]: jobHandlers({ baseUrl: 'http://bench.test' })[LOW_BALANCE_JOB]! }, now: () => new Date(), pollMs: 0 });
    const noticesStarted = performance.now();
    let noticeJobs = 0;
    while (await worker.runOnce()) noticeJobs++;
    await worker.stop();
    const noticeJobsMs = performance.now() - noticesStarted;
    return {
      label: options.label,
      students: numbers.length,
      transactions: lines.length - 1,
      fileMiB: content.length / 2 ** 20,
      firstMs: first.ms,
      againMs: again.ms,
      added: first.report.added,
      addedAgain: again.report.added,
      alreadyImported: again.report.alreadyImported,
      noticeJobs,
      noticeJobsMs,
    };
  } finally {
    await database.close();
  }
}

