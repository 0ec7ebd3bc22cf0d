/**
 * The meal-account pages through HTTP, as every kind of reader: the office records a deposit that the
 * parent's page shows at its next load; bad amounts come back with their messages and write nothing;
 * the low-balance banner on Today and the guardian's threshold; the point-of-sale upload with its
 * problems in the reader's language; a guardian of another family, a student and staff get 404 for a
 * child that is not theirs. Expected values are worked out by hand from the fixture.
 */
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, schoolYear, staffMember, type AccountFixture, type Family } from '../support/factories.js';
import { textOf } from '../support/html.js';
import { Client } from '../support/http.js';

const TODAY = '2027-02-09';

describeEachEngine('the meal-account pages', (get) => {
  let app: FastifyInstance;
  let db: Kysely<DB>;
  let ortiz: Family;
  let lee: Family;
  let officeLogin: AccountFixture;
  let teacherLogin: AccountFixture;

  beforeAll(async () => {
    db = get().db;
    const world = await schoolYear(db, { today: TODAY });
    ortiz = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz', number: '00412' } });
    lee = await guardianWithChild(db, world, { student: { first: 'Ada', last: 'Lee', number: '00999' }, locale: 'es' });
    officeLogin = (await staffMember(db, world, { first: 'Tia', last: 'Cole', roles: [{ role: 'office' }] })).account!;
    teacherLogin = (await staffMember(db, world, { first: 'Rob', last: 'Carter', roles: [{ role: 'teacher' }] })).account!;
    app = await makeApp(get(), { now: () => new Date(`${TODAY}T18:00:00Z`) });
  });
  afterAll(() => app?.close());

  let address = 0;
  const signedIn = async (who: AccountFixture) => {
    const c = new Client(app, {}, `10.8.0.${++address}`);
    const res = await c.submit('/sign-in', { username: who.username, password: who.password });
    expect(res.statusCode).toBe(303);
    return c;
  };
  const ledgerRows = async () => Number((await db.selectFrom('meal_ledger').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('answers 404 for a child that is not the reader’s, and sends the signed-out to sign in', async () => {
    const anonymous = new Client(app);
    expect((await anonymous.get('/payments/meals')).statusCode).toBe(303);
    const other = await signedIn(lee.guardianAccount!);
    expect((await other.get(`/payments/meals/${ortiz.student.id}`)).statusCode).toBe(404);
    expect((await other.get(`/payments/meals/${lee.student.id}`)).statusCode).toBe(200);
    expect((await other.get('/payments/meals/abc')).statusCode).toBe(404);
    const maya = await signedIn(ortiz.studentAccount!);
    expect((await maya.get(`/payments/meals/${ortiz.student.id}`)).statusCode).toBe(200);
    expect((await maya.get(`/payments/meals/${lee.student.id}`)).statusCode).toBe(404);
    // A student has no threshold to set.
    expect((await maya.post('/payments/meals/threshold', { threshold: '5' })).statusCode).toBe(404);
    const teacher = await signedIn(teacherLogin);
    expect((await teacher.get('/payments/meals')).statusCode).toBe(404);
    expect((await teacher.get(`/payments/meals/${ortiz.student.id}`)).statusCode).toBe(404);
    // The family pages are not the office's.
    expect((await teacher.get('/staff/meals')).statusCode).toBe(403);
    const parent = await signedIn(ortiz.guardianAccount!);
    expect((await parent.get('/staff/meals')).statusCode).toBe(403);
  });

  it('records the office’s deposit, which the parent’s page shows; a bad amount writes nothing', async () => {
    const office = await signedIn(officeLogin);
    const found = await office.get('/staff/meals?number=412');
    expect(found.statusCode).toBe(303);
    const page = `/staff/meals/students/${ortiz.student.id}`;
    expect(found.headers.location).toBe(page);
    expect((await office.get('/staff/meals?number=%3Cb%3E')).statusCode).toBe(400);
    expect((await office.get('/staff/meals?number=4120')).statusCode).toBe(404);

    await office.get(page);
    const before = await ledgerRows();
    const bad = await office.post(`${page}/entries`, { kind: 'deposit', amount: '12.345', method: 'card' });
    expect(bad.statusCode).toBe(400);
    expect(textOf(bad.body)).toContain('Enter an amount from 0.01 to 1,000.00 dollars, such as 20 or 12.50.');
    expect(textOf(bad.body)).toContain('Choose cash or check.');
    expect(await ledgerRows()).toBe(before);
    const noReason = await office.post(`${page}/entries`, { kind: 'adjustment', amount: '-1.00', reason: '' });
    expect(noReason.statusCode).toBe(400);
    expect(await ledgerRows()).toBe(before);

    const saved = await office.post(`${page}/entries`, { kind: 'deposit', amount: '8.50', method: 'check', checkNumber: '1042' });
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe(`${page}?saved=1`);
    const shown = textOf((await office.get(`${page}?saved=1`)).body);
    expect(shown).toContain('Recorded. The balance is updated.');
    expect(shown).toContain('Balance: $8.50');
    expect(shown).toContain('Deposit (check 1042)');
    await office.post(`${page}/entries`, { kind: 'adjustment', amount: '-1.25', reason: 'Milk charged twice' });

    const parent = await signedIn(ortiz.guardianAccount!);
    const account = textOf((await parent.get(`/payments/meals/${ortiz.student.id}`)).body);
    expect(account).toContain('Balance: $7.25');
    expect(account).toContain('Adjustment: Milk charged twice');
    expect(account).toContain('-$1.25');
  });

  it('shows the low-balance banner on Today under the district’s $10, and not under the guardian’s own $5', async () => {
    const parent = await signedIn(ortiz.guardianAccount!);
    const today = textOf((await parent.get(`/students/${ortiz.student.id}/today`)).body);
    expect(today).toContain('Maya’s meal balance is $7.25, below $10.00.');
    const list = textOf((await parent.get('/payments/meals')).body);
    expect(list).toContain('Meal balance for Maya Ortiz: $7.25 Low');

    const bad = await parent.post('/payments/meals/threshold', { threshold: '600' });
    expect(bad.statusCode).toBe(400);
    expect(textOf(bad.body)).toContain('Enter an amount from 0 to 500 dollars, such as 5 or 7.50.');
    const saved = await parent.post('/payments/meals/threshold', { threshold: '5' });
    expect(saved.statusCode).toBe(303);
    expect(textOf((await parent.get('/payments/meals?saved=1')).body)).toContain('Your low-balance alert is saved.');
    expect(textOf((await parent.get(`/students/${ortiz.student.id}/today`)).body)).not.toContain('meal balance');
  });

  it('reads the page in Spanish for a Spanish-speaking guardian', async () => {
    const parent = await signedIn(lee.guardianAccount!);
    const page = textOf((await parent.get(`/payments/meals/${lee.student.id}`)).body);
    expect(page).toContain('Cuenta de comidas: Ada Lee');
    expect(page).toContain('No hay compras ni depósitos en los últimos 30 días.');
    expect(textOf((await parent.get(`/students/${lee.student.id}/today`)).body)).toContain('El saldo de comidas de Ada es $0.00, menor que $10.00.');
  });

  it('imports a point-of-sale upload, and reports a bad file’s problems by line without writing anything', async () => {
    const office = await signedIn(officeLogin);
    await office.get('/staff/meals/import');
    const before = await ledgerRows();
    const bad = await office.upload('/staff/meals/import', [
      { name: 'file', filename: 'pos.csv', type: 'text/csv', content: Buffer.from('transaction_id,student_number,time,amount\nA-1,00412,2027-02-08 11:00,abc\nA-2,00412,yesterday,1.00\n') },
    ]);
    expect(bad.statusCode).toBe(422);
    const text = textOf(bad.body);
    expect(text).toContain('Not imported: nothing was changed.');
    expect(text).toContain('line 2');
    expect(text).toContain('“abc” is not an amount');
    expect(text).toContain('line 3');
    expect(text).toContain('“yesterday” is not a date and time');
    expect(await ledgerRows()).toBe(before);

    const good = await office.upload('/staff/meals/import', [
      { name: 'file', filename: 'pos.csv', type: 'text/csv', content: Buffer.from('transaction_id,student_number,time,amount,item\nA-1,00412,2027-02-08 11:00,3.00,Lunch\nA-2,55555,2027-02-08 11:01,3.00,Lunch\n') },
    ]);
    expect(good.statusCode).toBe(200);
    expect(textOf(good.body)).toContain('Imported: 1 added, 0 already imported, 1 skipped, of 2 rows.');
    expect(await ledgerRows()).toBe(before + 1);
    const empty = await office.upload('/staff/meals/import', [{ name: 'dryRun', value: '1' }]);
    expect(empty.statusCode).toBe(400);
    expect(textOf(empty.body)).toContain('Choose a CSV file to import.');
    // Without the form's token: refused before the file is read.
    expect((await office.upload('/staff/meals/import', [{ name: 'file', filename: 'pos.csv', content: Buffer.from('x') }], { csrf: false })).statusCode).toBe(403);
  });
});
