/**
 * Notifications over HTTP on both engines (routes/notifications.tsx): Notification Settings and its bad
 * inputs, a notification email through real SMTP with its RFC 8058 headers, the one-click unsubscribe
 * by GET and POST with forged and expired tokens, and the bell and list with another family's ids.
 *
 * A guardian (Parent) and their child (Kid) in Chemistry (a points class, Lab 1 of 20 points), taught
 * by Rosa; another family (Other) in the same class. The district is in Chicago; 12:00 there is 18:00 UTC.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { teacherScope } from '../../src/domain/access/staff.js';
import { saveScores } from '../../src/domain/gradebook/scores.js';
import { runNotifications } from '../../src/domain/notifications/service.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { FIXTURE_PASSWORD, guardianWithChild, schoolYear, sectionWithGradebook, staffMember, teachSection, type Family, type SectionFixture, type StaffFixture, type World } from '../support/factories.js';
import { textOf } from '../support/html.js';
import { Client, clock, DAY, formVersion, MINUTE } from '../support/http.js';
import { startSmtp, type TestSmtp } from '../support/smtp.js';

describeEachEngine('notifications over HTTP', (get) => {
  let app: FastifyInstance;
  let smtp: TestSmtp;
  let world: World;
  let family: Family;
  let other: Family;
  let chemistry: SectionFixture;
  let rosa: StaffFixture;
  const time = clock('2027-02-09T18:00:00Z');

  beforeAll(async () => {
    const db = get().db;
    world = await schoolYear(db, { today: '2027-02-09' });
    family = await guardianWithChild(db, world, { student: { first: 'Kid', last: 'Lund' }, guardian: { first: 'Parent', last: 'Lund' } });
    other = await guardianWithChild(db, world, { student: { first: 'Other', last: 'Ames' }, guardian: { first: 'Olga', last: 'Ames' } });
    chemistry = await sectionWithGradebook(db, world, {
      course: { code: 'SCI401', title: 'Chemistry' },
      period: '3',
      method: 'points',
      categories: [{ name: 'Labs', weight: null }],
      assignments: [{ title: 'Lab 1', category: 'Labs', quarter: 'Q3', due: '2027-01-15', possible: 20 }],
      students: [{ student: family.student }, { student: other.student }],
    });
    rosa = await staffMember(db, world, { first: 'Rosa', last: 'Marquez', roles: [{ role: 'teacher' }] });
    await teachSection(db, rosa, chemistry, { primary: true });
    smtp = await startSmtp();
    app = await makeApp(get(), { now: time.now, smtpUrl: smtp.url });
  });
  afterAll(async () => {
    await app.close();
    await smtp.close();
  });

  // One browser per family: it is a known device after its first sign-in, so no "new sign-in" entry
  // or email joins the ones these tests count (tests/web/notify-kinds.test.ts tests those).
  const browsers = new Map<Family, Client>();
  const signIn = async (f: Family) => {
    const c = browsers.get(f) ?? new Client(app);
    browsers.set(f, c);
    const res = await c.submit('/sign-in', { username: f.guardian.email, password: FIXTURE_PASSWORD });
    expect(res.statusCode).toBe(303);
    return c;
  };
  const stored = async () => (await get().db.selectFrom('notification_settings').select('settings').where('account_id', '=', family.guardianAccount!.id).executeTakeFirst())?.settings ?? null;
  const scoreFor = async (f: Family, points: number) => {
    const db = get().db;
    const today = time.now().toISOString().slice(0, 10);
    const assignmentId = chemistry.assignments['Lab 1']!;
    const row = await db.selectFrom('assignment_scores').select('version').where('assignment_id', '=', assignmentId).where('student_id', '=', f.student.id).executeTakeFirst();
    const result = await saveScores(
      db,
      await teacherScope(db, rosa.id, today),
      { sectionId: chemistry.id, periodId: world.terms.Q3.id, listed: [other.student.id, family.student.id], edits: [{ studentId: f.student.id, assignmentId, version: row?.version ?? 0, set: { points } }], maxMultiple: 2, actorAccountId: rosa.account!.id, ip: null },
      today,
      time.now(),
    );
    expect(result.kind).toBe('saved');
  };
  const run = () => runNotifications(get(), { now: time.now(), baseUrl: 'http://portal.test', queuePush: null });

  it('refuses bad settings with a message at each field and saves nothing', async () => {
    const c = await signIn(family);
    const page = await c.get('/account/notifications');
    expect(page.statusCode).toBe(200);
    expect(textOf(page.body)).toContain('About Kid Lund');
    const id = family.student.id;
    const good = { version: formVersion(page.body), [`c${id}-score-on`]: 'on', [`c${id}-score-email`]: 'on', quietOn: 'on', quietFrom: '21:00', quietTo: '07:00', digestMode: 'off', digestHour: '18', digestWeekday: '5' };
    const cases: [Record<string, string>, string][] = [
      [{ [`c${id}-gradeBelow`]: '150' }, 'Enter a percentage from 0 to 100, such as 70, or leave it empty.'],
      [{ [`c${id}-scoreBelow`]: 'seventy' }, 'Enter a percentage from 0 to 100, such as 70, or leave it empty.'],
      [{ [`c${id}-gradeBelow`]: '80', [`c${id}-gradeAbove`]: '70' }, 'The “rises above” percentage must be higher than the “falls below” one.'],
      [{ quietFrom: '25:00' }, 'Enter a time as HH:MM on a 24-hour clock, such as 21:00.'],
      [{ quietTo: '21:00' }, 'Quiet hours must end at another time than they start.'],
      [{ digestMode: 'hourly' }, 'Choose one of the options.'],
      [{ digestWeekday: '8' }, 'Choose one of the options.'],
    ];
    for (const [bad, message] of cases) {
      const res = await c.post('/account/notifications', { ...good, ...bad });
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(textOf(res.body)).toContain(message);
    }
    expect(await stored()).toBeNull();
    // A field naming another family's child is not read: only the reader's own children are kept.
    const saved = await c.post('/account/notifications', { ...good, [`c${other.student.id}-score-on`]: 'on', [`c${id}-gradeBelow`]: '75' });
    expect(saved.statusCode).toBe(303);
    const settings = JSON.parse((await stored())!) as { children: Record<string, { gradeBelow: number | null; kinds: Record<string, { on: boolean }> }> };
    expect(Object.keys(settings.children)).toEqual([String(id)]);
    expect(settings.children[String(id)]!.gradeBelow).toBe(75);
    expect(settings.children[String(id)]!.kinds.attendance!.on).toBe(false);
    // Back to every kind on, by email, no thresholds, no quiet hours.
    const all = Object.fromEntries(['score', 'missing', 'classGrade', 'termGrade', 'attendance', 'immunization'].flatMap((k) => [[`c${id}-${k}-on`, 'on'], [`c${id}-${k}-email`, 'on']]));
    // The class stays on (the page lists it checked; a class left out is turned off).
    all[`c${id}-s${chemistry.id}`] = 'on';
    expect((await c.post('/account/notifications', { ...all, version: formVersion((await c.get('/account/notifications')).body), quietFrom: '21:00', quietTo: '07:00', digestMode: 'off', digestHour: '18', digestWeekday: '5' })).statusCode).toBe(303);
    // Staff have no such page.
    expect((await new Client(app).get('/account/notifications')).statusCode).toBe(303);
  });

  it('emails a notification through SMTP with RFC 8058 headers, and shows it under the bell', async () => {
    await scoreFor(family, 17);
    time.advance(15 * MINUTE);
    await run();
    await app.services.mailer.flush();
    // The guardian and the student (who has a confirmed address too).
    const both = await smtp.waitFor(2);
    expect(both.map((m) => m.to[0]).sort()).toEqual([family.guardian.email, `${family.studentAccount!.username}@students.fixture.example.org`].sort());
    const mail = both.find((m) => m.to[0] === family.guardian.email);
    expect(mail!.subject).toBe('New score for Kid');
    expect(mail!.text).toContain('Kid: 17 of 20 (85%) on “Lab 1” in Chemistry.');
    // Unfolded (RFC 5322 lets a long header go on the next line).
    const lines = new Map(mail!.raw.headerLines.map((h) => [h.key, h.line.replace(/\r\n\s+/g, ' ')]));
    expect(lines.get('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(lines.get('list-unsubscribe')).toMatch(/^List-Unsubscribe: <http:\/\/portal\.test\/unsubscribe\/\d+\.score\.\d+\.\d+\.[A-Za-z0-9_-]{43}>$/);

    const c = await signIn(family);
    expect(textOf((await c.get('/home')).body)).toContain('Notifications (1 unread)');
    const list = await c.get('/notifications');
    expect(textOf(list.body)).toContain('Kid: 17 of 20 (85%) on “Lab 1” in Chemistry.');
    // In Spanish, when it came reads as a phrase: "Recibido el 9 de febrero de 2027, …".
    await get().db.updateTable('user_accounts').set({ locale: 'es' }).where('id', '=', family.guardianAccount!.id).execute();
    expect(textOf((await c.get('/notifications')).body)).toMatch(/Recibido el \d{1,2} de [a-z]+ de \d{4}/);
    await get().db.updateTable('user_accounts').set({ locale: 'en' }).where('id', '=', family.guardianAccount!.id).execute();
    expect(textOf((await c.get('/notifications')).body)).toContain('What changed for you and your students, newest first.');
    // A student reads about themselves only.
    const student = new Client(app);
    expect((await student.submit('/sign-in', { username: family.studentAccount!.username, password: FIXTURE_PASSWORD })).statusCode).toBe(303);
    const theirs = textOf((await student.get('/notifications')).body);
    expect(theirs).toContain('What changed for you, newest first.');
    expect(theirs).not.toContain('your students');
    const id = Number(/\/notifications\/(\d+)\/open/.exec(list.body)![1]);
    // Another family cannot open or mark it.
    const o = await signIn(other);
    expect((await o.get(`/notifications/${id}/open`)).statusCode).toBe(404);
    await o.get('/notifications');
    expect((await o.post(`/notifications/${id}/read`, {})).statusCode).toBe(404);
    expect((await o.get('/notifications/abc/open')).statusCode).toBe(404);
    const opened = await c.get(`/notifications/${id}/open`);
    expect(opened.statusCode).toBe(303);
    expect(opened.headers.location).toBe(`/students/${family.student.id}/grades/${chemistry.id}`);
    expect(textOf((await c.get('/home')).body)).toContain('Notifications (none unread)');
  });

  it('unsubscribes in one click with no sign-in; forged and expired tokens change nothing', async () => {
    const guardianMail = smtp.messages.find((m) => m.to[0] === family.guardian.email)!;
    const link = /http:\/\/portal\.test(\/unsubscribe\/\S+)>/.exec(guardianMail.raw.headerLines.find((h) => h.key === 'list-unsubscribe')!.line.replace(/\r\n\s+/g, ' '))![1]!;
    const before = await stored();
    const stranger = new Client(app);
    const [, account, kind, issued, expires, mac] = /^\/unsubscribe\/(\d+)\.(\w+)\.(\d+)\.(\d+)\.(.+)$/.exec(link)!;
    const forged = [
      `/unsubscribe/${other.guardianAccount!.id}.${kind}.${issued}.${expires}.${mac}`,
      `/unsubscribe/${account}.all.${issued}.${expires}.${mac}`,
      `/unsubscribe/${account}.${kind}.${issued}.${Number(expires) + 1}.${mac}`,
      // A later issue time (a link made to look newer than the person's choice) is a changed link.
      `/unsubscribe/${account}.${kind}.${Number(issued) + 1}.${expires}.${mac}`,
      `/unsubscribe/${account}.${kind}.${expires}.${mac}`,
      `/unsubscribe/${account}.${kind}.${issued}.${expires}.${mac!.slice(0, -1)}${mac!.endsWith('A') ? 'B' : 'A'}`,
      '/unsubscribe/nonsense',
    ];
    for (const url of forged) {
      expect((await stranger.get(url)).statusCode, url).toBe(400);
      expect((await stranger.post(url, { 'List-Unsubscribe': 'One-Click' }, { csrf: false })).statusCode, url).toBe(400);
    }
    expect(await stored()).toBe(before);
    // Expired: 90 days after the email.
    time.advance(91 * DAY);
    expect((await stranger.post(link, { 'List-Unsubscribe': 'One-Click' }, { csrf: false })).statusCode).toBe(400);
    expect(await stored()).toBe(before);
    time.advance(-91 * DAY);
    // GET only asks.
    const confirm = await stranger.get(link);
    expect(confirm.statusCode).toBe(200);
    expect(textOf(confirm.body)).toContain(`Stop emails about New or changed scores for ${family.guardianAccount!.username}?`);
    expect(await stored()).toBe(before);
    // POST as a mail provider does (RFC 8058): no cookie, no form token.
    const done = await stranger.post(link, { 'List-Unsubscribe': 'One-Click' }, { csrf: false });
    expect(done.statusCode).toBe(200);
    expect(textOf(done.body)).toContain('no more emails about New or changed scores');
    const settings = JSON.parse((await stored())!) as { children: Record<string, { kinds: Record<string, { on: boolean; email: boolean }> }> };
    expect(settings.children[String(family.student.id)]!.kinds.score).toEqual({ on: true, email: false, push: false });
    expect(settings.children[String(family.student.id)]!.kinds.missing!.email).toBe(true);
    // The next score: in the list, not by email.
    await scoreFor(family, 19);
    time.advance(15 * MINUTE);
    await run();
    await app.services.mailer.flush();
    await smtp.waitFor(3);
    expect(smtp.messages.filter((m) => m.to[0] === family.guardian.email)).toHaveLength(1);
    const c = await signIn(family);
    expect(textOf((await c.get('/notifications')).body)).toContain('Kid: 19 of 20 (95%) on “Lab 1” in Chemistry.');
  });
});
