/**
 * Fees in Chromium (issue 24): office staff assess a fee and record a partial payment by keyboard alone,
 * then the full rest by check; a Spanish-speaking guardian sees the child's fees on a 360 px phone with
 * the amounts in the locale's format and opens the receipt. Every page passes axe and fits.
 */
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { CHROMIUM, expectFits, expectOnlyHttpErrors, launch, listen, openPage, signIn, tabTo } from '../support/browser.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { guardianWithChild, schoolYear, staffMember, type Family, type StaffFixture } from '../support/factories.js';
import { pdfText } from '../support/pdf.js';

describe.skipIf(!CHROMIUM)('fees in Chromium', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let office: StaffFixture;
  let family: Family;

  beforeAll(async () => {
    database = await freshDatabase('sqlite');
    const db = database.db;
    const world = await schoolYear(db);
    office = await staffMember(db, world, { first: 'Olga', last: 'Office', roles: [{ role: 'office' }] });
    family = await guardianWithChild(db, world, {
      student: { first: 'Diego', last: 'Reyes', number: '0042137', grade: 11 },
      guardian: { first: 'Rosa María', last: 'Reyes-Villanueva' },
      locale: 'es',
    });
    app = await makeApp(database, { now: () => new Date('2027-02-09T18:00:00Z') });
    base = await listen(app);
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.drop();
  });

  it('the office assesses a fee and records payments by keyboard; a guardian sees them in Spanish at 360 px', async () => {
    const page = await openPage(browser, 1280);
    await signIn(page, base, office.account!);
    await page.goto(`${base}/staff/fees`);
    await expectFits(page);
    await tabTo(page, 'Assess a fee');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/staff\/fees\/new$/);
    await expectFits(page);
    for (const [id, text] of [
      ['studentNumber', '0042137'],
      ['descriptionEn', 'Chemistry lab fee'],
      ['descriptionEs', 'Cuota del laboratorio de química'],
      ['amount', '0'],
    ] as const) {
      await tabTo(page, id);
      await page.keyboard.type(text);
    }
    await tabTo(page, 'Assess the fee', { button: true });
    await page.keyboard.press('Enter');
    // Zero is refused at its field, nothing assessed.
    await page.getByText('The amount must be more than zero.').first().waitFor();
    expectOnlyHttpErrors(page, 400);
    await expectFits(page);
    await tabTo(page, 'amount');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('30.00');
    await tabTo(page, 'Assess the fee', { button: true });
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/staff\/fees\/students\/\d+\?done=assessed$/);
    await page.getByRole('heading', { level: 1, name: 'Fees of Diego Reyes' }).waitFor();
    await expectFits(page);

    // A partial payment in cash, then the rest by check.
    const feeInput = page.locator('input[id^="pay."]');
    const payId = (await feeInput.getAttribute('id'))!;
    await tabTo(page, payId);
    await page.keyboard.type('12.50');
    await tabTo(page, 'Record the payment', { button: true });
    await page.keyboard.press('Enter');
    await page.waitForURL(/done=paid$/);
    await page.getByText('The payment was recorded.').waitFor();
    await page.getByText('Balance $17.50 of $30.00 · Open').waitFor();
    await expectFits(page);
    await tabTo(page, payId);
    await page.keyboard.type('17.50');
    await tabTo(page, 'method-cash');
    await page.keyboard.press('ArrowDown');
    await tabTo(page, 'checkNumber');
    await page.keyboard.type('1187');
    await tabTo(page, 'Record the payment', { button: true });
    await page.keyboard.press('Enter');
    await page.waitForURL(/done=paid$/);
    await page.getByText('Balance $0.00 of $30.00 · Paid').waitFor();
    await expectFits(page);
    await page.goto(`${base}/staff/fees?status=paid`);
    await page.getByRole('cell', { name: 'Chemistry lab fee' }).waitFor();
    await expectFits(page);
    await page.context().close();

    const phone = await openPage(browser, 360, 'es-US');
    await signIn(phone, base, family.guardianAccount!);
    await phone.goto(`${base}/students/${family.student.id}/payments`);
    await phone.getByRole('heading', { level: 2, name: 'Cómo pagar' }).waitFor();
    await phone.getByText('Saldo $0.00 de $30.00 · Pagada').waitFor();
    await expectFits(phone);
    await tabTo(phone, 'Historial');
    await phone.keyboard.press('Enter');
    await phone.getByText('cheque 1187', { exact: false }).waitFor();
    await expectFits(phone);
    await phone.screenshot({ path: '/tmp/fees/e2e-family-360.png', fullPage: true });
    const receipt = phone.getByRole('link', { name: /^Recibo \d+ \(PDF\)$/ }).first();
    const href = (await receipt.getAttribute('href'))!;
    const response = await phone.request.get(`${base}${href}`);
    expect(response.headers()['content-type']).toBe('application/pdf');
    const text = pdfText(Buffer.from(await response.body())).replace(/\s+/g, ' ');
    expect(text).toContain('Cuota del laboratorio de química');
    expect(text).toContain('Total pagado: $12.50');
    await phone.context().close();
  }, 240_000);
});
