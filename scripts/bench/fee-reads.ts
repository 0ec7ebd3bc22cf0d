/**
 * A family's fee reads at district scale: To Do's fee items, the Payments page's open fees, and a
 * student's fees with their history (the office's and the family's fee page), for guardians picked
 * across the district, through the same domain functions the routes call.
 *
 * 1. (not timed) Unless the district already has them, `perStudent` required fees per student with their
 *    'assessed' ledger rows, every other one half waived: a year of fees, which the demo district lacks.
 * 2. `tries` guardians, each: their readable children, then each read once, timed one after the other.
 *
 * Found by it: each read summed the district's whole fee ledger and kept the few fees it wanted.
 */
import { sql } from 'kysely';
import { connect } from '../../src/db/connect.js';
import { studentsReadableBy } from '../../src/domain/access/portal.js';
import { feesOfStudent, todoItemsForFees } from '../../src/domain/fees/service.js';
import { payableFees } from '../../src/domain/payments/online.js';
import { summarize, type Summary, type Timing } from './staff.js';

export interface FeeReadsResult {
  label: string;
  fees: number;
  ledgerRows: number;
  guardians: number;
  todo: Summary;
  payable: Summary;
  studentFees: Summary;
}

const KEY = 'bench-fee-reads';

export async function feeReadsBench(options: { databaseUrl: string; label: string; perStudent: number; tries: number }): Promise<FeeReadsResult> {
  const database = await connect(options.databaseUrl);
  const db = database.db;
  try {
    const have = await db.selectFrom('fees').select((eb) => eb.fn.countAll<number>().as('n')).where('assessment_key', 'like', `${KEY}-%`).executeTakeFirstOrThrow();
    if (Number(have.n) === 0) {
      const students = await db.selectFrom('students').select(['id', 'school_id']).orderBy('id').execute();
      const t = new Date().toISOString();
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < students.length; i += 500) {
          const part = students.slice(i, i + 500);
          const rows = part.flatMap((s) =>
            Array.from({ length: options.perStudent }, (_, k) => ({ student_id: s.id, school_id: s.school_id, school_year: 2027, description_en: `Fee ${k + 1}`, description_es: `Cuota ${k + 1}`, amount_cents: 1000 * (k + 1), due_date: '2026-12-15', required: 1 as const, assessment_key: `${KEY}-${k}`, created_by: null, created_at: t, updated_at: t, updated_by: null })),
          );
          const fees = await trx.insertInto('fees').values(rows).returning(['id', 'amount_cents']).execute();
          await trx.insertInto('fee_ledger').values(fees.map((f) => ({ fee_id: f.id, kind: 'assessed' as const, amount_cents: f.amount_cents, reason: null, payment_id: null, idempotency_key: null, by_account: null, at: t }))).execute();
          const waived = fees.filter((f) => f.id % 2 === 0);
          if (waived.length) await trx.insertInto('fee_ledger').values(waived.map((f) => ({ fee_id: f.id, kind: 'waived' as const, amount_cents: -f.amount_cents / 2, reason: 'bench', payment_id: null, idempotency_key: null, by_account: null, at: t }))).execute();
        }
      });
      await sql`analyze`.execute(db);
    }
    const fees = Number((await db.selectFrom('fees').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const ledgerRows = Number((await db.selectFrom('fee_ledger').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    // Guardians spread over the district: every k-th with portal access.
    const all = await db.selectFrom('student_guardians').select('guardian_id').distinct().where('portal_access', '=', 1).orderBy('guardian_id').execute();
    const step = Math.max(1, Math.floor(all.length / options.tries));
    const picked = all.filter((_, i) => i % step === 0).slice(0, options.tries);
    const todo: Timing[] = [];
    const payable: Timing[] = [];
    const studentFees: Timing[] = [];
    const time = async (into: Timing[], fn: () => Promise<unknown>) => {
      const started = performance.now();
      await fn();
      into.push({ ms: performance.now() - started, ok: true });
    };
    for (const g of picked) {
      const students = await studentsReadableBy(db, { person_kind: 'guardian', student_id: null, guardian_id: g.guardian_id }, null);
      if (students.length === 0) continue;
      await time(todo, () => todoItemsForFees(db, students, '2026-12-31', 'en'));
      await time(payable, () => payableFees(db, students));
      await time(studentFees, () => feesOfStudent(db, students[0]!.id));
    }
    return { label: options.label, fees, ledgerRows, guardians: todo.length, todo: summarize(todo), payable: summarize(payable), studentFees: summarize(studentFees) };
  } finally {
    await database.close();
  }
}
