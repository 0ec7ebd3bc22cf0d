/**
 * The gradebook in Chromium: scores entered with the keyboard alone (Tab into the grid, arrow keys
 * between cells, Enter saves), a save with JavaScript turned off, the grid scrolling inside its own
 * region at 360 px while the page does not, the page after a save coming back to the cell with its
 * column's and student's headers in view and its value selected, and every gradebook page passing axe
 * in English and Spanish. A district built for the test; each keyboard or no-JS test has its own section.
 */
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { CHROMIUM, expectAccessible, expectNoHorizontalScroll, expectOnlyHttpErrors, launch, listen, openPage, signIn } from '../support/browser.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { schoolYear, sectionWithGradebook, staffMember, student, teachSection, type SectionFixture, type StaffFixture, type StudentFixture, type World } from '../support/factories.js';

const TODAY = '2027-02-09';

describe.skipIf(!CHROMIUM)('the gradebook in Chromium', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let world: World;
  let kids: StudentFixture[];
  // 26 more students in the English and Spanish sections: a class taller than the screen.
  let more: StudentFixture[];
  const teachers = {} as Record<'en' | 'es' | 'keys' | 'nojs' | 'back' | 'select' | 'again', StaffFixture>;
  const sections = {} as Record<'en' | 'es' | 'keys' | 'nojs' | 'back' | 'select' | 'again', SectionFixture>;

  beforeAll(async () => {
    database = await freshDatabase('sqlite');
    const db = database.db;
    world = await schoolYear(db, { today: TODAY });
    kids = [];
    for (const [first, last] of [['Maya', 'Ortiz'], ['Leo', 'Ortiz'], ['Zoe', 'Adams'], ['Bartholomew', 'Vanderhoeven-Castellanos']]) {
      kids.push(await student(db, world, { first: first!, last: last!, grade: 10 }));
    }
    more = [];
    for (let i = 1; i <= 26; i++) more.push(await student(db, world, { first: `Kid${i}`, last: `Family${String(i).padStart(2, '0')}`, grade: 10 }));
    // Eight assignments: wider than a phone, so the grid has to scroll inside its region.
    const assignments = Array.from({ length: 8 }, (_, i) => ({
      title: `Homework ${i + 1}`,
      category: i % 2 === 0 ? 'Homework' : 'Tests',
      quarter: 'Q3' as const,
      due: `2027-01-${String(10 + i * 2).padStart(2, '0')}`,
      possible: i % 2 === 0 ? 10 : 100,
      published: i !== 7,
    }));
    let period = 1;
    for (const key of ['en', 'es', 'keys', 'nojs', 'back', 'select', 'again'] as const) {
      sections[key] = await sectionWithGradebook(db, world, {
        course: { code: `SCI3${period}0`, title: 'Biology' },
        // four bell periods in the fixture's schedule: the fifth section meets in the first again
        period: String(((period++ - 1) % 4) + 1),
        categories: [
          { name: 'Homework', weight: 40 },
          { name: 'Tests', weight: 60, dropLowest: 1 },
        ],
        assignments,
        students: (key === 'en' || key === 'es' ? [...kids, ...more] : kids).map((k) => ({ student: k })),
        scores: [
          { student: kids[0]!, assignment: 'Homework 1', points: 8, comment: 'Good work' },
          // values to select when a cell is come back to or reached by an arrow
          ...(key === 'select'
            ? [
                { student: kids[1]!, assignment: 'Homework 3', points: 6 },
                { student: kids[1]!, assignment: 'Homework 4', points: 75 },
              ]
            : []),
        ],
      });
      teachers[key] = await staffMember(db, world, { first: 'Rosa', last: `Marquez${key}`, roles: [{ role: 'teacher' }], locale: key === 'es' ? 'es' : 'en' });
      await teachSection(db, teachers[key], sections[key], { primary: true });
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

  const gradebook = (key: keyof typeof sections, rest = '') => `/staff/classes/${sections[key].id}/gradebook${rest}?period=${world.terms.Q3.id}`;
  const pointsOf = async (key: keyof typeof sections, s: StudentFixture, title: string) =>
    (
      await database.db
        .selectFrom('assignment_scores')
        .select('points')
        .where('assignment_id', '=', sections[key].assignments[title]!)
        .where('student_id', '=', s.id)
        .executeTakeFirst()
    )?.points;

  for (const width of [360, 1280] as const) {
    for (const locale of ['en', 'es'] as const) {
      describe(`at ${width} px, in ${locale === 'en' ? 'English' : 'Spanish'}`, () => {
        let page: Page;
        beforeAll(async () => {
          page = await openPage(browser, width);
          await signIn(page, base, teachers[locale].account!);
        });
        afterAll(async () => {
          await page?.context().close();
        });
        const check = async (path: string) => {
          const res = await page.goto(`${base}${path}`);
          expect(res?.status(), path).toBe(200);
          expect(await page.getAttribute('html', 'lang')).toBe(locale);
          await expectAccessible(page);
          await expectNoHorizontalScroll(page);
        };
        it('the score grid, scrolling inside its own region', async () => {
          await check(gradebook(locale));
          if (width === 360) {
            const region = await page.locator('.hr-grid-scroll').evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
            expect(region.scroll).toBeGreaterThan(region.client);
          }
        });
        it('a column', () => check(gradebook(locale, `/assignments/${sections[locale].assignments['Homework 1']}`)));
        it('a row', () => check(gradebook(locale, `/students/${kids[0]!.id}`)));
        it('the setup', () => check(gradebook(locale, '/setup')));
        it('a new assignment', () => check(gradebook(locale, '/assignments/new')));
        it('changing an assignment', () => check(gradebook(locale, `/assignments/${sections[locale].assignments['Homework 2']}/edit`)));
        it('deleting an assignment', () => check(gradebook(locale, `/assignments/${sections[locale].assignments['Homework 2']}/delete`)));
        // A teacher who typed down a column to a student far down a class taller than the screen, or to
        // the last student, and pressed Enter: the page comes back with the cell, its assignment's
        // header and the student's name all on the screen (the header row and the name column stick
        // inside the grid's region; the page must not scroll the region's top away).
        // (A cell of its own at each width: the section is the same.)
        for (const [row, title] of width === 360 ? ([[12, 'Homework 6'], [29, 'Homework 5']] as const) : ([[13, 'Homework 7'], [29, 'Homework 3']] as const)) {
          it(`after a save, comes back to a cell ${row === 29 ? 'in the last row' : 'far down the class'} with its column's and student's headers on the screen`, async () => {
            await page.goto(`${base}${gradebook(locale)}`);
            // by last name: Adams, Family01…Family26, Ortiz, Ortiz, Vanderhoeven-Castellanos
            const who = row === 29 ? kids[3]! : more[row - 1]!;
            const key = `${who.id}_${sections[locale].assignments[title]}`;
            await page.locator(`[name="p_${key}"]`).focus();
            await page.keyboard.type(width === 360 ? '4' : '5');
            await page.keyboard.press('Enter');
            await page.waitForURL(new RegExp(`saved=1&at=${key}#p_${key}$`));
            expect(await pointsOf(locale, who, title)).toBe(width === 360 ? 4 : 5);
            const seen = await page.evaluate(() => {
              const cell = document.activeElement!;
              const td = cell.closest('td')!;
              const box = (el: Element) => el.getBoundingClientRect();
              const header = box(document.querySelectorAll('.hr-grid thead th')[td.cellIndex]!);
              const name = box(td.parentElement!.querySelector('th')!);
              const region = box(document.querySelector('.hr-grid-scroll')!);
              const c = box(cell);
              // within the screen, and within the grid's region (what it scrolls away is hidden), to a pixel
              const shown = (b: DOMRect) => b.top >= -1 && b.bottom <= window.innerHeight + 1 && b.top >= region.top - 1 && b.bottom <= region.bottom + 1;
              return {
                name: cell.getAttribute('name'),
                cell: shown(c) && c.left >= name.right - 1 && c.right <= region.right + 1 && c.top >= header.bottom - 1,
                columnHeader: shown(header) && header.left <= c.left && header.right >= c.right,
                // its first line at least: a long name wraps to three lines in the last row
                studentName: name.top >= header.bottom - 1 && name.top + 24 <= Math.min(region.bottom, window.innerHeight) && name.left >= region.left - 1,
                where: { cell: c.toJSON(), header: header.toJSON(), name: name.toJSON(), region: region.toJSON(), scrollY: window.scrollY },
              };
            });
            expect({ ...seen, where: undefined }, JSON.stringify(seen.where)).toEqual({ name: `p_${key}`, cell: true, columnHeader: true, studentName: true, where: undefined });
            await expectAccessible(page);
            await expectNoHorizontalScroll(page);
          });
        }
        it('after a save of a column, comes back to the cell with the student’s name on the screen', async () => {
          const title = width === 360 ? 'Homework 2' : 'Homework 4';
          const who = more[15]!;
          const key = `${who.id}_${sections[locale].assignments[title]}`;
          await page.goto(`${base}${gradebook(locale, `/assignments/${sections[locale].assignments[title]}`)}`);
          await page.locator(`#p_${key}`).fill('7');
          await page.locator(`#p_${key}`).press('Enter');
          await page.waitForURL(new RegExp(`saved=1&at=${key}#p_${key}$`));
          expect(await pointsOf(locale, who, title)).toBe(7);
          const seen = await page.evaluate(() => {
            const cell = document.activeElement!;
            const legend = cell.closest('fieldset')!.querySelector('legend')!;
            const shown = (b: DOMRect) => b.top >= -1 && b.bottom <= window.innerHeight + 1;
            return { name: cell.id, legend: legend.textContent, shown: shown(legend.getBoundingClientRect()) && shown(cell.getBoundingClientRect()) };
          });
          expect(seen).toEqual({ name: `p_${key}`, legend: `${who.last}, ${who.first}`, shown: true });
          await expectAccessible(page);
          await expectNoHorizontalScroll(page);
        });
        it('a refused save, with its messages', async () => {
          await page.goto(`${base}${gradebook(locale)}`);
          await page.locator(`[name="p_${kids[1]!.id}_${sections[locale].assignments['Homework 1']}"]`).fill('-4');
          await page.locator('.hr-grid-form button[type="submit"]').click();
          await page.waitForLoadState();
          expectOnlyHttpErrors(page, 400);
          await expect(page.locator('.usa-error-message').first().textContent()).resolves.toBe(locale === 'en' ? 'Points cannot be below zero.' : 'Los puntos no pueden ser menores que cero.');
          await expectAccessible(page);
          await expectNoHorizontalScroll(page);
        });
      });
    }
  }

  it('enters scores with the keyboard alone: Tab into the grid, arrows between cells, Enter saves', async () => {
    const page = await openPage(browser, 360);
    await signIn(page, base, teachers.keys.account!);
    await page.goto(`${base}${gradebook('keys')}`);
    // Tab until the first cell: Zoe Adams (first by last name), Homework 1.
    const first = `p_${kids[2]!.id}_${sections.keys.assignments['Homework 1']}`;
    for (let i = 0; i < 80; i++) {
      await page.keyboard.press('Tab');
      if ((await page.evaluate(() => document.activeElement?.getAttribute('name'))) === first) break;
    }
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe(first);
    await page.keyboard.type('9');
    // Down: the next student (Leo Ortiz); right: his Homework 2 (the caret is at the end of what he has).
    await page.keyboard.press('ArrowDown');
    await page.keyboard.type('7');
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe(`p_${kids[1]!.id}_${sections.keys.assignments['Homework 2']}`);
    await page.keyboard.type('88');
    const posted = page.waitForRequest((r) => r.method() === 'POST');
    await page.keyboard.press('Enter');
    // gradebook.js sent the points of the three cells typed in, not of every cell (each row's originals, all).
    const sent = new URLSearchParams((await posted).postData() ?? '');
    const pointsSent = [...sent.keys()].filter((k) => k.startsWith('p_')).sort();
    expect(pointsSent).toEqual(
      [`p_${kids[2]!.id}_${sections.keys.assignments['Homework 1']}`, `p_${kids[1]!.id}_${sections.keys.assignments['Homework 1']}`, `p_${kids[1]!.id}_${sections.keys.assignments['Homework 2']}`].sort(),
    );
    expect([...sent.keys()].filter((k) => k.startsWith('o_'))).toHaveLength(kids.length);
    // Back to the cell where Enter was pressed (Leo's Homework 2), focused: the next arrow goes on from there.
    const leoHw2 = `${kids[1]!.id}_${sections.keys.assignments['Homework 2']}`;
    await page.waitForURL(new RegExp(`saved=3&at=${leoHw2}#p_${leoHw2}$`));
    await expect(page.getByRole('status').first().textContent()).resolves.toContain('3 scores saved.');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe(`p_${leoHw2}`);
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe(`p_${kids[0]!.id}_${sections.keys.assignments['Homework 2']}`);
    expect(await pointsOf('keys', kids[2]!, 'Homework 1')).toBe(9);
    expect(await pointsOf('keys', kids[1]!, 'Homework 1')).toBe(7);
    expect(await pointsOf('keys', kids[1]!, 'Homework 2')).toBe(88);
    await expectAccessible(page);
    await page.context().close();
  });

  it('after a refused save, sends again what was typed: a good cell shown again is saved with the corrected one', async () => {
    const page = await openPage(browser, 1280);
    await signIn(page, base, teachers.again.account!);
    await page.goto(`${base}${gradebook('again')}`);
    const good = `p_${kids[0]!.id}_${sections.again.assignments['Homework 5']}`;
    const bad = `p_${kids[1]!.id}_${sections.again.assignments['Homework 5']}`;
    await page.locator(`[name="${good}"]`).fill('9');
    await page.locator(`[name="${bad}"]`).fill('-1');
    await page.locator('.hr-grid-form button[type="submit"]').click();
    await page.waitForLoadState();
    expectOnlyHttpErrors(page, 400);
    await expect(page.locator(`[name="${good}"]`).inputValue()).resolves.toBe('9');
    // Only the bad cell is corrected; the good one stays as the refused page showed it, and is sent.
    await page.locator(`[name="${bad}"]`).fill('4');
    const posted = page.waitForRequest((r) => r.method() === 'POST');
    await page.locator('.hr-grid-form button[type="submit"]').click();
    const sent = new URLSearchParams((await posted).postData() ?? '');
    expect([...sent.keys()].filter((k) => k.startsWith('p_')).sort()).toEqual([bad, good].sort());
    await page.waitForURL(/saved=2/);
    expect(await pointsOf('again', kids[0]!, 'Homework 5')).toBe(9);
    expect(await pointsOf('again', kids[1]!, 'Homework 5')).toBe(4);
    await page.context().close();
  });

  it('saves the grid and a column with JavaScript turned off', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 800 }, javaScriptEnabled: false });
    const page = await context.newPage();
    await signIn(page, base, teachers.nojs.account!);
    await page.goto(`${base}${gradebook('nojs')}`);
    await page.locator(`[name="p_${kids[3]!.id}_${sections.nojs.assignments['Homework 3']}"]`).fill('6.5');
    await page.locator('.hr-grid-form button[type="submit"]').click();
    // No script to say which cell had focus: back to the cell changed, by the address's fragment alone.
    const bartHw3 = `${kids[3]!.id}_${sections.nojs.assignments['Homework 3']}`;
    await page.waitForURL(new RegExp(`saved=1&at=${bartHw3}#p_${bartHw3}$`));
    expect(await pointsOf('nojs', kids[3]!, 'Homework 3')).toBe(6.5);
    expect(await page.locator(':focus').getAttribute('name')).toBe(`p_${bartHw3}`);
    await expect(page.locator(`#p_${bartHw3}`).getAttribute('aria-describedby')).resolves.toBe('gradebook-saved');
    // A column: Maya's Homework 1 marked late with a comment.
    const cell = `${kids[0]!.id}_${sections.nojs.assignments['Homework 1']}`;
    await page.goto(`${base}${gradebook('nojs', `/assignments/${sections.nojs.assignments['Homework 1']}`)}`);
    // (USWDS draws its own box: the label is what a person clicks.)
    await page.locator(`label[for="f_${cell}_late"]`).click();
    await page.locator(`#c_${cell}`).fill('A day late');
    await page.getByRole('button', { name: 'Save this assignment’s scores' }).click();
    await page.waitForURL(new RegExp(`saved=1&at=${cell}#p_${cell}$`));
    expect(await page.locator(':focus').getAttribute('id')).toBe(`p_${cell}`);
    const row = await database.db
      .selectFrom('assignment_scores')
      .select(['points', 'late', 'comment'])
      .where('assignment_id', '=', sections.nojs.assignments['Homework 1']!)
      .where('student_id', '=', kids[0]!.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ points: 8, late: 1, comment: 'A day late' });
    await context.close();
  });
  it('after a save by keyboard, comes back to the cell far along the grid: focused, scrolled into view, clear of the sticky headers', async () => {
    const page = await openPage(browser, 360);
    await signIn(page, base, teachers.back.account!);
    await page.goto(`${base}${gradebook('back')}`);
    const first = `p_${kids[2]!.id}_${sections.back.assignments['Homework 1']}`;
    for (let i = 0; i < 80; i++) {
      await page.keyboard.press('Tab');
      if ((await page.evaluate(() => document.activeElement?.getAttribute('name'))) === first) break;
    }
    // Down to the last student (Bartholomew), right to Homework 7, far off a phone's screen.
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
    for (let i = 0; i < 6; i++) await page.keyboard.press('ArrowRight');
    const target = `${kids[3]!.id}_${sections.back.assignments['Homework 7']}`;
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe(`p_${target}`);
    await page.keyboard.type('9');
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`saved=1&at=${target}#p_${target}$`));
    expect(await pointsOf('back', kids[3]!, 'Homework 7')).toBe(9);
    const where = await page.evaluate(() => {
      const box = (el: Element | null) => el!.getBoundingClientRect();
      const active = document.activeElement!;
      const region = document.querySelector('.hr-grid-scroll')!;
      const header = box(document.querySelector('.hr-grid thead'));
      const nameCell = box(active.closest('tr')!.querySelector('th'));
      const cell = box(active);
      return {
        name: active.getAttribute('name'),
        describedBy: document.getElementById(active.getAttribute('aria-describedby') ?? '')?.textContent?.trim(),
        note: active.parentElement!.querySelector('.hr-cell-saved')?.textContent,
        scrolledAlong: region.scrollLeft > 0,
        inRegion: cell.left >= box(region).left && cell.right <= box(region).right && cell.top >= box(region).top && cell.bottom <= box(region).bottom,
        clearOfHeaders: cell.left >= nameCell.right - 1 && cell.top >= header.bottom - 1 ? true : JSON.stringify({ cell, nameCell, header, sl: region.scrollLeft, st: region.scrollTop, y: window.scrollY }),
        onScreen: cell.top >= 0 && cell.bottom <= window.innerHeight && cell.left >= 0 && cell.right <= window.innerWidth,
      };
    });
    expect(where).toEqual({ name: `p_${target}`, describedBy: '1 score saved.', note: 'Saved', scrolledAlong: true, inRegion: true, clearOfHeaders: true, onScreen: true });
    await expectAccessible(page);
    await expectNoHorizontalScroll(page);
    await page.context().close();
  });

  it('after a save, the cell comes back with its value selected: typing replaces it and left and right move on at once', async () => {
    const page = await openPage(browser, 360);
    await signIn(page, base, teachers.select.account!);
    await page.goto(`${base}${gradebook('select')}`);
    const cell = (title: string) => `p_${kids[1]!.id}_${sections.select.assignments[title]}`;
    const focused = () => page.evaluate(() => {
      const input = document.activeElement as HTMLInputElement;
      return { name: input.name, value: input.value, selected: [input.selectionStart, input.selectionEnd] };
    });
    // Leo Ortiz has 6 in Homework 3 and 75 in Homework 4. Into his Homework 3 by keyboard: 6 becomes 9.
    await page.locator(`[name="${cell('Homework 3')}"]`).focus();
    await page.keyboard.press('End');
    await page.keyboard.press('Backspace');
    await page.keyboard.type('9');
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`saved=1&at=.*#${cell('Homework 3')}$`));
    expect(await pointsOf('select', kids[1]!, 'Homework 3')).toBe(9);
    // Back in the cell with all of its value selected.
    expect(await focused()).toEqual({ name: cell('Homework 3'), value: '9', selected: [0, 1] });
    // Right: to Homework 4 at once (not the caret within "9"), its 75 selected.
    await page.keyboard.press('ArrowRight');
    expect(await focused()).toEqual({ name: cell('Homework 4'), value: '75', selected: [0, 2] });
    // Left: back at once; typing replaces the selected 9.
    await page.keyboard.press('ArrowLeft');
    expect(await focused()).toEqual({ name: cell('Homework 3'), value: '9', selected: [0, 1] });
    await page.keyboard.type('8.5');
    // Once typed into, left moves the caret within the value until its start (the rule as before).
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press('ArrowLeft');
      expect(await focused()).toEqual({ name: cell('Homework 3'), value: '8.5', selected: [2 - i, 2 - i] });
    }
    await page.keyboard.press('ArrowLeft');
    expect((await focused()).name).toBe(cell('Homework 2'));
    // Tab goes on in the form's order (the next cell of the row); Enter saves.
    await page.keyboard.press('Tab');
    expect((await focused()).name).toBe(cell('Homework 3'));
    // (the address after this save is the one before it: wait for the page itself)
    await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
    expect(page.url()).toMatch(new RegExp(`saved=1&at=.*#${cell('Homework 3')}$`));
    expect(await pointsOf('select', kids[1]!, 'Homework 3')).toBe(8.5);
    expect(await focused()).toEqual({ name: cell('Homework 3'), value: '8.5', selected: [0, 3] });
    await expectAccessible(page);
    await page.context().close();
  });
});
