/**
 * Food service (issue 24): the office's deposits and adjustments within its schools, families' reads
 * through the portal proof, the guardian's threshold, and the point-of-sale import from hand-written
 * fixture files (tests/fixtures/meals): a good file, BOM and CRLF, bad amounts and dates, duplicate
 * transaction ids, an unknown student, a file imported twice. Expected balances are worked out by hand
 * from the fixtures.
 */
import { readFileSync } from 'node:fs';
import type { Kysely } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.js';
import { studentsReadableBy } from '../../src/domain/access/portal.js';
import { officeScope, operatorScope, type StaffActor } from '../../src/domain/access/staff.js';
import { lowMealBalances, mealAccountFor, setThreshold, thresholdOf } from '../../src/domain/meals/family.js';
import { importMeals } from '../../src/domain/meals/import.js';
import { parseCents } from '../../src/domain/meals/ledger.js';
import { findMealStudent, officeMealAccount, readOfficeEntryForm, recordOfficeEntry } from '../../src/domain/meals/office.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, otherSchool, schoolYear, staffMember, student, type Family, type StudentFixture } from '../support/factories.js';

const NOW = new Date('2027-02-09T18:00:00Z');
const ZONE = 'America/Chicago';
const fixture = (name: string) => readFileSync(new URL(`../fixtures/meals/${name}`, import.meta.url));

