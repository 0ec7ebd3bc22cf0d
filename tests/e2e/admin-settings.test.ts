/**
 * The district's settings in Chromium: a district administrator previews and saves a new theme colour
 * by keyboard alone; every settings page passes axe and fits 360 px in English and Spanish; a parent
 * reads the Parent Resources page.
 */
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { CHROMIUM, expectAccessible, expectFits, launch, listen, openPage, signIn, tabTo } from '../support/browser.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { guardianWithChild, schoolYear, staffMember, type Family, type StaffFixture } from '../support/factories.js';

const NOW = new Date('2026-12-01T15:00:00Z');
const GROUPS = ['sign-in', 'tools', 'families', 'identity', 'texts', 'resources', 'schedule'];

describe.skipIf(!CHROMIUM)('district settings in Chromium', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let admin: StaffFixture;
  let family: Family;
  let schoolId: number;

  beforeAll(async () => {
    database = await freshDatabase('sqlite');
    const world = await schoolYear(database.db, { today: '2026-12-01' });
    admin = await staffMember(database.db, world, { first: 'Dana', last: 'Admin', roles: [{ role: 'district_admin', schoolId: null }] });
    family = await guardianWithChild(database.db, world);
    schoolId = world.school.id;
    app = await makeApp(database, { now: () => NOW });
    base = await listen(app);
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.drop();
  });

  it('previews and saves a new main colour by keyboard alone', async () => {
    const page = await openPage(browser, 1280);
    await signIn(page, base, admin.account!);
    await page.goto(`${base}/admin/settings/identity`);
    await page.locator('#primary').focus();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('#0b4f2f');
    await tabTo(page, 'Preview', { button: true, max: 20 });
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Preview (not saved)' }).waitFor();
    // White text on #0b4f2f, by hand: luminance 0.0587 → 1.05 / 0.1087 = 9.66:1.
    await expect(page.locator('main').textContent()).resolves.toContain('White text on #0b4f2f: contrast 9.66:1');
    const header = await page.locator('.hr-preview__masthead').evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(header).toBe('rgb(11, 79, 47)');
    await expectAccessible(page);
    await tabTo(page, 'Save', { button: true });
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/admin/settings/identity?saved=1`);
    const live = await page.locator('.hr-masthead').first().evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(live).toBe('rgb(11, 79, 47)');
    await page.close();
  });

  for (const locale of ['en-US', 'es-US']) {
    it(`passes axe and fits 360 px on every settings page (${locale})`, async () => {
      const page = await openPage(browser, 360, locale);
      await signIn(page, base, admin.account!);
      if (locale === 'es-US') {
        await page.getByRole('button', { name: 'Español' }).click();
        await page.waitForFunction(() => document.documentElement.lang === 'es');
      }
      for (const url of ['/admin/settings', ...GROUPS.map((g) => `/admin/settings/${g}`), '/admin/bell-schedules', `/admin/bell-schedules/${schoolId}`]) {
        await page.goto(`${base}${url}`);
        // axe and no sideways scroll
        await expectFits(page);
      }
      await page.close();
    }, 120_000);
  }

  it("adds a period to a school's bell schedule by keyboard alone", async () => {
    const page = await openPage(browser, 360);
    await signIn(page, base, admin.account!);
    await page.goto(`${base}/admin/bell-schedules`);
    // The Spanish test above leaves the account in Spanish: back to English.
    if ((await page.evaluate(() => document.documentElement.lang)) === 'es') {
      await page.getByRole('button', { name: 'English' }).click();
      await page.waitForFunction(() => document.documentElement.lang === 'en');
    }
    await tabTo(page, 'Cedar Ridge High School');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Bell schedule: Cedar Ridge High School' }).waitFor();
    // The fixture's five periods, then the blank rows: the first blank row's name.
    await page.locator('#name-5').focus();
    await page.keyboard.type('Advisory');
    // A time field is three parts (hours, minutes, AM/PM), each its own Tab stop: typed in one go.
    await page.keyboard.press('Tab');
    await page.keyboard.type('1220P');
    await page.locator('#end-5').focus();
    await page.keyboard.type('0100P');
    await tabTo(page, 'Save the bell schedule', { button: true });
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/admin/bell-schedules/${schoolId}?saved=1`);
    await expect(page.locator('#name-5').inputValue()).resolves.toBe('Advisory');
    await expect(page.locator('#start-5').inputValue()).resolves.toBe('12:20');
    await expect(page.locator('#end-5').inputValue()).resolves.toBe('13:00');
    await expectFits(page);
    const stored = await database.db.selectFrom('bell_periods').select(['name', 'sequence', 'start_time', 'end_time']).where('name', '=', 'Advisory').execute();
    expect(stored).toEqual([{ name: 'Advisory', sequence: 6, start_time: '12:20', end_time: '13:00' }]);
    await page.close();
  });

  it('shows a parent the Parent Resources page', async () => {
    const page = await openPage(browser, 360);
    await signIn(page, base, family.guardianAccount!, /\/(home|account)/);
    await page.goto(`${base}/help/parents`);
    await page.getByRole('heading', { level: 2, name: 'Getting started' }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Frequently asked questions' }).waitFor();
    await expectFits(page);
    await page.close();
  });
});
