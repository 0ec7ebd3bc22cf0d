/**
 * Names in Spanish in Chromium (issue 23): a district administrator types the Spanish name of a grading
 * period by keyboard (after a name of only spaces is refused at its field), and a Spanish-reading mother
 * on a 360 px phone sees it on Grades. Every page passes axe and fits its width.
 */
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { CHROMIUM, expectFits, expectOnlyHttpErrors, launch, listen, openPage, signIn, tabTo } from '../support/browser.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { guardianWithChild, schoolYear, sectionWithGradebook, staffMember, type Family, type StaffFixture, type World } from '../support/factories.js';

const SHOTS = process.env.SPANISH_SHOTS_DIR;

describe.skipIf(!CHROMIUM)('names in Spanish in Chromium', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let world: World;
  let family: Family;
  let admin: StaffFixture;

  beforeAll(async () => {
    database = await freshDatabase('sqlite');
    const db = database.db;
    world = await schoolYear(db, { today: '2026-12-05' });
    family = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz', grade: 11 }, guardian: { first: 'Lucia', last: 'Ortiz' }, locale: 'es' });
    await sectionWithGradebook(db, world, {
      course: { code: 'ENG11', title: 'English 11' },
      period: '1',
      teacher: { first: 'Daniel', last: 'Brooks' },
      categories: [{ name: 'Essays', weight: 100 }],
      assignments: [{ title: 'Essay: Hamlet', category: 'Essays', quarter: 'Q2', due: '2026-11-20', possible: 50 }],
      students: [{ student: family.student }],
      scores: [{ student: family.student, assignment: 'Essay: Hamlet', points: 40 }],
    });
    admin = await staffMember(db, world, { first: 'Dana', last: 'District', roles: [{ role: 'district_admin', schoolId: null }] });
    app = await makeApp(database, { now: () => new Date('2026-12-05T18:00:00Z') });
    base = await listen(app);
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.drop();
  });

  it('an administrator types a term’s Spanish name; a Spanish guardian sees it on Grades', async () => {
    const page = await openPage(browser, 1280);
    await signIn(page, base, admin.account!);
    await page.goto(`${base}/admin/settings`);
    await page.click('text=Names in Spanish');
    await page.waitForURL(/\/admin\/spanish-names$/);
    await expectFits(page);
    const field = `sessions-${world.terms.Q2.id}`;
    await tabTo(page, field);
    await page.keyboard.type('   ');
    await page.keyboard.press('Enter');
    await page.getByText('This has only spaces. Leave it empty or type the words.').first().waitFor();
    expectOnlyHttpErrors(page, 400);
    await expectFits(page);
    await tabTo(page, field);
    await page.keyboard.press('Control+A');
    await page.keyboard.type('Trimestre 2');
    await page.keyboard.press('Enter');
    await page.getByText('The Spanish names were saved.').first().waitFor();
    expect(await page.inputValue(`#${field}`)).toBe('Trimestre 2');
    await expectFits(page);
    // The staff pages of this work on a phone, in Spanish: the names, the calendar's day form with its
    // Spanish note, the composer with its files.
    await page.setViewportSize({ width: 360, height: 800 });
    await page.goto(`${base}/lang/es?next=/admin/spanish-names`);
    for (const [path, text] of [
      ['/admin/spanish-names', 'Nombres en español'],
      ['/staff/calendar', 'Nota en español (opcional)'],
      ['/messages/new', 'Adjuntar archivos (opcional)'],
    ] as const) {
      await page.goto(`${base}${path}`);
      expect(await page.textContent('main'), path).toContain(text);
      await expectFits(page);
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/staff${path.replace(/\//g, '-')}.png`, fullPage: true });
    }

    const phone = await openPage(browser, 360, 'es-MX');
    await signIn(phone, base, family.guardianAccount!);
    await phone.goto(`${base}/students/${family.student.id}/grades`);
    const main = (await phone.textContent('main')) ?? '';
    expect(main).toContain('Trimestre 2 (en curso)');
    expect(main).not.toContain('Quarter 2');
    await expectFits(phone);
    await page.context().close();
    await phone.context().close();
  }, 120_000);
});
