/**
 * Fees' pages (issue 24): the family's Payments tool (a guardian, the student, a guardian of another
 * family, the tool turned off), the receipt PDF in the reader's language, the To Do item; and the
 * office's pages answering bad input with field messages and a 4xx, a payment sent twice from two tabs
 * refused with a message, an unknown student 404. The staff routes as every role are in
 * staff-authorization.test.ts.
 */
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { FIXTURE_PASSWORD, guardianWithChild, schoolYear, staffMember, type Family, type StaffFixture, type World } from '../support/factories.js';
import { Client } from '../support/http.js';
import { pdfText } from '../support/pdf.js';

const STAMP = '2027-02-01T15:00:00.000Z';

describeEachEngine('fees pages', (get) => {
  let app: FastifyInstance;
  let db: Kysely<DB>;
  let world: World;
  let office: StaffFixture;
  let family: Family;
  let spanish: Family;
  let stranger: Family;
  let feeId: number;
  let paymentId: number;

  const signedIn = async (username: string) => {
    const c = new Client(app);
    expect((await c.submit('/sign-in', { username, password: FIXTURE_PASSWORD })).statusCode, username).toBe(303);
    return c;
  };
  const count = async (t: 'fees' | 'fee_ledger' | 'fee_payments') => Number((await db.selectFrom(t).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  /** The hidden key of the form the page shows (the first one, or the one before `after`). */
  const formKeyOf = (html: string, action: string) => new RegExp(`action="${action.replace(/[/?]/g, (c) => `\\${c}`)}"[\\s\\S]*?name="key" value="([^"]+)"`).exec(html)?.[1] ?? '';

  beforeAll(async () => {
    db = get().db;
    world = await schoolYear(db);
    office = await staffMember(db, world, { first: 'Olga', last: 'Office', roles: [{ role: 'office' }] });
    family = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz', grade: 11 }, guardian: { first: 'Lucia', last: 'Ortiz' } });
    spanish = await guardianWithChild(db, world, { student: { first: 'Diego', last: 'Reyes', grade: 11 }, guardian: { first: 'Rosa', last: 'Reyes' }, locale: 'es' });
    stranger = await guardianWithChild(db, world, { student: { first: 'Sam', last: 'Stone', grade: 11 }, guardian: { first: 'Kim', last: 'Stone' } });
    await db.updateTable('schools').set({ address_line1: '100 Cedar Ave', city: 'Cedar Valley', state: 'IA', postal_code: '50000', phone: '(319) 555-0100' }).where('id', '=', world.school.id).execute();
    // Maya: a lab fee of $1,234.50 due in a week, $234.50 of it paid by check; Diego: a waived trip.
    const fee = await db
      .insertInto('fees')
      .values({ student_id: family.student.id, school_id: world.school.id, school_year: 2027, description_en: 'Robotics kit', description_es: 'Equipo de robótica', amount_cents: 123450, due_date: '2027-02-16', required: 1, assessment_key: 'web-1', created_by: null, created_at: STAMP, updated_at: STAMP, updated_by: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    feeId = fee.id;
    const payment = await db
      .insertInto('fee_payments')
      .values({ idempotency_key: 'web-payment-1', method: 'check', check_number: '2201', reference: null, payer: 'Lucia Ortiz', total_cents: 23450, recorded_by: null, recorded_at: STAMP })
      .returning('id')
      .executeTakeFirstOrThrow();
    paymentId = payment.id;
    const trip = await db
      .insertInto('fees')
      .values({ student_id: spanish.student.id, school_id: world.school.id, school_year: 2027, description_en: 'Museum trip', description_es: 'Excursión al museo', amount_cents: 1500, due_date: '2027-02-01', required: 1, assessment_key: 'web-2', created_by: null, created_at: STAMP, updated_at: STAMP, updated_by: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('fee_ledger')
      .values([
        { fee_id: feeId, kind: 'assessed', amount_cents: 123450, reason: null, payment_id: null, idempotency_key: null, by_account: null, at: STAMP },
        { fee_id: feeId, kind: 'paid', amount_cents: -23450, reason: null, payment_id: paymentId, idempotency_key: null, by_account: null, at: STAMP },
        { fee_id: trip.id, kind: 'assessed', amount_cents: 1500, reason: null, payment_id: null, idempotency_key: null, by_account: null, at: STAMP },
        { fee_id: trip.id, kind: 'waived', amount_cents: -1500, reason: 'Beca', payment_id: null, idempotency_key: null, by_account: null, at: STAMP },
      ])
      .execute();
    app = await makeApp(get(), { now: () => new Date('2027-02-09T18:00:00Z') });
  });
  afterAll(() => app?.close());

  it('shows a guardian and the student the child’s fees, amounts in the locale’s format, and how to pay at the office', async () => {
    for (const c of [await signedIn(family.guardianAccount!.username), await signedIn(family.studentAccount!.username)]) {
      const res = await c.get(`/students/${family.student.id}/payments`);
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('Robotics kit');
      expect(res.body).toContain('Balance $1,000.00 of $1,234.50 · Open');
      expect(res.body).toContain('Total owed: $1,000.00');
      expect(res.body).toContain('Fees are paid at the office of Cedar Ridge High School');
      expect(res.body).toContain('100 Cedar Ave, Cedar Valley, IA 50000');
      expect(res.body).toContain('check 2201');
      expect(res.body).not.toMatch(/pay online|Stripe/i);
      // The short address goes to the student shown now.
      expect((await c.get('/payments')).statusCode).toBe(303);
    }
    const es = await signedIn(spanish.guardianAccount!.username);
    const page = await es.get(`/students/${spanish.student.id}/payments`);
    expect(page.body).toContain('Excursión al museo');
    expect(page.body).toContain('Saldo $0.00 de $15.00 · Exonerada');
    expect(page.body).toContain('Beca');
    expect(page.body).toContain('Diego no debe nada por ahora.');
  });

  it('answers 404 to a guardian of another family, for the page and the receipt, and when the district turns Payments off', async () => {
    const c = await signedIn(stranger.guardianAccount!.username);
    expect((await c.get(`/students/${family.student.id}/payments`)).statusCode).toBe(404);
    expect((await c.get(`/students/${family.student.id}/payments/${paymentId}.pdf`)).statusCode).toBe(404);
    // Their own child's page does not open another child's receipt either.
    expect((await c.get(`/students/${stranger.student.id}/payments/${paymentId}.pdf`)).statusCode).toBe(404);
    const mine = await signedIn(family.guardianAccount!.username);
    for (const bad of ['abc.pdf', `${paymentId}`, '0.pdf', '99999999999.pdf']) expect((await mine.get(`/students/${family.student.id}/payments/${bad}`)).statusCode, bad).toBe(404);
    const district = await db.selectFrom('district').select(['id', 'settings']).executeTakeFirstOrThrow();
    const settings = JSON.parse(district.settings) as { tools: Record<string, boolean> };
    await db.updateTable('district').set({ settings: JSON.stringify({ ...settings, tools: { ...settings.tools, payments: false } }) }).where('id', '=', district.id).execute();
    app.services.districts.invalidate();
    try {
      const off = await signedIn(family.guardianAccount!.username);
      expect((await off.get(`/students/${family.student.id}/payments`)).statusCode).toBe(404);
    } finally {
      await db.updateTable('district').set({ settings: district.settings }).where('id', '=', district.id).execute();
      app.services.districts.invalidate();
    }
  });

  it('gives a guardian the receipt in their language, and lists the fee due within two weeks on To Do', async () => {
    const en = await signedIn(family.guardianAccount!.username);
    const res = await en.get(`/students/${family.student.id}/payments/${paymentId}.pdf`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const text = pdfText(res.rawPayload).replace(/\s+/g, ' ');
    expect(text).toContain(`Receipt ${paymentId}`);
    expect(text).toContain('Paid by check number 2201');
    expect(text).toContain('Robotics kit — $234.50');
    const todo = await en.get('/todo');
    expect(todo.body).toContain('Pay a fee');
    expect(todo.body).toContain(`href="/students/${family.student.id}/payments"`);
  });

  it('answers the office’s bad input with messages and a 4xx, and a payment sent twice once', async () => {
    const c = await signedIn(office.account!.username);
    expect((await c.get('/staff/fees/students/99999999')).statusCode).toBe(404);
    expect((await c.get('/staff/fees/students/abc')).statusCode).toBe(404);
    expect((await c.post('/staff/fees/99999999/waive', { key: 'k'.repeat(20), reason: 'x' })).statusCode).toBe(404);
    const page = await c.get(`/staff/fees/students/${family.student.id}`);
    expect(page.statusCode).toBe(200);
    const action = `/staff/fees/students/${family.student.id}/payments`;
    const key = formKeyOf(page.body, action);
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    const before = { fees: await count('fees'), ledger: await count('fee_ledger'), payments: await count('fee_payments') };
    for (const [amount, message] of <[string, string][]>[
      ['1000.01', 'This is more than is owed on this fee.'],
      ['-3', 'The amount must be more than zero.'],
      ['lots', 'Type an amount in dollars and cents, for example 12.50.'],
      ['20000', 'The amount can be at most $10,000.00.'],
    ]) {
      const res = await c.post(action, { key, method: 'cash', [`pay.${feeId}`]: amount });
      expect(res.statusCode, amount).toBe(400);
      expect(res.body, amount).toContain(message);
    }
    const stale = await c.post(action, { key: 'short', method: 'cash', [`pay.${feeId}`]: '1' });
    expect(stale.statusCode).toBe(400);
    expect(stale.body).toContain('This form is out of date.');
    const assess = await c.post('/staff/fees/new', { key: 'x'.repeat(32), target: 'student', studentNumber: '424242', descriptionEn: 'A', descriptionEs: 'B', amount: '5', dueDate: '', schoolYear: '2027', required: 'required' });
    expect(assess.statusCode).toBe(400);
    expect(assess.body).toContain('No student with this number at your schools.');
    expect({ fees: await count('fees'), ledger: await count('fee_ledger'), payments: await count('fee_payments') }).toEqual(before);
    // The same form from two tabs: the first is recorded, the second refused with a message.
    const first = await c.post(action, { key, method: 'cash', [`pay.${feeId}`]: '100' });
    expect(first.statusCode).toBe(303);
    const second = await c.post(action, { key, method: 'cash', [`pay.${feeId}`]: '100' });
    expect(second.statusCode).toBe(409);
    expect(second.body).toContain('This payment was already recorded');
    expect(await count('fee_payments')).toBe(before.payments + 1);
    const after = await c.get(`/staff/fees/students/${family.student.id}`);
    expect(after.body).toContain('Balance $900.00 of $1,234.50 · Open');
    // The office prints the receipt in Spanish for a Spanish-speaking guardian.
    const receipt = await c.get(`/staff/fees/payments/${paymentId}/receipt.pdf?lang=es`);
    expect(pdfText(receipt.rawPayload).replace(/\s+/g, ' ')).toContain('Pagado con el cheque número 2201');
    const list = await c.get('/staff/fees?status=open&q=robotics');
    expect(list.body).toContain('Robotics kit');
    expect(list.body).toContain('1 fee');
  });
});
