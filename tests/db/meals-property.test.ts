/**
 * The meal ledger's rule (issue 24): after thousands of random operations — office deposits and
 * adjustments, point-of-sale purchases and deposits, some of them sent twice, some refused (another
 * school's office) — each account's balance equals the balance this test tracked on its own and the
 * sum of the account's ledger, on both engines.
 */
import type { Kysely } from 'kysely';
import fc from 'pure-rand';
import { beforeAll, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.js';
import { officeScope, operatorScope, type StaffActor } from '../../src/domain/access/staff.js';
import { importMeals } from '../../src/domain/meals/import.js';
import { recordOfficeEntry } from '../../src/domain/meals/office.js';
import { describeEachEngine } from '../support/db.js';
import { otherSchool, schoolYear, staffMember, student, type StudentFixture } from '../support/factories.js';

const NOW = new Date('2027-02-09T18:00:00Z');
const OPERATIONS = 2000;

describeEachEngine('the meal ledger under random operations', (get) => {
  let db: Kysely<DB>;
  let students: StudentFixture[];
  /** which students the high school's office may act on */
  let ofHighSchool: Set<number>;
  let office: StaffActor;

  beforeAll(async () => {
    db = get().db;
    const world = await schoolYear(db, { today: '2027-02-09' });
    const middle = await otherSchool(db);
    students = [];
    for (let i = 0; i < 8; i++) students.push(await student(db, world, { first: `S${i}`, number: `0${5000 + i}` }));
    for (const s of students.slice(6)) await db.updateTable('students').set({ school_id: middle.id }).where('id', '=', s.id).execute();
    ofHighSchool = new Set(students.slice(0, 6).map((s) => s.id));
    const o = await staffMember(db, world, { first: 'Tia', last: 'Cole', roles: [{ role: 'office' }] });
    office = { scope: await officeScope(db, o.id), actorAccountId: o.account!.id, ip: null };
  });

  it('keeps every balance equal to the tracked one and to the sum of its ledger', async () => {
    let rng = fc.xoroshiro128plus(20270209);
    const int = (lo: number, hi: number) => {
      const [n, next] = fc.uniformIntDistribution(lo, hi, rng);
      rng = next;
      return n;
    };
    const expected = new Map<number, number>(students.map((s) => [s.id, 0]));
    const sent: { line: string; studentId: number; cents: number }[] = [];
    let serial = 0;
    const operator: StaffActor = { scope: operatorScope(), actorAccountId: null, ip: null };
    for (let op = 0; op < OPERATIONS; op++) {
      const who = students[int(0, students.length - 1)]!;
      const choice = int(0, 9);
      if (choice < 3) {
        // the office: a deposit, or an adjustment of either sign
        const deposit = choice === 0;
        const cents = deposit ? int(1, 100_000) : int(1, 100_000) * (int(0, 1) === 0 ? -1 : 1);
        const result = await recordOfficeEntry(db, office, who.id, { kind: deposit ? 'deposit' : 'adjustment', amountCents: cents, method: deposit ? 'cash' : null, checkNumber: null, reason: deposit ? null : 'random' }, NOW);
        if (ofHighSchool.has(who.id)) {
          expect(result).toEqual({ kind: 'saved' });
          expected.set(who.id, expected.get(who.id)! + cents);
        } else expect(result).toEqual({ kind: 'missing' });
      } else {
        // a point-of-sale file of a few rows, now and then one sent before
        const rows: string[] = ['transaction_id,student_number,time,amount,type'];
        const ids = new Set<string>();
        const count = int(1, 5);
        for (let r = 0; r < count; r++) {
          // A row sent in an earlier file (never twice in one file: that file would be refused whole).
          if (sent.length > 0 && int(0, 4) === 0) {
            const again = sent[int(0, sent.length - 1)]!;
            const id = again.line.split(',')[0]!;
            if (!ids.has(id)) {
              ids.add(id);
              rows.push(again.line);
            }
            continue;
          }
          const target = students[int(0, students.length - 1)]!;
          const cents = int(1, 100_000);
          const deposit = int(0, 3) === 0;
          const id = `T${++serial}`;
          const line = `${id},${target.number},2027-02-08 11:${String(int(0, 59)).padStart(2, '0')},${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')},${deposit ? 'deposit' : 'purchase'}`;
          ids.add(id);
          rows.push(line);
          sent.push({ line, studentId: target.id, cents: deposit ? cents : -cents });
          expected.set(target.id, expected.get(target.id)! + (deposit ? cents : -cents));
        }
        const report = await importMeals(db, operator, Buffer.from(rows.join('\n')), { file: 'r.csv', timeZone: 'America/Chicago', dryRun: false, now: NOW });
        expect(report.ok).toBe(true);
      }
    }
    const accounts = await db.selectFrom('meal_accounts').select(['student_id', 'balance_cents']).execute();
    const sums = await db.selectFrom('meal_ledger').select(['student_id', (eb) => eb.fn.sum<number>('amount_cents').as('sum')]).groupBy('student_id').execute();
    for (const s of students) {
      const account = accounts.find((a) => a.student_id === s.id);
      const sum = sums.find((x) => x.student_id === s.id);
      expect(Number(account?.balance_cents ?? 0)).toBe(expected.get(s.id));
      expect(Number(sum?.sum ?? 0)).toBe(expected.get(s.id));
    }
  }, 600_000);
});
