/**
 * Requests about a child's emergency contacts in Chromium (issue 23, ADR 0050): a Spanish-reading
 * guardian on a 360 px phone finds the child's emergency contacts, is refused a bad phone at its field,
 * and asks by keyboard to change an aunt's work phone and relationship; the office approves the phone
 * and rejects the relationship with a note; the guardian sees each outcome. Every page passes axe and
 * fits.
 */
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { CHROMIUM, expectFits, expectOnlyHttpErrors, launch, listen, openPage, signIn, tabTo } from '../support/browser.js';
import { peopleFamily, type PeopleFamily } from '../support/contact-people.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { schoolYear, staffMember, type StaffFixture } from '../support/factories.js';

describe.skipIf(!CHROMIUM)('requests about emergency contacts in Chromium', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let f: PeopleFamily;
  let office: StaffFixture;

  beforeAll(async () => {
    database = await freshDatabase('sqlite');
    const world = await schoolYear(database.db);
    f = await peopleFamily(database.db, world, '', { locale: 'es' });
    office = await staffMember(database.db, world, { first: 'Olga', last: 'Office', roles: [{ role: 'office' }] });
    app = await makeApp(database, { now: () => new Date('2027-02-09T18:00:00Z') });
    base = await listen(app);
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.drop();
  });

  it('a Spanish guardian asks by keyboard at 360 px; the office approves one field and rejects another; the guardian sees both', async () => {
    const page = await openPage(browser, 360, 'es-US');
    await signIn(page, base, f.luciaAccount, /\/(home|account)/);
    await page.goto(`${base}/account/contact`);
    await expectFits(page);
    await tabTo(page, 'Contactos de emergencia y tutores de Maya Ortiz');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/account/contact/students/${f.maya.id}`);
    await page.getByText('Tía').first().waitFor();
    await expectFits(page);
    // the form to add one passes axe too
    await page.goto(`${base}/account/contact/students/${f.maya.id}/new`);
    await expectFits(page);
    await page.goBack();

    await tabTo(page, 'Pedir una corrección para Nora Ortiz');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/account/contact/students/${f.maya.id}/people/${f.nora.id}`);
    await expectFits(page);
    await tabTo(page, 'phoneWork');
    await page.keyboard.type('555-1234');
    await page.keyboard.press('Enter');
    await page.getByText('Escriba un número de teléfono con su código de área').first().waitFor();
    expectOnlyHttpErrors(page, 400);
    await expectFits(page);
    // the page came back with what was typed: the relationship (before the phones), then the work phone
    await tabTo(page, 'relationship');
    await page.keyboard.type('Abuelo');
    expect(await page.locator('#relationship').inputValue()).toBe('grandparent');
    await tabTo(page, 'phoneWork');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('573-201-2222');
    await tabTo(page, 'Enviar los cambios a la escuela', { button: true });
    await page.keyboard.press('Enter');
    await page.waitForURL(/\?sent=updated$/);
    await page.getByText('Sus cambios se enviaron a la oficina de la escuela.').first().waitFor();
    await expectFits(page);

    const staff = await openPage(browser, 1280);
    await signIn(staff, base, office.account!);
    await staff.goto(`${base}/staff/change-requests`);
    await staff.getByText('Emergency contact Nora Ortiz of Maya Ortiz').first().waitFor();
    await expectFits(staff);
    await staff.getByRole('link', { name: 'Lucia Ortiz' }).click();
    await staff.getByText('On record: (none) → requested: (573) 201-2222').first().waitFor();
    await expectFits(staff);
    const fields = await database.db.selectFrom('change_request_fields').select(['id', 'field']).orderBy('id').execute();
    // USWDS draws the radio on its label (the input itself is off screen)
    for (const x of fields) await staff.locator(`label[for="decision-${x.id}-${x.field === 'phone_work' ? 'approve' : 'reject'}"]`).click();
    await staff.locator('#note').fill('Nora es su tía según el acta de nacimiento.');
    await staff.getByRole('button', { name: 'Save the decisions' }).click();
    await staff.getByText('The decisions are saved and the parent was told.').first().waitFor();
    await expectFits(staff);

    await page.goto(`${base}/account/contact/students/${f.maya.id}`);
    const main = (await page.locator('main').textContent()) ?? '';
    expect(main).toContain('Aprobado');
    expect(main).toContain('No aprobado');
    expect(main).toContain('(573) 201-2222');
    expect(main).toContain('Nota de la escuela: Nora es su tía según el acta de nacimiento.');
    await expectFits(page);
    const mail = await database.db.selectFrom('email_outbox').select(['to_address', 'subject']).where('kind', '=', 'contact_change_decided').execute();
    expect(mail.map((m) => m.to_address)).toEqual([f.lucia.email]);
  }, 120_000);
});
