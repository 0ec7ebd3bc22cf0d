/**
 * The installable app in Chromium (issue 22): the service worker registers; a push delivered through
 * the DevTools protocol shows its notification, and a tap's handler leads to the notification's page
 * (of this site only); with the network cut, the last-viewed Today and Grades show with the time they
 * were saved, and other pages give the offline page; signing out deletes the saved pages; the manifest
 * has what installing needs. The devices page passes axe, fits 360 px in English and Spanish, and
 * is used by keyboard alone.
 */
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page, Worker } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { CHROMIUM, expectFits, launch, listen, openPage, signIn, tabTo } from '../support/browser.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { guardianWithChild, schoolYear, type Family, type World } from '../support/factories.js';

describe.skipIf(!CHROMIUM)('the installable app in Chromium', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let world: World;
  let family: Family;

  beforeAll(async () => {
    database = await freshDatabase('sqlite');
    world = await schoolYear(database.db);
    await database.db.updateTable('district').set({ portal_name: 'Cedar Valley Portal' }).execute();
    family = await guardianWithChild(database.db, world, { accounts: 'guardian' });
    app = await makeApp(database, { now: () => new Date('2027-02-09T18:00:00Z') });
    base = await listen(app);
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.drop();
  });

  /** The page's service worker, once it controls the page. */
  async function controlled(page: Page): Promise<Worker> {
    await page.evaluate(() => navigator.serviceWorker.ready);
    if (!(await page.evaluate(() => Boolean(navigator.serviceWorker.controller)))) await page.reload();
    await page.waitForFunction(() => Boolean(navigator.serviceWorker.controller));
    const worker = page.context().serviceWorkers()[0] ?? (await page.context().waitForEvent('serviceworker'));
    return worker;
  }
  const cacheNames = (page: Page) => page.evaluate(() => caches.keys());

  it('shows a pushed notification, and its tap leads to the page it names on this site', async () => {
    const page = await openPage(browser, 1280);
    const context: BrowserContext = page.context();
    await context.grantPermissions(['notifications'], { origin: base });
    await signIn(page, base, family.guardianAccount!);
    const worker = await controlled(page);
    expect(worker.url()).toBe(`${base}/sw.js`);

    const cdp = await context.newCDPSession(page);
    const registrations = new Promise<{ registrationId: string; scopeURL: string }[]>((resolve) =>
      cdp.on('ServiceWorker.workerRegistrationUpdated', (event) => resolve(event.registrations as { registrationId: string; scopeURL: string }[])),
    );
    await cdp.send('ServiceWorker.enable');
    const registration = (await registrations).find((r) => r.scopeURL === `${base}/`);
    expect(registration).toBeDefined();
    const message = { title: 'New score: Algebra II', body: 'Chapter 4 quiz: 18/20 (90%)', url: `/students/${family.student.id}/grades`, tag: 'score-41' };
    // Asked again until shown (waitForFunction takes an async function's promise as a yes at once).
    const shown = () =>
      page.evaluate(async () =>
        (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data as unknown })),
      );
    // A push the DevTools protocol hands over while the worker is still starting can be lost (a busy
    // machine): delivered again, up to five times, until one is shown. The same tag: never two.
    for (let attempt = 0; attempt < 5 && (await shown()).length === 0; attempt++) {
      await cdp.send('ServiceWorker.deliverPushMessage', { origin: base, registrationId: registration!.registrationId, data: JSON.stringify(message) });
      await page.waitForTimeout(1_000);
    }
    await expect.poll(shown, { timeout: 10_000 }).toEqual([{ title: message.title, body: message.body, tag: message.tag, data: { url: message.url } }]);

    // A second push with the same tag replaces the first, not adds to it.
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: base, registrationId: registration!.registrationId, data: JSON.stringify({ ...message, body: 'Chapter 4 quiz: 19/20 (95%)' }) });
    await expect.poll(async () => (await shown()).map((n) => n.body), { timeout: 10_000 }).toEqual(['Chapter 4 quiz: 19/20 (95%)']);

    // The tap's decisions: a page of this site, never another site's.
    expect(await worker.evaluate(() => (self as unknown as { homeroom: { targetOf(u: unknown): string } }).homeroom.targetOf('https://evil.example/steal'))).toBe('/home');
    expect(await worker.evaluate(() => (self as unknown as { homeroom: { targetOf(u: unknown): string } }).homeroom.targetOf('javascript:alert(1)'))).toBe('/home');
    expect(await worker.evaluate((u) => (self as unknown as { homeroom: { targetOf(u: unknown): string } }).homeroom.targetOf(u), message.url)).toBe(message.url);
    // An open window of the site is taken to the page (what a tap does when the app is open).
    await worker.evaluate((u) => (self as unknown as { homeroom: { openOrFocus(u: string): Promise<unknown> } }).homeroom.openOrFocus(u), message.url);
    await page.waitForURL(`${base}${message.url}`);
    await context.close();
  });

  it('reads the last-viewed Today and Grades offline, marked with when they were saved; signing out forgets them', async () => {
    const page = await openPage(browser, 360);
    const context = page.context();
    await signIn(page, base, family.guardianAccount!);
    await controlled(page);
    const today = `${base}/students/${family.student.id}/today`;
    const grades = `${base}/students/${family.student.id}/grades`;
    await page.goto(today);
    const todayHeading = await page.locator('h1').textContent();
    await page.goto(grades);
    await page.goto(`${base}/home`);
    const pagesCaches = (await cacheNames(page)).filter((n) => n.startsWith('homeroom-pages-'));
    expect(pagesCaches).toHaveLength(1);

    await context.setOffline(true);
    await page.goto(today);
    await expect.poll(() => page.locator('#hr-offline-saved').textContent()).toMatch(/^You are offline\. This page was saved on .+ and may have changed since\.$/);
    expect(await page.locator('h1').textContent()).toBe(todayHeading);
    await expectFits(page);
    await page.goto(grades);
    expect(await page.locator('#hr-offline-saved').count()).toBe(1);
    // a page never saved: the offline page, which names nobody
    await page.goto(`${base}/students/${family.student.id}/attendance`);
    expect(await page.locator('h1').textContent()).toBe('You are offline');
    expect(await page.content()).not.toContain(family.guardian.first);
    await expectFits(page);

    await context.setOffline(false);
    await page.goto(`${base}/home`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in\?signedOut=1/);
    await expect.poll(async () => (await cacheNames(page)).filter((n) => n.startsWith('homeroom-pages-'))).toEqual([]);
    await context.setOffline(true);
    await page.goto(today);
    expect(await page.locator('h1').textContent()).toBe('You are offline');
    expect(await page.locator('#hr-offline-saved').count()).toBe(0);
    await context.close();
  });

  it('has a manifest Chromium reads without errors (installable), and the offline page in Spanish', async () => {
    const page = await openPage(browser, 360, 'es-US');
    await signIn(page, base, family.guardianAccount!);
    await controlled(page);
    const cdp = await page.context().newCDPSession(page);
    const manifest = (await cdp.send('Page.getAppManifest')) as { url: string; errors: unknown[]; data?: string };
    expect(manifest.url).toBe(`${base}/manifest.webmanifest?lang=es`);
    expect(manifest.errors).toEqual([]);
    expect(JSON.parse(manifest.data!)).toMatchObject({ name: 'Cedar Valley Portal', start_url: '/home', display: 'standalone', lang: 'es' });
    // Installable but for the test's browser context itself, which is a private one ("in-incognito").
    const installable = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: { errorId: string }[] };
    expect(installable.installabilityErrors.map((e) => e.errorId).filter((id) => id !== 'in-incognito')).toEqual([]);
    // Signed out, then offline: the offline page, in the language the person was reading.
    await page.getByRole('button', { name: 'Cerrar sesión' }).click();
    await page.waitForURL(/signedOut=1/);
    await page.context().setOffline(true);
    await page.goto(`${base}/home`);
    expect(await page.locator('h1').textContent()).toBe('Está sin conexión');
    await expectFits(page);
    await page.context().close();
  });

  it('the devices page: axe and 360 px in English and Spanish, by keyboard, and says when notifications are blocked', async () => {
    await database.db.deleteFrom('push_subscriptions').execute();
    const now = new Date().toISOString();
    await database.db
      .insertInto('push_subscriptions')
      .values({ account_id: family.guardianAccount!.id, endpoint: 'https://push.example.net/x/1', p256dh: 'B'.repeat(87), auth: 'A'.repeat(22), device_name: 'Kitchen tablet', user_agent: null, created_at: now, last_success_at: null })
      .execute();
    const page = await openPage(browser, 360);
    await signIn(page, base, family.guardianAccount!);
    await page.goto(`${base}/account/notifications/devices`);
    await controlled(page);
    await page.locator('#push-form').waitFor();
    expect(await page.locator('#push-needs-script').isVisible()).toBe(false);
    await expectFits(page);
    await page.getByRole('button', { name: 'Español' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dispositivos que reciben notificaciones' }).waitFor();
    await expectFits(page);
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { level: 1, name: 'Devices that get notifications' }).waitFor();
    await page.locator('#push-form').waitFor();

    // Notifications are not allowed for this site in this browser: the page says so.
    const { targetInfo } = (await (await page.context().newCDPSession(page)).send('Target.getTargetInfo')) as { targetInfo: { browserContextId: string } };
    const browserCdp = await browser.newBrowserCDPSession();
    await browserCdp.send('Browser.setPermission', { permission: { name: 'notifications' }, setting: 'denied', origin: base, browserContextId: targetInfo.browserContextId });
    await tabTo(page, 'deviceName');
    await page.keyboard.type('My phone');
    await tabTo(page, 'Turn on notifications on this device', { button: true });
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#push-status').textContent()).toBe('Notifications are blocked for this site. Allow them in the browser’s settings, then try again.');

    // Removing a device by keyboard, with no script involved.
    await tabTo(page, 'Remove', { button: true });
    await page.keyboard.press('Enter');
    await page.waitForURL(/removed=1/);
    expect(await page.getByRole('status').first().textContent()).toContain('The device was removed.');
    expect(await page.content()).toContain('No device gets notifications yet.');
    await page.context().close();

    // Without JavaScript: the page says turning on needs it, and still lists and removes.
    await database.db
      .insertInto('push_subscriptions')
      .values({ account_id: family.guardianAccount!.id, endpoint: 'https://push.example.net/x/2', p256dh: 'B'.repeat(87), auth: 'A'.repeat(22), device_name: 'Old laptop', user_agent: null, created_at: now, last_success_at: null })
      .execute();
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 800 } });
    const plain = await context.newPage();
    await signIn(plain, base, family.guardianAccount!);
    await plain.goto(`${base}/account/notifications/devices`);
    expect(await plain.getByText('Turning notifications on needs JavaScript').isVisible()).toBe(true);
    expect(await plain.locator('#push-controls').isVisible()).toBe(false);
    expect(await plain.getByRole('heading', { level: 3, name: 'Old laptop' }).isVisible()).toBe(true);
    await tabTo(plain, 'Remove', { button: true });
    await plain.keyboard.press('Enter');
    await plain.waitForURL(/removed=1/);
    expect(await plain.getByRole('heading', { level: 3, name: 'Old laptop' }).count()).toBe(0);
    await context.close();
  });
});