async function ledgerCount(db: Kysely<DB>): Promise<number> {
  return Number((await db.selectFrom('meal_ledger').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
}
async function balance(db: Kysely<DB>, studentId: number): Promise<number> {
  const row = await db.selectFrom('meal_accounts').select('balance_cents').where('student_id', '=', studentId).executeTakeFirst();
  return row ? Number(row.balance_cents) : 0;
}

describe('amounts and the office form', () => {
  it('reads money as typed, without floating point', () => {
    expect(parseCents('12.50', false)).toBe(1250);
    expect(parseCents('$7', false)).toBe(700);
    expect(parseCents('0,05', false)).toBe(5);
    expect(parseCents('19.99', false)).toBe(1999);
    expect(parseCents('-3.25', true)).toBe(-325);
    expect(parseCents('-3.25', false)).toBeNull();
    expect(parseCents('1.234', false)).toBeNull();
    expect(parseCents('1e3', false)).toBeNull();
    expect(parseCents('', false)).toBeNull();
  });

  it('names each bad field of a deposit or an adjustment', () => {
    expect(readOfficeEntryForm({ kind: 'gift' })).toEqual({ ok: false, errors: { kind: 'meals.office.kindInvalid' } });
    expect(readOfficeEntryForm({ kind: 'deposit', amount: '', method: 'card' })).toEqual({ ok: false, errors: { amount: 'meals.office.amountMissing', method: 'meals.office.methodInvalid' } });
    expect(readOfficeEntryForm({ kind: 'deposit', amount: '-5', method: 'check', checkNumber: '' })).toEqual({
      ok: false,
      errors: { amount: 'meals.office.depositInvalid', checkNumber: 'meals.office.checkNumberInvalid' },
    });
    expect(readOfficeEntryForm({ kind: 'deposit', amount: '1000.01', method: 'cash' })).toEqual({ ok: false, errors: { amount: 'meals.office.depositInvalid' } });
    expect(readOfficeEntryForm({ kind: 'adjustment', amount: '0', reason: 'x' })).toEqual({ ok: false, errors: { amount: 'meals.office.adjustmentInvalid', reason: 'meals.office.reasonInvalid' } });
    expect(readOfficeEntryForm({ kind: 'adjustment', amount: '-3.25', reason: 'Charged twice' })).toEqual({
      ok: true,
      data: { kind: 'adjustment', amountCents: -325, method: null, checkNumber: null, reason: 'Charged twice' },
    });
    expect(readOfficeEntryForm({ kind: 'deposit', amount: '20', method: 'check', checkNumber: '1042' })).toEqual({
      ok: true,
      data: { kind: 'deposit', amountCents: 2000, method: 'check', checkNumber: '1042', reason: null },
    });
  });
});

describeEachEngine('meal accounts', (get) => {
  let db: Kysely<DB>;
  let maya: Family;
  let leo: StudentFixture;
  let sam: StudentFixture;
  let other: Family;
  let office: StaffActor;
  let otherOffice: StaffActor;
  const operator: StaffActor = { scope: operatorScope(), actorAccountId: null, ip: null };

  beforeAll(async () => {
    db = get().db;
    const world = await schoolYear(db, { today: '2027-02-09', timeZone: ZONE });
    const middle = await otherSchool(db);
    maya = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz', number: '00412' } });
    leo = await student(db, world, { first: 'Leo', last: 'Ortiz', number: '00513' });
    sam = await student(db, world, { first: 'Sam', last: 'Cole', number: '00816' });
    await db.updateTable('students').set({ school_id: middle.id }).where('id', '=', sam.id).execute();
    other = await guardianWithChild(db, world, { student: { first: 'Ada', last: 'Lee', number: '00999' } });
    const o1 = await staffMember(db, world, { first: 'Tia', last: 'Cole', roles: [{ role: 'office' }] });
    const o2 = await staffMember(db, world, { first: 'Ned', last: 'Park', roles: [{ role: 'office', schoolId: middle.id }] });
    office = { scope: await officeScope(db, o1.id), actorAccountId: o1.account!.id, ip: '10.0.0.5' };
    otherOffice = { scope: await officeScope(db, o2.id), actorAccountId: o2.account!.id, ip: '10.0.0.6' };
  });

  it('records the office’s deposit and adjustment with the audit entry, within its schools only', async () => {
    expect(await findMealStudent(db, office, '412')).toBe(maya.student.id);
    expect(await findMealStudent(db, office, '00816')).toBeNull();
    expect(await findMealStudent(db, otherOffice, '816')).toBe(sam.id);

    const deposit = { kind: 'deposit' as const, amountCents: 2000, method: 'check' as const, checkNumber: '1042', reason: null };
    expect(await recordOfficeEntry(db, office, maya.student.id, deposit, NOW)).toEqual({ kind: 'saved' });
    expect(await recordOfficeEntry(db, office, maya.student.id, { kind: 'adjustment', amountCents: -325, method: null, checkNumber: null, reason: 'Charged twice' }, NOW)).toEqual({ kind: 'saved' });
    // Another school's office: answered as missing, nothing written.
    const before = await ledgerCount(db);
    expect(await recordOfficeEntry(db, otherOffice, maya.student.id, deposit, NOW)).toEqual({ kind: 'missing' });
    expect(await officeMealAccount(db, otherOffice, maya.student.id, NOW)).toBeNull();
    expect(await ledgerCount(db)).toBe(before);

    expect(await balance(db, maya.student.id)).toBe(2000 - 325);
    const audits = await db.selectFrom('audit_log').select(['action', 'details', 'actor_account_id']).where('action', 'like', 'meals.%').orderBy('id').execute();
    expect(audits.map((a) => [a.action, a.actor_account_id, JSON.parse(a.details!).amountCents])).toEqual([
      ['meals.deposit', office.actorAccountId, 2000],
      ['meals.adjustment', office.actorAccountId, -325],
    ]);
    const seen = await officeMealAccount(db, office, maya.student.id, NOW);
    expect(seen?.balanceCents).toBe(1675);
    expect(seen?.lines.map((l) => [l.kind, l.amountCents, l.method, l.checkNumber, l.reason])).toEqual([
      ['adjustment', -325, null, null, 'Charged twice'],
      ['deposit', 2000, 'check', '1042', null],
    ]);
  });

  it('imports a good file, then adds nothing when it is imported again', async () => {
    const mayaBefore = await balance(db, maya.student.id);
    const first = await importMeals(db, operator, fixture('good.csv'), { file: 'good.csv', timeZone: ZONE, dryRun: false, now: NOW });
    expect(first).toMatchObject({ ok: true, rows: 4, added: 4, alreadyImported: 0, skipped: 0, errors: 0, warnings: 0, purchasesCents: 325 + 75 + 250, depositsCents: 2000 });
    expect(await balance(db, maya.student.id)).toBe(mayaBefore - 325 - 75);
    expect(await balance(db, leo.id)).toBe(2000 - 250);
    // 11:32 in Chicago (UTC−6 in February) is 17:32 UTC; a time with its own zone keeps it.
    const times = await db.selectFrom('meal_ledger').select(['external_id', 'at', 'item']).where('source', '=', 'pos').orderBy('external_id').execute();
    expect(times.map((r) => [r.external_id, new Date(r.at).toISOString(), r.item])).toEqual([
      ['D-1', '2027-02-08T13:00:00.000Z', null],
      ['P-1', '2027-02-08T17:32:00.000Z', 'Lunch'],
      ['P-2', '2027-02-08T18:05:00.000Z', 'Milk'],
      ['P-3', '2027-02-08T17:40:00.000Z', 'Breakfast, hot'],
    ]);
    const count = await ledgerCount(db);
    const again = await importMeals(db, operator, fixture('good.csv'), { file: 'good.csv', timeZone: ZONE, dryRun: false, now: NOW });
    expect(again).toMatchObject({ ok: true, rows: 4, added: 0, alreadyImported: 4 });
    expect(await ledgerCount(db)).toBe(count);
    expect(await balance(db, leo.id)).toBe(1750);
  });

  it('reads a file with a byte-order mark, CRLF line ends, a blank line and its columns in another order; a dry run writes nothing', async () => {
    const mayaBefore = await balance(db, maya.student.id);
    const count = await ledgerCount(db);
    const dry = await importMeals(db, operator, fixture('bom-crlf.csv'), { file: 'bom-crlf.csv', timeZone: ZONE, dryRun: true, now: NOW });
    expect(dry).toMatchObject({ ok: true, dryRun: true, rows: 2, added: 2, purchasesCents: 110 });
    expect(await ledgerCount(db)).toBe(count);
    const real = await importMeals(db, operator, fixture('bom-crlf.csv'), { file: 'bom-crlf.csv', timeZone: ZONE, dryRun: false, now: NOW });
    expect(real).toMatchObject({ ok: true, rows: 2, added: 2 });
    expect(await balance(db, maya.student.id)).toBe(mayaBefore - 100);
    expect(await balance(db, leo.id)).toBe(1750 - 10);
  });

  it('reports every bad amount, date, type and duplicate id with its line and column, and writes nothing', async () => {
    const count = await ledgerCount(db);
    const audits = Number((await db.selectFrom('audit_log').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const report = await importMeals(db, operator, fixture('bad.csv'), { file: 'bad.csv', timeZone: ZONE, dryRun: false, now: NOW });
    expect(report.ok).toBe(false);
    expect(report.errors).toBe(9);
    expect(report.problems.map((p) => [p.code, p.line, p.column, p.value])).toEqual([
      ['badAmount', 2, 'amount', '3,25'],
      ['badAmount', 3, 'amount', '-2.00'],
      ['badAmount', 4, 'amount', 'abc'],
      ['badAmount', 5, 'amount', '1000.01'],
      ['badTime', 6, 'time', '2027-02-30 11:00'],
      ['badTime', 7, 'time', '02/08/2027 11:00'],
      ['futureTime', 8, 'time', '2027-03-01 10:00'],
      ['duplicateId', 9, 'transaction_id', 'X-1'],
      ['badType', 10, 'type', 'refund'],
    ]);
    expect(report.problems[7]!.expected).toBe('2');
    expect(await ledgerCount(db)).toBe(count);
    expect(Number((await db.selectFrom('audit_log').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)).toBe(audits);
    const missing = await importMeals(db, operator, fixture('missing-column.csv'), { file: 'missing-column.csv', timeZone: ZONE, dryRun: false, now: NOW });
    expect(missing.problems.map((p) => [p.code, p.column])).toEqual([['missingColumn', 'amount']]);
    const notText = await importMeals(db, operator, Buffer.from([0x74, 0x78, 0xff, 0xfe, 0x0a]), { file: 'x.csv', timeZone: ZONE, dryRun: false, now: NOW });
    expect(notText.problems.map((p) => p.code)).toEqual(['notUtf8']);
    const empty = await importMeals(db, operator, Buffer.from(''), { file: 'x.csv', timeZone: ZONE, dryRun: false, now: NOW });
    expect(empty.problems.map((p) => p.code)).toEqual(['emptyFile']);
  });

  it('skips an unknown student with a warning, and a student outside the importer’s schools the same way', async () => {
    const mayaBefore = await balance(db, maya.student.id);
    const report = await importMeals(db, operator, fixture('unknown.csv'), { file: 'unknown.csv', timeZone: ZONE, dryRun: false, now: NOW });
    expect(report).toMatchObject({ ok: true, rows: 2, added: 1, skipped: 1, errors: 0, warnings: 1 });
    expect(report.problems.map((p) => [p.severity, p.code, p.line, p.value])).toEqual([['warning', 'unknownStudent', 3, '77777']]);
    expect(await balance(db, maya.student.id)).toBe(mayaBefore - 400);
    // The middle school's office imports a row of a high-school student: skipped, as if unknown.
    const file = Buffer.from('transaction_id,student_number,time,amount\nMS-1,00412,2027-02-08 11:00,1.00\nMS-2,816,2027-02-08 11:01,1.00\n');
    const scoped = await importMeals(db, otherOffice, file, { file: 'ms.csv', timeZone: ZONE, dryRun: false, now: NOW });
    expect(scoped).toMatchObject({ ok: true, added: 1, skipped: 1 });
    expect(await balance(db, sam.id)).toBe(-100);
    expect(await balance(db, maya.student.id)).toBe(mayaBefore - 400);
  });

  it('shows a guardian only their readable children, and the banner below their threshold', async () => {
    const reader = { person_kind: 'guardian', student_id: null, guardian_id: maya.guardian.id };
    const readable = await studentsReadableBy(db, reader, null);
    expect(readable.map((s) => s.id)).toEqual([maya.student.id]);
    const view = await mealAccountFor(db, readable[0]!, NOW);
    const sum = Number((await db.selectFrom('meal_ledger').select((eb) => eb.fn.sum<number>('amount_cents').as('s')).where('student_id', '=', maya.student.id).executeTakeFirstOrThrow()).s);
    expect(view.balanceCents).toBe(sum);
    // 2000 − 325 (office) − 325 − 75 (good.csv) − 100 (bom-crlf.csv) − 400 (unknown.csv)
    expect(view.balanceCents).toBe(775);
    // The district's default ($10) is above $7.75: low.
    expect((await lowMealBalances(db, maya.guardian.id, readable, 1000)).map((l) => [l.student.id, l.balanceCents, l.thresholdCents])).toEqual([[maya.student.id, 775, 1000]]);
    expect(await setThreshold(db, maya.guardian.id, '5', NOW)).toEqual({ ok: true });
    expect(await thresholdOf(db, maya.guardian.id, 1000)).toEqual({ cents: 500, own: true });
    expect(await lowMealBalances(db, maya.guardian.id, readable, 1000)).toEqual([]);
    expect(await setThreshold(db, maya.guardian.id, '500.01', NOW)).toEqual({ ok: false, error: 'meals.threshold.invalid' });
    expect(await setThreshold(db, maya.guardian.id, 'lots', NOW)).toEqual({ ok: false, error: 'meals.threshold.invalid' });
    expect(await thresholdOf(db, maya.guardian.id, 1000)).toEqual({ cents: 500, own: true });
    expect(await setThreshold(db, maya.guardian.id, '', NOW)).toEqual({ ok: true });
    expect(await thresholdOf(db, maya.guardian.id, 1000)).toEqual({ cents: 1000, own: false });
    // Another family reads only their own child.
    const others = await studentsReadableBy(db, { person_kind: 'guardian', student_id: null, guardian_id: other.guardian.id }, null);
    expect(others.map((s) => s.id)).toEqual([other.student.id]);
  });
});
