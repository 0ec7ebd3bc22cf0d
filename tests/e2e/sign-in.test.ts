import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/domain/accounts/passwords.js';
import { DEMO_PASSWORD } from '../../src/domain/demo/generate.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { parsePortalSettings } from '../../src/domain/district/settings.js';
import { generateParentAccounts } from '../../src/domain/accounts/parent-generation.js';
import { jobHandlers } from '../../src/jobs/registry.js';
import { startWorker } from '../../src/jobs/worker.js';
import { makeApp } from '../support/app.js';
import { runJobs } from '../support/jobs.js';
import { CHROMIUM, consoleErrors, expectAccessible, expectOnlyHttpErrors, expectNoHorizontalScroll, launch, listen, openPage } from '../support/browser.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { clock } from '../support/http.js';
import { linkIn, startSmtp, type TestSmtp } from '../support/smtp.js';

describe.skipIf(!CHROMIUM)('sign-in page in Chromium', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let smtp: TestSmtp;
  const time = clock('2026-12-10T15:00:00Z');
  let allen: { username: string };
  let parent: { username: string };
  let spanishParent: { username: string };
  let allenSchool: number;
  let accounts: { role: string; username: string; locale: string }[] = [];

  beforeAll(async () => {
    database = await freshDatabase('sqlite');
    await loadDemo(database, { students: 40, seed: 5, startYear: 2026 });
    const district = await database.db.selectFrom('district').select('settings').executeTakeFirstOrThrow();
    accounts = parsePortalSettings(district.settings).demo?.accounts ?? [];
    allen = accounts.find((a) => a.role === 'student') as { username: string };
    spanishParent = accounts.find((a) => a.role === 'parent' && a.locale === 'es') as { username: string };
    allenSchool = (await database.db.selectFrom('students').select('school_id').where('legal_first_name', '=', 'Allen').executeTakeFirstOrThrow()).school_id;
    parent = accounts.find((a) => a.role === 'parent') as { username: string };
    smtp = await startSmtp();
    app = await makeApp(database, { now: time.now, smtpUrl: smtp.url });
    base = await listen(app);
    browser = await launch();
  });
  /** Runs the queued jobs (the self-serve forms queue their work), delivers the outbox, and finds the email. */
  const mailFor = async (to: string, subject: string) => {
    await runJobs(database, time.now);
    await app.services.mailer.flush();
    const found = smtp.messages.filter((m) => m.to.includes(to) && m.subject === subject).at(-1);
    if (!found) throw new Error(`no email "${subject}" to ${to} among: ${smtp.messages.map((m) => `${m.to[0]} ${m.subject}`).join('; ')}`);
    return found;
  };
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await smtp?.close();
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
      // The footer's statements, in Spanish.
      for (const [url, heading] of [['/accessibility', 'Declaración de accesibilidad'], ['/privacy', 'Aviso de privacidad']] as const) {
        await page.goto(`${base}${url}`);
        await expect(page.getByRole('heading', { level: 1, name: heading }).isVisible()).resolves.toBe(true);
        await expectAccessible(page);
        await expectNoHorizontalScroll(page);
      }
      await page.close();
    });
  }

  it("takes a student through the first sign-in and the forced password change with the keyboard alone", async () => {
    const page = await openPage(browser, 360);
    await page.goto(`${base}/sign-in`);
    const focusedId = () => page.evaluate(() => document.activeElement?.id ?? '');
    const focusedText = () => page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');
    await page.keyboard.press('Tab');
    expect(await focusedText()).toBe('Skip to main content');
    await page.keyboard.press('Enter');
    expect(await focusedId()).toBe('main-content');
    await page.keyboard.press('Tab');
    expect(await focusedId()).toBe('username');
    await page.keyboard.type(allen.username);
    await page.keyboard.press('Tab');
    expect(await focusedId()).toBe('password');
    await page.keyboard.type('aa010311');
    await page.keyboard.press('Tab');
    expect(await focusedId()).toBe('remember');
    await page.keyboard.press('Tab');
    expect(await focusedText()).toBe('Sign In');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/account/password`);
    await expect(page.getByRole('heading', { level: 1, name: 'Choose a new password' }).isVisible()).resolves.toBe(true);
    await expectAccessible(page);
    await expectNoHorizontalScroll(page);

    // A password with the student's name is refused, with the message at the field and in the summary.
    await page.getByLabel('New password', { exact: true }).fill('allen alda is here');
    await page.getByLabel('Type the new password again').fill('allen alda is here');
    await page.getByLabel('Type the new password again').press('Enter');
    await page.waitForLoadState();
    await expect(page.getByRole('alert').first().textContent()).resolves.toContain('There is a problem');
    expectOnlyHttpErrors(page, 400);
    await expectAccessible(page);
    await expectNoHorizontalScroll(page);

    await page.getByLabel('New password', { exact: true }).fill('quiet maple harbor');
    await page.getByLabel('Type the new password again').fill('quiet maple harbor');
    await page.getByRole('button', { name: 'Save password' }).press('Enter');
    await page.waitForURL(`${base}/account/security-setup`);
    await expect(page.getByRole('heading', { level: 1, name: 'Set up your account security' }).isVisible()).resolves.toBe(true);
    await expectAccessible(page);
    await expectNoHorizontalScroll(page);
    await page.getByRole('button', { name: 'Skip for now' }).press('Enter');
    await page.waitForURL(`${base}/home`);
    // A student's Home is their Today (issue 23).
    await expect(page.getByRole('heading', { level: 1, name: /^Today\s*Allen Alda/ }).isVisible()).resolves.toBe(true);
    await expectAccessible(page);
    await expectNoHorizontalScroll(page);

    await page.getByRole('link', { name: 'Account Settings' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Account Settings' }).isVisible()).resolves.toBe(true);
    await expectAccessible(page);
    await expectNoHorizontalScroll(page);

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(`${base}/sign-in?signedOut=1`);
    await expect(page.getByRole('status').textContent()).resolves.toContain('You have signed out.');
    await page.goto(`${base}/home`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await page.close();
  });

  it('throttles wrong passwords, in Spanish, ends an idle session, and lets the holder back in past a stranger', async () => {
    const tryPassword = async (page: Page, password: string) => {
      await page.getByLabel('Nombre de usuario').fill(parent.username);
      await page.getByLabel('Contraseña', { exact: true }).fill(password);
      await page.getByLabel('Contraseña', { exact: true }).press('Enter');
      await page.waitForLoadState();
    };
    const page = await openPage(browser, 360, 'es-MX');
    await page.goto(`${base}/sign-in`);
    for (let i = 0; i < 6; i++) await tryPassword(page, `incorrecta ${i}`);
    await expect(page.getByRole('alert').first().textContent()).resolves.toContain('Demasiados intentos sin éxito');
    // The browser logs the 401 and 429 answers of the form posts; nothing else may fail.
    expectOnlyHttpErrors(page, 401, 429);
    await expectAccessible(page);
    await expectNoHorizontalScroll(page);
    time.advance(60_000);
    await tryPassword(page, DEMO_PASSWORD);
    await page.waitForURL(`${base}/home`);
    expect(await page.getAttribute('html', 'lang')).toBe('es');
    await expect(page.getByRole('heading', { level: 2, name: 'Sus estudiantes' }).isVisible()).resolves.toBe(true);
    await expectAccessible(page);
    time.advance(31 * 60_000);
    await page.goto(`${base}/account`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await expect(page.getByRole('status').textContent()).resolves.toContain('Inicie sesión para continuar.');
    await expectAccessible(page);
    await expectNoHorizontalScroll(page);

    // A stranger in another browser slows the username down; this browser has signed in to it before.
    const stranger = await openPage(browser, 360, 'es-MX');
    await stranger.goto(`${base}/sign-in`);
    for (let i = 0; i < 6; i++) await tryPassword(stranger, `adivina ${i}`);
    await expect(stranger.getByRole('alert').first().textContent()).resolves.toContain('Demasiados intentos sin éxito');
    await tryPassword(page, DEMO_PASSWORD);
    // …back to the page the ended session had asked for.
    await page.waitForURL(`${base}/account`);
    await expectAccessible(page);
    await stranger.close();
    await page.close();
  });

  it("takes a parent through forgot username and forgot password with the real email", async () => {
    const page = await openPage(browser, 360);
    await page.goto(`${base}/sign-in`);
    await page.getByRole('link', { name: 'Forgot your username?' }).click();
    await expectAccessible(page);
    await page.getByLabel('Email address').fill('Diane.Alda@example.com');
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toContain('its username is on its way');
    await expectAccessible(page);
    const names = await mailFor('diane.alda@example.com', 'Your Cedar Valley Portal username');
    expect(names.text).toContain(parent.username);

    await page.goto(`${base}/sign-in`);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByLabel('Username').fill(parent.username);
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toContain('is on its way');
    const reset = await mailFor('diane.alda@example.com', 'Choose a new Cedar Valley Portal password');
    const link = linkIn(reset, 'http://portal.test/reset-password?token=').replace('http://portal.test', base);
    await page.goto(link);
    await expect(page.getByRole('heading', { level: 1, name: 'Choose a new password' }).isVisible()).resolves.toBe(true);
    await expectAccessible(page);
    await expectNoHorizontalScroll(page);
    await page.getByLabel('New password', { exact: true }).fill('lighthouse pebble waltz');
    await page.getByLabel('Type the new password again').fill('lighthouse pebble waltz');
    await page.getByRole('button', { name: 'Save password' }).click();
    await page.waitForURL(`${base}/sign-in?reset=1`);
    await expect(page.getByRole('status').textContent()).resolves.toContain('Sign in with your new password.');
    await page.getByLabel('Username').fill(parent.username);
    await page.getByLabel('Password', { exact: true }).fill('lighthouse pebble waltz');
    await page.getByRole('button', { name: 'Sign In' }).click();
    await page.waitForURL(`${base}/home`);
    await expect(page.getByRole('heading', { level: 2, name: 'Your students' }).isVisible()).resolves.toBe(true);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    // The link is spent.
    const again = await page.goto(link);
    expect(again?.status()).toBe(400);
    expectOnlyHttpErrors(page, 400);
    await expectAccessible(page);
    await page.close();
  });

  it('issues an activation key as office staff and creates an account with it', async () => {
    const office = accounts.find((a) => a.role === 'office')!;
    const student = await database.db
      .selectFrom('students as s')
      .leftJoin('user_accounts as a', 'a.student_id', 's.id')
      .select(['s.student_number'])
      .where('s.school_id', '=', allenSchool)
      .where('a.id', 'is', null)
      .orderBy('s.id')
      .executeTakeFirstOrThrow();
    const page = await openPage(browser, 360);
    await page.goto(`${base}/sign-in`);
    await page.getByLabel('Username').fill(office.username);
    await page.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign In' }).click();
    await page.waitForURL(`${base}/home`);
    await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Activation keys' }).click();
    await expectAccessible(page);
    await expectNoHorizontalScroll(page);
    await page.getByLabel('Student ID numbers').fill(student.student_number);
    // USWDS draws its own radio button; the label is what a person clicks.
    await page.locator('label[for=format-csv]').click();
    expect(await page.getByLabel('A spreadsheet (CSV)').isChecked()).toBe(true);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Issue keys' }).click()]);
    const csv = fs.readFileSync((await download.path())!, 'utf8');
    const key = /[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}/.exec(csv)?.[0];
    expect(key).toBeDefined();
    await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Parent links' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Parent account links' }).isVisible()).resolves.toBe(true);
    await expectAccessible(page);
    await expectNoHorizontalScroll(page);
    await page.close();

    const family = await openPage(browser, 360);
    await family.goto(`${base}/sign-in`);
    await family.getByRole('link', { name: /click here.*Use an Activation Key/ }).click();
    await expect(family.getByRole('heading', { level: 1, name: 'Use an Activation Key' }).isVisible()).resolves.toBe(true);
    await expectAccessible(family);
    await family.getByLabel('Activation Key').fill(key!.toLowerCase());
    await family.getByRole('button', { name: 'Next' }).click();
    await expect(family.getByRole('heading', { level: 1, name: 'Create your account' }).isVisible()).resolves.toBe(true);
    await expectAccessible(family);
    await expectNoHorizontalScroll(family);
    await family.getByLabel('New password', { exact: true }).fill('meadow lark singing');
    await family.getByLabel('Type the new password again').fill('meadow lark singing');
    await family.getByLabel('Account Security Email').fill('student.new@example.net');
    await family.getByRole('button', { name: 'Create account' }).click();
    await expect(family.locator('main').textContent()).resolves.toContain(`Your account ${student.student_number} is ready`);
    await expectAccessible(family);

    // The confirmation link arrives by real email; following it confirms the address, and the next
    // sign-in goes straight to Home.
    await app.services.mailer.flush();
    const mail = await (async () => {
      for (let i = 0; i < 100; i++) {
        const found = smtp.messages.find((m) => m.to[0] === 'student.new@example.net');
        if (found) return found;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('no confirmation email');
    })();
    await family.goto(linkIn(mail, 'http://portal.test/confirm-email?token=').replace('http://portal.test', base));
    await expectAccessible(family);
    await family.getByRole('button', { name: /Confirm/ }).click();
    await expect(family.locator('main').textContent()).resolves.toContain('Your account security email is now student.new@example.net.');
    await expectAccessible(family);
    await family.goto(`${base}/sign-in`);
    await family.getByLabel('Username').fill(student.student_number);
    await family.getByLabel('Password', { exact: true }).fill('meadow lark singing');
    await family.getByLabel('Password', { exact: true }).press('Enter');
    await family.waitForURL(`${base}/home`);
    await expectAccessible(family);
    await family.close();
  });

  it("has an accessible parent-accounts page for district administrators", async () => {
    const admin = accounts.find((a) => a.role === 'district_admin')!;
    const page = await openPage(browser, 360);
    await page.goto(`${base}/sign-in`);
    await page.getByLabel('Username').fill(admin.username);
    await page.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign In' }).click();
    await page.waitForURL(`${base}/home`);
    await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Parent accounts' }).click();
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.waitForURL(`${base}/admin/parent-accounts?started=1`);
    await expectAccessible(page);
    await expectNoHorizontalScroll(page);

    // Email delivery: the queue's counts and the messages that failed.
    await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Email delivery' }).click();
    await page.waitForURL(`${base}/admin/mail`);
    await expect(page.getByRole('heading', { level: 1, name: 'Email delivery' }).isVisible()).resolves.toBe(true);
    await expectAccessible(page);
    await expectNoHorizontalScroll(page);

    // The sign-in help text (district settings, texts): a mistake is shown at its field, then the text saved reaches the help page.
    await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'District settings' }).click();
    await page.waitForURL(`${base}/admin/settings`);
    await page.getByRole('main').getByRole('link', { name: 'Sign-in help and welcome email' }).first().click();
    await page.waitForURL(`${base}/admin/settings/texts`);
    await expectAccessible(page);
    await expectNoHorizontalScroll(page);
    const english = page.locator('#signInHelp-en');
    await english.fill('Call the front office.\u0007');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.locator('.usa-error-message').first().textContent()).resolves.toContain('characters that are not allowed');
    expectOnlyHttpErrors(page, 400);
    await expectAccessible(page);
    await english.fill('Call the front office at 555-0100 if the self-serve steps do not work.');
    await page.locator('#signInHelp-es').fill('Llame a la oficina al 555-0100 si los pasos de autoayuda no funcionan.');
    await page.getByRole('button', { name: 'Save' }).press('Enter');
    await page.waitForURL(`${base}/admin/settings/texts?saved=1`);
    await expectAccessible(page);
    await page.goto(`${base}/help/sign-in`);
    await expect(page.locator('main').textContent()).resolves.toContain('Call the front office at 555-0100');
    await page.close();
  });

  it('has accessible account pages and demo mailbox for a signed-in parent', async () => {
    const page = await openPage(browser, 360);
    await page.goto(`${base}/sign-in`);
    await page.getByLabel('Username').fill(spanishParent.username);
    await page.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign In' }).click();
    await page.waitForURL(`${base}/home`);
    expect(await page.getAttribute('html', 'lang')).toBe('es');
    for (const url of ['/home', '/account', '/account/pin', '/account/security-email', '/account/password', '/demo/mailbox', '/help/sign-in', '/forgot-password', '/welcome/resend', '/forgot-username']) {
      const res = await page.goto(`${base}${url}`);
      expect(res?.status(), url).toBe(200);
      await expectAccessible(page);
      await expectNoHorizontalScroll(page);
    }
    await page.close();
  });

  it('kills a security-email link asked for by someone who had the password once the holder resets it, in Spanish at 360 px', async () => {
    const holderUsername = spanishParent.username;
    const holderEmail = (await database.db.selectFrom('user_accounts').select('security_email').where('username', '=', holderUsername).executeTakeFirstOrThrow()).security_email!;
    // The attacker, in a browser of their own, asks to make their address the account's recovery email.
    const attacker = await openPage(browser, 360, 'es-MX');
    await attacker.goto(`${base}/sign-in`);
    await attacker.getByLabel('Nombre de usuario').fill(holderUsername);
    await attacker.getByLabel('Contraseña', { exact: true }).fill(DEMO_PASSWORD);
    await attacker.getByRole('button', { name: 'Iniciar sesión' }).click();
    await attacker.waitForURL(`${base}/home`);
    await attacker.goto(`${base}/account/security-email`);
    await attacker.getByLabel('Correo electrónico', { exact: true }).fill('intruso@evil.example');
    await attacker.getByLabel('Su contraseña').fill(DEMO_PASSWORD);
    await attacker.getByRole('button', { name: 'Enviar enlace de confirmación' }).click();
    await expect(attacker.getByRole('status').textContent()).resolves.toContain('intruso@evil.example');
    const confirmation = linkIn(await mailFor('intruso@evil.example', 'Confirme su correo de seguridad de Cedar Valley Portal'), 'http://portal.test/confirm-email?token=');

    // The holder resets the password from "¿Olvidó su contraseña?" with the emailed link.
    const holder = await openPage(browser, 360, 'es-MX');
    await holder.goto(`${base}/sign-in`);
    await holder.getByRole('link', { name: '¿Olvidó su contraseña?' }).click();
    await holder.getByLabel('Nombre de usuario').fill(holderUsername);
    await holder.getByRole('button', { name: 'Siguiente' }).click();
    await holder.waitForLoadState();
    const reset = linkIn(await mailFor(holderEmail, 'Elija una contraseña nueva de Cedar Valley Portal'), 'http://portal.test/reset-password?token=');
    await holder.goto(reset.replace('http://portal.test', base));
    await holder.getByLabel('Contraseña nueva', { exact: true }).fill('ventana tranquila río');
    await holder.getByLabel('Escriba de nuevo la contraseña nueva').fill('ventana tranquila río');
    await holder.getByRole('button', { name: 'Guardar contraseña' }).click();
    await holder.waitForURL(`${base}/sign-in?reset=1`);

    // The attacker's link no longer works, and the recovery address is still the holder's.
    const answer = await attacker.goto(confirmation.replace('http://portal.test', base));
    expect(answer?.status()).toBe(400);
    await expect(attacker.getByRole('heading', { level: 1, name: 'Este enlace no funciona' }).isVisible()).resolves.toBe(true);
    expectOnlyHttpErrors(attacker, 400);
    await expectAccessible(attacker);
    await expectNoHorizontalScroll(attacker);
    const after = await database.db.selectFrom('user_accounts').select('security_email').where('username', '=', holderUsername).executeTakeFirstOrThrow();
    expect(after.security_email).toBe(holderEmail);
    await attacker.close();
    await holder.close();
  });

  it('keeps a formula first password to the school network; the office issues a new one with the keyboard', async () => {
    const office = accounts.find((a) => a.role === 'office')!;
    const setNetworks = async (schoolNetworks: string[]) => {
      const row = await database.db.selectFrom('district').select('settings').executeTakeFirstOrThrow();
      await database.db.updateTable('district').set({ settings: JSON.stringify({ ...JSON.parse(row.settings), schoolNetworks }) }).execute();
      app.services.districts.invalidate();
    };
    // Allen's account has its formula first password again (he may have chosen his own in an earlier test).
    await database.db
      .updateTable('user_accounts')
      .set({ password_hash: await hashPassword('aa010311'), must_change_password: 1, initial_password: 'formula', initial_password_set_at: time.now().toISOString(), initial_password_used_at: null })
      .where('username', '=', allen.username)
      .execute();
    // From outside the school's network the formula password does not work, even though it is right.
    await setNetworks(['198.51.100.0/24']);
    const student = await openPage(browser, 360);
    await student.goto(`${base}/sign-in`);
    await student.getByLabel('Username').fill(allen.username);
    await student.getByLabel('Password', { exact: true }).fill('aa010311');
    await student.getByRole('button', { name: 'Sign In' }).click();
    await expect(student.getByRole('alert').first().textContent()).resolves.toContain('A first password works only at school.');
    expectOnlyHttpErrors(student, 403);
    await expectAccessible(student);
    await expectNoHorizontalScroll(student);
    // At school (this browser's address is on the listed network) it does, and must be changed at once.
    await setNetworks(['127.0.0.0/8', '::1/128']);
    await student.getByLabel('Password', { exact: true }).fill('aa010311');
    await student.getByRole('button', { name: 'Sign In' }).click();
    await student.waitForURL(`${base}/account/password`);
    // His parents hear of the first sign-in.
    const told = await mailFor('diane.alda@example.com', 'Allen Alda signed in to Cedar Valley Portal for the first time');
    expect(told.text).toContain('contact the school office');
    await setNetworks([]);
    await student.close();

    // "It wasn't Allen": the office gives him a new first password, by keyboard, shown once to hand over.
    const staff = await openPage(browser, 360);
    await staff.goto(`${base}/sign-in`);
    await staff.getByLabel('Username').fill(office.username);
    await staff.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD);
    await staff.getByRole('button', { name: 'Sign In' }).click();
    await staff.waitForURL(`${base}/home`);
    await staff.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Account help' }).click();
    await expect(staff.getByRole('heading', { level: 1, name: 'Account help' }).isVisible()).resolves.toBe(true);
    await expectAccessible(staff);
    await expectNoHorizontalScroll(staff);
    await staff.getByLabel('Student number or parent’s username').fill(allen.username);
    await staff.getByLabel('Student number or parent’s username').press('Enter');
    await staff.waitForURL(/number=/);
    await expect(staff.getByRole('heading', { level: 2, name: new RegExp(`Allen Alda · ${allen.username}`) }).isVisible()).resolves.toBe(true);
    await expectAccessible(staff);
    await staff.getByRole('button', { name: 'Issue a new first password' }).focus();
    await staff.keyboard.press('Enter');
    await staff.waitForLoadState();
    await expect(staff.getByRole('status').first().textContent()).resolves.toContain('The new first password of Allen Alda');
    const given = (await staff.locator('.usa-alert code').first().textContent())?.trim();
    expect(given).toMatch(/^[a-z]+-[a-z]+-[a-z]+-\d{2}$/);
    await expectAccessible(staff);
    await expectNoHorizontalScroll(staff);
    await staff.close();
    const back = await openPage(browser, 360);
    await back.goto(`${base}/sign-in`);
    await back.getByLabel('Username').fill(allen.username);
    await back.getByLabel('Password', { exact: true }).fill(given!);
    await back.getByRole('button', { name: 'Sign In' }).click();
    await back.waitForURL(`${base}/account/password`);
    await back.close();
  });

  it('lets the holder past a locked username with a code emailed in Spanish, at 360 px', async () => {
    const holderUsername = spanishParent.username;
    const holderEmail = (await database.db.selectFrom('user_accounts').select('security_email').where('username', '=', holderUsername).executeTakeFirstOrThrow()).security_email!;
    await database.db.deleteFrom('throttle').execute();
    // The holder's password (whatever earlier tests set), as a fixture of this test.
    await database.db.updateTable('user_accounts').set({ password_hash: await hashPassword('ventana tranquila río') }).where('username', '=', holderUsername).execute();
    // A stranger has made 100 wrong guesses in a row: the username is locked for a day.
    await database.db
      .insertInto('throttle')
      .values({ key: `user:${holderUsername}`, failures: 100, window_start: time.now().toISOString(), blocked_until: new Date(time.now().getTime() + 24 * 3_600_000).toISOString() })
      .execute();
    const page = await openPage(browser, 360, 'es-MX');
    await page.goto(`${base}/sign-in`);
    await page.getByLabel('Nombre de usuario').fill(holderUsername);
    await page.getByLabel('Contraseña', { exact: true }).fill('ventana tranquila río');
    await page.getByRole('button', { name: 'Iniciar sesión' }).click();
    await expect(page.getByRole('alert').first().textContent()).resolves.toContain('está bloqueado durante unas 24 horas');
    expectOnlyHttpErrors(page, 403);
    await expectAccessible(page);
    await expectNoHorizontalScroll(page);
    await page.getByRole('button', { name: 'Enviarme un código por correo' }).click();
    await expect(page.getByRole('status').first().textContent()).resolves.toContain('Escríbalo abajo junto con la contraseña');
    await expectAccessible(page);
    await expectNoHorizontalScroll(page);
    const mail = await mailFor(holderEmail, 'Su código para iniciar sesión en Cedar Valley Portal');
    const code = /Su código: (\d{4} \d{4})/.exec(mail.text)?.[1];
    expect(code).toBeDefined();
    await page.getByLabel('Contraseña', { exact: true }).fill('ventana tranquila río');
    await page.getByLabel('Código del correo para iniciar sesión').fill(code!);
    await page.getByLabel('Código del correo para iniciar sesión').press('Enter');
    await page.waitForURL(`${base}/home`);
    await expectAccessible(page);
    await page.close();
  });

  it('welcomes a parent from the nightly run through the real email, and signs them in', async () => {
    await generateParentAccounts(database.db, { now: time.now });
    const pending = await database.db
      .selectFrom('user_accounts')
      .select(['username', 'security_email'])
      .where('status', '=', 'pending')
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const worker = startWorker({ database, handlers: jobHandlers({ baseUrl: 'http://portal.test' }), now: time.now, pollMs: 0 });
    while (await worker.runOnce());
    await worker.stop();
    await app.services.mailer.flush();
    const mail = await (async () => {
      for (let i = 0; i < 100; i++) {
        const found = smtp.messages.find((m) => m.to[0] === pending.security_email && m.text.includes('/welcome?token='));
        if (found) return found;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('no welcome email');
    })();
    const page = await openPage(browser, 360);
    await page.goto(linkIn(mail, 'http://portal.test/welcome?token=').replace('http://portal.test', base));
    await expect(page.getByRole('heading', { level: 1, name: 'Choose your password' }).isVisible()).resolves.toBe(true);
    await expectAccessible(page);
    await expectNoHorizontalScroll(page);
    await page.getByLabel('New password', { exact: true }).fill('walnut canoe evening');
    await page.getByLabel('Type the new password again').fill('walnut canoe evening');
    await page.getByRole('button', { name: 'Save password' }).click();
    await expect(page.locator('main').textContent()).resolves.toContain('Your account is ready.');
    await page.goto(`${base}/sign-in`);
    await page.getByLabel('Username').fill(pending.username);
    await page.getByLabel('Password', { exact: true }).fill('walnut canoe evening');
    await page.getByRole('button', { name: 'Sign In' }).click();
    await page.waitForURL(`${base}/home`);
    await expect(page.getByRole('heading', { level: 2, name: 'Your students' }).isVisible()).resolves.toBe(true);
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
      expect.arrayContaining(['/forgot-password', '/forgot-username', '/help/sign-in', '/activate', '/request-account', '/help/parents', '/help/students', '/accessibility', '/privacy']),
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
