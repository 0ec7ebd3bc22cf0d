import ICAL from 'ical.js';
import type { FastifyInstance } from 'fastify';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashToken } from '../../src/domain/accounts/tokens.js';
import { nthWeekday } from '../../src/domain/calendar/dates.js';
import { DEMO_PASSWORD } from '../../src/domain/demo/generate.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { FEED_DAYS_AHEAD, FEED_DAYS_BACK } from '../../src/domain/portal/calendar-feed.js';
import { addDays } from '../../src/domain/calendar/dates.js';
import { makeApp } from '../support/app.js';
import { childrenOf as familyOf, demoAccounts } from '../support/families.js';
import { describeEachEngine } from '../support/db.js';
import { Client } from '../support/http.js';
import { startSmtp, type TestSmtp } from '../support/smtp.js';

const TODAY = '2026-11-24';

describeEachEngine('the calendar and its private feed', (get) => {
  let app: FastifyInstance;
  let smtp: TestSmtp;
  const demo: Record<string, { username: string; password: string }> = {};
  let spanishParent: { username: string };
  let aldas: number[];

  const childrenOf = (username: string) => familyOf(get().db, username);

  /** The assignments a student has due between two dates, straight from the tables. */
  const dueInDb = async (studentId: number, from: string, to: string) =>
    get()
      .db.selectFrom('assignments as a')
      .innerJoin('section_enrollments as e', 'e.section_id', 'a.section_id')
      .select(['a.id', 'a.title', 'a.due_date'])
      .where('e.student_id', '=', studentId)
      .where('a.due_date', '>=', from)
      .where('a.due_date', '<=', to)
      .whereRef('a.due_date', '>=', 'e.begin_date')
      .where((eb) => eb.or([eb('e.end_date', 'is', null), eb('e.end_date', '>=', eb.ref('a.due_date'))]))
      .execute();

  beforeAll(async () => {
    await loadDemo(get(), { students: 60, seed: 59, startYear: 2026, asOf: TODAY });
    smtp = await startSmtp();
    app = await makeApp(get(), { now: () => new Date(`${TODAY}T18:00:00Z`), smtpUrl: smtp.url });
    const accounts = await demoAccounts(get().db);
    Object.assign(demo, accounts.byRole);
    spanishParent = accounts.spanishParent;
    aldas = await childrenOf(demo.parent!.username);
  });
  afterAll(async () => {
    await app.close();
    await smtp.close();
  });

  let address = 0;
  const signedIn = async (username: string, password = DEMO_PASSWORD) => {
    const c = new Client(app, {}, `10.1.${Math.floor(++address / 250)}.${address % 250}`);
    await c.submit('/sign-in', { username, password });
    return c;
  };
  const makeFeed = async (c: Client) => {
    await c.get('/account/calendar');
    const res = await c.post('/account/calendar', { action: 'make' });
    expect(res.statusCode).toBe(200);
    const url = /id="feed-url"[^>]*value="([^"]+)"/.exec(res.body)?.[1];
    expect(url).toMatch(/^http:\/\/portal\.test\/calendar\/[A-Za-z0-9_-]{43}\.ics$/);
    return { res, path: new URL(url!).pathname, token: /\/calendar\/(.+)\.ics$/.exec(url!)![1]! };
  };
  const fetchFeed = (path: string) => app.inject({ method: 'GET', url: path, remoteAddress: `10.2.0.${++address % 250}` });
  const eventsOf = (ics: string) => new ICAL.Component(ICAL.parse(ics)).getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));

  it('shows a month with events, due dates and days without school, and a week, in either language', async () => {
    expect(aldas.length).toBeGreaterThanOrEqual(2);
    const parent = await signedIn(demo.parent!.username);
    const child = aldas[0]!;
    const month = await parent.get(`/students/${child}/calendar?month=2026-11`);
    expect(month.statusCode).toBe(200);
    expect(month.body).toContain('November 2026');
    expect(month.body).toContain('No school: Thanksgiving break');
    expect(month.body).toContain('Canned Food Drive');
    expect(month.body).toContain('School Board Meeting');
    expect(month.body).toContain('6:30 PM – 8:30 PM');
    // Every assignment due in November, once, and nothing else marked due.
    const due = await dueInDb(child, '2026-11-01', '2026-11-30');
    expect(due.length).toBeGreaterThan(0);
    expect(month.body.match(/class="hr-cal-due"/g)?.length).toBe(due.length);
    expect(month.body).toMatch(/<td class="[^"]*hr-day--today[^"]*" aria-current="date">/);
    expect(month.body).toContain(`href="/students/${child}/calendar?month=2026-10"`);
    expect(month.body).toContain(`href="/students/${child}/calendar?month=2026-12"`);
    // The default is this month; December's next is January of the next year.
    expect((await parent.get(`/students/${child}/calendar`)).body).toContain('November 2026');
    expect((await parent.get(`/students/${child}/calendar?month=2026-12`)).body).toContain('month=2027-01');

    const week = await parent.get(`/students/${child}/calendar?week=2026-11-26`);
    expect(week.statusCode).toBe(200);
    expect(week.body.match(/<h3>/g)?.length).toBe(7);
    expect(week.body).toContain('Week of November 22, 2026');
    expect(week.body).toContain(`href="/students/${child}/calendar?week=2026-11-15"`);
    expect((await parent.get(`/students/${child}/calendar?view=week`)).body).toContain('Week of November 22, 2026');
    const weekDue = await dueInDb(child, '2026-11-22', '2026-11-28');
    expect(week.body.match(/class="hr-cal-due"/g)?.length ?? 0).toBe(weekDue.length);

    // The ends of the range link no further.
    expect((await parent.get(`/students/${child}/calendar?month=2099-12`)).body).not.toContain('month=2100-01');
    expect((await parent.get(`/students/${child}/calendar?month=2000-01`)).body).not.toContain('month=1999-12');
    // The other view is of the period shown.
    expect(week.body).toContain(`href="/students/${child}/calendar?month=2026-11"`);
    for (const bad of ['month=2026-13', 'month=2026-1', 'month=abc', 'month=1999-12', 'week=2026-02-31', 'week=x', 'month=2026-11&week=2026-11-02', 'view=year', 'month=2026-11&month=2026-12', 'month=2026-11&view=week', 'week=2026-11-02&view=month']) {
      const res = await parent.get(`/students/${child}/calendar?${bad}`);
      expect(res.statusCode, bad).toBe(404);
      expect(res.body, bad).toContain('Page not found');
    }

    const spanish = await signedIn(spanishParent.username);
    const theirs = (await childrenOf(spanishParent.username))[0]!;
    const mes = await spanish.get(`/students/${theirs}/calendar?month=2026-11`);
    expect(mes.statusCode).toBe(200);
    expect(mes.body).toContain('noviembre de 2026');
    // The calendar's note is in the district's language (English): a Spanish reader gets the kind of day.
    expect(mes.body).toContain('No hay clases: Vacaciones');
    expect(mes.body).toContain('Reunión de la Junta Escolar');
    // Places are in the reader's language where the district wrote them in it, else as written.
    const board = 'District Office, Board Room';
    const semana = async () => (await spanish.get(`/students/${theirs}/calendar?week=2026-11-10`)).body;
    expect(await semana()).toContain('Oficina del distrito, sala de la junta');
    expect(await semana()).not.toContain(board);
    expect((await parent.get(`/students/${child}/calendar?week=2026-11-10`)).body).toContain(board);
    const meeting = await get()
      .db.selectFrom('school_events')
      .select('id')
      .where('school_id', 'is', null)
      .where('start_date', '=', '2026-11-10')
      .executeTakeFirstOrThrow();
    await get().db.updateTable('school_event_texts').set({ location: null }).where('event_id', '=', meeting.id).where('locale', '=', 'es').execute();
    expect(await semana()).toContain(board);
  });

  it('makes a private feed calendar apps can read, decided again at every fetch, ended when replaced or turned off', async () => {
    const parent = await signedIn(demo.parent!.username);
    expect((await parent.get('/account')).body).toMatch(/Calendar feed<\/dt><dd>Off/);
    const first = await makeFeed(parent);
    expect(first.res.headers['cache-control']).toBe('no-store');
    expect(first.res.body).toContain('shown only once');
    // Only the hash is kept.
    const stored = await get().db.selectFrom('calendar_feeds').selectAll().execute();
    expect(stored.map((f) => f.token_hash)).toEqual([hashToken(first.token)]);
    expect((await parent.get('/account')).body).toMatch(/Calendar feed<\/dt><dd>On/);

    const feed = await fetchFeed(first.path);
    expect(feed.statusCode).toBe(200);
    expect(feed.headers['content-type']).toBe('text/calendar; charset=utf-8');
    // RFC 5545's lines: CRLF, folded at 75 octets.
    expect(feed.body).not.toMatch(/[^\r]\n/);
    expect(feed.body.split('\r\n').filter((l) => Buffer.byteLength(l) > 75)).toEqual([]);
    const events = eventsOf(feed.body);
    expect(new Set(events.map((e) => e.uid)).size).toBe(events.length);
    // Thanksgiving break: one all-day event Wednesday to Friday (DTEND is the day after).
    const thanksgiving = events.find((e) => e.summary === 'No school: Thanksgiving break')!;
    expect(thanksgiving.startDate.isDate).toBe(true);
    expect(thanksgiving.startDate.toString()).toBe('2026-11-25');
    expect(thanksgiving.endDate.toString()).toBe('2026-11-28');
    // A board meeting at 6:30 p.m. in Chicago, before and after the change from daylight time.
    for (const [month, utc] of [
      [10, '23:30'],
      [12, '00:30'],
    ] as const) {
      const day = nthWeekday(2026, month, 2, 2);
      const meeting = events.find((e) => e.summary === 'School Board Meeting' && e.startDate.toJSDate().toISOString() >= `${day}T00:00` && e.startDate.toJSDate().toISOString() < `${addDays(day, 2)}T00:00`)!;
      expect(meeting, String(month)).toBeDefined();
      const start = DateTime.fromJSDate(meeting.startDate.toJSDate()).toUTC();
      expect(start.toFormat('HH:mm'), String(month)).toBe(utc);
      expect(DateTime.fromJSDate(meeting.startDate.toJSDate()).setZone('America/Chicago').toFormat('yyyy-MM-dd HH:mm')).toBe(`${day} 18:30`);
    }
    // Every assignment due in the window for both children, named by child; never a score.
    const from = addDays(TODAY, -FEED_DAYS_BACK);
    const to = addDays(TODAY, FEED_DAYS_AHEAD);
    const dueUids = events.filter((e) => e.uid.startsWith('due-'));
    let expected = 0;
    for (const child of aldas) expected += (await dueInDb(child, from, to)).length;
    expect(dueUids.length).toBe(expected);
    const firstNames = await get().db.selectFrom('students').select(['id', 'preferred_first_name', 'legal_first_name']).where('id', 'in', aldas).execute();
    for (const s of firstNames) expect(dueUids.some((e) => e.summary.startsWith(`${s.preferred_first_name ?? s.legal_first_name}, due:`))).toBe(true);
    expect(feed.body).not.toMatch(/\d%|points/i);
    // The account page says when an app last read it.
    expect((await parent.get('/account/calendar')).body).toContain('Last read by a calendar app: November 24, 2026');

    // A link taken away leaves the feed at the next fetch.
    const gone = aldas[1]!;
    await get().db.updateTable('student_guardians').set({ rights_revoked: 1 }).where('student_id', '=', gone).execute();
    const after = eventsOf((await fetchFeed(first.path)).body);
    expect(after.some((e) => e.uid.startsWith('due-') && e.uid.includes(`-${gone}@`))).toBe(false);
    expect(after.filter((e) => e.uid.startsWith('due-')).length).toBe((await dueInDb(aldas[0]!, from, to)).length);
    await get().db.updateTable('student_guardians').set({ rights_revoked: 0 }).where('student_id', '=', gone).execute();

    // A new address ends the old one; turning it off ends the new one.
    const second = await makeFeed(parent);
    expect(second.token).not.toBe(first.token);
    expect((await fetchFeed(first.path)).statusCode).toBe(404);
    expect((await fetchFeed(second.path)).statusCode).toBe(200);
    const off = await parent.post('/account/calendar', { action: 'off' });
    expect(off.statusCode).toBe(200);
    expect(off.body).toContain('The calendar feed is off.');
    expect((await fetchFeed(second.path)).statusCode).toBe(404);
    expect((await parent.get('/account')).body).toMatch(/Calendar feed<\/dt><dd>Off/);
    const actions = (await get().db.selectFrom('audit_log').select('action').where('action', 'like', 'calendar_feed.%').orderBy('id').execute()).map((r) => r.action);
    expect(actions).toEqual(['calendar_feed.created', 'calendar_feed.replaced', 'calendar_feed.revoked']);

    // A disabled account's feed answers nothing.
    const third = await makeFeed(parent);
    await get().db.updateTable('user_accounts').set({ status: 'disabled' }).where('username', '=', demo.parent!.username).execute();
    expect((await fetchFeed(third.path)).statusCode).toBe(404);
    await get().db.updateTable('user_accounts').set({ status: 'active' }).where('username', '=', demo.parent!.username).execute();
    expect((await fetchFeed(third.path)).statusCode).toBe(200);

    // A password change ends the feed: an address made by someone who knew the old password stops.
    const changed = await parent.submit('/account/password', { current: DEMO_PASSWORD, password: 'juniper harbor lantern', confirm: 'juniper harbor lantern' });
    expect(changed.statusCode).toBe(303);
    expect((await fetchFeed(third.path)).statusCode).toBe(404);
    const back = await parent.submit('/account/password', { current: 'juniper harbor lantern', password: DEMO_PASSWORD, confirm: DEMO_PASSWORD });
    expect(back.statusCode).toBe(303);
  });

  it('has no calendar feed where the district turned Calendar off, and no due dates where it turned Assignments off', async () => {
    const parent = await signedIn(demo.parent!.username);
    const made = await makeFeed(parent);
    const district = await get().db.selectFrom('district').select('settings').executeTakeFirstOrThrow();
    const settings = JSON.parse(district.settings);
    const setTools = async (tools: Record<string, boolean>) => {
      await get().db.updateTable('district').set({ settings: JSON.stringify({ ...settings, tools: { ...settings.tools, ...tools } }) }).execute();
      app.services.districts.invalidate();
    };
    try {
      await setTools({ assignments: false });
      const withoutDue = eventsOf((await fetchFeed(made.path)).body);
      expect(withoutDue.length).toBeGreaterThan(0);
      expect(withoutDue.some((e) => e.uid.startsWith('due-'))).toBe(false);
      await setTools({ calendar: false });
      expect((await fetchFeed(made.path)).statusCode).toBe(404);
      expect((await parent.get('/account/calendar')).statusCode).toBe(404);
      expect((await parent.get('/account')).body).not.toContain('Calendar feed');
      expect((await parent.get(`/students/${aldas[0]!}/calendar`)).statusCode).toBe(404);
    } finally {
      await get().db.updateTable('district').set({ settings: district.settings }).execute();
      app.services.districts.invalidate();
    }
    expect((await fetchFeed(made.path)).statusCode).toBe(200);
  });

  it('answers bad requests plainly, keeps the page to students and parents, and limits how often a feed is read', async () => {
    const parent = await signedIn(spanishParent.username);
    const made = await makeFeed(parent);
    expect(made.res.body).toContain('Su dirección de calendario');
    const feed = await fetchFeed(made.path);
    expect(feed.body).toContain('SUMMARY:No hay clases: Vacaciones');
    const unknown = await parent.post('/account/calendar', { action: 'explode' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.body).toContain('Suscripción al calendario');
    expect((await parent.post('/account/calendar', { action: 'off' }, { csrf: false })).statusCode).toBe(403);
    expect((await fetchFeed(made.path)).statusCode).toBe(200);
    for (const bad of ['/calendar/abc.ics', `/calendar/${made.token}`, `/calendar/${made.token}.ical`, `/calendar/${made.token.slice(1)}x.ics`, '/calendar/%00.ics']) {
      expect((await fetchFeed(bad)).statusCode, bad).toBe(404);
    }
    // Staff have no calendar feed; nobody signed out reaches the page.
    const teacher = await signedIn(demo.teacher!.username);
    expect((await teacher.get('/account/calendar')).statusCode).toBe(404);
    expect((await teacher.get('/account')).body).not.toContain('Calendar feed');
    const anonymous = await new Client(app).get('/account/calendar');
    expect(anonymous.statusCode).toBe(303);
    // One feed read too often (from many addresses, as Google's servers do) is slowed down.
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) statuses.push((await fetchFeed(made.path)).statusCode);
    expect(statuses.slice(0, 27).every((s) => s === 200)).toBe(true);
    const limited = await fetchFeed(made.path);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('tells the holder by email when a feed address is made or replaced, in their language, never with the address', async () => {
    // Earlier tests left feeds (and their mail) behind.
    await get().db.deleteFrom('calendar_feeds').execute();
    await app.services.mailer.flush();
    smtp.messages.length = 0;
    const emailOf = async (username: string) =>
      (await get().db.selectFrom('user_accounts').select('security_email').where('username', '=', username).executeTakeFirstOrThrow()).security_email;
    const parent = await signedIn(demo.parent!.username);
    const made = await makeFeed(parent);
    const replaced = await makeFeed(parent);
    await app.services.mailer.flush();
    const [first, second] = await smtp.waitFor(2);
    expect(first!.to).toEqual([await emailOf(demo.parent!.username)]);
    expect(first!.subject).toBe('A calendar feed was made for your Cedar Valley Portal account');
    expect(second!.subject).toBe('A new calendar feed address for your Cedar Valley Portal account');
    for (const mail of [first!, second!]) {
      expect(mail.text).toContain(demo.parent!.username);
      expect(mail.text).toContain('never grades, scores or attendance');
      // The address itself is never sent: whoever reads the mailbox must not be able to subscribe.
      for (const token of [made.token, replaced.token]) {
        expect(mail.text).not.toContain(token);
        expect(mail.html).not.toContain(token);
      }
    }
    expect(second!.text).toContain('The previous address no longer works.');

    // In the holder's language.
    const spanish = await signedIn(spanishParent.username);
    await makeFeed(spanish);
    await app.services.mailer.flush();
    const [, , third] = await smtp.waitFor(3);
    expect(third!.to).toEqual([await emailOf(spanishParent.username)]);
    expect(third!.subject).toBe('Se creó una suscripción al calendario para su cuenta de Cedar Valley Portal');

    // Without a confirmed security email there is nobody to tell; the address is still made.
    await get().db.updateTable('user_accounts').set({ security_email_confirmed_at: null }).where('username', '=', spanishParent.username).execute();
    const again = await signedIn(spanishParent.username);
    await makeFeed(again);
    await app.services.mailer.flush();
    await new Promise((r) => setTimeout(r, 200));
    expect(smtp.messages).toHaveLength(3);
    // Turning a feed off needs no warning.
    expect((await parent.post('/account/calendar', { action: 'off' })).statusCode).toBe(200);
    await app.services.mailer.flush();
    expect(smtp.messages).toHaveLength(3);
  });
});
