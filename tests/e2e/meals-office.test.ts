/**
 * The office's meal tools in Chromium (issue 24): a Spanish-speaking office clerk on a 360 px phone finds
 * a student by number, is refused an amount that is not one at its field, records a $20.00 cash deposit,
 * then uploads a point-of-sale file — first one with a bad line (the whole file refused, the line and
 * column named, nothing written), then a good one as a dry run, then for real — all by keyboard but the
 * file chooser; the guardian's page then shows the new balance. Every page passes axe and fits.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { CHROMIUM, expectFits, expectOnlyHttpErrors, launch, listen, openPage, signIn, tabTo } from '../support/browser.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { guardianWithChild, schoolYear, staffMember, type Family, type StaffFixture } from '../support/factories.js';

/** Where the pages' pictures go, to be looked at (not compared). */
const SHOTS = path.join(os.tmpdir(), 'meals');

describe.skipIf(!CHROMIUM)('the office’s meal tools in Chromium', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let office: StaffFixture;
  let family: Family;
  let dir: string;

  beforeAll(async () => {
    database = await freshDatabase('sqlite');
    const db = database.db;
    const world = await schoolYear(db);
    office = await staffMember(db, world, { first: 'Olga', last: 'Nunez', roles: [{ role: 'office' }], locale: 'es' });
    family = await guardianWithChild(db, world, { student: { first: 'Diego', last: 'Reyes', number: '0042137', grade: 11 }, guardian: { first: 'Rosa', last: 'Reyes' }, locale: 'es' });
    app = await makeApp(database, { now: () => new Date('2027-02-09T18:00:00Z') });
    base = await listen(app);
    browser = await launch();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homeroom-meals-'));
    fs.mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const csv = (name: string, lines: string[]) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, `transaction_id,student_number,time,amount,item\n${lines.join('\n')}\n`);
    return file;
  };
  const ledgerRows = async () => Number((await database.db.selectFrom('meal_ledger').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('records a deposit and imports a point-of-sale file in Spanish at 360 px; the family sees the balance', async () => {
    const page = await openPage(browser, 360, 'es-US');
    await signIn(page, base, office.account!);
    await page.goto(`${base}/staff/meals`);
    await page.getByRole('heading', { level: 1, name: 'Cuentas de comidas' }).waitFor();
    await expectFits(page);
    // The number without its leading zeros finds the student.
    await tabTo(page, 'number');
    await page.keyboard.type('42137');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/staff\/meals\/students\/\d+$/);
    await page.getByRole('heading', { level: 1, name: /Cuenta de comidas: Diego Reyes/ }).waitFor();
    await expectFits(page);

    // "veinte" is not an amount: refused at its field, nothing written.
    await tabTo(page, 'amount');
    await page.keyboard.type('veinte');
    await tabTo(page, 'method-cash');
    await page.keyboard.press('Space');
    await tabTo(page, 'Anotar', { button: true });
    await page.keyboard.press('Enter');
    await page.getByText('Escriba un monto de 0.01 a 1,000.00 dólares, como 20 o 12.50.').first().waitFor();
    expectOnlyHttpErrors(page, 400);
    expect(await ledgerRows()).toBe(0);
    await expectFits(page);
    // What was typed comes back: the amount is corrected, cash is still chosen.
    await tabTo(page, 'amount');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('20');
    expect(await page.locator('#method-cash').isChecked()).toBe(true);
    await tabTo(page, 'Anotar', { button: true });
    await page.keyboard.press('Enter');
    await page.waitForURL(/\?saved=1$/);
    await page.getByText('Anotado. El saldo está al día.').waitFor();
    expect(await page.locator('.usa-intro').textContent()).toContain('$20.00');
    await page.getByText('Depósito (efectivo)').first().waitFor();
    await expectFits(page);
    await page.screenshot({ path: path.join(SHOTS, 'office-account-es-360.png'), fullPage: true });

    // The import page, from the search page's link.
    await page.goto(`${base}/staff/meals`);
    await tabTo(page, 'Importar un archivo del punto de venta');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/staff\/meals\/import$/);
    await page.getByRole('heading', { level: 1, name: 'Importar transacciones de comidas' }).waitFor();
    await expectFits(page);

    // A file with one bad line: the whole file is refused, with the line and the column; nothing written.
    const bad = csv('pos-bad.csv', ['POS-1,0042137,2027-02-09 11:32,3.25,Lunch', 'POS-2,0042137,2027-02-09 11:33,tres,Milk']);
    await tabTo(page, 'file');
    await page.locator('#file').setInputFiles(bad);
    await tabTo(page, 'Importar', { button: true });
    await page.keyboard.press('Enter');
    await page.getByText('No se importó: no cambió nada.', { exact: false }).first().waitFor();
    const problem = (await page.locator('main li').allTextContents()).join(' ');
    expect(problem).toContain('línea 3');
    expect(problem).toContain('“tres” no es un monto');
    expectOnlyHttpErrors(page, 422);
    expect(await ledgerRows()).toBe(1);
    await expectFits(page);
    await page.screenshot({ path: path.join(SHOTS, 'office-import-refused-es-360.png'), fullPage: true });

    // The corrected file as a dry run: counted, not written.
    const good = csv('pos-good.csv', ['POS-1,0042137,2027-02-09 11:32,3.25,Lunch', 'POS-2,0042137,2027-02-09 11:33,0.60,Milk']);
    await tabTo(page, 'file');
    await page.locator('#file').setInputFiles(good);
    await tabTo(page, 'dryRun');
    await page.keyboard.press('Space');
    await tabTo(page, 'Importar', { button: true });
    await page.keyboard.press('Enter');
    await page.getByText('Solo revisión, no se escribió nada: se agregarían 2, 0 ya importadas, 0 omitidas, de 2 filas.').waitFor();
    expect(await ledgerRows()).toBe(1);
    await expectFits(page);
    // For real.
    await tabTo(page, 'file');
    await page.locator('#file').setInputFiles(good);
    expect(await page.locator('#dryRun').isChecked()).toBe(false);
    await tabTo(page, 'Importar', { button: true });
    await page.keyboard.press('Enter');
    await page.getByText('Importado: 2 agregadas, 0 ya importadas, 0 omitidas, de 2 filas.').waitFor();
    await page.getByText('Compras $3.85, depósitos $0.00.').waitFor();
    expect(await ledgerRows()).toBe(3);
    await expectFits(page);
    await page.screenshot({ path: path.join(SHOTS, 'office-import-done-es-360.png'), fullPage: true });

    // The guardian's page: $20.00 − $3.25 − $0.60 = $16.15.
    const parent = await openPage(browser, 360, 'es-US');
    await signIn(parent, base, family.guardianAccount!);
    await parent.goto(`${base}/payments/meals/${family.student.id}`);
    expect(await parent.locator('.usa-intro').textContent()).toContain('$16.15');
    await parent.getByText('Milk').first().waitFor();
    await parent.getByText('Depósito (efectivo)').first().waitFor();
    await expectFits(parent);
    await parent.screenshot({ path: path.join(SHOTS, 'family-account-es-360.png'), fullPage: true });
  }, 180_000);
});
