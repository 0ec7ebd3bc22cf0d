/**
 * The staff second factor and a family's records in Chromium (issue 25, ADR 0037): a teacher whose role
 * requires a second factor sets it up by keyboard at 360 px in Spanish (the test's own RFC 6238 code from
 * the key the page shows), signs out and back in with a code; a district administrator downloads a
 * family's records. Every page on the way passes axe and fits the phone.
 */
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { makeApp } from '../support/app.js';
import { CHROMIUM, expectFits, expectOnlyHttpErrors, launch, listen, openPage, signIn, tabTo } from '../support/browser.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { guardianWithChild, schoolYear, staffMember, type Family, type StaffFixture, type World } from '../support/factories.js';
import { clock } from '../support/http.js';
import { totpAt } from '../support/totp.js';

describe.skipIf(!CHROMIUM)('the second factor and a family’s records in Chromium', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let world: World;
  let teacher: StaffFixture;
  let admin: StaffFixture;
  let family: Family;
  // At the start of a 30-second step.
  const time = clock('2027-02-09T18:00:00.000Z');

  beforeAll(async () => {
    database = await freshDatabase('sqlite');
    const db = database.db;
    world = await schoolYear(db);
    teacher = await staffMember(db, world, { first: 'Rosa', last: 'Carter', roles: [{ role: 'teacher' }], locale: 'es' });
    admin = await staffMember(db, world, { first: 'Dana', last: 'Administrator', roles: [{ role: 'district_admin', schoolId: null }] });
    family = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz', number: '00412' } });
    await db.updateTable('district').set({ settings: JSON.stringify({ secondFactorRoles: ['teacher'] }) }).execute();
    app = await makeApp(database, { now: time.now });
    base = await listen(app);
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.drop();
  });

  it('a teacher sets up the second factor by keyboard at 360 px in Spanish, then signs out and back in with a code', async () => {
    const page = await openPage(browser, 360, 'es');
    // The role requires one: after the password, the setup comes before anything else.
    await signIn(page, base, teacher.account!, /\/account\/second-factor$/);
    await page.getByRole('heading', { level: 1, name: 'Segundo factor' }).waitFor();
    expect(await page.locator('main').textContent()).toContain('Su distrito exige un segundo factor para su rol.');
    await expectFits(page);
    const secret = (await page.locator('#secret').textContent())!.replace(/\s+/g, '');
    await tabTo(page, 'code');
    await page.keyboard.type(totpAt(secret, time.now().getTime()));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 2, name: 'Sus códigos de recuperación' }).waitFor();
    expect(await page.locator('.hr-recovery-codes li').count()).toBe(10);
    await expectFits(page);
    await tabTo(page, 'Ya los guardé: continuar');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/home$/);
    await tabTo(page, 'Cerrar sesión', { button: true });
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/sign-in\?signedOut=1$/);
    // Back in: the password, then the code of the next step.
    time.advance(30_000);
    await signIn(page, base, teacher.account!, /\/sign-in\/second-factor$/);
    await page.getByRole('heading', { level: 1, name: 'Escriba su código' }).waitFor();
    await expectFits(page);
    await tabTo(page, 'code');
    await page.keyboard.type(totpAt(secret, time.now().getTime()));
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/home$/);
    await page.goto(`${base}/account/second-factor`);
    await expectFits(page);
    await page.context().close();
  }, 120_000);

  it('a district administrator downloads a family’s records from the student page, by keyboard; the settings and staff pages fit', async () => {
    const page = await openPage(browser, 360);
    await signIn(page, base, admin.account!, /\/account\/second-factor$|\/home$/);
    await page.goto(`${base}/admin/settings/sign-in`);
    await expectFits(page);
    await page.goto(`${base}/admin/staff/${teacher.id}`);
    expect(await page.locator('main').textContent()).toContain('This person signs in with a code from an authenticator app.');
    await expectFits(page);
    await page.goto(`${base}/staff/students/${family.student.id}`);
    await expectFits(page);
    await tabTo(page, 'The family\'s records (a download, on request)');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/records$/);
    await expectFits(page);
    // Without a reason: the error summary, and the page still fits.
    await tabTo(page, 'Download the records', { button: true });
    await page.keyboard.press('Enter');
    await page.getByText('Say why the records are produced.').first().waitFor();
    expectOnlyHttpErrors(page, 400);
    await expectFits(page);
    await page.locator('#reason').focus();
    await page.keyboard.type('The father asked in writing on 1 February.');
    const download = page.waitForEvent('download');
    await tabTo(page, 'Download the records', { button: true });
    await page.keyboard.press('Enter');
    const file = await download;
    expect(file.suggestedFilename()).toBe('records-00412-2027-02-09.zip');
    const path = await file.path();
    const names = await new Promise<string[]>((resolve, reject) =>
      yauzl.open(path, { lazyEntries: true }, (error, zip) => {
        if (error || !zip) return reject(error);
        const out: string[] = [];
        zip.on('entry', (entry: yauzl.Entry) => {
          out.push(entry.fileName);
          zip.readEntry();
        });
        zip.on('end', () => resolve(out));
        zip.readEntry();
      }),
    );
    expect(names).toContain('accounts.csv');
    expect(names).toContain('README.txt');
    await page.context().close();
  }, 120_000);
});
