/**
 * Notifications in Chromium (issue 22): a Spanish-speaking guardian, by keyboard alone at 360 px, sets a
 * class-grade threshold (after a first try the page refuses) and quiet hours, sees the bell's unread
 * count and opens the notification; then chooses their own time zone, turns a class off and the new
 * announcements' email off (ADRs 0041, 0049); an older tab's save refused and an unsubscribe link
 * the guardian superseded (ADR 0062); axe on every page (the list, the settings, the unsubscribe page).
 *
 * Kid's Chemistry score (17 of 20) was entered half an hour before; the notifications run has told
 * the family. The district is in Chicago; 12:00 there is 18:00 UTC.
 */
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teacherScope } from '../../src/domain/access/staff.js';
import { saveScores } from '../../src/domain/gradebook/scores.js';
import { runNotifications } from '../../src/domain/notifications/service.js';
import { unsubscribeToken } from '../../src/domain/notifications/unsubscribe.js';
import { makeApp } from '../support/app.js';
import { CHROMIUM, expectFits, expectOnlyHttpErrors, launch, listen, openPage, signIn, tabTo } from '../support/browser.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { guardianWithChild, schoolYear, sectionWithGradebook, staffMember, teachSection, type Family, type SectionFixture } from '../support/factories.js';

const NOW = new Date('2027-02-09T18:00:00Z');

