/**
 * Fees (issue 24, ADR 0039) on both engines: assessing to a student, a class, a grade and a school;
 * adjusting, waiving, paying (partial, never more than owed, once per key) and refunding; every refusal
 * writes nothing; the office acts only inside its schools; the receipt's text as pdftotext reads it.
 * And the property the issue asks for: thousands of random operations, after which every fee's balance
 * is what a model tracked beside them expects and the SUM of its ledger.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import * as prand from 'pure-rand';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.js';
import { officeScope, operatorScope, type StaffActor } from '../../src/domain/access/staff.js';
import { studentsReadableBy } from '../../src/domain/access/portal.js';
import {
  adjustFee,
  assessFees,
  familyPayment,
  feesOfStudent,
  listSchoolFees,
  officeFee,
  officePayment,
  recordOfficePayment,
  recordPayment,
  refundPayment,
  todoItemsForFees,
  waiveFee,
} from '../../src/domain/fees/service.js';
import { parseCents } from '../../src/domain/fees/money.js';
import { feeReceiptPdf } from '../../src/documents/fee-receipt.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, otherSchool, schoolYear, sectionWithGradebook, staffMember, student, type Family, type StudentFixture, type World } from '../support/factories.js';
import { pdfText } from '../support/pdf.js';

const TODAY = '2027-02-09';
const NOW = new Date('2027-02-09T18:00:00Z');
const key = () => randomBytes(12).toString('hex');

/** What the office types to assess a fee, with this form's key. */
const assess = (extra: Record<string, string>) => ({ key: key(), target: 'student', descriptionEn: 'Lab fee', descriptionEs: 'Cuota de laboratorio', amount: '25.00', dueDate: '2027-02-20', schoolYear: '2027', required: 'required', ...extra });

