/**
 * OneRoster imports in Chromium: a district administrator uploads the hand-written 1.2 fixture package
 * by keyboard, follows the import and reads its report; every page passes axe and fits 360 and 1280 px,
 * in English and Spanish.
 */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { ZipFile } from 'yazl';
import fs from 'node:fs';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobHandlers } from '../../src/jobs/registry.js';
import { startWorker } from '../../src/jobs/worker.js';
import { makeApp } from '../support/app.js';
import { CHROMIUM, expectFits, launch, listen, openPage, signIn, tabTo } from '../support/browser.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { schoolYear, staffMember, type StaffFixture } from '../support/factories.js';

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/oneroster/v12-bulk');
const NOW = new Date('2026-09-15T14:00:00Z');

describe.skipIf(!CHROMIUM)('OneRoster imports in Chromium', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let admin: StaffFixture;
  let zip: string;

  beforeAll(async () => {
    database = await freshDatabase('sqlite');
    const world = await schoolYear(database.db, { today: '2026-09-15' });
    admin = await staffMember(database.db, world, { first: 'Dana', last: 'Admin', roles: [{ role: 'district_admin', schoolId: null }] });
    app = await makeApp(database, { now: () => NOW });
    base = await listen(app);
    browser = await launch();
    zip = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'homeroom-e2e-')), 'lakeview.zip');
    const z = new ZipFile();
    for (const name of fs.readdirSync(FIXTURE)) z.addFile(path.join(FIXTURE, name), name);
    z.end();
    await new Promise<void>((resolve) => z.outputStream.pipe(fs.createWriteStream(zip)).on('close', resolve));
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.drop();
  });

  const runJobs = async () => {
    const worker = startWorker({ database, handlers: jobHandlers({ baseUrl: 'http://portal.test', dataDir: app.services.config.dataDir }), now: () => NOW, pollMs: 0 });
    while (await worker.runOnce());
    await worker.stop();
  };
  const inSpanishToo = async (page: Page, heading: RegExp) => {
    await expectFits(page);
    await page.getByRole('button', { name: 'Español' }).click();
    await page.waitForFunction(() => document.documentElement.lang === 'es');
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    await expectFits(page);
    await page.getByRole('button', { name: 'English' }).click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
  };

  for (const width of [360, 1280] as const) {
    it(`uploads a package as a dry run by keyboard, follows it and reads the report (${width} px)`, async () => {
      const page = await openPage(browser, width);
      await signIn(page, base, admin.account!);
      await page.goto(`${base}/admin/imports`);
      await inSpanishToo(page, /Datos de su SIS/);
      await tabTo(page, 'package');
      await page.locator('#package').setInputFiles(zip);
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('dry-run');
      expect(await page.locator('#dry-run').isChecked()).toBe(true);
      await tabTo(page, 'Upload and import', { button: true });
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/admin\/imports\/uploads\/\d+/);
      await page.getByRole('heading', { level: 1, name: 'Import waiting to start' }).waitFor();
      // Stopping the reloads before checking the page: a reload in the middle of axe would fail it.
      await page.getByRole('link', { name: 'Stop reloading this page' }).click();
      await page.getByText('This page does not reload itself.').waitFor();
      await inSpanishToo(page, /Importación en espera/);
      await runJobs();
      await page.getByRole('link', { name: 'Reload now' }).click();
      await page.waitForURL(/\/admin\/imports\/runs\/\d+/);
      await page.getByText('Dry run: the package can be imported as shown below. Nothing was changed.').waitFor();
      await inSpanishToo(page, /Importación del/);
      await page.getByRole('link', { name: 'Back to imports' }).click();
      await page.getByRole('table').getByText('lakeview.zip').first().waitFor();
      await page.context().close();
    });
  }
});
