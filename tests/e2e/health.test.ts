/**
 * The nurse's health records in Chromium: by keyboard alone the nurse finds a student by number, records
 * a dose and corrects it; each page (the lookup, a student's record, a dose's correction, the compliance
 * list) is axe clean and does not scroll sideways, at 360 and 1280 px, in English and Spanish.
 */
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { CHROMIUM, expectFits, launch, listen, openPage, signIn as signInAs } from '../support/browser.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { immunizations, schoolYear, staffMember, student, vaccine, type AccountFixture } from '../support/factories.js';

const TODAY = '2027-02-09';

describe.skipIf(!CHROMIUM)('the nurse’s health records in Chromium', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  const nurses: Partial<Record<'en' | 'es', AccountFixture>> = {};
  let mayaId = 0;
  let doseId = 0;

  beforeAll(async () => {
    database = await freshDatabase('sqlite');
    const { db } = database;
    const world = await schoolYear(db, { today: TODAY });
    const mmr = await vaccine(db, { code: 'MMR', name: 'Measles, mumps, rubella (MMR)', requirements: [{ gradeLow: 6, gradeHigh: 12, doses: 2 }] });
    const tdap = await vaccine(db, { code: 'TDAP', name: 'Tdap booster', requirements: [{ gradeLow: 7, gradeHigh: 12, doses: 1 }] });
    const maya = await student(db, world, { first: 'Maya', last: 'Ortiz', number: '00412', birthDate: '2010-03-14', grade: 11 });
    mayaId = maya.id;
    await immunizations(db, maya, mmr, { doses: ['2011-04-01'], exemption: { kind: 'medical', granted: '2020-01-10', expires: '2027-06-30' } });
    await immunizations(db, maya, tdap, { doses: ['2021-08-03'] });
    doseId = (await db.selectFrom('immunization_doses').select('id').orderBy('id').executeTakeFirstOrThrow()).id;
    await student(db, world, { first: 'Zed', last: 'Adams', number: '00715', birthDate: '2012-05-05', grade: 9 });
    for (const locale of ['en', 'es'] as const) {
      nurses[locale] = (await staffMember(db, world, { first: 'Nia', last: `Cole${locale}`, roles: [{ role: 'nurse' }], locale })).account!;
    }
    app = await makeApp(database, { now: () => new Date(`${TODAY}T18:00:00Z`) });
    base = await listen(app);
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.drop();
  });

  const signIn = (page: Page, who: AccountFixture) => signInAs(page, base, who);
  const check = expectFits;

  it('finds a student by number, records a dose and corrects it, by keyboard alone', async () => {
    const page = await openPage(browser, 1280);
    await signIn(page, nurses.en!);
    await page.goto(`${base}/staff/health`);
    await page.locator('#number').focus();
    await page.keyboard.type('412');
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/staff/health/students/${mayaId}$`));
    await expect.poll(() => page.locator('h1').textContent()).toBe('Maya Ortiz · 00412');

    await page.locator('#vaccine').focus();
    await page.keyboard.press('ArrowDown'); // the first vaccine of the list: MMR
    await page.locator('#date').focus();
    await page.keyboard.type('02082027');
    await page.locator('#source').focus();
    await page.keyboard.press('ArrowDown'); // School clinic
    await page.keyboard.press('Tab'); // to Record dose
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Record dose');
    await page.keyboard.press('Enter');
    await page.waitForURL(/saved=dose/);
    expect(await page.getByRole('status').first().textContent()).toContain('The dose was recorded.');
    const rows = await page.getByRole('region', { name: 'Doses on record' }).locator('tbody tr').allInnerTexts();
    expect(rows.some((r) => r.includes('February 8, 2027') && r.includes('School clinic'))).toBe(true);

    // Correct it: its Correct link, reached by Tab, opens the form with its values.
    const link = page.getByRole('link', { name: 'Correct Measles, mumps, rubella (MMR), Mon, February 8, 2027' });
    await link.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/staff\/health\/doses\/\d+$/);
    await page.locator('#date').focus();
    await page.keyboard.type('02012027');
    await page.locator('#source').focus();
    await page.keyboard.press('Tab'); // Save correction
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Save correction');
    await page.keyboard.press('Enter');
    await page.waitForURL(/saved=corrected/);
    expect(await page.getByRole('status').first().textContent()).toContain('The dose was corrected.');
    await page.context().close();
  });

  for (const width of [360, 1280] as const) {
    for (const locale of ['en', 'es'] as const) {
      describe(`at ${width} px, in ${locale === 'en' ? 'English' : 'Spanish'}`, () => {
        let page: Page;
        beforeAll(async () => {
          page = await openPage(browser, width, locale === 'en' ? 'en-US' : 'es-US');
          await signIn(page, nurses[locale]!);
        });
        afterAll(() => page?.context().close());

        it('the lookup', async () => {
          await page.goto(`${base}/staff/health`);
          await check(page);
        });
        it('a student’s record', async () => {
          await page.goto(`${base}/staff/health/students/${mayaId}`);
          await check(page);
        });
        it('a dose’s correction', async () => {
          await page.goto(`${base}/staff/health/doses/${doseId}`);
          await check(page);
        });
        it('the compliance list', async () => {
          await page.goto(`${base}/staff/health/compliance`);
          expect(await page.locator('tbody tr').count()).toBeGreaterThan(0);
          await check(page);
        });
      });
    }
  }
});
