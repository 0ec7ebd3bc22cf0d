/**
 * Finding a student in Chromium, as a counselor of the hand-built district of
 * tests/support/student-search.ts: every page (transfer credit's form and its errors too) passes axe and
 * fits a phone's width, in English and Spanish; the main flow (Home → search → the student → the
 * transcript) by keyboard alone.
 */
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { CHROMIUM, expectAccessible, expectNoHorizontalScroll, expectOnlyHttpErrors, launch, listen, openPage, signIn as signInAs, tabTo as tabToName } from '../support/browser.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { SEARCH_TODAY, searchWorld, type SearchWorld } from '../support/student-search.js';

describe.skipIf(!CHROMIUM)('finding a student in Chromium (counselor)', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let w: SearchWorld;

  beforeAll(async () => {
    database = await freshDatabase('sqlite');
    w = await searchWorld(database.db);
    app = await makeApp(database, { now: () => new Date(`${SEARCH_TODAY}T18:00:00Z`) });
    base = await listen(app);
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.drop();
  });

  const signIn = (page: Page) => signInAs(page, base, w.staff.counselor.account!);

  for (const width of [360, 1280] as const) {
    for (const locale of ['en', 'es'] as const) {
      describe(`at ${width} px, in ${locale === 'en' ? 'English' : 'Spanish'}`, () => {
        let page: Page;
        beforeAll(async () => {
          page = await openPage(browser, width, locale === 'en' ? 'en-US' : 'es-ES');
          await signIn(page);
        });
        afterAll(async () => {
          await page?.context().close();
        });
        // [name, address, status]: each page of the slice, a bad search among them.
        const PAGES: [string, (id: number) => string, number][] = [
          ['the search form', () => '/staff/students', 200],
          ['results', () => '/staff/students?q=alvarez', 200],
          ['no students found', () => '/staff/students?q=zoe', 200],
          ['a search too long', () => `/staff/students?q=${'a'.repeat(81)}`, 400],
          ['the student page', (id) => `/staff/students/${id}`, 200],
          ['grades', (id) => `/staff/students/${id}/grades`, 200],
          ['attendance', (id) => `/staff/students/${id}/attendance`, 200],
          ['transcript', (id) => `/staff/students/${id}/transcript`, 200],
          ['the transfer-credit form', (id) => `/staff/students/${id}/transfer-credit`, 200],
        ];
        for (const [name, address, status] of PAGES) {
          it(`${name} passes axe and fits the screen`, async () => {
            const path = address(w.jose.student.id);
            const res = await page.goto(`${base}${path}`);
            expect(res?.status(), path).toBe(status);
            if (status !== 200) expectOnlyHttpErrors(page, status);
            expect(await page.getAttribute('html', 'lang')).toBe(locale);
            await expectAccessible(page);
            await expectNoHorizontalScroll(page);
          });
        }
        it('the transfer-credit form sent empty shows its errors accessibly', async () => {
          await page.goto(`${base}/staff/students/${w.jose.student.id}/transfer-credit`);
          await page.locator('form[action$="/transfer-credit"] button[type="submit"]').click();
          await page.waitForLoadState();
          expectOnlyHttpErrors(page, 400);
          await expect(page.locator('.usa-alert--error').isVisible()).resolves.toBe(true);
          // The page opens with the summary focused: Tab goes on to its first link. (The browser applies
          // `autofocus` when it next renders, which on a busy machine can come after the load event.)
          await page.waitForFunction(() => document.activeElement?.getAttribute('aria-labelledby') === 'error-summary-heading', undefined, { timeout: 5_000 });
          await page.keyboard.press('Tab');
          expect(await page.evaluate(() => document.activeElement?.closest('.usa-alert--error') !== null && document.activeElement?.tagName)).toBe('A');
          await expectAccessible(page);
          await expectNoHorizontalScroll(page);
        });
      });
    }
  }

  it('goes from Home to a student found by name and to their transcript with the keyboard alone', async () => {
    const page = await openPage(browser, 360);
    await signIn(page);
    const tabTo = (name: string) => tabToName(page, name);
    await tabTo('Find a student');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/staff/students`);
    await tabTo('q');
    await page.keyboard.type('pepe alv');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/staff\/students\?q=pepe\+alv$/);
    await expect(page.getByRole('heading', { level: 2, name: '1 student found' }).isVisible()).resolves.toBe(true);
    await tabTo('Álvarez, Pepe');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/staff/students/${w.jose.student.id}`);
    await tabTo('Transcript');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/staff/students/${w.jose.student.id}/transcript`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('Transcript');
    await expect(page.getByRole('table', { name: 'Courses, 2025–2026' }).isVisible()).resolves.toBe(true);
    await page.close();
  });
});
