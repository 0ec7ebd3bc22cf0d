/**
 * The meal account in Chromium (issue 24): a Spanish-speaking guardian on a 360 px phone reads a child's
 * balance and purchases, is refused a negative low-balance threshold at its field, sets one by keyboard,
 * and then sees the low-balance banner on Today. Every page passes axe and fits.
 */
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { CHROMIUM, expectFits, expectOnlyHttpErrors, launch, listen, openPage, signIn, tabTo } from '../support/browser.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { guardianWithChild, schoolYear, type Family } from '../support/factories.js';

describe.skipIf(!CHROMIUM)('the meal account in Chromium', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let family: Family;

  beforeAll(async () => {
    database = await freshDatabase('sqlite');
    const db = database.db;
    const world = await schoolYear(db);
    family = await guardianWithChild(db, world, { student: { first: 'Diego', last: 'Reyes', grade: 11 }, guardian: { first: 'Rosa', last: 'Reyes' }, locale: 'es' });
    // $20.00 deposited, a $3.25 lunch bought: $16.75 left.
    const at = '2027-02-08T17:30:00.000Z';
    await db.insertInto('meal_accounts').values({ student_id: family.student.id, balance_cents: 1675, updated_at: at }).execute();
    await db
      .insertInto('meal_ledger')
      .values([
        { student_id: family.student.id, kind: 'deposit', amount_cents: 2000, at, item: null, reason: null, method: 'cash', check_number: null, source: 'office', external_id: null, recorded_by: null, recorded_at: at },
        { student_id: family.student.id, kind: 'purchase', amount_cents: -325, at, item: 'Lunch', reason: null, method: null, check_number: null, source: 'pos', external_id: 'T-1', recorded_by: null, recorded_at: at },
      ])
      .execute();
    app = await makeApp(database, { now: () => new Date('2027-02-09T18:00:00Z') });
    base = await listen(app);
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.drop();
  });

  it('a guardian reads the balance, is refused a bad threshold, sets one by keyboard and sees the banner on Today', async () => {
    const page = await openPage(browser, 360);
    await signIn(page, base, family.guardianAccount!);
    await page.goto(`${base}/payments/meals/${family.student.id}`);
    await page.getByText('$16.75').first().waitFor();
    await page.getByText('Lunch').first().waitFor();
    await expectFits(page);
    await page.goto(`${base}/payments/meals`);
    await expectFits(page);
    await tabTo(page, 'threshold');
    await page.keyboard.type('-5');
    await page.keyboard.press('Enter');
    await page.getByText('Escriba un monto de 0 a 500 dólares, como 5 o 7.50.').first().waitFor();
    expectOnlyHttpErrors(page, 400);
    await expectFits(page);
    await tabTo(page, 'threshold');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('20');
    await page.keyboard.press('Enter');
    await page.getByText('Ahora: $20.00.').first().waitFor();
    await expectFits(page);
    // $16.75 is under $20.00: Today says so.
    await page.goto(`${base}/students/${family.student.id}/today`);
    expect(await page.locator('main').textContent()).toContain('$16.75');
    await expectFits(page);
  }, 120_000);
});
