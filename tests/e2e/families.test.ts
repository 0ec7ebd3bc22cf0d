import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateParentAccounts } from '../../src/domain/accounts/parent-generation.js';
import { DEMO_PASSWORD } from '../../src/domain/demo/generate.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { parsePortalSettings } from '../../src/domain/district/settings.js';
import { jobHandlers } from '../../src/jobs/registry.js';
import { startWorker } from '../../src/jobs/worker.js';
import { makeApp } from '../support/app.js';
import { runJobs } from '../support/jobs.js';
import { CHROMIUM, expectFits, expectOnlyHttpErrors, launch, listen, openPage, signIn as signInAs } from '../support/browser.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { clock } from '../support/http.js';
import { linkIn, startSmtp, type ReceivedMail, type TestSmtp } from '../support/smtp.js';

describe.skipIf(!CHROMIUM)('families in Chromium: nightly accounts, the request form, contact changes', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let smtp: TestSmtp;
  const time = clock('2026-12-10T15:00:00Z');
  let accounts: { role: string; username: string; locale: string }[] = [];
  const account = (role: string) => accounts.find((a) => a.role === role)!;

  beforeAll(async () => {
    database = await freshDatabase('sqlite');
    await loadDemo(database, { students: 60, seed: 11, startYear: 2026 });
    const district = await database.db.selectFrom('district').select('settings').executeTakeFirstOrThrow();
    accounts = parsePortalSettings(district.settings).demo?.accounts ?? [];
    smtp = await startSmtp();
    app = await makeApp(database, { now: time.now, smtpUrl: smtp.url });
    base = await listen(app);
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await smtp?.close();
    await database?.drop();
  });

  const mailTo = async (address: string, subject?: string): Promise<ReceivedMail> => {
    await app.services.mailer.flush();
    for (let i = 0; i < 200; i++) {
      const found = smtp.messages.find((m) => m.to[0] === address && (!subject || m.subject.includes(subject)));
      if (found) return found;
      await new Promise((r) => setTimeout(r, 25));
      await app.services.mailer.flush();
    }
    throw new Error(`no email to ${address}`);
  };
  const signIn = (page: Page, username: string, password: string) => signInAs(page, base, { username, password }, /\/home|\/account\//);
  const check = expectFits;

  it('welcomes a parent of two from the nightly run by real email; they sign in and switch between their children by keyboard', async () => {
    await generateParentAccounts(database.db, { now: time.now });
    const pending = await database.db
      .selectFrom('user_accounts as a')
      .select(['a.username', 'a.security_email', 'a.guardian_id'])
      .where('a.status', '=', 'pending')
      .where((eb) =>
        eb(
          eb
            .selectFrom('student_guardians as sg')
            .select((e) => e.fn.countAll().as('n'))
            .whereRef('sg.guardian_id', '=', 'a.guardian_id')
            .where('sg.portal_access', '=', 1)
            .where('sg.rights_revoked', '=', 0),
          '>=',
          2,
        ),
      )
      .orderBy('a.id')
      .executeTakeFirstOrThrow();
    const children = await database.db
      .selectFrom('student_guardians as sg')
      .innerJoin('students as s', 's.id', 'sg.student_id')
      .select(['s.id', 's.legal_last_name', (eb) => eb.fn.coalesce('s.preferred_first_name', 's.legal_first_name').as('first')])
      .where('sg.guardian_id', '=', pending.guardian_id!)
      .where('sg.portal_access', '=', 1)
      .where('sg.rights_revoked', '=', 0)
      .orderBy('s.birth_date')
      .orderBy('s.id')
      .execute();
    const worker = startWorker({ database, handlers: jobHandlers({ baseUrl: 'http://portal.test' }), now: time.now, pollMs: 0 });
    while (await worker.runOnce());
    await worker.stop();
    const mail = await mailTo(pending.security_email!);
    expect(mail.text).toContain(pending.username);
    expect(mail.text).not.toMatch(/^\s*password\s*:/im);

    const page = await openPage(browser, 360);
    await page.goto(linkIn(mail, 'http://portal.test/welcome?token=').replace('http://portal.test', base));
    await page.getByLabel('New password', { exact: true }).fill('orchard lantern puzzle');
    await page.getByLabel('Type the new password again').fill('orchard lantern puzzle');
    await page.getByRole('button', { name: 'Save password' }).click();
    await expect(page.locator('main').textContent()).resolves.toContain('Your account is ready.');
    await signIn(page, pending.username, 'orchard lantern puzzle');
    await check(page);
    const switcher = page.getByLabel('Student', { exact: true });
    await expect(switcher.inputValue()).resolves.toBe(String(children[0]!.id));
    // Keyboard only: focus the list, pick the second child, press the button.
    await switcher.focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Show');
    // The page is /home before and after: wait for the new page itself.
    const reloaded = page.waitForResponse((r) => r.url() === `${base}/home` && r.request().method() === 'GET');
    await page.keyboard.press('Enter');
    await reloaded;
    await page.waitForLoadState('load');
    await expect(page.getByLabel('Student', { exact: true }).inputValue()).resolves.toBe(String(children[1]!.id));
    // The child shown now is marked on their card (issue 23: a card per child).
    const current = page.locator('li.hr-child', { has: page.locator('.hr-tag--inline') });
    await expect(current.locator('h3').textContent()).resolves.toContain(`${children[1]!.first} ${children[1]!.legal_last_name}`);
    await check(page);
    await page.close();
  });

  it('takes an account request from the public form through the office queue to a reset email', async () => {
    const parent = await database.db
      .selectFrom('user_accounts as a')
      .innerJoin('guardians as g', 'g.id', 'a.guardian_id')
      .select(['a.id', 'a.security_email', 'g.first_name', 'g.last_name', 'g.id as guardian_id'])
      .where('a.username', '=', account('parent').username)
      .executeTakeFirstOrThrow();
    const office = await database.db
      .selectFrom('user_accounts as a')
      .innerJoin('staff_roles as r', 'r.staff_id', 'a.staff_id')
      .select('r.school_id')
      .where('a.username', '=', account('office').username)
      .executeTakeFirstOrThrow();
    const child = await database.db
      .selectFrom('student_guardians as sg')
      .innerJoin('students as s', 's.id', 'sg.student_id')
      .select(['s.student_number', 's.legal_first_name', 's.legal_last_name'])
      .where('sg.guardian_id', '=', parent.guardian_id)
      .where('s.school_id', '=', office.school_id!)
      .executeTakeFirstOrThrow();

    const page = await openPage(browser, 360);
    await page.goto(`${base}/sign-in`);
    await page.getByRole('link', { name: 'click here (Request an account)' }).click();
    await page.waitForURL(`${base}/request-account`);
    await check(page);
    // Sent empty first: the error summary names what is missing.
    await page.getByRole('button', { name: 'Submit' }).click();
    await expect(page.getByRole('heading', { name: 'There is a problem' }).isVisible()).resolves.toBe(true);
    expectOnlyHttpErrors(page, 400);
    await check(page);
    await page.getByLabel('Student’s First Name').fill(child.legal_first_name);
    await page.getByLabel('Student’s Last Name').fill(child.legal_last_name);
    await page.getByLabel('Student’s ID# (optional)').fill(child.student_number);
    await page.locator('label[for="resetFor-parent"]').click();
    await page.getByLabel('Parent’s First Name').fill(parent.first_name);
    await page.getByLabel('Parent’s Last Name').fill(parent.last_name);
    await page.getByLabel('Parent’s Email Address').fill(parent.security_email!.toUpperCase());
    // A comment that looks like a password comes back with a warning (issue 23); edited, it is sent.
    await page.getByLabel('Comments (optional)').fill('my password is Tiger2024!');
    await page.getByRole('button', { name: 'Submit' }).click();
    await expect(page.getByRole('heading', { name: 'Your comment looks like it has a password in it' }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('button', { name: 'It is not a password: send as it is' }).isVisible()).resolves.toBe(true);
    await check(page);
    await page.getByLabel('Comments (optional)').fill('I forgot my password and my <b>email</b> changed.');
    await page.getByRole('button', { name: 'Submit', exact: true }).click();
    await page.waitForURL(`${base}/request-account/received`);
    await expect(page.locator('main').textContent()).resolves.toContain('If the details match our records, the school will contact you');
    await check(page);
    // The background worker routes the request to its school's office.
    await runJobs(database, time.now);

    await signIn(page, account('office').username, DEMO_PASSWORD);
    await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Account requests' }).click();
    await page.waitForURL(`${base}/staff/account-requests`);
    await check(page);
    await page.getByRole('link', { name: `${child.legal_first_name} ${child.legal_last_name}` }).first().click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(child.legal_first_name);
    await expect(page.locator('main').textContent()).resolves.toContain('I forgot my password and my <b>email</b> changed.');
    await check(page);
    const card = page.locator('.hr-match', { hasText: `${parent.first_name} ${parent.last_name}` });
    await expect(card.textContent()).resolves.toContain('Strong match');
    await card.getByRole('button', { name: 'Send a password reset link to the security email' }).click();
    await expect(page.getByText('A reset link was sent to the security email on file.').isVisible()).resolves.toBe(true);
    await check(page);
    // The office removes the comment (issue 23): gone from the page, said in its place and in the history.
    await page.getByRole('button', { name: 'Remove the comment' }).click();
    await expect(page.getByText('The comment was removed.').isVisible()).resolves.toBe(true);
    await expect(page.locator('main').textContent()).resolves.not.toContain('I forgot my password');
    await expect(page.locator('main').textContent()).resolves.toContain('(removed by the office)');
    await check(page);

    const mail = await mailTo(parent.security_email!, 'Choose a new');
    expect(mail.text).toContain('The school office received your request');
    const reset = await openPage(browser, 360);
    await reset.goto(linkIn(mail, 'http://portal.test/reset-password?token=').replace('http://portal.test', base));
    await reset.getByLabel('New password', { exact: true }).fill('harbor meadow violin');
    await reset.getByLabel('Type the new password again').fill('harbor meadow violin');
    await reset.getByRole('button', { name: /save|password/i }).first().click();
    await signIn(reset, account('parent').username, 'harbor meadow violin');
    expect(reset.url()).toContain('/home');
    await reset.close();
    await page.close();
  });

  it('lets a parent ask to correct their phone; the office approves and the parent sees it', async () => {
    const parent = accounts.find((a) => a.role === 'parent' && a.locale === 'es')!;
    const page = await openPage(browser, 360);
    await signIn(page, parent.username, DEMO_PASSWORD);
    // This parent reads the portal in Spanish.
    await page.getByRole('link', { name: 'Información de contacto' }).click();
    await page.waitForURL(`${base}/account/contact`);
    await check(page);
    await page.getByLabel('Teléfono celular').fill('abc');
    await page.getByRole('button', { name: 'Enviar los cambios a la escuela' }).click();
    await expect(page.getByText('Escriba un número de teléfono con su código de área', { exact: false }).first().isVisible()).resolves.toBe(true);
    expectOnlyHttpErrors(page, 400);
    await check(page);
    await page.getByLabel('Teléfono celular').fill('573-201-4242');
    await page.getByRole('button', { name: 'Enviar los cambios a la escuela' }).click();
    await expect(page.getByRole('heading', { name: 'Esperando a la oficina de la escuela' }).isVisible()).resolves.toBe(true);
    await check(page);

    const staff = await openPage(browser, 1280);
    await signIn(staff, account('office').username, DEMO_PASSWORD);
    await staff.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Change requests' }).click();
    await check(staff);
    await staff.locator('main table a').first().click();
    await check(staff);
    await staff.getByRole('group', { name: 'Cell phone' }).locator('label', { hasText: 'Approve' }).click();
    await staff.getByRole('button', { name: 'Save the decisions' }).click();
    await expect(staff.getByText('The decisions are saved and the parent was told.').isVisible()).resolves.toBe(true);
    await check(staff);

    await page.goto(`${base}/account/contact`);
    // stored in E.164, shown in the national format (issue 23)
    await expect(page.getByLabel('Teléfono celular').inputValue()).resolves.toBe('(573) 201-4242');
    await expect(page.getByRole('heading', { name: 'Solicitudes anteriores' }).isVisible()).resolves.toBe(true);
    await expect(page.locator('main').textContent()).resolves.toContain('Aprobado');
    await check(page);
    const guardian = await database.db.selectFrom('user_accounts').select('security_email').where('username', '=', parent.username).executeTakeFirstOrThrow();
    const mail = await mailTo(guardian.security_email!, 'contacto');
    expect(mail.text).toContain('Aprobado y ya registrado: Teléfono celular: (573) 201-4242.');
    await staff.close();
    await page.close();
  });
});
