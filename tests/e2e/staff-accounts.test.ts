/**
 * Staff accounts and the audit log in Chromium (issue 25): a district administrator creates a staff
 * account by keyboard alone, and searches the audit log by keyboard; each page passes axe and fits
 * 360 and 1280 px, in English and Spanish.
 */
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { CHROMIUM, expectFits, expectOnlyHttpErrors, launch, listen, openPage, signIn as signInAs, tabTo } from '../support/browser.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { otherSchool, schoolYear, staffMember, type StaffFixture, type World } from '../support/factories.js';

describe.skipIf(!CHROMIUM)('staff accounts and the audit log in Chromium', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let world: World;
  let admin: StaffFixture;
  let sis: StaffFixture;

  beforeAll(async () => {
    database = await freshDatabase('sqlite');
    const db = database.db;
    world = await schoolYear(db);
    await otherSchool(db);
    admin = await staffMember(db, world, { first: 'Dana', last: 'Administrator', roles: [{ role: 'district_admin', schoolId: null }] });
    await staffMember(db, world, { first: 'Rosa', last: 'Carter', roles: [{ role: 'teacher' }, { role: 'counselor' }] });
    // A long name and a staff member from the SIS, to show both on a phone.
    sis = await staffMember(db, world, { first: 'Maximiliano Alejandro', last: 'Fernández-Villanueva de la Cruz', roles: [{ role: 'teacher' }] });
    await db.updateTable('staff').set({ sourced_id: 'sis-max', email: 'max.fernandez@fixture.example.org' }).where('id', '=', sis.id).execute();
    await db.insertInto('oneroster_staff_roles').values({ staff_id: sis.id, role: 'teacher', school_id: world.school.id }).execute();
    app = await makeApp(database, { now: () => new Date('2027-02-09T18:00:00Z') });
    base = await listen(app);
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.drop();
  });

  /** Checks the page in English, switches to Spanish and checks it again, then back. */
  const bothLanguages = async (page: Page, spanishHeading: string) => {
    await expectFits(page);
    await page.getByRole('button', { name: 'Español' }).click();
    await page.waitForFunction(() => document.documentElement.lang === 'es');
    await page.getByRole('heading', { level: 1, name: spanishHeading }).waitFor();
    await expectFits(page);
    await page.getByRole('button', { name: 'English' }).click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
  };

  it('passes axe and fits 360 and 1280 px on every page, in English and Spanish', async () => {
    for (const width of [360, 1280] as const) {
      const page = await openPage(browser, width);
      await signInAs(page, base, admin.account!);
      for (const [path, spanish] of [
        ['/admin/staff', 'Cuentas del personal'],
        ['/admin/staff/new', 'Nueva cuenta del personal'],
        [`/admin/staff/${sis.id}`, 'Maximiliano Alejandro Fernández-Villanueva de la Cruz'],
        ['/admin/audit', 'Registro de auditoría'],
      ] as const) {
        await page.goto(`${base}${path}`);
        if (width === 360) await bothLanguages(page, spanish);
        else await expectFits(page);
      }
      await page.context().close();
    }
  }, 180_000);

  it('creates a staff account by keyboard alone at 360 px, with a first try that leaves out the roles', async () => {
    const page = await openPage(browser, 360);
    await signInAs(page, base, admin.account!);
    await page.goto(`${base}/admin/staff`);
    await tabTo(page, 'New staff account');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/admin\/staff\/new$/);
    for (const [id, text] of [
      ['firstName', 'Kim'],
      ['lastName', 'Keyboard'],
      ['email', 'kim.keyboard@fixture.example.org'],
      ['username', 'kkeyboard'],
      ['staffNumber', 'K-1'],
    ] as const) {
      await tabTo(page, id);
      await page.keyboard.type(text);
    }
    await tabTo(page, 'Create the account and send the welcome email', { button: true });
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'There is a problem' }).waitFor();
    expectOnlyHttpErrors(page, 400);
    await expectFits(page);
    expect(await page.locator('#lastName').inputValue()).toBe('Keyboard');
    await tabTo(page, `role-nurse-${world.school.id}`);
    await page.keyboard.press('Space');
    await tabTo(page, 'Create the account and send the welcome email', { button: true });
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/admin\/staff\/\d+\?created=1$/);
    await page.getByText('The account was created. The welcome email is on its way.').waitFor();
    await expectFits(page);
    expect(await page.locator(`#role-nurse-${world.school.id}`).isChecked()).toBe(true);
    await page.context().close();
  }, 120_000);

  it('refuses, by keyboard, taking away a role the SIS gave', async () => {
    const page = await openPage(browser, 360);
    await signInAs(page, base, admin.account!);
    await page.goto(`${base}/admin/staff/${sis.id}`);
    await page.getByText('This staff member comes from the SIS').waitFor();
    await tabTo(page, `role-teacher-${world.school.id}`);
    await page.keyboard.press('Space');
    await tabTo(page, 'Save changes', { button: true });
    await page.keyboard.press('Enter');
    await page.getByText('A role the SIS gave is removed in the SIS, not here.').first().waitFor();
    expectOnlyHttpErrors(page, 400);
    await expectFits(page);
    await page.context().close();
  }, 120_000);

  it('searches the audit log by keyboard at 360 px', async () => {
    const page = await openPage(browser, 360);
    await signInAs(page, base, admin.account!);
    await page.goto(`${base}/admin/audit`);
    await tabTo(page, 'kind');
    await page.keyboard.press('ArrowDown');
    await tabTo(page, 'from');
    await page.keyboard.type('01022027');
    await tabTo(page, 'Search', { button: true });
    await page.keyboard.press('Enter');
    await page.waitForURL(/kind=sign_in/);
    // The administrator's own sign-in is there, with who, when and from where.
    await page.getByRole('cell', { name: 'Signed in' }).first().waitFor();
    await expectFits(page);
    await page.context().close();
  }, 120_000);
});
