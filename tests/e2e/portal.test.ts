import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src/domain/demo/generate.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { parsePortalSettings } from '../../src/domain/district/settings.js';
import { makeApp } from '../support/app.js';
import { CHROMIUM, expectAccessible, expectNoHorizontalScroll, launch, listen, openPage } from '../support/browser.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';

const TODAY = '2026-11-24';

describe.skipIf(!CHROMIUM)('portal tools in Chromium', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let accounts: { role: string; username: string; locale: string }[] = [];

  beforeAll(async () => {
    database = await freshDatabase('sqlite');
    await loadDemo(database, { students: 60, seed: 61, startYear: 2026, asOf: TODAY });
    const district = await database.db.selectFrom('district').select('settings').executeTakeFirstOrThrow();
    accounts = parsePortalSettings(district.settings).demo?.accounts ?? [];
    app = await makeApp(database, { now: () => new Date(`${TODAY}T18:00:00Z`) });
    base = await listen(app);
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.drop();
  });

  const signIn = async (page: Page, username: string) => {
    await page.goto(`${base}/sign-in`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: /Sign In|Iniciar sesión/ }).click();
    await page.waitForURL(`${base}/home`);
  };

  for (const width of [360, 1280] as const) {
    it(`has tool pages that pass axe and fit ${width} px, in English and Spanish`, async () => {
      for (const parent of accounts.filter((a) => a.role === 'parent')) {
        const page = await openPage(browser, width);
        await signIn(page, parent.username);
        await page.goto(`${base}/grades`);
        const studentPath = new URL(page.url()).pathname.replace(/\/grades$/, '');
        const classLink = page.locator('.hr-card__title a').first();
        const classUrl = await classLink.getAttribute('href');
        for (const path of [
          `${studentPath}/today`,
          `${studentPath}/schedule`,
          `${studentPath}/grades`,
          classUrl!,
          `${classUrl!}/what-if`,
          `${studentPath}/assignments`,
          `${studentPath}/assignments?filter=missing&view=date`,
          `${studentPath}/attendance`,
          `${studentPath}/report-cards`,
          `${studentPath}/transcript`,
          `${studentPath}/immunizations`,
        ]) {
          const res = await page.goto(`${base}${path}`);
          expect(res?.status(), path).toBe(200);
          expect(await page.getAttribute('html', 'lang')).toBe(parent.locale);
          await expectAccessible(page);
          await expectNoHorizontalScroll(page);
        }
        await page.close();
      }
    });
  }

  it('goes from Home to a class’s grades and its assignments with the keyboard alone', async () => {
    const parent = accounts.find((a) => a.role === 'parent' && a.locale === 'en')!;
    const page = await openPage(browser, 360);
    await signIn(page, parent.username);
    const tabTo = async (name: string) => {
      for (let i = 0; i < 60; i++) {
        await page.keyboard.press('Tab');
        const text = await page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');
        if (text === name) return;
      }
      throw new Error(`could not reach ${name} by Tab`);
    };
    await tabTo('Grades');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/students\/\d+\/grades$/);
    const firstClass = (await page.locator('.hr-card__title a').first().textContent())!.trim();
    await tabTo(firstClass);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/students\/\d+\/grades\/\d+$/);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(firstClass);
    await expect(page.getByRole('table', { name: 'Categories' }).isVisible()).resolves.toBe(true);
    await tabTo('Assignments');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/students\/\d+\/assignments$/);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('Assignments');
    await page.close();
  });
});
