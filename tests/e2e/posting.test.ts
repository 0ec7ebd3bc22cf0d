/**
 * Posting term grades in Chromium: the posting page, a quarter not open yet, a refused form and a
 * grade's history pass axe and fit 360 and 1280 px, in English and Spanish; a teacher goes from Home to
 * posting Quarter 2 with the keyboard alone, and the parent then reads the grade, its comment code and
 * the comment on Report Cards. A district built for the test (tests/support/factories.ts).
 *
 * Quarter 2's gradebook (written here): one Test worth 50 points. Maya scores 45 (90.00 %, A-), Zoe 40
 * (80.00 %, B-) on the fixture scale.
 */
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { CHROMIUM, expectAccessible, expectNoHorizontalScroll, expectOnlyHttpErrors, launch, listen, openPage, signIn } from '../support/browser.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { guardianWithChild, schoolYear, sectionWithGradebook, staffMember, student, teachSection, type AccountFixture, type SectionFixture, type StaffFixture, type World } from '../support/factories.js';

const TODAY = '2027-02-09';

describe.skipIf(!CHROMIUM)('posting term grades in Chromium', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let world: World;
  const teachers: Record<'en' | 'es', StaffFixture> = {} as Record<'en' | 'es', StaffFixture>;
  const sections: Record<'en' | 'es', SectionFixture> = {} as Record<'en' | 'es', SectionFixture>;
  let posted: { id: number };
  let keyboardSection: SectionFixture;
  let keyboardTeacher: StaffFixture;
  let parent: AccountFixture;
  let maya: { id: number };

  beforeAll(async () => {
    database = await freshDatabase('sqlite');
    const db = database.db;
    world = await schoolYear(db, { today: TODAY });
    const family = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz', grade: 10 }, guardian: { first: 'Lucia', last: 'Ortiz' } });
    maya = family.student;
    parent = family.guardianAccount!;
    const zoe = await student(db, world, { first: 'Zoe', last: 'Adams', grade: 10 });
    const long = await student(db, world, { first: 'Bartholomew', last: 'Vanderhoeven-Castellanos', grade: 10 });
    posted = long;
    const gradebook = {
      categories: [{ name: 'Tests', weight: 100 }],
      assignments: [{ title: 'Test', category: 'Tests', quarter: 'Q2' as const, due: '2026-12-01', possible: 50 }],
    };
    for (const [locale, period] of [['en', '2'], ['es', '3']] as const) {
      sections[locale] = await sectionWithGradebook(db, world, {
        course: { code: `MAT20${period}`, title: 'Algebra II' },
        period,
        students: [{ student: family.student }, { student: zoe }, { student: long }],
        ...gradebook,
        scores: [
          { student: family.student, assignment: 'Test', points: 45 },
          { student: zoe, assignment: 'Test', points: 40 },
          { student: long, assignment: 'Test', points: 30 },
        ],
        // Bartholomew's Quarter 2 grade was posted already: it has a history page.
        termGrades: [{ student: long, term: 'Q2', percent: 60, letter: 'D', comment: 'Please see me about the retake.' }],
      });
      teachers[locale] = await staffMember(db, world, { first: 'Rosa', last: `Marquez${locale}`, roles: [{ role: 'teacher' }], locale });
      await teachSection(db, teachers[locale], sections[locale], { primary: true });
    }
    keyboardSection = await sectionWithGradebook(db, world, {
      course: { code: 'MAT101', title: 'Geometry' },
      period: '1',
      students: [{ student: family.student }, { student: zoe }],
      ...gradebook,
      scores: [
        { student: family.student, assignment: 'Test', points: 45 },
        { student: zoe, assignment: 'Test', points: 40 },
      ],
    });
    keyboardTeacher = await staffMember(db, world, { first: 'Kim', last: 'Keys', roles: [{ role: 'teacher' }] });
    await teachSection(db, keyboardTeacher, keyboardSection, { primary: true });
    for (const [i, c] of [
      { code: 'EFF', text_en: 'Excellent effort', text_es: 'Excelente esfuerzo', active: 1 as const },
      { code: 'MISS', text_en: 'Missing assignments affect grade', text_es: 'Las tareas que faltan afectan la calificación', active: 1 as const },
    ].entries()) {
      await db.insertInto('report_card_comments').values({ ...c, sequence: i + 1 }).execute();
    }
    app = await makeApp(database, { now: () => new Date(`${TODAY}T18:00:00Z`) });
    base = await listen(app);
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.drop();
  });


  for (const width of [360, 1280] as const) {
    for (const locale of ['en', 'es'] as const) {
      describe(`at ${width} px, in ${locale === 'en' ? 'English' : 'Spanish'}`, () => {
        let teacher: Page;
        beforeAll(async () => {
          teacher = await openPage(browser, width);
          await signIn(teacher, base, teachers[locale].account!);
        });
        afterAll(async () => {
          await teacher?.context().close();
        });
        const check = async (path: string, status = 200) => {
          const res = await teacher.goto(`${base}${path}`);
          expect(res?.status(), path).toBe(status);
          expect(await teacher.getAttribute('html', 'lang')).toBe(locale);
          await expectAccessible(teacher);
          await expectNoHorizontalScroll(teacher);
        };
        const page = (period: number) => `/staff/classes/${sections[locale].id}/post-grades?period=${period}`;
        it('the list of one’s classes', () => check('/staff/post-grades'));
        it('the posting page', () => check(page(world.terms.Q2.id)));
        it('a quarter not open yet, read only', () => check(page(world.terms.Q3.id)));
        it('a grade’s history', () => check(`/staff/classes/${sections[locale].id}/post-grades/${posted.id}/history?period=${world.terms.Q2.id}`));
        it('a refused form, with its messages at the fields', async () => {
          await check(page(world.terms.Q2.id));
          // An invisible direction control in a comment is refused, and said so at the field.
          await teacher.locator(`#comment-${maya.id}`).fill('Good work \u202e');
          const answer = teacher.waitForResponse((r) => r.request().method() === 'POST');
          await teacher.locator('button.hr-primary').click();
          expect((await answer).status()).toBe(400);
          await teacher.waitForLoadState();
          expectOnlyHttpErrors(teacher, 400);
          await expect(teacher.locator(`#comment-${maya.id}-error`).isVisible()).resolves.toBe(true);
          await expectAccessible(teacher);
          await expectNoHorizontalScroll(teacher);
        });
      });
    }
  }

  it('goes from Home to posting grades with the keyboard alone, and the parent reads them on Report Cards', async () => {
    const page = await openPage(browser, 360);
    await signIn(page, base, keyboardTeacher.account!);
    /** Tab until the focused element's text (or, for a form control, its id) matches. */
    const tabTo = async (name: string | RegExp) => {
      for (let i = 0; i < 80; i++) {
        await page.keyboard.press('Tab');
        const { text, id, tag } = await page.evaluate(() => ({
          text: document.activeElement?.textContent?.trim() ?? '',
          id: document.activeElement?.id ?? '',
          tag: document.activeElement?.tagName ?? '',
        }));
        const value = tag === 'SELECT' || tag === 'TEXTAREA' ? id : text;
        if (typeof name === 'string' ? value === name : name.test(value)) return;
      }
      throw new Error(`could not reach ${String(name)} by Tab`);
    };
    await tabTo('My classes');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/staff\/classes$/);
    await tabTo(/^Post grades/);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/post-grades$/);
    // Quarter 2 (ended) is shown; Maya is second by last name. Her first comment code: one step down.
    await tabTo(`code-${maya.id}-1`);
    await page.keyboard.press('ArrowDown');
    await tabTo(`comment-${maya.id}`);
    await page.keyboard.type('Solid work on proofs.');
    await tabTo('Post grades');
    await page.keyboard.press('Enter');
    await page.waitForURL(/posted=2$/);
    await expect(page.getByRole('status').first().textContent()).resolves.toContain('2 grades were posted.');
    await expectAccessible(page);
    await page.context().close();

    const family = await openPage(browser, 360);
    await signIn(family, base, parent);
    await family.goto(`${base}/students/${maya.id}/report-cards`);
    const card = family.locator('main');
    await expect(card.textContent()).resolves.toContain('Quarter 2');
    await expect(card.textContent()).resolves.toContain('Excellent effort');
    await expect(card.textContent()).resolves.toContain('Solid work on proofs.');
    await expect(card.textContent()).resolves.toContain('A-');
    await expectAccessible(family);
    await expectNoHorizontalScroll(family);
    await family.context().close();
  });
});
