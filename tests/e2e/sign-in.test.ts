import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemo } from '../../src/domain/demo/load.js';
import { makeApp } from '../support/app.js';
import { CHROMIUM, consoleErrors, expectAccessible, expectNoHorizontalScroll, launch, listen, openPage } from '../support/browser.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';

describe.skipIf(!CHROMIUM)('sign-in page in Chromium', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    database = await freshDatabase('sqlite');
    await loadDemo(database, { students: 40, seed: 5, startYear: 2026 });
    app = await makeApp(database, { now: () => new Date('2026-12-10T15:00:00Z') });
    base = await listen(app);
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.drop();
  });

  for (const width of [360, 1280] as const) {
    it(`passes axe and fits a ${width} px screen, in English and Spanish`, async () => {
      const page = await openPage(browser, width);
      await page.goto(`${base}/sign-in`);
      await expect(page.getByRole('heading', { level: 1, name: 'Cedar Valley Portal' }).isVisible()).resolves.toBe(true);
      await expect(page.getByRole('heading', { name: 'Winter break' }).isVisible()).resolves.toBe(true);
      await expectAccessible(page);
      await expectNoHorizontalScroll(page);

      await page.getByRole('link', { name: 'Español' }).click();
      await page.waitForURL(`${base}/sign-in`);
      expect(await page.getAttribute('html', 'lang')).toBe('es');
      await expect(page.getByRole('button', { name: 'Iniciar sesión' }).isVisible()).resolves.toBe(true);
      await expect(page.getByRole('heading', { name: 'Vacaciones de invierno' }).isVisible()).resolves.toBe(true);
      await expectAccessible(page);
      await expectNoHorizontalScroll(page);

      // The choice is remembered.
      await page.goto(`${base}/help/parents`);
      expect(await page.getAttribute('html', 'lang')).toBe('es');
      await expect(page.getByRole('heading', { level: 1, name: 'Recursos para padres' }).isVisible()).resolves.toBe(true);
      await page.close();
    });
  }

  it('works with the keyboard alone: skip link, then the form in order', async () => {
    const page = await openPage(browser, 1280);
    await page.goto(`${base}/sign-in`);
    await page.keyboard.press('Tab');
    const focused = () => page.evaluate(() => document.activeElement?.textContent?.trim() || document.activeElement?.id || '');
    expect(await focused()).toBe('Skip to main content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main-content');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('username');
    await page.keyboard.type('0004001');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('password');
    await page.keyboard.type('aa010311');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Sign In');
    await page.keyboard.press('Enter');
    await page.waitForLoadState();
    await expect(page.getByRole('status').textContent()).resolves.toContain('Signing in is not available yet');
    expect(await page.inputValue('#username')).toBe('0004001');
    expect(await page.inputValue('#password')).toBe('');
    await expectAccessible(page);
    await page.close();
  });

  it('follows every link of the sign-in page to a page that passes axe', async () => {
    const page = await openPage(browser, 360);
    await page.goto(`${base}/sign-in`);
    const hrefs = await page.$$eval('main a[href^="/"], footer a[href^="/"]', (links) =>
      [...new Set(links.map((a) => a.getAttribute('href') ?? ''))],
    );
    expect(hrefs).toEqual(
      expect.arrayContaining(['/forgot-password', '/forgot-username', '/help/sign-in', '/activate', '/request-account', '/help/parents', '/help/students']),
    );
    for (const href of hrefs) {
      const response = await page.goto(`${base}${href}`);
      expect(response?.status(), href).toBe(200);
      await expectAccessible(page);
      await expectNoHorizontalScroll(page);
    }
    const missing = await page.goto(`${base}/nothing-here`);
    expect(missing?.status()).toBe(404);
    // The browser logs the 404 of the page itself; nothing else may fail.
    expect(consoleErrors(page).splice(0)).toEqual([expect.stringContaining('404')]);
    await expectAccessible(page);
    await page.close();
  });

  it('loads no script, and the stylesheet and theme under the strict CSP', async () => {
    const page = await openPage(browser, 360);
    const requests: string[] = [];
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    await page.goto(`${base}/sign-in`);
    expect(requests.filter((p) => p.endsWith('.js'))).toEqual([]);
    expect(requests).toEqual(expect.arrayContaining(['/assets/homeroom.css', '/theme.css']));
    const color = await page.$eval('.hr-masthead', (el) => getComputedStyle(el).backgroundColor);
    expect(color).toBe('rgb(26, 68, 128)');
    await page.close();
  });

  it('has an accessibility check that does catch problems', async () => {
    const page = await openPage(browser, 360);
    await page.setContent('<html><head><title>x</title></head><body><main><input type="text"></main></body></html>');
    await expect(expectAccessible(page)).rejects.toThrow(/axe on/);
    await page.close();
  });
});
