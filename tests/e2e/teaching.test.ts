/**
 * Taking attendance in Chromium: a teacher goes from Home to a class's roster and saves it with the
 * keyboard alone; every teaching page and the office's list pass axe and fit 360 and 1280 px, in English
 * and Spanish. A district built for the test (tests/support/factories.ts); one server, each test its
 * own section so that none depends on another's save.
 */
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { CHROMIUM, expectAccessible, expectNoHorizontalScroll, launch, listen, openPage, signIn as signInAs, tabTo as tabToName } from '../support/browser.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { attendance, schoolYear, sectionWithGradebook, staffMember, student, teachSection, type SectionFixture, type StaffFixture } from '../support/factories.js';

const TODAY = '2027-02-09';

describe.skipIf(!CHROMIUM)('taking attendance in Chromium', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  const teachers: Record<'en' | 'es', StaffFixture> = {} as Record<'en' | 'es', StaffFixture>;
  const offices: Record<'en' | 'es', StaffFixture> = {} as Record<'en' | 'es', StaffFixture>;
  const sections: Record<'en' | 'es', SectionFixture> = {} as Record<'en' | 'es', SectionFixture>;
  let keyboardSection: SectionFixture;
  let keyboardTeacher: StaffFixture;

  beforeAll(async () => {
    database = await freshDatabase('sqlite');
    const db = database.db;
    const world = await schoolYear(db, { today: TODAY });
    const kids = [];
    for (const [first, last] of [['Maya', 'Ortiz'], ['Leo', 'Ortiz'], ['Zoe', 'Adams'], ['Bartholomew', 'Vanderhoeven-Castellanos']]) {
      kids.push(await student(db, world, { first: first!, last: last!, grade: 10 }));
    }
    const enrol = kids.map((k) => ({ student: k }));
    for (const [locale, period] of [['en', '2'], ['es', '3']] as const) {
      sections[locale] = await sectionWithGradebook(db, world, { course: { code: `SCI30${period}`, title: 'Biology' }, period, room: 'B-114', students: enrol });
      teachers[locale] = await staffMember(db, world, { first: 'Rosa', last: `Marquez${locale}`, roles: [{ role: 'teacher' }], locale });
      await teachSection(db, teachers[locale], sections[locale], { primary: true });
      offices[locale] = await staffMember(db, world, { first: 'Olga', last: `Office${locale}`, roles: [{ role: 'office' }], locale });
    }
    // Something for the attendance office to excuse: one whole-day absence not explained yet, one tardy.
    await attendance(db, world, kids[0]!, [{ date: TODAY, code: 'A-UNK' }]);
    await attendance(db, world, kids[1]!, [{ date: TODAY, code: 'T-UNX', comment: 'Bus 14 was late' }]);
    keyboardSection = await sectionWithGradebook(db, world, { course: { code: 'ENG301', title: 'English 11' }, period: '1', room: 'A-201', students: enrol });
    keyboardTeacher = await staffMember(db, world, { first: 'Kim', last: 'Keys', roles: [{ role: 'teacher' }] });
    await teachSection(db, keyboardTeacher, keyboardSection, { primary: true });
    app = await makeApp(database, { now: () => new Date(`${TODAY}T18:00:00Z`) });
    base = await listen(app);
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.drop();
  });

  const signIn = (page: Page, who: StaffFixture) => signInAs(page, base, who.account!);

  for (const width of [360, 1280] as const) {
    for (const locale of ['en', 'es'] as const) {
      describe(`at ${width} px, in ${locale === 'en' ? 'English' : 'Spanish'}`, () => {
        let teacher: Page;
        let office: Page;
        beforeAll(async () => {
          teacher = await openPage(browser, width);
          await signIn(teacher, teachers[locale]);
          office = await openPage(browser, width);
          await signIn(office, offices[locale]);
        });
        afterAll(async () => {
          await teacher?.context().close();
          await office?.context().close();
        });
        const check = async (page: Page, path: string) => {
          const res = await page.goto(`${base}${path}`);
          expect(res?.status(), path).toBe(200);
          expect(await page.getAttribute('html', 'lang')).toBe(locale);
          await expectAccessible(page);
          await expectNoHorizontalScroll(page);
        };
        it('Home with the teacher’s tools', () => check(teacher, '/home'));
        it('My classes', () => check(teacher, '/staff/classes'));
        it('the roster', () => check(teacher, `/staff/classes/${sections[locale].id}/attendance`));
        it('a past day, read only', () => check(teacher, `/staff/classes/${sections[locale].id}/attendance?date=2027-02-08`));
        it('the office’s classes not taken', () => check(office, '/staff/attendance/not-taken'));
        it('the attendance office', () => check(office, '/staff/attendance'));
      });
    }
  }

  it('goes from Home to a roster and saves it with the keyboard alone', async () => {
    const page = await openPage(browser, 360);
    await signIn(page, keyboardTeacher);
    /** Tab until the focused element's text (or, for a form control, its id) matches. */
    const tabTo = (name: string | RegExp) => tabToName(page, name);
    await tabTo('My classes');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/staff\/classes$/);
    await tabTo(/^Take attendance/);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/attendance\?date=2027-02-09$/);
    // Zoe Adams is first by last name: her control, then one step down to the first absence code.
    await tabTo(/^mark-\d+$/);
    await expect(page.evaluate(() => document.activeElement?.getAttribute('name'))).resolves.toMatch(/^mark_\d+$/);
    await page.keyboard.press('ArrowDown');
    await tabTo('Save attendance');
    await page.keyboard.press('Enter');
    await page.waitForURL(/saved=1$/);
    await expect(page.getByRole('status').first().textContent()).resolves.toContain('Attendance saved.');
    const saved = await database.db
      .selectFrom('attendance_records as r')
      .innerJoin('attendance_codes as c', 'c.id', 'r.code_id')
      .innerJoin('students as s', 's.id', 'r.student_id')
      .select(['s.legal_first_name as first', 'c.kind'])
      .where('r.section_id', '=', keyboardSection.id)
      .execute();
    expect(saved).toEqual([{ first: 'Zoe', kind: 'absent' }]);
    await expectAccessible(page);
    await page.context().close();
  });
});