describe.skipIf(!CHROMIUM)('notifications in Chromium', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let family: Family;
  let chemistry: SectionFixture;

  beforeAll(async () => {
    database = await freshDatabase('sqlite');
    const db = database.db;
    const world = await schoolYear(db, { today: '2027-02-09' });
    family = await guardianWithChild(db, world, { student: { first: 'Kid', last: 'Lund' }, guardian: { first: 'Paula', last: 'Lund' }, locale: 'es' });
    chemistry = await sectionWithGradebook(db, world, {
      course: { code: 'SCI401', title: 'Chemistry' },
      period: '3',
      method: 'points',
      categories: [{ name: 'Labs', weight: null }],
      assignments: [{ title: 'Lab 1', category: 'Labs', quarter: 'Q3', due: '2027-01-15', possible: 20 }],
      students: [{ student: family.student }],
    });
    const rosa = await staffMember(db, world, { first: 'Rosa', last: 'Marquez', roles: [{ role: 'teacher' }] });
    await teachSection(db, rosa, chemistry, { primary: true });
    const before = new Date(NOW.getTime() - 30 * 60_000);
    await saveScores(
      db,
      await teacherScope(db, rosa.id, '2027-02-09'),
      { sectionId: chemistry.id, periodId: world.terms.Q3.id, listed: [family.student.id], edits: [{ studentId: family.student.id, assignmentId: chemistry.assignments['Lab 1']!, version: 0, set: { points: 17 } }], maxMultiple: 2, actorAccountId: rosa.account!.id, ip: null },
      '2027-02-09',
      before,
    );
    await runNotifications(database, { now: NOW, baseUrl: 'http://portal.test', queuePush: null });
    app = await makeApp(database, { now: () => NOW });
    base = await listen(app);
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.drop();
  });

  it('a guardian sets a threshold and quiet hours by keyboard at 360 px in Spanish, then opens the notification from the bell', async () => {
    const page = await openPage(browser, 360, 'es-US');
    await signIn(page, base, family.guardianAccount!);
    await page.getByText('Notificaciones (1 sin leer)').waitFor();
    await expectFits(page);

    await tabTo(page, 'Configuración de notificaciones');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/account\/notifications$/);
    await page.getByRole('heading', { level: 1, name: 'Configuración de notificaciones' }).waitFor();
    await expectFits(page);
    const below = `c${family.student.id}-gradeBelow`;
    await tabTo(page, below);
    await page.keyboard.type('150');
    await tabTo(page, 'Guardar configuración', { button: true });
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /problema/ }).waitFor();
    expectOnlyHttpErrors(page, 400);
    await page.getByText('Escriba un porcentaje de 0 a 100, como 70, o déjelo vacío.').first().waitFor();
    await expectFits(page);
    await tabTo(page, below);
    await page.keyboard.press('Control+A');
    await page.keyboard.type('70');
    await tabTo(page, 'quietFrom');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('22:00');
    await tabTo(page, 'Guardar configuración', { button: true });
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/account\/notifications\?saved=1$/);
    await page.getByText('Se guardó su configuración de notificaciones.').waitFor();
    await expectFits(page);
    const saved = await database.db.selectFrom('notification_settings').select('settings').where('account_id', '=', family.guardianAccount!.id).executeTakeFirstOrThrow();
    const settings = JSON.parse(saved.settings) as { quiet: { from: string; to: string }; children: Record<string, { gradeBelow: number | null }> };
    expect(settings.quiet).toEqual({ from: '22:00', to: '07:00', exemptAttendance: false });
    expect(settings.children[String(family.student.id)]!.gradeBelow).toBe(70);

    await tabTo(page, 'Notificaciones (1 sin leer)');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/notifications$/);
    await expectFits(page);
    // The entry's own "mark as read" can be seen: its text against the page behind it (it was white on
    // white, styled as the header's buttons are).
    const markRead = page.getByRole('button', { name: /^Marcar como leído: Nuevo puntaje de Kid/ });
    expect(await markRead.evaluate(contrastWithBackground)).toBeGreaterThanOrEqual(4.5);
    await tabTo(page, 'Nuevo puntaje de Kid');
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/students/${family.student.id}/grades/${chemistry.id}$`));
    await page.getByText('Notificaciones (ninguna sin leer)').waitFor();
    await page.goto(`${base}/notifications`);
    await page.getByText('Kid: 17 de 20 (85%) en «Lab 1» de Chemistry.').waitFor();
    await expectFits(page);
    await page.context().close();
  }, 180_000);

  it('a guardian chooses their own time zone, turns a class off and the announcements’ email off, by keyboard at 360 px in Spanish', async () => {
    const page = await openPage(browser, 360, 'es-US');
    await signIn(page, base, family.guardianAccount!);
    await page.goto(`${base}/account/notifications`);
    await page.getByRole('heading', { level: 1, name: 'Configuración de notificaciones' }).waitFor();
    // The new parts, in Spanish: the kinds from school (a form to sign: a guardian's), the class, the zone.
    await page.getByRole('group', { name: 'Anuncios nuevos de la escuela o del distrito' }).waitFor();
    await page.getByRole('group', { name: 'Formularios para firmar' }).waitFor();
    await page.getByRole('group', { name: 'Clases (Kid)' }).waitFor();
    expect(await page.locator('#timeZone option[value=""]').textContent()).toBe('La zona horaria del distrito (America/Chicago)');
    await expectFits(page);
    // Chemistry off for Kid; announcements by email off; the zone typed into the list (its type-ahead).
    await tabTo(page, `c${family.student.id}-s${chemistry.id}`);
    await page.keyboard.press('Space');
    await tabTo(page, 'o-announcement-email');
    await page.keyboard.press('Space');
    await tabTo(page, 'timeZone');
    await page.keyboard.type('Europe/Madrid');
    expect(await page.locator('#timeZone').inputValue()).toBe('Europe/Madrid');
    await tabTo(page, 'Guardar configuración', { button: true });
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/account\/notifications\?saved=1$/);
    await page.getByText('Se guardó su configuración de notificaciones.').waitFor();
    // The page says so: the zone chosen, the class and the email unchecked.
    expect(await page.locator('#timeZone').inputValue()).toBe('Europe/Madrid');
    expect(await page.locator(`#c${family.student.id}-s${chemistry.id}`).isChecked()).toBe(false);
    expect(await page.locator('#o-announcement-email').isChecked()).toBe(false);
    expect(await page.locator('#o-announcement-on').isChecked()).toBe(true);
    await page.getByText(/en su zona horaria \(Europe\/Madrid\)/).first().waitFor();
    await expectFits(page);
    const saved = await database.db.selectFrom('notification_settings').select('settings').where('account_id', '=', family.guardianAccount!.id).executeTakeFirstOrThrow();
    const settings = JSON.parse(saved.settings) as { timeZone: string | null; own: Record<string, { on: boolean; email: boolean }>; children: Record<string, { sections: Record<string, { on: boolean }> }> };
    expect(settings.timeZone).toBe('Europe/Madrid');
    expect(settings.children[String(family.student.id)]!.sections).toEqual({ [String(chemistry.id)]: { on: false } });
    expect(settings.own.announcement).toMatchObject({ on: true, email: false });
    expect(settings.own.form).toMatchObject({ on: true, email: true });
    await page.context().close();
  }, 180_000);

  it('the unsubscribe page passes axe and fits 360 px, signed out, and works by keyboard', async () => {
    const page = await openPage(browser, 360, 'es-US');
    const token = await unsubscribeToken(database.db, { accountId: family.guardianAccount!.id, kind: 'score' }, NOW);
    await page.goto(`${base}/unsubscribe/${token}`);
    await page.getByRole('heading', { level: 1, name: 'Cancelar suscripción' }).waitFor();
    await expectFits(page);
    await tabTo(page, 'Cancelar suscripción', { button: true });
    await page.keyboard.press('Enter');
    await page.getByText(/Listo: ya no recibirá correos sobre Puntajes nuevos o cambiados/).waitFor();
    await expectFits(page);
    await page.goto(`${base}/unsubscribe/${token.slice(0, -2)}xx`);
    await page.getByText(/Este enlace para cancelar la suscripción no funciona/).waitFor();
    expectOnlyHttpErrors(page, 400);
    await expectFits(page);
    await page.context().close();
  }, 120_000);

  it('an older tab’s save is refused in Spanish with the settings as they are now, and an unsubscribe link the guardian superseded says so; axe, 360 px, keyboard', async () => {
    const page = await openPage(browser, 360, 'es-US');
    await signIn(page, base, family.guardianAccount!);
    // Two tabs of the settings; the second turns score emails back on (the last test turned them off).
    await page.goto(`${base}/account/notifications`);
    const other = await page.context().newPage();
    await other.goto(`${base}/account/notifications`);
    await other.locator(`label[for="c${family.student.id}-score-email"]`).click();
    expect(await other.locator(`#c${family.student.id}-score-email`).isChecked()).toBe(true);
    await other.getByRole('button', { name: 'Guardar configuración' }).click();
    await other.waitForURL(/\/account\/notifications\?saved=1$/);
    await other.close();
    // The first tab, older, saves by keyboard: refused, in Spanish; the page shows score emails on.
    await tabTo(page, 'Guardar configuración', { button: true });
    await page.keyboard.press('Enter');
    await page.getByText(/Su configuración de notificaciones cambió después de abrir esta página/).waitFor();
    expect(await page.locator(`#c${family.student.id}-score-email`).isChecked()).toBe(true);
    expectOnlyHttpErrors(page, 409);
    await expectFits(page);
    // An email's link written an hour before that choice: it changes nothing and says why, signed out.
    const signedOut = await openPage(browser, 360, 'es-US');
    const token = await unsubscribeToken(database.db, { accountId: family.guardianAccount!.id, kind: 'score' }, new Date(NOW.getTime() - 60 * 60_000));
    await signedOut.goto(`${base}/unsubscribe/${token}`);
    await signedOut.getByText(/Este enlace ya no cambia nada: los correos sobre Puntajes nuevos o cambiados se volvieron a activar/).waitFor();
    await expectFits(signedOut);
    await tabTo(signedOut, 'Ir a la configuración de notificaciones');
    await signedOut.keyboard.press('Enter');
    await signedOut.waitForURL(/\/sign-in/);
    expect(await page.locator(`#c${family.student.id}-score-email`).isChecked()).toBe(true);
    await signedOut.context().close();
    await page.context().close();
  }, 180_000);
});

/** The contrast ratio (WCAG 2.1) of an element's text colour against the first opaque background behind it. */
function contrastWithBackground(element: Element): number {
  const rgb = (value: string) => (value.match(/[\d.]+/g) ?? []).map(Number);
  const luminance = ([r, g, b]: number[]) => {
    const linear = (c: number) => (c / 255 <= 0.03928 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
    return 0.2126 * linear(r!) + 0.7152 * linear(g!) + 0.0722 * linear(b!);
  };
  let behind: Element | null = element;
  let background = [255, 255, 255];
  while (behind) {
    const [r, g, b, a = 1] = rgb(getComputedStyle(behind).backgroundColor);
    if (a > 0) {
      background = [r!, g!, b!];
      break;
    }
    behind = behind.parentElement;
  }
  const [fore, back] = [luminance(rgb(getComputedStyle(element).color)), luminance(background)];
  return (Math.max(fore, back) + 0.05) / (Math.min(fore, back) + 0.05);
}
