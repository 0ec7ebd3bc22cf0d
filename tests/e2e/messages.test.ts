/**
 * The Message Center in Chromium: a teacher writes to a section's families by keyboard alone, previews
 * and sends; a Spanish-speaking mother on a 360 px phone finds it (header count), reads it in Spanish
 * and replies; the teacher finds the reply. The teacher attaches a map while writing and a slip on the
 * preview (the file input reached by keyboard); the mother opens the picture and downloads the PDF; the teacher's replies by section. Every page passes axe and fits its width. One server, one
 * district built for the test.
 */
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { CHROMIUM, expectFits, launch, listen, openPage, signIn, tabTo } from '../support/browser.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { guardianWithChild, schoolYear, sectionWithGradebook, staffMember, teachSection, type Family, type SectionFixture, type StaffFixture } from '../support/factories.js';
import { runJobs } from '../support/jobs.js';

const NOW = new Date('2027-02-09T18:00:00Z');
// A 1×1 PNG and a small PDF, written here.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n', 'latin1');

describe.skipIf(!CHROMIUM)('the Message Center in Chromium', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let family: Family;
  let section: SectionFixture;
  let teacher: StaffFixture;

  beforeAll(async () => {
    database = await freshDatabase('sqlite');
    const db = database.db;
    const world = await schoolYear(db);
    family = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz' }, guardian: { first: 'Lucia', last: 'Ortiz' }, locale: 'es' });
    // Her language on record (the SIS's) is what the composer counts by.
    await db.updateTable('guardians').set({ preferred_language: 'es' }).where('id', '=', family.guardian.id).execute();
    section = await sectionWithGradebook(db, world, { course: { code: 'BIO', title: 'Biology' }, period: '1', teacher: null, students: [{ student: family.student }] });
    teacher = await staffMember(db, world, { first: 'Rosa', last: 'Carter', roles: [{ role: 'teacher' }] });
    await teachSection(db, teacher, section, { primary: true });
    app = await makeApp(database, { now: () => NOW });
    base = await listen(app);
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.drop();
  });

  it('a teacher sends by keyboard; a mother reads it in Spanish at 360 px and replies', async () => {
    const page = await openPage(browser, 1280);
    await signIn(page, base, teacher.account!);
    await page.goto(`${base}/messages/new`);
    await expectFits(page);
    await tabTo(page, `section-${section.id}`);
    await page.keyboard.press('Space');
    await tabTo(page, 'subjectEn');
    await page.keyboard.type('Lab day');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Wear closed shoes. Details: https://example.org/lab');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Día de laboratorio');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Usen zapatos cerrados.');
    // The map is attached while writing (issue 21): the input is reached by keyboard; the system's file
    // dialog is stood in for by setInputFiles.
    await tabTo(page, 'attachments');
    await page.setInputFiles('#attachments', [{ name: 'map.png', mimeType: 'image/png', buffer: PNG }]);
    await tabTo(page, 'Preview', { button: true });
    await page.keyboard.press('Enter');
    await page.waitForSelector('text=1 people will receive it');
    expect(await page.textContent('main')).toContain('In English: 0. In Spanish: 1.');
    // The preview lists the file attached on the composer, kept for the send.
    expect(await page.textContent('main')).toContain('map.png (picture, 1 KB)');
    await expectFits(page);
    // The slip is added on the preview.
    await tabTo(page, 'attachments');
    await page.setInputFiles('#attachments', [{ name: 'slip.pdf', mimeType: 'application/pdf', buffer: PDF }]);
    await tabTo(page, 'Send', { button: true });
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/messages\/sent\/\d+/);
    expect(await page.textContent('main')).toContain('Waiting to be sent');
    await expectFits(page);
    await runJobs(database, () => NOW);
    await page.reload();
    expect(await page.textContent('main')).toContain('Delivered to 1 people');

    const phone = await openPage(browser, 360, 'es-MX');
    await signIn(phone, base, family.guardianAccount!);
    expect(await phone.textContent('header')).toContain('Mensajes (1 sin leer)');
    await expectFits(phone);
    await phone.goto(`${base}/messages`);
    await expectFits(phone);
    await phone.click('text=Día de laboratorio');
    expect(await phone.textContent('main')).toContain('Usen zapatos cerrados.');
    expect(await phone.textContent('main')).toContain('Sobre Maya Ortiz');
    expect(await phone.textContent('main')).toContain('map.png (imagen, 1 KB)');
    await expectFits(phone);
    const messageUrl = phone.url();
    const picture = await phone.goto(new URL((await phone.getAttribute('a:text("map.png")', 'href'))!, base).href);
    expect(picture?.headers()['content-type']).toBe('image/png');
    expect(picture?.headers()['x-content-type-options']).toBe('nosniff');
    expect((await picture!.body()).equals(PNG)).toBe(true);
    await phone.goto(messageUrl);
    const [download] = await Promise.all([phone.waitForEvent('download'), phone.click('a:text("slip.pdf")')]);
    expect(download.suggestedFilename()).toBe('slip.pdf');
    await tabTo(phone, 'body');
    await phone.keyboard.type('Gracias, ahí estaremos.');
    await tabTo(phone, 'Enviar respuesta', { button: true });
    await phone.keyboard.press('Enter');
    await phone.waitForSelector('text=Su respuesta se envió.');
    expect(await phone.textContent('main')).toContain('Gracias, ahí estaremos.');
    await expectFits(phone);
    await phone.goto(`${base}/messages?view=archived`);
    await expectFits(phone);

    await page.goto(`${base}/messages`);
    expect(await page.textContent('header')).toContain('Messages (1 unread)');
    await expectFits(page);
    await page.click('text=Re: Día de laboratorio');
    expect(await page.textContent('main')).toContain('Gracias, ahí estaremos.');
    await expectFits(page);
    await page.goto(`${base}/messages/sent`);
    await expectFits(page);
    await page.goto(`${base}/messages/threads`);
    expect(await page.textContent('main')).toContain('Biology');
    expect(await page.textContent('main')).toContain('Lucia Ortiz (Parent or guardian)');
    await expectFits(page);
    await page.setViewportSize({ width: 360, height: 740 });
    await expectFits(page);
    await page.context().close();
    await phone.context().close();
  }, 180_000);
});