async function counts(db: Kysely<DB>) {
  const n = async (t: 'fees' | 'fee_ledger' | 'fee_payments' | 'audit_log') => Number((await db.selectFrom(t).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  return { fees: await n('fees'), ledger: await n('fee_ledger'), payments: await n('fee_payments'), audit: await n('audit_log') };
}

/** A fee's balance as the raw SUM of its ledger. */
async function ledgerSum(db: Kysely<DB>, feeId: number): Promise<number> {
  const rows = await db.selectFrom('fee_ledger').select('amount_cents').where('fee_id', '=', feeId).execute();
  return rows.reduce((s, r) => s + r.amount_cents, 0);
}

describe('money as typed', () => {
  it('reads dollars and cents into integer cents, and refuses the rest', () => {
    expect(parseCents('12')).toEqual({ ok: true, cents: 1200 });
    expect(parseCents('12.5')).toEqual({ ok: true, cents: 1250 });
    expect(parseCents('$ 0.07')).toEqual({ ok: true, cents: 7 });
    expect(parseCents('12,50')).toEqual({ ok: true, cents: 1250 });
    expect(parseCents('10000.00')).toEqual({ ok: true, cents: 1_000_000 });
    expect(parseCents('10000.01')).toEqual({ ok: false, problem: 'fees.problem.tooMuch' });
    expect(parseCents('999999999')).toEqual({ ok: false, problem: 'fees.problem.tooMuch' });
    expect(parseCents('0')).toEqual({ ok: false, problem: 'fees.problem.positive' });
    expect(parseCents('-5')).toEqual({ ok: false, problem: 'fees.problem.positive' });
    for (const bad of ['abc', '1.234', '1e3', '12.', '.5', 'NaN', '1 000']) expect(parseCents(bad)).toEqual({ ok: false, problem: 'fees.problem.amount' });
    expect(parseCents('')).toEqual({ ok: false, problem: 'form.required' });
    expect(parseCents(['1'])).toEqual({ ok: false, problem: 'fees.problem.amount' });
  });
});

describeEachEngine('fees', (get) => {
  let db: Kysely<DB>;
  let world: World;
  let office: StaffActor;
  let farOffice: StaffActor;
  let family: Family;
  let classmate: StudentFixture;
  let sixth: StudentFixture;
  let section: number;
  let far: { id: number };

  beforeAll(async () => {
    db = get().db;
    world = await schoolYear(db, { today: TODAY });
    far = await otherSchool(db);
    const o = await staffMember(db, world, { first: 'Olga', last: 'Office', roles: [{ role: 'office' }] });
    const f = await staffMember(db, world, { first: 'Fran', last: 'Far', roles: [{ role: 'office', schoolId: far.id }] });
    office = { scope: await officeScope(db, o.id), actorAccountId: o.account!.id, ip: '203.0.113.9' };
    farOffice = { scope: await officeScope(db, f.id), actorAccountId: f.account!.id, ip: null };
    family = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz', number: '0041200', grade: 11 } });
    classmate = await student(db, world, { first: 'Nico', last: 'Ruiz', grade: 11 });
    sixth = await student(db, world, { first: 'Ana', last: 'Diaz', grade: 10 });
    section = (await sectionWithGradebook(db, world, { course: { code: 'CHEM', title: 'Chemistry' }, period: '1', students: [{ student: family.student }, { student: classmate }] })).id;
  });

  it('assesses one fee row per student of a student, a class, a grade and a school, each with its ledger row', async () => {
    const before = await counts(db);
    expect(await assessFees(db, office, assess({ studentNumber: '0041200' }), TODAY, NOW)).toMatchObject({ kind: 'assessed', count: 1, studentId: family.student.id });
    expect(await assessFees(db, office, assess({ target: 'section', sectionId: String(section) }), TODAY, NOW)).toMatchObject({ kind: 'assessed', count: 2 });
    expect(await assessFees(db, office, assess({ target: 'grade', schoolId: String(world.school.id), gradeLevel: '10' }), TODAY, NOW)).toMatchObject({ kind: 'assessed', count: 1 });
    expect(await assessFees(db, office, assess({ target: 'school', schoolId: String(world.school.id) }), TODAY, NOW)).toMatchObject({ kind: 'assessed', count: 3 });
    const after = await counts(db);
    expect(after.fees - before.fees).toBe(7);
    expect(after.ledger - before.ledger).toBe(7);
    expect(after.audit - before.audit).toBe(4);
    const fees = await feesOfStudent(db, family.student.id);
    expect(fees).toHaveLength(3);
    for (const fee of fees) {
      expect(fee).toMatchObject({ amountCents: 2500, chargedCents: 2500, balanceCents: 2500, paidCents: 0, status: 'open', required: true, dueDate: '2027-02-20', schoolYear: 2027 });
      expect(fee.history.map((h) => [h.kind, h.amountCents])).toEqual([['assessed', 2500]]);
    }
    expect((await feesOfStudent(db, sixth.id)).length).toBe(2);
  });

  it('refuses bad input field by field and writes nothing', async () => {
    const before = await counts(db);
    const cases: [Record<string, string>, Record<string, string>][] = [
      [{ studentNumber: '0041200', amount: '-5' }, { amount: 'fees.problem.positive' }],
      [{ studentNumber: '0041200', amount: '0.00' }, { amount: 'fees.problem.positive' }],
      [{ studentNumber: '0041200', amount: '10000.01' }, { amount: 'fees.problem.tooMuch' }],
      [{ studentNumber: '0041200', amount: 'ten' }, { amount: 'fees.problem.amount' }],
      [{ studentNumber: '9999999' }, { studentNumber: 'fees.problem.unknownStudent' }],
      [{ studentNumber: '0041200', descriptionEs: '' }, { descriptionEs: 'form.required' }],
      [{ studentNumber: '0041200', dueDate: '2027-02-30' }, { dueDate: 'fees.problem.date' }],
      [{ studentNumber: '0041200', schoolYear: '2031' }, { schoolYear: 'fees.problem.schoolYear' }],
      [{ studentNumber: '0041200', key: 'x' }, { form: 'fees.problem.staleForm' }],
      [{ target: 'grade', schoolId: String(world.school.id), gradeLevel: '3' }, { gradeLevel: 'fees.problem.grade' }],
      [{ target: 'school', schoolId: '999999' }, { schoolId: 'fees.problem.school' }],
      [{ target: 'bus' }, { target: 'fees.problem.target' }],
    ];
    for (const [typed, problems] of cases) expect(await assessFees(db, office, assess(typed), TODAY, NOW)).toEqual({ kind: 'problems', problems });
    // Another school's office: Maya is not a student of theirs; the school is not theirs either.
    expect(await assessFees(db, farOffice, assess({ studentNumber: '0041200' }), TODAY, NOW)).toEqual({ kind: 'problems', problems: { studentNumber: 'fees.problem.unknownStudent' } });
    expect(await assessFees(db, farOffice, assess({ target: 'school', schoolId: String(world.school.id) }), TODAY, NOW)).toEqual({ kind: 'problems', problems: { schoolId: 'fees.problem.school' } });
    expect(await assessFees(db, farOffice, assess({ target: 'section', sectionId: String(section) }), TODAY, NOW)).toEqual({ kind: 'problems', problems: { sectionId: 'fees.problem.section' } });
    expect(await counts(db)).toEqual(before);
  });

  it('assesses once when the same form is sent twice', async () => {
    const form = assess({ target: 'school', schoolId: String(world.school.id), descriptionEn: 'Yearbook' });
    const before = await counts(db);
    expect((await Promise.all([assessFees(db, office, form, TODAY, NOW), assessFees(db, office, form, TODAY, NOW)])).map((r) => r.kind).sort()).toEqual(['assessed', 'duplicate']);
    const after = await counts(db);
    expect(after.fees - before.fees).toBe(3);
    expect(after.ledger - before.ledger).toBe(3);
  });

  it('takes partial payments, never more than owed, and one payment per key', async () => {
    await assessFees(db, office, assess({ studentNumber: classmate.number, descriptionEn: 'Field trip', amount: '40' }), TODAY, NOW);
    const fee = (await feesOfStudent(db, classmate.id)).find((f) => f.description.en === 'Field trip')!;
    const payKey = key();
    expect(await recordOfficePayment(db, office, classmate.id, { key: payKey, method: 'cash', [`pay.${fee.id}`]: '15.25' }, NOW)).toMatchObject({ kind: 'recorded' });
    const before = await counts(db);
    // The same form again (another tab): refused, nothing written.
    expect(await recordOfficePayment(db, office, classmate.id, { key: payKey, method: 'cash', [`pay.${fee.id}`]: '15.25' }, NOW)).toMatchObject({ kind: 'duplicate' });
    expect(await recordOfficePayment(db, office, classmate.id, { key: key(), method: 'cash', [`pay.${fee.id}`]: '24.76' }, NOW)).toEqual({ kind: 'problems', problems: { [`pay.${fee.id}`]: 'fees.problem.moreThanOwed' } });
    expect(await recordOfficePayment(db, office, classmate.id, { key: key(), method: 'check', [`pay.${fee.id}`]: '1' }, NOW)).toEqual({ kind: 'problems', problems: { checkNumber: 'form.required' } });
    expect(await recordOfficePayment(db, office, classmate.id, { key: key(), method: 'check', checkNumber: '12;DROP', [`pay.${fee.id}`]: '1' }, NOW)).toEqual({ kind: 'problems', problems: { checkNumber: 'fees.problem.checkNumber' } });
    expect(await recordOfficePayment(db, office, classmate.id, { key: key(), method: 'card', [`pay.${fee.id}`]: '1' }, NOW)).toEqual({ kind: 'problems', problems: { method: 'fees.problem.method' } });
    expect(await recordOfficePayment(db, office, classmate.id, { key: key(), method: 'cash' }, NOW)).toEqual({ kind: 'problems', problems: { lines: 'fees.problem.nothingPaid' } });
    expect(await recordOfficePayment(db, farOffice, classmate.id, { key: key(), method: 'cash', [`pay.${fee.id}`]: '1' }, NOW)).toEqual({ kind: 'notFound' });
    expect(await counts(db)).toEqual(before);
    // Two different payments of the whole rest at once: one passes, the other is more than owed.
    const both = await Promise.all(
      [key(), key()].map((k) => db.transaction().execute((trx) => recordPayment(trx, { lines: [{ feeId: fee.id, cents: 2475 }], method: 'cash', checkNumber: null, reference: null, payer: null, key: k, actorAccountId: null }, NOW))),
    );
    expect(both.map((r) => r.kind).sort()).toEqual(['moreThanOwed', 'recorded']);
    const paid = (await feesOfStudent(db, classmate.id)).find((f) => f.id === fee.id)!;
    expect(paid).toMatchObject({ balanceCents: 0, paidCents: 4000, status: 'paid' });
    expect(await ledgerSum(db, fee.id)).toBe(0);
  });

  it('adjusts and waives with a reason, within what was paid', async () => {
    await assessFees(db, office, assess({ studentNumber: sixth.number, descriptionEn: 'Lost book', amount: '20' }), TODAY, NOW);
    const fee = (await feesOfStudent(db, sixth.id)).find((f) => f.description.en === 'Lost book')!;
    await recordOfficePayment(db, office, sixth.id, { key: key(), method: 'check', checkNumber: '1042', [`pay.${fee.id}`]: '5' }, NOW);
    expect(await adjustFee(db, office, fee.id, { key: key(), amount: '4.99', reason: 'Found half' }, NOW)).toEqual({ kind: 'problems', problems: { amount: 'fees.problem.belowPaid' } });
    expect(await adjustFee(db, office, fee.id, { key: key(), amount: '20', reason: 'Same' }, NOW)).toEqual({ kind: 'problems', problems: { amount: 'fees.problem.sameAmount' } });
    expect(await adjustFee(db, office, fee.id, { key: key(), amount: '12', reason: '' }, NOW)).toEqual({ kind: 'problems', problems: { reason: 'form.required' } });
    expect(await adjustFee(db, farOffice, fee.id, { key: key(), amount: '12', reason: 'x' }, NOW)).toEqual({ kind: 'notFound' });
    const adjustKey = key();
    expect(await adjustFee(db, office, fee.id, { key: adjustKey, amount: '12', reason: 'Paperback price' }, NOW)).toMatchObject({ kind: 'done' });
    expect(await adjustFee(db, office, fee.id, { key: adjustKey, amount: '12', reason: 'Paperback price' }, NOW)).toEqual({ kind: 'duplicate' });
    expect(await officeFee(db, office.scope, fee.id)).toMatchObject({ chargedCents: 1200, paidCents: 500, balanceCents: 700, status: 'open' });
    expect(await waiveFee(db, farOffice, fee.id, { key: key(), reason: 'x' }, NOW)).toEqual({ kind: 'notFound' });
    expect(await waiveFee(db, office, fee.id, { key: key(), reason: 'Hardship' }, NOW)).toMatchObject({ kind: 'done' });
    expect(await officeFee(db, office.scope, fee.id)).toMatchObject({ chargedCents: 1200, paidCents: 500, waivedCents: 700, balanceCents: 0, status: 'paid' });
    expect(await waiveFee(db, office, fee.id, { key: key(), reason: 'Again' }, NOW)).toEqual({ kind: 'problems', problems: { reason: 'fees.problem.nothingOwed' } });
    const history = (await feesOfStudent(db, sixth.id)).find((f) => f.id === fee.id)!.history;
    expect(history.map((h) => [h.kind, h.amountCents, h.reason, h.checkNumber])).toEqual([
      ['assessed', 2000, null, null],
      ['paid', -500, null, '1042'],
      ['adjusted', -800, 'Paperback price', null],
      ['waived', -700, 'Hardship', null],
    ]);
    // The office's list filters by status and finds by student or fee.
    const { fees: paidList } = await listSchoolFees(db, office.scope, { schoolId: null, status: 'paid', grade: 10, q: 'lost' });
    expect(paidList.map((f) => f.id)).toEqual([fee.id]);
    expect((await listSchoolFees(db, farOffice.scope, { schoolId: null, status: null, grade: null, q: '' })).total).toBe(0);
  });

  it('refunds a payment once; its receipt reads in English and Spanish; families see only their child’s', async () => {
    await assessFees(db, office, assess({ studentNumber: '0041200', descriptionEn: 'Band uniform', descriptionEs: 'Uniforme de banda', amount: '35.50' }), TODAY, NOW);
    const fee = (await feesOfStudent(db, family.student.id)).find((f) => f.description.en === 'Band uniform')!;
    const paid = await recordOfficePayment(db, office, family.student.id, { key: key(), method: 'check', checkNumber: 'A-77', payer: 'Lucia Ortiz', [`pay.${fee.id}`]: '35.50' }, NOW);
    if (paid.kind !== 'recorded') throw new Error(paid.kind);
    const payment = (await officePayment(db, office.scope, paid.paymentId))!;
    expect(await officePayment(db, farOffice.scope, paid.paymentId)).toBeNull();
    const en = pdfText(await feeReceiptPdf(payment, { locale: 'en', district: { name: 'Fixture Unified', portalName: 'Fixture Portal', timeZone: world.timeZone } })).replace(/\s+/g, ' ');
    expect(en).toContain(`Receipt ${paid.paymentId}`);
    expect(en).toContain('Received February 9, 2027 at 12:00 PM');
    expect(en).toContain('Paid by check number A-77');
    expect(en).toContain('Received from Lucia Ortiz');
    expect(en).toContain('Maya Ortiz (0041200, Cedar Ridge High School): Band uniform — $35.50');
    expect(en).toContain('Total paid: $35.50');
    const es = pdfText(await feeReceiptPdf(payment, { locale: 'es', district: { name: 'Fixture Unified', portalName: 'Fixture Portal', timeZone: world.timeZone } })).replace(/\s+/g, ' ');
    expect(es).toContain(`Recibo ${paid.paymentId}`);
    expect(es).toContain('Uniforme de banda — $35.50');
    expect(es).toContain('Total pagado: $35.50');
    // A guardian reads it through their child; another child's proof finds nothing.
    const [maya] = await studentsReadableBy(db, { person_kind: 'guardian', student_id: null, guardian_id: family.guardian.id }, null);
    expect((await familyPayment(db, maya!, paid.paymentId))?.totalCents).toBe(3550);
    const other = await guardianWithChild(db, world, { student: { first: 'Leo', last: 'Kim' } });
    const [leo] = await studentsReadableBy(db, { person_kind: 'guardian', student_id: null, guardian_id: other.guardian.id }, null);
    expect(await familyPayment(db, leo!, paid.paymentId)).toBeNull();

    const refundKey = key();
    expect(await refundPayment(db, office, paid.paymentId, { key: refundKey, reason: '' }, NOW)).toEqual({ kind: 'problems', problems: { reason: 'form.required' } });
    expect(await refundPayment(db, farOffice, paid.paymentId, { key: refundKey, reason: 'x' }, NOW)).toEqual({ kind: 'notFound' });
    expect(await refundPayment(db, office, paid.paymentId, { key: refundKey, reason: 'Uniform returned' }, NOW)).toEqual({ kind: 'refunded' });
    expect(await refundPayment(db, office, paid.paymentId, { key: refundKey, reason: 'Uniform returned' }, NOW)).toEqual({ kind: 'duplicate' });
    expect(await refundPayment(db, office, paid.paymentId, { key: key(), reason: 'Again' }, NOW)).toEqual({ kind: 'problems', problems: { reason: 'fees.problem.alreadyRefunded' } });
    expect(await officeFee(db, office.scope, fee.id)).toMatchObject({ balanceCents: 3550, paidCents: 0, status: 'open' });
  });

  it('puts required open fees due within two weeks or past due on To Do, not optional or later ones', async () => {
    const kid = await student(db, world, { first: 'Tess', last: 'Todo', grade: 9 });
    for (const [en, due, required] of [
      ['Past due', '2027-01-30', 'required'],
      ['Soon', '2027-02-23', 'required'],
      ['Later', '2027-02-24', 'required'],
      ['Optional', '2027-02-10', 'optional'],
    ] as const) {
      await assessFees(db, office, assess({ studentNumber: kid.number, descriptionEn: en, descriptionEs: `${en} (es)`, dueDate: due, required }), TODAY, NOW);
    }
    const readable = [{ id: kid.id } as never];
    const items = await todoItemsForFees(db, readable, '2027-02-23', 'es');
    expect(items.map((i) => [i.title, i.due, i.url]).sort()).toEqual([
      ['Past due (es)', '2027-01-30', `/students/${kid.id}/payments`],
      ['Soon (es)', '2027-02-23', `/students/${kid.id}/payments`],
    ]);
  });

  it('keeps every balance equal to an independent model and to the SUM of its ledger after thousands of random operations', async () => {
    const operator: StaffActor = { scope: operatorScope(), actorAccountId: null, ip: null };
    const kids = [family.student, classmate, sixth];
    const rng = prand.xoroshiro128plus(20270209);
    const int = (lo: number, hi: number) => prand.unsafeUniformIntDistribution(lo, hi, rng);
    // The model: what each fee was charged, paid (less refunds) and waived, kept without the code under test.
    const model = new Map<number, { charged: number; paid: number; waived: number }>();
    const payments: { id: number; lines: { feeId: number; cents: number }[]; refunded: boolean }[] = [];
    const usedKeys: string[] = [];
    const balance = (m: { charged: number; paid: number; waived: number }) => m.charged - m.paid - m.waived;
    const newFee = async () => {
      const kid = kids[int(0, kids.length - 1)]!;
      const cents = int(1, 1_000_000);
      const before = new Set((await db.selectFrom('fees').select('id').where('student_id', '=', kid.id).execute()).map((r) => r.id));
      const amount = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
      expect(await assessFees(db, operator, assess({ studentNumber: kid.number, amount, descriptionEn: 'Random' }), TODAY, NOW)).toMatchObject({ kind: 'assessed', count: 1 });
      const made = (await db.selectFrom('fees').select('id').where('student_id', '=', kid.id).execute()).find((r) => !before.has(r.id))!;
      model.set(made.id, { charged: cents, paid: 0, waived: 0 });
    };
    for (let i = 0; i < 8; i++) await newFee();
    const OPERATIONS = 2000;
    for (let op = 0; op < OPERATIONS; op++) {
      const ids = [...model.keys()];
      const feeId = ids[int(0, ids.length - 1)]!;
      const m = model.get(feeId)!;
      const choice = int(0, 99);
      if (choice < 5) {
        await newFee();
      } else if (choice < 20) {
        const target = int(1, 1_000_000);
        const result = await adjustFee(db, operator, feeId, { key: key(), amount: `${Math.floor(target / 100)}.${String(target % 100).padStart(2, '0')}`, reason: 'Random change' }, NOW);
        if (target === m.charged) expect(result).toEqual({ kind: 'problems', problems: { amount: 'fees.problem.sameAmount' } });
        else if (balance(m) + target - m.charged < 0) expect(result).toEqual({ kind: 'problems', problems: { amount: 'fees.problem.belowPaid' } });
        else {
          expect(result.kind).toBe('done');
          m.charged = target;
        }
      } else if (choice < 27) {
        const result = await waiveFee(db, operator, feeId, { key: key(), reason: 'Random waiver' }, NOW);
        if (balance(m) === 0) expect(result).toEqual({ kind: 'problems', problems: { reason: 'fees.problem.nothingOwed' } });
        else {
          expect(result.kind).toBe('done');
          m.waived += balance(m);
        }
      } else if (choice < 80) {
        // One payment of up to three fees; now and then a line more than owed, or a key used before.
        const lines = [...new Set([feeId, ids[int(0, ids.length - 1)]!, ids[int(0, ids.length - 1)]!].slice(0, int(1, 3)))].map((id) => {
          const owed = balance(model.get(id)!);
          return { feeId: id, cents: int(0, 9) === 0 ? owed + int(1, 500) : owed === 0 ? 1 : int(1, owed) };
        });
        const replay = usedKeys.length > 0 && int(0, 19) === 0;
        const payKey = replay ? usedKeys[int(0, usedKeys.length - 1)]! : key();
        const result = await db.transaction().execute((trx) => recordPayment(trx, { lines, method: 'cash', checkNumber: null, reference: null, payer: null, key: payKey, actorAccountId: null }, NOW));
        const over = lines.find((l) => l.cents > balance(model.get(l.feeId)!));
        if (replay) expect(result.kind).toBe('duplicate');
        else if (over) expect(result.kind).toBe('moreThanOwed');
        else {
          expect(result.kind).toBe('recorded');
          if (result.kind !== 'recorded') continue;
          usedKeys.push(payKey);
          for (const l of lines) model.get(l.feeId)!.paid += l.cents;
          payments.push({ id: result.paymentId, lines, refunded: false });
        }
      } else if (payments.length > 0) {
        const p = payments[int(0, payments.length - 1)]!;
        const result = await refundPayment(db, operator, p.id, { key: key(), reason: 'Random refund' }, NOW);
        if (p.refunded) expect(result).toEqual({ kind: 'problems', problems: { reason: 'fees.problem.alreadyRefunded' } });
        else {
          expect(result).toEqual({ kind: 'refunded' });
          p.refunded = true;
          for (const l of p.lines) model.get(l.feeId)!.paid -= l.cents;
        }
      }
    }
    for (const [feeId, m] of model) {
      const fee = (await officeFee(db, operator.scope, feeId))!;
      expect({ feeId, balance: fee.balanceCents, charged: fee.chargedCents, paid: fee.paidCents, waived: fee.waivedCents }).toEqual({ feeId, balance: balance(m), charged: m.charged, paid: m.paid, waived: m.waived });
      expect(await ledgerSum(db, feeId)).toBe(balance(m));
      expect(balance(m)).toBeGreaterThanOrEqual(0);
      expect(fee.status).toBe(balance(m) > 0 ? 'open' : m.paid > 0 ? 'paid' : 'waived');
    }
    expect(model.size).toBeGreaterThan(8);
    expect(payments.length).toBeGreaterThan(100);
  }, 300_000);
});
