/**
 * Forms signed with the E-Signature PIN in Chromium (issue 21): office staff write and publish a form by
 * keyboard alone; a Spanish-speaking guardian signs it on a 360 px phone with their PIN. Every page
 * passes axe and fits without sideways scrolling.
 */
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/domain/accounts/passwords.js';
import { makeApp } from '../support/app.js';
import { CHROMIUM, expectFits, expectOnlyHttpErrors, launch, listen, openPage, signIn, tabTo } from '../support/browser.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { guardianWithChild, schoolYear, staffMember, type Family, type StaffFixture } from '../support/factories.js';

describe.skipIf(!CHROMIUM)('forms signed with the E-Signature PIN in Chromium', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let office: StaffFixture;
  let family: Family;

  beforeAll(async () => {
    database = await freshDatabase('sqlite');
    const db = database.db;
    const world = await schoolYear(db, { settings: { eSignaturePinEnabled: true } });
    office = await staffMember(db, world, { first: 'Olga', last: 'Office', roles: [{ role: 'office' }] });
    family = await guardianWithChild(db, world, {
      student: { first: 'Diego', last: 'Reyes', grade: 11 },
      guardian: { first: 'Rosa María', last: 'Reyes-Villanueva' },
      locale: 'es',
    });
    await db.updateTable('user_accounts').set({ pin_hash: await hashPassword('2468') }).where('id', '=', family.guardianAccount!.id).execute();
    app = await makeApp(database, { now: () => new Date('2027-02-09T18:00:00Z') });
    base = await listen(app);
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.drop();
  });

  it('office staff publish a form by keyboard alone; a guardian signs it in Spanish at 360 px', async () => {
    const page = await openPage(browser, 1280);
    await signIn(page, base, office.account!);
    await page.goto(`${base}/staff/forms`);
    await expectFits(page);
    await tabTo(page, 'New form');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/staff\/forms\/new$/);
    await expectFits(page);
    for (const [id, text] of [
      ['titleEn', 'Field trip permission'],
      ['bodyEn', 'Grade 11 visits the science museum on March 3.'],
      ['titleEs', 'Permiso para la excursión'],
      ['bodyEs', 'El grado 11 visita el museo de ciencias el 3 de marzo.'],
      ['field1.labelEn', 'I allow my child to go'],
      ['field1.labelEs', 'Permito que mi hijo vaya'],
    ] as const) {
      await tabTo(page, id);
      await page.keyboard.type(text);
    }
    // One required checkbox; saved as a draft first.
    await tabTo(page, 'field1.kind');
    await page.keyboard.press('ArrowDown'); // Checkbox
    await tabTo(page, 'field1.required');
    await page.keyboard.press('Space');
    await tabTo(page, 'Save', { button: true });
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/staff\/forms\/\d+$/);
    await page.getByText('Draft', { exact: false }).first().waitFor();
    await expectFits(page);
    await tabTo(page, 'Publish to families', { button: true });
    await page.keyboard.press('Enter');
    await page.waitForURL(/done=published$/);
    await page.getByText('Published: families see the form now.').waitFor();
    await expectFits(page);
    await page.context().close();

    const phone = await openPage(browser, 360, 'es-US');
    await signIn(phone, base, family.guardianAccount!);
    await phone.goto(`${base}/students/${family.student.id}/today`);
    await phone.getByText('Un formulario espera su firma.').waitFor();
    await expectFits(phone);
    await tabTo(phone, 'Abrir Formularios');
    await phone.keyboard.press('Enter');
    await phone.waitForURL(/\/forms$/);
    await expectFits(phone);
    await tabTo(phone, 'Permiso para la excursión');
    await phone.keyboard.press('Enter');
    await phone.waitForURL(/\/forms\/\d+$/);
    await phone.getByText('El grado 11 visita el museo de ciencias el 3 de marzo.').waitFor();
    await expectFits(phone);
    // Signing without checking the box: a message at the field, in Spanish.
    await tabTo(phone, 'pin');
    await phone.keyboard.type('2468');
    await phone.keyboard.press('Enter');
    await phone.getByRole('heading', { name: 'Hay un problema' }).waitFor();
    expectOnlyHttpErrors(phone, 400);
    await expectFits(phone);
    await tabTo(phone, 'f1');
    await phone.keyboard.press('Space');
    await tabTo(phone, 'pin');
    await phone.keyboard.type('2468');
    await tabTo(phone, 'Firmar', { button: true });
    await phone.keyboard.press('Enter');
    await phone.waitForURL(/signed=1$/);
    await phone.getByText('Gracias: el formulario está firmado.').waitFor();
    await phone.getByText('Firmado por Rosa María Reyes-Villanueva').waitFor();
    await expectFits(phone);
    await phone.context().close();

    const back = await openPage(browser, 360);
    await signIn(back, base, office.account!);
    await back.goto(`${base}/staff/forms`);
    await back.getByRole('link', { name: 'Field trip permission' }).click();
    await back.getByRole('heading', { name: '1 of 1 students signed' }).waitFor();
    await expectFits(back);
    const edit = back.getByRole('link', { name: 'Change the form' });
    await edit.click();
    await back.waitForURL(/\/edit$/);
    expect(await back.locator('#titleEs').inputValue()).toBe('Permiso para la excursión');
    await expectFits(back);
    // The office's pages in Spanish too.
    await back.getByRole('button', { name: 'Español' }).click();
    await back.getByRole('heading', { level: 1, name: 'Cambiar el formulario' }).waitFor();
    await expectFits(back);
    await back.goto(`${base}/staff/forms`);
    await back.getByRole('heading', { level: 1, name: 'Formularios para firmar' }).waitFor();
    await expectFits(back);
    await back.getByRole('link', { name: 'Permiso para la excursión' }).click();
    await back.getByRole('heading', { name: '1 de 1 estudiantes firmados' }).waitFor();
    await expectFits(back);
    await back.context().close();
  }, 240_000);
});
