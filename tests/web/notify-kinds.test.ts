/**
 * The notifications about a person, over HTTP on both engines (issue 22, ADRs 0041 and 0049):
 * - a sign-in from a new device: an email through a real SMTP conversation (no unsubscribe link or
 *   header: it is always on), read end to end in English and Spanish; a known device sends nothing;
 * - a new announcement, published by the office for its school and by the district: told once to the
 *   school's students and guardians with portal rights (the district's: to everyone), in each reader's
 *   language, when its start day comes; the sign-in page's tells nobody;
 * - a form to sign, published by the office: told once to the guardians with portal rights to a student
 *   it concerns, opening that child's form; students and other schools' families are not told.
 *
 * People: Ann Lund (English) and her son Kid, Rosa Díaz (Spanish) and her daughter Ema — both at the
 * world's high school; Carl Noel, whose link to Nina (same school) gives no portal access; and Mia Park
 * at the middle school with her son Leo. The district is in Chicago; 12:00 there is 18:00 UTC.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runNotifications } from '../../src/domain/notifications/service.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, otherSchool, schoolYear, staffMember, type Family, type StaffFixture, type World } from '../support/factories.js';
import { textOf } from '../support/html.js';
import { Client, clock, DAY } from '../support/http.js';
import { runJobs } from '../support/jobs.js';
import { startSmtp, type ReceivedMail, type TestSmtp } from '../support/smtp.js';

const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const CHROME_ANDROID = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36';
const SAFARI_IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

describeEachEngine('notification kinds: a new device, an announcement, a form to sign', (get) => {
  let app: FastifyInstance;
  let smtp: TestSmtp;
  let world: World;
  let ann: Family;
  let rosa: Family;
  let carl: Family;
  let mia: Family;
  let office: StaffFixture;
  let admin: StaffFixture;
  const time = clock('2027-02-09T18:00:00Z');

  beforeAll(async () => {
    const db = get().db;
    world = await schoolYear(db, { today: '2027-02-09' });
    ann = await guardianWithChild(db, world, { student: { first: 'Kid', last: 'Lund' }, guardian: { first: 'Ann', last: 'Lund' } });
    rosa = await guardianWithChild(db, world, { student: { first: 'Ema', last: 'Díaz' }, guardian: { first: 'Rosa', last: 'Díaz' }, email: 'rosa.diaz@fixture.example.com', locale: 'es' });
    carl = await guardianWithChild(db, world, { student: { first: 'Nina', last: 'Noel' }, guardian: { first: 'Carl', last: 'Noel' }, portalAccess: false });
    mia = await guardianWithChild(db, world, { student: { first: 'Leo', last: 'Park' }, guardian: { first: 'Mia', last: 'Park' } });
    const middle = await otherSchool(db);
    await db.updateTable('students').set({ school_id: middle.id }).where('id', '=', mia.student.id).execute();
    office = await staffMember(db, world, { first: 'Olga', last: 'Office', roles: [{ role: 'office' }] });
    admin = await staffMember(db, world, { first: 'Dana', last: 'District', roles: [{ role: 'district_admin', schoolId: null }] });
    smtp = await startSmtp();
    app = await makeApp(get(), { now: time.now, smtpUrl: smtp.url });
  });
  afterAll(async () => {
    await app.close();
    await smtp.close();
  });

  const run = () => runNotifications(get(), { now: time.now(), baseUrl: 'http://portal.test', queuePush: null });
  const deliver = async () => {
    await run();
    await app.services.mailer.flush();
  };
  /** The emails received so far that match, once the SMTP server has parsed what was sent. */
  const settled = async (match: (m: ReceivedMail) => boolean) => {
    await new Promise((r) => setTimeout(r, 300));
    return smtp.messages.filter(match);
  };
  /** Waits for the first email that matches. */
  const mailWhere = async (match: (m: ReceivedMail) => boolean) => {
    const until = Date.now() + 10_000;
    for (;;) {
      const found = smtp.messages.find(match);
      if (found) return found;
      if (Date.now() > until) throw new Error(`no such email among: ${smtp.messages.map((m) => `${m.to[0]} ${m.subject}`).join('; ')}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  /** A sign-in from a browser; the browser keeps its cookies (the device's among them) and is signed out first. */
  const signIn = async (who: { username: string; password: string }, browser: Client) => {
    if (browser.cookies.size > 0) {
      await browser.get('/home');
      await browser.post('/sign-out', {});
    }
    const res = await browser.submit('/sign-in', { username: who.username, password: who.password });
    expect(res.statusCode, who.username).toBe(303);
    return browser;
  };
  /** One browser per person for the pages these tests read (a known device after its first sign-in). */
  const browsers = new Map<string, Client>();
  const as = async (who: { username: string; password: string }) => {
    let c = browsers.get(who.username);
    if (!c) browsers.set(who.username, (c = new Client(app, { 'user-agent': FIREFOX_LINUX })));
    if ((await c.get('/home')).statusCode !== 200) await signIn(who, c);
    return c;
  };
  const entries = async (accountId: number, kind: string) =>
    get().db.selectFrom('notifications').select(['key', 'params', 'url', 'student_id']).where('account_id', '=', accountId).where('kind', '=', kind).orderBy('id').execute();
  const headers = (mail: ReceivedMail) => new Map(mail.raw.headerLines.map((h) => [h.key, h.line.replace(/\r\n\s+/g, ' ')]));
  const everyone = () => [ann, rosa, carl, mia].flatMap((f) => [f.guardianAccount!.id, f.studentAccount!.id]);
  const toldOf = async (kind: string) =>
    (await get().db.selectFrom('notifications').select('account_id').where('kind', '=', kind).where('account_id', 'in', everyone()).orderBy('account_id').execute()).map((r) => r.account_id);
  const ascending = (ids: number[]) => [...ids].sort((a, b) => a - b);
  const NEW_SIGN_IN = 'New sign-in to your account';

  it('tells a sign-in from a new device by email at once, with no unsubscribe, and nothing for a known device', async () => {
    const who = ann.guardianAccount!;
    // Ann's first sign-in ever: there is no other device to warn, so nothing is told.
    const laptop = await signIn(who, new Client(app, { 'user-agent': FIREFOX_LINUX }));
    browsers.set(who.username, laptop);
    // The same laptop again (its device cookie kept): still nothing.
    await signIn(who, laptop);
    expect(await entries(who.id, 'newDevice')).toEqual([]);
    // A phone that never signed in to Ann's account.
    const phone = await signIn(who, new Client(app, { 'user-agent': CHROME_ANDROID }));
    const told = await entries(who.id, 'newDevice');
    expect(told).toHaveLength(1);
    expect(told[0]!.url).toBe('/account#sessions-heading');

    await deliver();
    const mail = await mailWhere((m) => m.to[0] === ann.guardian.email);
    expect(await settled(() => true)).toHaveLength(1);
    expect(mail.subject).toBe(NEW_SIGN_IN);
    // The whole text, as Ann reads it (Intl writes a narrow no-break space before PM).
    const text = mail.text.replace(/\u202f/g, ' ');
    expect(text).toContain(
      `Your account ${ann.guardian.email} was signed in to on February 9, 2027 at 12:00 PM from a browser or device it had not been used on before (Chrome / Android). If this was you, there is nothing to do. If it was not, change your password now, sign out the other devices in Account Settings and contact your school.`,
    );
    expect(text).toMatch(/See where your account is signed in, in [^\n]+:\nhttp:\/\/portal\.test\/account#sessions-heading/);
    // Always on: no unsubscribe, neither the link nor RFC 8058's headers.
    expect(text.toLowerCase()).not.toContain('unsubscribe');
    expect(mail.html.toLowerCase()).not.toContain('unsubscribe');
    expect(headers(mail).has('list-unsubscribe')).toBe(false);
    expect(headers(mail).has('list-unsubscribe-post')).toBe(false);
    // In the list too, under the bell.
    expect(textOf((await phone.get('/notifications')).body)).toContain(NEW_SIGN_IN);

    // The phone and the laptop again: known devices, nothing more — not in the list, not by email.
    time.advance(60_000);
    await signIn(who, phone);
    await signIn(who, laptop);
    await deliver();
    expect(await entries(who.id, 'newDevice')).toHaveLength(1);
    expect(await settled((m) => m.subject === NEW_SIGN_IN)).toHaveLength(1);
  });

  it('writes the new-device email in Spanish for a Spanish-speaking guardian', async () => {
    // (a minute after the first test's sign-ins: 18:01 UTC, 12:01 in Chicago)
    const who = rosa.guardianAccount!;
    browsers.set(who.username, await signIn(who, new Client(app, { 'user-agent': FIREFOX_LINUX })));
    await signIn(who, new Client(app, { 'user-agent': SAFARI_IPHONE }));
    await deliver();
    const mail = await mailWhere((m) => m.to[0] === rosa.guardian.email);
    expect(mail.subject).toBe('Nuevo inicio de sesión en su cuenta');
    const text = mail.text.replace(/\u202f/g, ' ');
    expect(text).toContain(
      `Se inició sesión en su cuenta ${rosa.guardian.email} el 9 de febrero de 2027 a las 12:01 p.m. desde un navegador o dispositivo que no se había usado antes con ella (Safari / iOS). Si fue usted, no tiene que hacer nada. Si no fue usted, cambie su contraseña ahora, cierre la sesión en los demás dispositivos en la Configuración de la cuenta y comuníquese con su escuela.`,
    );
    expect(text).toMatch(/Vea dónde está abierta su cuenta, en [^\n]+:\nhttp:\/\/portal\.test\/account#sessions-heading/);
    expect(headers(mail).has('list-unsubscribe')).toBe(false);
  });

  it('tells a school announcement once, on its start day, to the school’s students and guardians with portal rights, in their language', async () => {
    const staff = await as(office.account!);
    const notice = { titleEn: 'Early release Friday', bodyEn: 'School ends at 12:30.', titleEs: 'Salida temprana el viernes', bodyEs: 'Las clases terminan a las 12:30.', end: '2027-02-19', intent: 'publish' };
    await staff.get('/staff/announcements');
    // One from tomorrow, one from today; and one for the sign-in page only.
    expect((await staff.post('/staff/announcements', { ...notice, target: String(world.school.id), start: '2027-02-10', titleEn: 'Book fair', titleEs: 'Feria del libro' })).statusCode).toBe(303);
    expect((await staff.post('/staff/announcements', { ...notice, target: String(world.school.id), start: '2027-02-09' })).statusCode).toBe(303);
    const district = await as(admin.account!);
    await district.get('/staff/announcements');
    expect((await district.post('/staff/announcements', { ...notice, target: 'signIn', start: '2027-02-09', titleEn: 'Portal maintenance', titleEs: 'Mantenimiento' })).statusCode).toBe(303);
    const [bookFair, earlyRelease, signInPage] = (await get().db.selectFrom('announcements').select('id').orderBy('id').execute()).map((a) => a.id);

    await deliver();
    // Today's: the high school's three students and the two guardians with portal rights (not Carl; not the middle school).
    const school = ascending([ann.guardianAccount!.id, ann.studentAccount!.id, rosa.guardianAccount!.id, rosa.studentAccount!.id, carl.studentAccount!.id]);
    expect(await toldOf('announcement')).toEqual(school);
    const [english] = await entries(ann.guardianAccount!.id, 'announcement');
    expect(english!.key).toBe(`announcement:${earlyRelease}`);
    expect(english!.url).toBe('/messages');
    const annList = textOf((await (await as(ann.guardianAccount!)).get('/notifications')).body);
    expect(annList).toContain('New announcement: Early release Friday');
    expect(annList).toContain(`${world.school.name} posted an announcement: “Early release Friday”.`);
    // Rosa reads hers in Spanish, by email too, with the one-click unsubscribe of this kind.
    const spanish = await mailWhere((m) => m.to[0] === rosa.guardian.email && m.subject.startsWith('Anuncio'));
    expect(spanish.subject).toBe('Anuncio nuevo: Salida temprana el viernes');
    expect(spanish.text).toContain(`${world.school.name} publicó un anuncio: «Salida temprana el viernes».`);
    expect(spanish.text).toContain('http://portal.test/messages');
    expect(headers(spanish).get('list-unsubscribe')).toMatch(/^List-Unsubscribe: <http:\/\/portal\.test\/unsubscribe\/\d+\.announcement\.\d+\.\d+\.[A-Za-z0-9_-]{43}>$/);
    expect(headers(spanish).get('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    const rosaList = textOf((await (await as(rosa.guardianAccount!)).get('/notifications')).body);
    expect(rosaList).toContain('Anuncio nuevo: Salida temprana el viernes');
    // Every one of them with a confirmed address got one email, once.
    const announced = (m: ReceivedMail) => m.subject.includes('Early release') || m.subject.includes('Salida temprana');
    await mailWhere((m) => announced(m) && m.to[0] === `${carl.studentAccount!.username}@students.fixture.example.org`);
    expect((await settled(announced)).length).toBe(5);

    // Run again: nothing new. Tomorrow: the book fair, to the same people, once.
    time.advance(60_000);
    await deliver();
    expect(await toldOf('announcement')).toEqual(school);
    time.advance(DAY);
    await deliver();
    await deliver();
    expect(await toldOf('announcement')).toEqual(ascending([...school, ...school]));
    expect((await settled(announced)).length).toBe(5);
    // The sign-in page's announcement told nobody, and is marked so.
    const marks = await get().db.selectFrom('notification_announcements').select(['announcement_id', 'recipients']).orderBy('announcement_id').execute();
    expect(marks).toEqual([
      { announcement_id: bookFair, recipients: 5 },
      { announcement_id: earlyRelease, recipients: 5 },
      { announcement_id: signInPage, recipients: 0 },
    ]);
  });

  it('tells a district announcement to every student and every guardian with portal rights', async () => {
    const district = await as(admin.account!);
    await district.get('/staff/announcements');
    const res = await district.post('/staff/announcements', {
      target: 'district',
      titleEn: 'Snow day Thursday',
      bodyEn: 'No school on Thursday.',
      titleEs: 'Día de nieve el jueves',
      bodyEs: 'No hay clases el jueves.',
      start: '2027-02-10',
      end: '2027-02-11',
      intent: 'publish',
    });
    expect(res.statusCode).toBe(303);
    await deliver();
    const id = (await get().db.selectFrom('announcements').select('id').where('school_id', 'is', null).where('public', '=', 0).executeTakeFirstOrThrow()).id;
    const told = (await get().db.selectFrom('notifications').select('account_id').where('key', '=', `announcement:${id}`).where('account_id', 'in', everyone()).orderBy('account_id').execute()).map((r) => r.account_id);
    expect(told).toEqual(ascending([...[ann, rosa, mia].flatMap((f) => [f.guardianAccount!.id, f.studentAccount!.id]), carl.studentAccount!.id]));
    // Mia, at the middle school, reads it too.
    await mailWhere((m) => m.to[0] === mia.guardian.email && m.subject === 'New announcement: Snow day Thursday');
  });

  it('tells a published form to the guardians with portal rights to a student it concerns, once, opening that child’s form', async () => {
    const staff = await as(office.account!);
    const made = await staff.submit('/staff/forms/new', {
      schoolId: String(world.school.id),
      gradeLevel: '',
      titleEn: 'Photo release',
      titleEs: 'Permiso de fotos',
      bodyEn: 'May the school publish photos of your child?',
      bodyEs: '¿Puede la escuela publicar fotos de su hijo?',
      dueDate: '2027-02-20',
      'field1.kind': 'checkbox',
      'field1.labelEn': 'Yes',
      'field1.labelEs': 'Sí',
    });
    expect(made.statusCode).toBe(303);
    const formId = Number(/(\d+)$/.exec(made.headers.location as string)![1]);
    // A draft tells no one.
    await runJobs(get(), time.now);
    expect(await toldOf('form')).toEqual([]);
    await staff.get(`/staff/forms/${formId}`);
    expect((await staff.post(`/staff/forms/${formId}/publish`, {})).statusCode).toBe(303);
    await runJobs(get(), time.now);
    await runJobs(get(), time.now);
    // Ann and Rosa; not Carl (no portal access), not Mia (another school), no student.
    expect(await toldOf('form')).toEqual(ascending([ann.guardianAccount!.id, rosa.guardianAccount!.id]));
    const [annForm] = await entries(ann.guardianAccount!.id, 'form');
    expect(annForm!.url).toBe(`/students/${ann.student.id}/forms/${formId}`);
    expect(annForm!.student_id).toBe(ann.student.id);

    await deliver();
    const english = await mailWhere((m) => m.to[0] === ann.guardian.email && m.subject.startsWith('Form to sign'));
    expect(english.subject).toBe('Form to sign: Photo release');
    expect(english.text).toContain(`${world.school.name} asks you to sign “Photo release”. It is due February 20, 2027.`);
    expect(english.text).toContain(`http://portal.test/students/${ann.student.id}/forms/${formId}`);
    expect(headers(english).get('list-unsubscribe')).toMatch(/\.form\.\d+\.\d+\.[A-Za-z0-9_-]{43}>$/);
    const spanish = await mailWhere((m) => m.to[0] === rosa.guardian.email && m.subject.startsWith('Formulario'));
    expect(spanish.subject).toBe('Formulario para firmar: Permiso de fotos');
    expect(spanish.text).toContain(`${world.school.name} le pide que firme «Permiso de fotos». Vence el 20 de febrero de 2027.`);
    // The entry opens the form.
    const browser = await as(ann.guardianAccount!);
    const list = await browser.get('/notifications');
    const entry = /\/notifications\/(\d+)\/open"[^>]*>Form to sign: Photo release/.exec(list.body);
    expect(entry).not.toBeNull();
    const opened = await browser.get(`/notifications/${entry![1]}/open`);
    expect(opened.headers.location).toBe(`/students/${ann.student.id}/forms/${formId}`);
    expect((await browser.get(opened.headers.location as string)).statusCode).toBe(200);
  });

  it('offers both kinds in Notification Settings, a form to sign to guardians only', async () => {
    const page = textOf((await (await as(ann.guardianAccount!)).get('/account/notifications')).body);
    expect(page).toContain('New announcements from the school or the district');
    expect(page).toContain('Forms to sign');
    const kidPage = textOf((await (await as(ann.studentAccount!)).get('/account/notifications')).body);
    expect(kidPage).toContain('New announcements from the school or the district');
    expect(kidPage).not.toContain('Forms to sign');
  });
});
