/**
 * Discussions and To Do in Chromium (issue 21): a teacher opens a topic from My classes with the keyboard
 * alone; a student posts on it at 360 px in Spanish; the teacher hides the post and the student sees
 * that it was hidden; a guardian of two children reads To Do. Every page passes axe and fits 360 px.
 * A district built for the test; one server for the file.
 */
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { CHROMIUM, expectFits, launch, listen, openPage, signIn as signInAs, tabTo } from '../support/browser.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { guardianWithChild, schoolYear, sectionWithGradebook, staffMember, teachSection, type Family, type SectionFixture, type StaffFixture } from '../support/factories.js';

const TODAY = '2027-02-09';

describe.skipIf(!CHROMIUM)('discussions and To Do in Chromium', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let maya: Family;
  let leo: Family;
  let biology: SectionFixture;
  let rosa: StaffFixture;

  beforeAll(async () => {
    database = await freshDatabase('sqlite');
    const db = database.db;
    const world = await schoolYear(db, { today: TODAY });
    maya = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz', birthDate: '2010-03-14' }, guardian: { first: 'Lucia', last: 'Ortiz' } });
    leo = await guardianWithChild(db, world, { student: { first: 'Leo', last: 'Ortiz', birthDate: '2012-06-01', grade: 9 }, guardian: { first: 'Other', last: 'Ortiz' }, accounts: 'student' });
    await db.insertInto('student_guardians').values({ student_id: leo.student.id, guardian_id: maya.guardian.id, relationship: 'Mother', portal_access: 1, rights_revoked: 0, created_at: '2027-01-01T00:00:00Z', updated_at: '2027-01-01T00:00:00Z', updated_by: null }).execute();
    biology = await sectionWithGradebook(db, world, {
      course: { code: 'SCI301', title: 'Biology' },
      period: '2',
      categories: [{ name: 'Work', weight: null }],
      assignments: [
        { title: 'Lab report', category: 'Work', quarter: 'Q3', due: '2027-02-11', possible: 10 },
        { title: 'Essay', category: 'Work', quarter: 'Q3', due: '2027-02-05', possible: 10 },
      ],
      students: [{ student: maya.student }, { student: leo.student }],
      scores: [{ student: leo.student, assignment: 'Essay', missing: true }],
    });
    rosa = await staffMember(db, world, { first: 'Rosa', last: 'Marquez', roles: [{ role: 'teacher' }] });
    await teachSection(db, rosa, biology, { primary: true });
    app = await makeApp(database, { now: () => new Date(`${TODAY}T18:00:00Z`) });
    base = await listen(app);
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.drop();
  });

  const go = async (page: Page, path: string, lang: 'en' | 'es') => {
    const res = await page.goto(`${base}${path}`);
    expect(res?.status(), path).toBe(200);
    expect(await page.getAttribute('html', 'lang')).toBe(lang);
    await expectFits(page);
  };

  it('a teacher opens a topic by keyboard, a student posts at 360 px in Spanish, the teacher hides the post', async () => {
    const teacher = await openPage(browser, 360);
    await signInAs(teacher, base, rosa.account!);
    await tabTo(teacher, 'My classes');
    await teacher.keyboard.press('Enter');
    await teacher.waitForURL(/\/staff\/classes$/);
    await tabTo(teacher, /^Discussions/);
    await teacher.keyboard.press('Enter');
    await teacher.waitForURL(/\/discussions$/);
    await expectFits(teacher);
    await tabTo(teacher, 'title');
    await teacher.keyboard.type('Cells and energy');
    await tabTo(teacher, 'prompt');
    await teacher.keyboard.type('Where does a cell get its energy? Read https://example.org/cells first.');
    // The opening day is today already; the closing day is typed into the date field, month first.
    await tabTo(teacher, 'closesOn');
    await teacher.keyboard.type('02202027');
    await tabTo(teacher, 'Open topic');
    await teacher.keyboard.press('Enter');
    await teacher.waitForURL(/\/staff\/discussions\/\d+\?done=opened$/);
    await expect(teacher.getByRole('status').first().textContent()).resolves.toContain('The topic is open.');
    await expectFits(teacher);
    const topic = await database.db.selectFrom('discussion_topics').selectAll().executeTakeFirstOrThrow();
    expect(topic).toMatchObject({ section_id: biology.id, title: 'Cells and energy', opens_on: TODAY, closes_on: '2027-02-20' });

    const student = await openPage(browser, 360, 'es-MX');
    await signInAs(student, base, maya.studentAccount!);
    await go(student, `/students/${maya.student.id}/discussions`, 'es');
    await student.getByRole('link', { name: 'Cells and energy' }).click();
    await student.waitForURL(new RegExp(`/students/${maya.student.id}/discussions/${topic.id}$`));
    await expectFits(student);
    // An empty post first: the field's message, in Spanish.
    await student.getByRole('button', { name: 'Publicar', exact: true }).click();
    await expect(student.locator('#body').evaluate((e) => (e as HTMLTextAreaElement).validity.valueMissing)).resolves.toBe(true);
    await student.locator('#body').fill('La mitocondria produce la energía: <script>alert(1)</script>');
    await student.getByRole('button', { name: 'Publicar', exact: true }).click();
    await student.waitForURL(/posted=1/);
    await expect(student.getByText('<script>alert(1)</script>', { exact: false }).count()).resolves.toBe(1);
    await expectFits(student);

    // The teacher hides it, with a reason, by keyboard.
    await teacher.goto(`${base}/staff/discussions/${topic.id}`);
    await tabTo(teacher, 'Hide this post by Maya Ortiz');
    await teacher.keyboard.press('Enter');
    await tabTo(teacher, /^reason-\d+$/);
    await teacher.keyboard.type('Off topic');
    await tabTo(teacher, 'Hide post');
    await teacher.keyboard.press('Enter');
    await teacher.waitForURL(/done=hidden$/);
    await expect(teacher.getByText('hidden from students and families', { exact: false }).count()).resolves.toBe(1);
    await expectFits(teacher);

    await go(student, `/students/${maya.student.id}/discussions/${topic.id}`, 'es');
    await expect(student.getByText('Oculta por el maestro.').count()).resolves.toBe(1);
    await expect(student.getByText('mitocondria', { exact: false }).count()).resolves.toBe(0);
    // Leo's Today has the topic among what is new (the hidden post is not counted: nothing new yet).
    const leoPage = await openPage(browser, 360, 'es-MX');
    await signInAs(leoPage, base, leo.studentAccount!);
    await go(leoPage, `/students/${leo.student.id}/today`, 'es');
    await go(leoPage, `/students/${leo.student.id}/discussions`, 'es');
    await teacher.context().close();
    await student.context().close();
    await leoPage.context().close();
  });

  it('a guardian of two children reads To Do, grouped by child, at 360 px in English and Spanish', async () => {
    for (const [locale, lang] of [['en-US', 'en'], ['es-MX', 'es']] as const) {
      const page = await openPage(browser, 360, locale);
      await signInAs(page, base, maya.guardianAccount!);
      await tabTo(page, lang === 'en' ? 'To Do' : 'Pendientes');
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/todo$/);
      await go(page, '/todo', lang);
      const headings = await page.locator('h2[id^="todo-"]').allTextContents();
      expect(headings).toEqual(['Maya Ortiz', 'Leo Ortiz']);
      await expect(page.getByRole('link', { name: 'Essay · Biology' }).count()).resolves.toBe(1);
      await expect(page.getByRole('link', { name: 'Lab report · Biology' }).count()).resolves.toBe(2);
      await go(page, `/students/${leo.student.id}/todo`, lang);
      await go(page, `/students/${maya.student.id}/discussions`, lang);
      await page.context().close();
    }
  });
});
