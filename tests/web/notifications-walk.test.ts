/**
 * Issue 22's user walk, on both engines: what a family found wrong with notifications.
 *
 *  - The notifications list and Notification Settings cover every child: no child switcher there.
 *  - Notification Settings open in two tabs: the older tab's save is refused (409, in the reader's
 *    language, the settings as they are now shown), nothing is written.
 *  - A one-click unsubscribe link used again after the person turned email back on does nothing (GET
 *    and the RFC 8058 POST, no sign-in), and says so; a link written after that choice still works.
 *  - A score's percentage and points in the reader's language.
 *
 * Parent Lund has two children (Kid and Sis) in Chemistry (Lab 1 of 20 points, Lab 2 of 40), taught by
 * Rosa; Rosa Díaz reads Spanish and has one child (Ema) there. The district is in Chicago.
 */
import { createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teacherScope } from '../../src/domain/access/staff.js';
import { saveScores } from '../../src/domain/gradebook/scores.js';
import { runNotifications } from '../../src/domain/notifications/service.js';
import { unsubscribeToken } from '../../src/domain/notifications/unsubscribe.js';
import { appSecret } from '../../src/domain/system/secrets.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, link, schoolYear, sectionWithGradebook, staffMember, student, teachSection, type Family, type SectionFixture, type StaffFixture, type StudentFixture, type World } from '../support/factories.js';
import { textOf } from '../support/html.js';
import { Client, clock, DAY, formVersion, MINUTE } from '../support/http.js';
import { startSmtp, type ReceivedMail, type TestSmtp } from '../support/smtp.js';

const CONFLICT = {
  en: 'Your notification settings were changed after this page was opened (in another tab or window, or by the unsubscribe link of an email), so the changes you sent were not saved. The page now shows your settings as they are: make your changes again and save.',
  es: 'Su configuración de notificaciones cambió después de abrir esta página (en otra pestaña o ventana, o con el enlace para cancelar la suscripción de un correo), así que los cambios que envió no se guardaron. La página muestra ahora su configuración actual: vuelva a hacer sus cambios y guarde.',
};

