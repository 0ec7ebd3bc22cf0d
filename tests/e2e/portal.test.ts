import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src/domain/demo/generate.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { parsePortalSettings } from '../../src/domain/district/settings.js';
import { PORTAL_TOOLS } from '../../src/domain/portal/tools.js';
import { makeApp } from '../support/app.js';
import { CHROMIUM, expectAccessible, expectNoHorizontalScroll, launch, listen, openPage, signIn as signInAs, tabTo as tabToName } from '../support/browser.js';
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

  const signIn = (page: Page, username: string) => signInAs(page, base, { username, password: DEMO_PASSWORD });

  // One short test per page, each on a page signed in once per width and language: a slow machine
  // stretches each test a little rather than one test past its limit, and a failure names its page.
  for (const width of [360, 1280] as const) {
    for (const locale of ['en', 'es'] as const) {
      describe(`at ${width} px, in ${locale === 'en' ? 'English' : 'Spanish'}`, () => {
        let page: Page;
        const paths: Record<string, string> = {};
        let parentLocale = '';
        beforeAll(async () => {
          const parent = accounts.find((a) => a.role === 'parent' && a.locale === locale)!;
          parentLocale = parent.locale;
          page = await openPage(browser, width);
          await signIn(page, parent.username);
          await page.goto(`${base}/grades`);
          const student = new URL(page.url()).pathname.replace(/\/grades$/, '');
          const classUrl = (await page.locator('.hr-card__title a').first().getAttribute('href'))!;
          for (const tool of PORTAL_TOOLS) paths[tool.key] = `${student}/${tool.path}`;
          Object.assign(paths, {
            week: `${student}/calendar?view=week`,
            class: classUrl,
            whatIf: `${classUrl}/what-if`,
            missing: `${student}/assignments?filter=missing&view=date`,
            feed: '/account/calendar',
            // issue 23: a parent's Home with a card per child
            home: '/home',
          });
        });
        afterAll(async () => {
          await page?.context().close();
        });
        const check = async (path: string) => {
          expect(await page.getAttribute('html', 'lang'), path).toBe(parentLocale);
          await expectAccessible(page);
          await expectNoHorizontalScroll(page);
        };
        for (const name of [...PORTAL_TOOLS.map((t) => t.key), 'week', 'class', 'whatIf', 'missing', 'feed', 'home']) {
          it(`${name} passes axe and fits the screen`, async () => {
            const res = await page.goto(`${base}${paths[name]}`);
            expect(res?.status(), paths[name]).toBe(200);
            await check(paths[name]!);
          });
        }
        it('shows a new calendar address once, accessibly', async () => {
          await page.goto(`${base}/account/calendar`);
          // The feed's address, as shown once after making it (a new one each time: the page offers either button).
          await page.getByRole('button', { name: /Make my calendar address|Make a new address|Crear mi dirección de calendario|Crear una dirección nueva/ }).click();
          await expect(page.locator('#feed-url').inputValue()).resolves.toMatch(/\/calendar\/[A-Za-z0-9_-]{43}\.ics$/);
          await check('/account/calendar (made)');
        });
      });
    }
  }

  it('goes from Home to a class’s grades and its assignments with the keyboard alone', async () => {
    const parent = accounts.find((a) => a.role === 'parent' && a.locale === 'en')!;
    const page = await openPage(browser, 360);
    await signIn(page, parent.username);
    const tabTo = (name: string) => tabToName(page, name);
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

  // Issue 23: Home's child cards, and the rest of the grading period's assignments one key press away.
  for (const locale of ['en', 'es'] as const) {
    it(`opens a child's Today from Home and the rest of the period's assignments with the keyboard alone (${locale})`, async () => {
      const parent = accounts.find((a) => a.role === 'parent' && a.locale === locale)!;
      const page = await openPage(browser, 360);
      await signIn(page, parent.username);
      const child = (await page.locator('.hr-child .hr-card__title a').first().textContent())!.trim();
      await tabToName(page, child);
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/students\/\d+\/today$/);
      await tabToName(page, locale === 'en' ? 'Assignments' : 'Tareas');
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/students\/\d+\/assignments$/);
      const summary = page.locator('details.hr-rest summary');
      const rest = (await summary.textContent())!.trim();
      expect(await page.locator('details.hr-rest').getAttribute('open')).toBeNull();
      await tabToName(page, rest);
      await page.keyboard.press('Enter');
      expect(await page.locator('details.hr-rest').getAttribute('open')).not.toBeNull();
      await expectAccessible(page);
      await expectNoHorizontalScroll(page);
      await page.close();
    });
  }

  it('moves through the calendar and makes a calendar address with the keyboard alone', async () => {
    const parent = accounts.find((a) => a.role === 'parent' && a.locale === 'en')!;
    const page = await openPage(browser, 360);
    await signIn(page, parent.username);
    await page.goto(`${base}/today`);
    const tabTo = (name: string | RegExp) => tabToName(page, name);
    await tabTo('Calendar');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/students\/\d+\/calendar$/);
    await expect(page.getByRole('heading', { level: 2 }).first().textContent()).resolves.toBe('November 2026');
    await tabTo('Week');
    await page.keyboard.press('Enter');
    await page.waitForURL(/week=2026-11-22$/);
    await tabTo(/^Next: Week of/);
    await page.keyboard.press('Enter');
    await page.waitForURL(/week=2026-11-29$/);
    await tabTo('See these dates in your phone’s or computer’s calendar');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/account\/calendar$/);
    await tabTo(/^(Make my calendar address|Make a new address)$/);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#feed-url');
    const url = await page.locator('#feed-url').inputValue();
    const feed = await fetch(url.replace(/^http:\/\/[^/]+/, base));
    expect(feed.status).toBe(200);
    expect(await feed.text()).toContain('BEGIN:VCALENDAR');
    await page.close();
  });
});
