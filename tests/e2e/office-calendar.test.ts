/**
 * The office's school calendar and announcements in Chromium: office staff add an event, remove one
 * after its question, and write, preview and publish an announcement by keyboard alone; every page
 * passes axe and fits 360 and 1280 px screens, in English and Spanish.
 */
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { CHROMIUM, expectFits, expectOnlyHttpErrors, launch, listen, openPage, signIn as signInAs, tabTo } from '../support/browser.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { guardianWithChild, schoolYear, staffMember, type StaffFixture } from '../support/factories.js';

const STAMP = '2026-08-01T00:00:00.000Z';

describe.skipIf(!CHROMIUM)('the school calendar and announcements in Chromium', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let office: StaffFixture;
  let eventId: number;
  let announcementId: number;
  /** announcements for the tests that end one */
  const toEnd: Record<'keys' | 'nojs', number> = { keys: 0, nojs: 0 };
  /** events for the tests that remove one */
  const toRemove: Record<'keys' | 'nojs', number> = { keys: 0, nojs: 0 };

  beforeAll(async () => {
    database = await freshDatabase('sqlite');
    const db = database.db;
    const world = await schoolYear(db);
    await guardianWithChild(db, world);
    office = await staffMember(db, world, { first: 'Olga', last: 'Office', roles: [{ role: 'office' }] });
    // A long title, to show the list's table scrolls inside its own region at 360 px.
    const event = await db
      .insertInto('school_events')
      .values({ sourced_id: null, school_id: world.school.id, start_date: '2027-03-10', end_date: '2027-03-12', start_time: null, end_time: null, location: null, created_at: STAMP, updated_at: STAMP })
      .returning('id')
      .executeTakeFirstOrThrow();
    eventId = event.id;
    await db
      .insertInto('school_event_texts')
      .values([
        { event_id: event.id, locale: 'en', title: 'Parent–teacher conferences for all grades', description: null, location: 'Library' },
        { event_id: event.id, locale: 'es', title: 'Conferencias de padres y maestros para todos los grados', description: null, location: 'Biblioteca' },
      ])
      .execute();
    const a = await db
      .insertInto('announcements')
      .values({ school_id: world.school.id, audience: 'all', start_date: '2027-02-01', end_date: '2027-02-28', public: 0, created_at: STAMP, updated_at: STAMP })
      .returning('id')
      .executeTakeFirstOrThrow();
    announcementId = a.id;
    await db
      .insertInto('announcement_texts')
      .values([
        { announcement_id: a.id, locale: 'en', title: 'Book fair', body: 'In the library all week.' },
        { announcement_id: a.id, locale: 'es', title: 'Feria del libro', body: 'En la biblioteca toda la semana.' },
      ])
      .execute();
    for (const [key, title, titleEs] of [['keys', 'Picture day', 'Día de fotos'], ['nojs', 'Science fair', 'Feria de ciencias']] as const) {
      const row = await db
        .insertInto('announcements')
        .values({ school_id: world.school.id, audience: 'all', start_date: '2027-02-01', end_date: '2027-02-28', public: 0, created_at: STAMP, updated_at: STAMP })
        .returning('id')
        .executeTakeFirstOrThrow();
      toEnd[key] = row.id;
      await db
        .insertInto('announcement_texts')
        .values([
          { announcement_id: row.id, locale: 'en', title, body: 'Details at the office.' },
          { announcement_id: row.id, locale: 'es', title: titleEs, body: 'Detalles en la oficina.' },
        ])
        .execute();
    }
    for (const [key, title, titleEs] of [['keys', 'Art show', 'Muestra de arte'], ['nojs', 'Book swap', 'Intercambio de libros']] as const) {
      const row = await db
        .insertInto('school_events')
        .values({ sourced_id: null, school_id: world.school.id, start_date: '2027-03-18', end_date: '2027-03-18', start_time: '17:00', end_time: '19:00', location: null, created_at: STAMP, updated_at: STAMP })
        .returning('id')
        .executeTakeFirstOrThrow();
      toRemove[key] = row.id;
      await db
        .insertInto('school_event_texts')
        .values([
          { event_id: row.id, locale: 'en', title, description: null, location: 'Gym' },
          { event_id: row.id, locale: 'es', title: titleEs, description: null, location: 'Gimnasio' },
        ])
        .execute();
    }
    app = await makeApp(database, { now: () => new Date('2027-02-09T18:00:00Z') });
    base = await listen(app);
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.drop();
  });

  const signIn = (page: Page) => signInAs(page, base, office.account!);
  const check = expectFits;
  /** Checks the page in English, switches to Spanish and checks it again. */
  const bothLanguages = async (page: Page, spanishHeading: string) => {
    await check(page);
    await page.getByRole('button', { name: 'Español' }).click();
    await page.waitForFunction(() => document.documentElement.lang === 'es');
    await page.getByRole('heading', { level: 1, name: spanishHeading }).waitFor();
    await check(page);
    // The choice is kept on the account: back to English for the next test.
    await page.getByRole('button', { name: 'English' }).click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
  };
  /** Tabs on to a button, out of a date's or a time's parts. */
  const tabToButton = (page: Page, name: string) => tabTo(page, name, { button: true });

  it('office staff add an event by keyboard alone and it is listed', async () => {
    const page = await openPage(browser, 1280);
    await signIn(page);
    await page.getByRole('link', { name: 'School calendar' }).first().click();
    await page.waitForURL(`${base}/staff/calendar`);
    // For the ninth and tenth grades only: two checkboxes ticked with the space bar.
    await tabTo(page, 'grade-9');
    await page.keyboard.press('Space');
    await tabTo(page, 'grade-10');
    await page.keyboard.press('Space');
    await tabTo(page, 'titleEn');
    await page.keyboard.type('Spring Concert');
    await tabTo(page, 'titleEs');
    await page.keyboard.type('Concierto de primavera');
    await tabTo(page, 'start');
    await page.keyboard.type('03042027');
    await tabTo(page, 'startTime');
    await page.keyboard.type('0600P');
    await tabTo(page, 'endTime');
    await page.keyboard.type('0730P');
    await tabToButton(page, 'Add the event');
    await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
    await page.getByText('The event was added.').waitFor();
    await page.getByRole('rowheader', { name: 'Spring Concert' }).waitFor();
    await page.getByRole('cell', { name: 'Cedar Ridge High School, grades 9–10' }).waitFor();
    const rows = await database.db.selectFrom('school_events').select(['id', 'start_date', 'start_time', 'end_time']).where('start_date', '=', '2027-03-04').execute();
    expect(rows.map(({ id: _id, ...r }) => r)).toEqual([{ start_date: '2027-03-04', start_time: '18:00', end_time: '19:30' }]);
    const grades = await database.db.selectFrom('school_event_grades').select('grade_level').where('event_id', '=', rows[0]!.id).orderBy('grade_level').execute();
    expect(grades.map((g) => g.grade_level)).toEqual([9, 10]);
  });

  const eventThere = async (id: number) => (await database.db.selectFrom('school_events').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;

  it('"Remove" asks first, by keyboard at 360 px: the question names the event, and only its button removes it', async () => {
    const page = await openPage(browser, 360);
    await signIn(page);
    await page.goto(`${base}/staff/calendar`);
    await tabTo(page, /^Remove: Art show$/);
    await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
    await page.waitForURL(`${base}/staff/calendar/${toRemove.keys}/remove`);
    await page.getByRole('heading', { level: 1, name: 'Remove this event?' }).waitFor();
    await expect(page.locator('main dd').allTextContents()).resolves.toEqual(['Art show', 'Thu, March 18, 2027, 5:00 PM – 7:00 PM', 'Gym', 'Cedar Ridge High School']);
    expect(await eventThere(toRemove.keys)).toBe(true);
    await check(page);
    // From the top of the page, the first of the two buttons is the one that removes.
    await tabToButton(page, 'Remove the event');
    await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
    await page.waitForURL(`${base}/staff/calendar?done=removed`);
    await page.getByText('The event was removed.').waitFor();
    expect(await page.getByRole('rowheader', { name: 'Art show' }).count()).toBe(0);
    expect(await eventThere(toRemove.keys)).toBe(false);
  });

  it('"Remove" and its question work with JavaScript turned off, and "Keep it" keeps the event', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 800 }, javaScriptEnabled: false });
    const page = await context.newPage();
    await signIn(page);
    await page.goto(`${base}/staff/calendar`);
    await page.getByRole('link', { name: /^Remove\W+Book swap$/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Remove this event?' }).waitFor();
    await page.getByRole('link', { name: 'Keep it' }).click();
    await page.waitForURL(`${base}/staff/calendar`);
    await page.getByRole('rowheader', { name: 'Book swap' }).waitFor();
    expect(await eventThere(toRemove.nojs)).toBe(true);
    await page.getByRole('link', { name: /^Remove\W+Book swap$/ }).click();
    await page.getByRole('button', { name: 'Remove the event' }).click();
    await page.getByText('The event was removed.').waitFor();
    expect(await eventThere(toRemove.nojs)).toBe(false);
    await context.close();
  });

  it('office staff write, preview and publish an announcement by keyboard alone', async () => {
    const page = await openPage(browser, 1280);
    await signIn(page);
    await page.goto(`${base}/staff/announcements`);
    await tabTo(page, 'titleEn');
    await page.keyboard.type('Early release Friday');
    await page.keyboard.press('Tab');
    await page.keyboard.type('School ends at 12:30.');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Salida temprana el viernes');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Las clases terminan a las 12:30.');
    await page.keyboard.press('Tab');
    await page.keyboard.type('02102027');
    await tabTo(page, 'end');
    await page.keyboard.type('02122027');
    await tabToButton(page, 'Preview');
    await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
    await page.getByRole('heading', { name: 'Preview, as families will see it' }).waitFor();
    expect(await database.db.selectFrom('announcement_texts').select('title').where('title', '=', 'Early release Friday').execute()).toEqual([]);
    await tabToButton(page, 'Publish');
    await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
    await page.getByText('The announcement was published.').waitFor();
    expect(await database.db.selectFrom('announcement_texts').select('title').where('title', '=', 'Early release Friday').execute()).toEqual([{ title: 'Early release Friday' }]);
  });

  it('after a preview the text is read-only: "Change it" brings the form back, and Publish publishes what was previewed', async () => {
    const page = await openPage(browser, 1280);
    await signIn(page);
    await page.goto(`${base}/staff/announcements`);
    await page.locator('#titleEn').fill('Snow day makeup');
    await page.locator('#bodyEn').fill('Classes on Saturday.');
    await page.locator('#titleEs').fill('Recuperación del día de nieve');
    await page.locator('#bodyEs').fill('Clases el sábado.');
    await page.locator('#start').fill('2027-02-15');
    await page.locator('#end').fill('2027-02-20');
    await tabToButton(page, 'Preview');
    await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
    await page.getByRole('heading', { name: 'Preview, as families will see it' }).waitFor();
    // Nothing to type in on the preview: what is shown is what Publish sends.
    expect(await page.locator('main textarea, main input:not([type="hidden"]), main select').count()).toBe(0);
    // Change it, by keyboard: the form again, filled in; a change, previewed again, then published.
    await tabToButton(page, 'Change it');
    await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
    expect(await page.locator('#titleEn').inputValue()).toBe('Snow day makeup');
    expect(await page.locator('#bodyEn').inputValue()).toBe('Classes on Saturday.');
    await page.locator('#bodyEn').fill('Classes on Saturday, 8 to 12.');
    await tabToButton(page, 'Preview');
    await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
    await page.getByText('Classes on Saturday, 8 to 12.').waitFor();
    await tabToButton(page, 'Publish');
    await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
    await page.getByText('The announcement was published.').waitFor();
    expect(await database.db.selectFrom('announcement_texts').select(['title', 'body']).where('title', '=', 'Snow day makeup').execute()).toEqual([{ title: 'Snow day makeup', body: 'Classes on Saturday, 8 to 12.' }]);
  });

  it('"End now" asks first, by keyboard: the question names the announcement, and only its button ends it', async () => {
    const page = await openPage(browser, 360);
    await signIn(page);
    await page.goto(`${base}/staff/announcements`);
    await tabTo(page, /^End now: Picture day$/);
    await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
    await page.getByRole('heading', { level: 1, name: 'End this announcement now?' }).waitFor();
    await page.getByText('Picture day').first().waitFor();
    expect((await database.db.selectFrom('announcements').select('end_date').where('id', '=', toEnd.keys).executeTakeFirstOrThrow()).end_date).toBe('2027-02-28');
    await check(page);
    await tabToButton(page, 'Yes, end it now');
    await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
    await page.getByText('The announcement was ended: it no longer shows.').waitFor();
    expect((await database.db.selectFrom('announcements').select('end_date').where('id', '=', toEnd.keys).executeTakeFirstOrThrow()).end_date).toBe('2027-02-08');
  });

  it('"End now" and its question work with JavaScript turned off, and "No, keep it" keeps it', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 800 }, javaScriptEnabled: false });
    const page = await context.newPage();
    await signIn(page);
    await page.goto(`${base}/staff/announcements`);
    await page.getByRole('link', { name: /^End now\W+Science fair$/ }).click();
    await page.getByRole('heading', { level: 1, name: 'End this announcement now?' }).waitFor();
    await page.getByRole('link', { name: 'No, keep it' }).click();
    await page.waitForURL(`${base}/staff/announcements`);
    expect((await database.db.selectFrom('announcements').select('end_date').where('id', '=', toEnd.nojs).executeTakeFirstOrThrow()).end_date).toBe('2027-02-28');
    await page.getByRole('link', { name: /^End now\W+Science fair$/ }).click();
    await page.getByRole('button', { name: 'Yes, end it now' }).click();
    await page.getByText('The announcement was ended: it no longer shows.').waitFor();
    expect((await database.db.selectFrom('announcements').select('end_date').where('id', '=', toEnd.nojs).executeTakeFirstOrThrow()).end_date).toBe('2027-02-08');
    await context.close();
  });

  /**
   * The list's Change and Remove (or End now) at 360 px, as measured on screen: each whole inside the
   * viewport and inside the table's box (nothing to scroll to), at least 24 × 24 px, and no two closer
   * than 4 px (WCAG 2.5.8); the page does not scroll sideways.
   */
  const expectUsableActions = async (page: Page, count: number, where = 'main .hr-table-scroll') => {
    const { boxes, box } = await page.evaluate((where) => {
      const region = document.querySelector(where)!.getBoundingClientRect();
      const buttons = Array.from(document.querySelectorAll(`${where} .usa-button`)).map((b) => {
        const r = b.getBoundingClientRect();
        return { name: (b.textContent ?? '').trim(), left: r.left, right: r.right, top: r.top, bottom: r.bottom };
      });
      return { boxes: buttons, box: { left: region.left, right: region.right } };
    }, where);
    expect(boxes).toHaveLength(count);
    for (const b of boxes) {
      expect(b.left, b.name).toBeGreaterThanOrEqual(Math.max(0, box.left));
      expect(b.right, b.name).toBeLessThanOrEqual(Math.min(360, box.right));
      expect(b.right - b.left, b.name).toBeGreaterThanOrEqual(24);
      expect(b.bottom - b.top, b.name).toBeGreaterThanOrEqual(24);
    }
    for (const [i, a] of boxes.entries()) {
      for (const b of boxes.slice(i + 1)) {
        const apart = Math.max(b.left - a.right, a.left - b.right, b.top - a.bottom, a.top - b.bottom);
        expect(apart, `${a.name} / ${b.name}`).toBeGreaterThanOrEqual(4);
      }
    }
    await check(page);
  };

  it('at 360 px the lists’ Change and Remove / End now are whole on screen, large enough and apart, in English and Spanish', async () => {
    const page = await openPage(browser, 360);
    await signIn(page);
    for (const [url, heading, es] of [
      ['/staff/calendar', 'School calendar', 'Calendario escolar'],
      ['/staff/announcements', 'Announcements', 'Anuncios'],
    ] as const) {
      await page.goto(`${base}${url}`);
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      const rows = await page.locator('main table').first().locator('tbody tr').count();
      expect(rows, url).toBeGreaterThan(0);
      await expectUsableActions(page, rows * 2);
      await page.getByRole('button', { name: 'Español' }).click();
      await page.getByRole('heading', { level: 1, name: es }).waitFor();
      await expectUsableActions(page, rows * 2);
      await page.getByRole('button', { name: 'English' }).click();
      await page.waitForFunction(() => document.documentElement.lang === 'en');
    }
    // The row is still read as a row of the table: its title the row's header, its actions named by it.
    await page.goto(`${base}/staff/calendar`);
    await page.getByRole('rowheader', { name: 'Parent–teacher conferences for all grades' }).waitFor();
    await page.getByRole('link', { name: /^Remove\W+Parent–teacher conferences for all grades$/ }).waitFor();
    // The questions' two buttons, one above the other, apart.
    for (const url of [`/staff/calendar/${eventId}/remove`, `/staff/announcements/${announcementId}/end`]) {
      await page.goto(`${base}${url}`);
      await expectUsableActions(page, 2, 'main form');
    }
  });

  it('at 360 px each day without school is a block: its table does not scroll sideways in its box, in English and Spanish', async () => {
    // A day with long notes in both languages, after the app's today (2027-02-09).
    const db = database.db;
    const school = (await db.selectFrom('schools').select('id').orderBy('id').executeTakeFirstOrThrow()).id;
    const day = { instructional: 0 as const, reason: 'teacher_workday', note: 'Teacher workday: conferences and planning for the spring term', note_es: 'Día de trabajo de los maestros: conferencias y planificación del semestre de primavera' };
    await db
      .insertInto('calendar_days')
      .values({ school_id: school, date: '2027-02-15', ...day })
      .onConflict((oc) => oc.columns(['school_id', 'date']).doUpdateSet(day))
      .execute();
    const page = await openPage(browser, 360);
    await signIn(page);
    await page.goto(`${base}/staff/calendar`);
    for (const [name, note] of [
      ['Days without school and day notes', 'Teacher workday: conferences and planning for the spring term'],
      ['Días sin clases y notas del día', 'Día de trabajo de los maestros: conferencias y planificación del semestre de primavera'],
    ] as const) {
      if (name.startsWith('Días')) {
        await page.getByRole('button', { name: 'Español' }).click();
        await page.waitForFunction(() => document.documentElement.lang === 'es');
      }
      const region = page.getByRole('region', { name });
      await region.getByText(note).waitFor();
      const fits = await region.evaluate((box) => ({ scroll: box.scrollWidth, client: box.clientWidth }));
      expect(fits.scroll, name).toBeLessThanOrEqual(fits.client);
      await expectFits(page);
    }
    await page.getByRole('button', { name: 'English' }).click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await page.context().close();
  });

  for (const width of [360, 1280] as const) {
    it(`the school calendar passes axe and fits ${width} px, in English and Spanish`, async () => {
      const page = await openPage(browser, width);
      await signIn(page);
      await page.goto(`${base}/staff/calendar`);
      await bothLanguages(page, 'Calendario escolar');
    });

    it(`an event's page passes axe and fits ${width} px, in English and Spanish`, async () => {
      const page = await openPage(browser, width);
      await signIn(page);
      await page.goto(`${base}/staff/calendar/${eventId}`);
      await bothLanguages(page, 'Cambiar un evento');
    });

    it(`the question before removing an event passes axe and fits ${width} px, in English and Spanish`, async () => {
      const page = await openPage(browser, width);
      await signIn(page);
      await page.goto(`${base}/staff/calendar/${eventId}/remove`);
      await page.getByRole('heading', { level: 1, name: 'Remove this event?' }).waitFor();
      await bothLanguages(page, '¿Quitar este evento?');
    });

    it(`a refused event passes axe and fits ${width} px, with its messages`, async () => {
      const page = await openPage(browser, width);
      await signIn(page);
      await page.goto(`${base}/staff/calendar`);
      await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Add the event' }).click()]);
      await page.getByRole('heading', { name: 'There is a problem' }).waitFor();
      // The browser logs the 400 it was answered: expected here.
      expectOnlyHttpErrors(page, 400);
      await check(page);
    });

    it(`the announcements, with a preview, pass axe and fit ${width} px, in English and Spanish`, async () => {
      const page = await openPage(browser, width);
      await signIn(page);
      await page.goto(`${base}/staff/announcements/${announcementId}`);
      await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Preview' }).click()]);
      await page.getByRole('heading', { name: 'Preview, as families will see it' }).waitFor();
      await check(page);
      await page.goto(`${base}/staff/announcements`);
      await bothLanguages(page, 'Anuncios');
    });

    it(`the question before ending an announcement passes axe and fits ${width} px, in English and Spanish`, async () => {
      const page = await openPage(browser, width);
      await signIn(page);
      await page.goto(`${base}/staff/announcements/${announcementId}/end`);
      await bothLanguages(page, '¿Terminar este anuncio ahora?');
    });

    it(`an announcement's page passes axe and fits ${width} px, in English and Spanish`, async () => {
      const page = await openPage(browser, width);
      await signIn(page);
      await page.goto(`${base}/staff/announcements/${announcementId}`);
      await bothLanguages(page, 'Cambiar un anuncio');
    });
  }
});