describeEachEngine('notifications: the user walk of issue 22', (get) => {
  let app: FastifyInstance;
  let smtp: TestSmtp;
  let world: World;
  let lund: Family;
  let sis: StudentFixture;
  let diaz: Family;
  let chemistry: SectionFixture;
  let rosa: StaffFixture;
  const time = clock('2027-02-09T18:00:00Z');

  beforeAll(async () => {
    const db = get().db;
    world = await schoolYear(db, { today: '2027-02-09' });
    lund = await guardianWithChild(db, world, { student: { first: 'Kid', last: 'Lund' }, guardian: { first: 'Parent', last: 'Lund' }, accounts: 'guardian', locale: 'en' });
    sis = await student(db, world, { first: 'Sis', last: 'Lund', grade: 9 });
    await link(db, sis, lund.guardian);
    diaz = await guardianWithChild(db, world, { student: { first: 'Ema', last: 'Díaz' }, guardian: { first: 'Rosa', last: 'Díaz' }, email: 'rosa.diaz@fixture.example.com', accounts: 'guardian', locale: 'es' });
    chemistry = await sectionWithGradebook(db, world, {
      course: { code: 'SCI401', title: 'Chemistry' },
      period: '3',
      method: 'points',
      categories: [{ name: 'Labs', weight: null }],
      assignments: [
        { title: 'Lab 1', category: 'Labs', quarter: 'Q3', due: '2027-01-15', possible: 20 },
        { title: 'Lab 2', category: 'Labs', quarter: 'Q3', due: '2027-01-22', possible: 40 },
      ],
      students: [{ student: lund.student }, { student: sis }, { student: diaz.student }],
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

  const signIn = async (f: Family) => {
    const c = new Client(app);
    expect((await c.submit('/sign-in', { username: f.guardian.email, password: f.guardianAccount!.password })).statusCode).toBe(303);
    return c;
  };
  const stored = async (f: Family) => (await get().db.selectFrom('notification_settings').select('settings').where('account_id', '=', f.guardianAccount!.id).executeTakeFirst()) ?? null;
  const storedChild = async (f: Family, id: number) => (JSON.parse((await stored(f))!.settings) as { children: Record<string, { gradeBelow: number | null; kinds: Record<string, { on: boolean; email: boolean; push: boolean }> }> }).children[String(id)]!;
  const score = async (who: StudentFixture, assignment: 'Lab 1' | 'Lab 2', points: number) => {
    const db = get().db;
    const today = time.now().toISOString().slice(0, 10);
    const assignmentId = chemistry.assignments[assignment]!;
    const row = await db.selectFrom('assignment_scores').select('version').where('assignment_id', '=', assignmentId).where('student_id', '=', who.id).executeTakeFirst();
    const result = await saveScores(
      db,
      await teacherScope(db, rosa.id, today),
      { sectionId: chemistry.id, periodId: world.terms.Q3.id, listed: [lund.student.id, sis.id, diaz.student.id], edits: [{ studentId: who.id, assignmentId, version: row?.version ?? 0, set: { points } }], maxMultiple: 2, actorAccountId: rosa.account!.id, ip: null },
      today,
      time.now(),
    );
    expect(result.kind).toBe('saved');
  };
  /** Lets the grace period pass, decides and sends; then the newest email to `to` whose text has `text`. */
  const deliver = async (to: string, text: string) => {
    const seen = smtp.messages.length;
    time.advance(15 * MINUTE);
    await runNotifications(get(), { now: time.now(), baseUrl: 'http://portal.test', queuePush: null });
    await app.services.mailer.flush();
    for (let waited = 0; ; waited += 50) {
      const mail = smtp.messages.slice(seen).findLast((m) => m.to[0] === to && m.text.includes(text));
      if (mail) return mail;
      if (waited > 10_000) throw new Error(`no email to ${to} with “${text}”`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const unsubscribeLink = (mail: ReceivedMail) =>
    /http:\/\/portal\.test(\/unsubscribe\/\S+)>/.exec(mail.raw.headerLines.find((h) => h.key === 'list-unsubscribe')!.line.replace(/\r\n\s+/g, ' '))![1]!;
  /** Every field of the settings form as the page shows it (checked boxes, texts, selected options). */
  const formOf = (html: string): Record<string, string> => {
    const form = /<form method="post" action="\/account\/notifications"[\s\S]*?<\/form>/.exec(html)![0];
    const out: Record<string, string> = {};
    for (const m of form.matchAll(/<input[^>]*>/g)) {
      const name = /name="([^"]+)"/.exec(m[0])?.[1];
      if (!name || name === '_csrf') continue;
      const value = /value="([^"]*)"/.exec(m[0])?.[1] ?? '';
      if (/type="checkbox"/.test(m[0])) {
        if (/\bchecked\b/.test(m[0])) out[name] = value;
      } else out[name] = value;
    }
    for (const m of form.matchAll(/<select[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) out[m[1]!] = /<option value="([^"]*)" selected/.exec(m[2]!)?.[1] ?? '';
    return out;
  };

  it('shows no child switcher on the lists that cover every child (notifications, their settings, the whole To Do), and still on a child’s pages', async () => {
    const c = await signIn(lund);
    expect((await c.get('/home')).body).toContain('id="student-switcher"');
    for (const page of ['/notifications', '/account/notifications', '/todo']) {
      const res = await c.get(page);
      expect(res.statusCode, page).toBe(200);
      expect(res.body, page).not.toContain('id="student-switcher"');
      expect(res.body, page).not.toContain('action="/students/current"');
    }
    // The settings still name both children.
    const settings = textOf((await c.get('/account/notifications')).body);
    expect(settings).toContain('About Kid Lund');
    expect(settings).toContain('About Sis Lund');
  });

  describe('two tabs of Notification Settings', () => {
    for (const [locale, who] of [['en', () => lund], ['es', () => diaz]] as const) {
      it(`refuses the older tab’s save with 409 and the settings as they are now (${locale}), writing nothing`, async () => {
        const family = who();
        const id = family.student.id;
        const c = await signIn(family);
        // Two tabs opened on the same settings.
        const tabA = formOf((await c.get('/account/notifications')).body);
        const tabB = formOf((await c.get('/account/notifications')).body);
        expect(tabA.version).toBe(tabB.version);
        // B saves first: a class grade below 60.
        expect((await c.post('/account/notifications', { ...tabB, [`c${id}-gradeBelow`]: '60' })).statusCode).toBe(303);
        const afterB = await stored(family);
        expect((await storedChild(family, id)).gradeBelow).toBe(60);
        // A, still showing the settings from before B, saves 80: refused, nothing written.
        time.advance(MINUTE);
        const stale = await c.post('/account/notifications', { ...tabA, [`c${id}-gradeBelow`]: '80' });
        expect(stale.statusCode).toBe(409);
        expect(stale.body).toContain(`<html lang="${locale}"`);
        expect(textOf(stale.body)).toContain(CONFLICT[locale]);
        expect(await stored(family)).toEqual(afterB);
        // The page shows what B saved, with the version to save over.
        const shown = formOf(stale.body);
        expect(shown[`c${id}-gradeBelow`]).toBe('60');
        expect(shown.version).not.toBe(tabA.version);
        // A form with no version, or a made-up one, is no newer.
        for (const version of [undefined, 'abc', String(Number(shown.version) + 7)]) {
          const { version: _, ...rest } = shown;
          const res = await c.post('/account/notifications', { ...rest, ...(version === undefined ? {} : { version }), [`c${id}-gradeBelow`]: '80' });
          expect(res.statusCode, String(version)).toBe(409);
        }
        expect(await stored(family)).toEqual(afterB);
        // Saved again from the page it was shown: written.
        expect((await c.post('/account/notifications', { ...shown, [`c${id}-gradeBelow`]: '80' })).statusCode).toBe(303);
        expect((await storedChild(family, id)).gradeBelow).toBe(80);
        // A bad field in an older form is still a bad field (400), and the form keeps its version.
        const bad = await c.post('/account/notifications', { ...shown, [`c${id}-gradeBelow`]: 'lots' });
        expect(bad.statusCode).toBe(400);
        expect(formVersion(bad.body)).toBe(shown.version);
      });
    }

    it('lets exactly one of two saves made from the same page win, even at the same moment', async () => {
      const id = lund.student.id;
      const a = await signIn(lund);
      const b = await signIn(lund);
      const form = formOf((await a.get('/account/notifications')).body);
      await b.get('/account/notifications');
      const [one, two] = await Promise.all([a.post('/account/notifications', { ...form, [`c${id}-gradeBelow`]: '55' }), b.post('/account/notifications', { ...form, [`c${id}-gradeBelow`]: '65' })]);
      expect([one.statusCode, two.statusCode].sort()).toEqual([303, 409]);
      expect((await storedChild(lund, id)).gradeBelow).toBe(one.statusCode === 303 ? 55 : 65);
    });
  });

  it('ignores an unsubscribe link used again after the person turned email back on, by POST and GET, with no sign-in; a newer link works', async () => {
    const id = lund.student.id;
    const c = await signIn(lund);
    // Every kind by email, for both children.
    const page = formOf((await c.get('/account/notifications')).body);
    const everything = { ...page };
    for (const child of [id, sis.id]) for (const k of ['score', 'missing', 'classGrade', 'termGrade', 'attendance', 'immunization']) (everything[`c${child}-${k}-on`] = 'on'), (everything[`c${child}-${k}-email`] = 'on');
    everything[`c${id}-gradeBelow`] = '';
    expect((await c.post('/account/notifications', everything)).statusCode).toBe(303);

    await score(lund.student, 'Lab 1', 17);
    const first = unsubscribeLink(await deliver(lund.guardian.email, 'Kid: 17 of 20'));
    const stranger = new Client(app);
    // Used once: email about scores stops.
    time.advance(MINUTE);
    const done = await stranger.post(first, { 'List-Unsubscribe': 'One-Click' }, { csrf: false });
    expect(done.statusCode).toBe(200);
    expect(textOf(done.body)).toContain('no more emails about New or changed scores');
    expect((await storedChild(lund, id)).kinds.score!.email).toBe(false);
    // The parent turns it back on, later.
    time.advance(10 * MINUTE);
    const again = formOf((await c.get('/account/notifications')).body);
    expect(again[`c${id}-score-email`]).toBeUndefined();
    expect((await c.post('/account/notifications', { ...again, [`c${id}-score-email`]: 'on', [`c${sis.id}-score-email`]: 'on' })).statusCode).toBe(303);
    const chosen = await stored(lund);
    // The same link again, by a mail provider's POST and by a browser's GET: nothing changes, and the page says why.
    time.advance(MINUTE);
    const replayed = await stranger.post(first, { 'List-Unsubscribe': 'One-Click' }, { csrf: false });
    expect(replayed.statusCode).toBe(409);
    const said = `This link no longer changes anything: emails about New or changed scores were turned back on for ${lund.guardianAccount!.username} after this email was sent. To stop them now, change your Notification Settings.`;
    expect(textOf(replayed.body)).toContain(said);
    expect(replayed.body).toContain('href="/account/notifications"');
    const looked = await stranger.get(first);
    expect(looked.statusCode).toBe(200);
    expect(textOf(looked.body)).toContain(said);
    expect(looked.body).not.toContain(`action="${first}"`);
    expect(await stored(lund)).toEqual(chosen);
    expect((await storedChild(lund, id)).kinds.score!.email).toBe(true);
    // A link written before the issue time was in links (account.kind.expires.mac) is as old as it says.
    const now = time.now();
    const expires = Math.floor((now.getTime() - 2 * DAY) / 1000) + 90 * 86_400;
    const body = `${lund.guardianAccount!.id}.score.${expires}`;
    const mac = createHmac('sha256', await appSecret(get().db, 'notification-unsubscribe', now)).update(`unsubscribe:${body}`).digest('base64url');
    expect((await stranger.post(`/unsubscribe/${body}.${mac}`, {}, { csrf: false })).statusCode).toBe(409);
    expect(await stored(lund)).toEqual(chosen);
    // The email of the next score carries a link written after the choice: it works.
    await score(lund.student, 'Lab 2', 30);
    const second = unsubscribeLink(await deliver(lund.guardian.email, 'Kid: 30 of 40'));
    expect(second).not.toBe(first);
    expect((await stranger.get(second)).statusCode).toBe(200);
    expect(textOf((await stranger.get(second)).body)).toContain(`Stop emails about New or changed scores for ${lund.guardianAccount!.username}?`);
    expect((await stranger.post(second, { 'List-Unsubscribe': 'One-Click' }, { csrf: false })).statusCode).toBe(200);
    expect((await storedChild(lund, id)).kinds.score!.email).toBe(false);
    expect((await storedChild(lund, sis.id)).kinds.score!.email).toBe(false);
    // A link for every kind (a digest's) is superseded when any kind was turned back on after it was written.
    const digestBefore = await unsubscribeToken(get().db, { accountId: lund.guardianAccount!.id, kind: 'all' }, new Date(time.now().getTime() - 60 * MINUTE));
    const latest = await stored(lund);
    expect((await stranger.post(`/unsubscribe/${digestBefore}`, {}, { csrf: false })).statusCode).toBe(409);
    expect(await stored(lund)).toEqual(latest);
    time.advance(MINUTE);
    const digestAfter = await unsubscribeToken(get().db, { accountId: lund.guardianAccount!.id, kind: 'all' }, time.now());
    expect((await stranger.post(`/unsubscribe/${digestAfter}`, {}, { csrf: false })).statusCode).toBe(200);
    expect((await storedChild(lund, id)).kinds.missing!.email).toBe(false);
  });

  it('writes a score’s points and percentage as the reader writes numbers, in the list and the email', async () => {
    await score(diaz.student, 'Lab 2', 29);
    await score(lund.student, 'Lab 1', 14.5);
    // 29 of 40 is 72.5 %; 14.5 of 20 is 72.5 %. CLDR's US Spanish (es-US, the portal's Spanish) and US
    // English write it the same way: a decimal point, the sign next to the number.
    const spanish = 'Ema: 29 de 40 (72.5%) en «Lab 2» de Chemistry.';
    const english = 'Kid: 14.5 of 20 (72.5%) on “Lab 1” in Chemistry.';
    // Lund turned email about scores off by the last test's link: turned on again here.
    const c = await signIn(lund);
    const form = formOf((await c.get('/account/notifications')).body);
    expect((await c.post('/account/notifications', { ...form, [`c${lund.student.id}-score-email`]: 'on' })).statusCode).toBe(303);
    const mailDiaz = await deliver(diaz.guardian.email, 'Ema: 29 de 40');
    expect(mailDiaz.text).toContain(spanish);
    const mailLund = smtp.messages.findLast((m) => m.to[0] === lund.guardian.email && m.text.includes('Kid: 14.5'));
    expect(mailLund?.text).toContain(english);
    expect(textOf((await (await signIn(diaz)).get('/notifications')).body)).toContain(spanish);
    expect(textOf((await (await signIn(lund)).get('/notifications')).body)).toContain(english);
  });
});
