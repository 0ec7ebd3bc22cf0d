/**
 * The district's settings area (issue 25): every group saves, every bad input is refused with its
 * message in English and Spanish and nothing saved, each change is audited with before and after,
 * only district administrators reach the pages, the lock-out rules, and a new nightly hour reaching
 * the scheduler without a restart. The district starts from settings written here by hand.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { loadDemo } from '../../src/domain/demo/load.js';
import { currentSchedules } from '../../src/jobs/registry.js';
import { startScheduler } from '../../src/jobs/scheduler.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { textOf } from '../support/html.js';
import { Client, clock } from '../support/http.js';

/** The district as each test starts: identity and the settings JSON, by hand. */
const IDENTITY = { name: 'Cedar Valley School District', short_name: 'Cedar Valley', portal_name: 'Cedar Valley Portal', color_primary: '#1a4480', color_secondary: '#8b1303', time_zone: 'America/Chicago' };
const STORED = {
  passwordMinLength: 12,
  schoolNetworks: ['198.51.100.0/24'],
  resources: [{ audience: 'parent', label: { en: 'Parent Resources', es: 'Recursos para padres' }, url: '/help/parents' }],
};

describeEachEngine('district settings', (get) => {
  let app: FastifyInstance;
  const time = clock('2026-12-01T15:00:00Z');
  const accounts: Record<string, string> = {};
  const passwords: Record<string, string> = {};

  beforeAll(async () => {
    await loadDemo(get(), { students: 12, seed: 25, startYear: 2026 });
    const row = await get().db.selectFrom('district').select('settings').executeTakeFirstOrThrow();
    for (const a of (JSON.parse(row.settings) as { demo: { accounts: { role: string; username: string; password: string }[] } }).demo.accounts) {
      accounts[a.role] ??= a.username;
      passwords[a.role] ??= a.password;
    }
    app = await makeApp(get(), { now: time.now });
  });
  afterAll(() => app.close());
  beforeEach(async () => {
    await get().db.updateTable('district').set({ ...IDENTITY, settings: JSON.stringify(STORED) }).execute();
    await get().db.deleteFrom('audit_log').where('action', '=', 'district.settings_changed').execute();
    await get().db.updateTable('user_accounts').set({ locale: 'en' }).where('username', '=', accounts.district_admin!).execute();
  });

  const as = async (role: string) => {
    // From a school network: a student's first password works only there.
    const c = new Client(app, {}, '198.51.100.7');
    await c.submit('/sign-in', { username: accounts[role]!, password: passwords[role]! });
    expect(c.last?.headers.location ?? textOf(c.last?.body ?? '').slice(0, 300), role).not.toMatch(/^\/sign-in/);
    return c;
  };
  const district = () => get().db.selectFrom('district').selectAll().executeTakeFirstOrThrow();
  const stored = async () => JSON.parse((await district()).settings) as Record<string, unknown>;
  const audits = () => get().db.selectFrom('audit_log').select(['actor_account_id', 'subject_type', 'details']).where('action', '=', 'district.settings_changed').execute();

  const SIGN_IN = {
    passwordMinLength: '14',
    sessionIdleMinutes: '20',
    sessionAbsoluteHours: '8',
    rememberDeviceDays: '7',
    activationKeyDays: '60',
    welcomeLinkDays: '10',
    initialStudentPassword: 'initials-dob',
    initialPasswordDays: '45',
    schoolNetworks: '10.20.0.0/16\r\n2600:1700:aa::/48',
    eSignaturePinEnabled: 'yes',
  };

  it('saves the sign-in group whole, and audits each change with its value before and after', async () => {
    const admin = await as('district_admin');
    const form = await admin.get('/admin/settings/sign-in');
    expect(form.statusCode).toBe(200);
    // Each setting: its value now and its default.
    expect(textOf(form.body)).toContain('Now: 12. Default: 12.');
    expect(textOf(form.body)).toContain('Now: 198.51.100.0/24. Default: none.');
    const saved = await admin.post('/admin/settings/sign-in', SIGN_IN);
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe('/admin/settings/sign-in?saved=1');
    expect(await stored()).toEqual({
      ...STORED,
      passwordMinLength: 14,
      sessionIdleMinutes: 20,
      sessionAbsoluteHours: 8,
      rememberDeviceDays: 7,
      activationKeyDays: 60,
      welcomeLinkDays: 10,
      initialPasswordDays: 45,
      schoolNetworks: ['10.20.0.0/16', '2600:1700:aa::/48'],
      eSignaturePinEnabled: true,
    });
    const [entry, ...more] = await audits();
    expect(more).toEqual([]);
    expect(JSON.parse(entry!.details!)).toEqual({
      group: 'sign-in',
      before: { passwordMinLength: 12, sessionIdleMinutes: 30, sessionAbsoluteHours: 12, rememberDeviceDays: 30, activationKeyDays: 30, welcomeLinkDays: 14, initialPasswordDays: 30, schoolNetworks: ['198.51.100.0/24'], eSignaturePinEnabled: false },
      after: { passwordMinLength: 14, sessionIdleMinutes: 20, sessionAbsoluteHours: 8, rememberDeviceDays: 7, activationKeyDays: 60, welcomeLinkDays: 10, initialPasswordDays: 45, schoolNetworks: ['10.20.0.0/16', '2600:1700:aa::/48'], eSignaturePinEnabled: true },
    });
    expect(entry!.subject_type).toBe('district');
    expect((await admin.get('/admin/settings/sign-in?saved=1')).body).toContain('Saved. Families see the new settings now.');
    // The same form again changes nothing and records nothing.
    await admin.get('/admin/settings/sign-in');
    expect((await admin.post('/admin/settings/sign-in', SIGN_IN)).headers.location).toBe('/admin/settings/sign-in?saved=0');
    expect(await audits()).toHaveLength(1);
  });

  it('saves the tools, families, schedule, identity, texts and resources groups', async () => {
    const admin = await as('district_admin');
    await admin.get('/admin/settings/tools');
    const on = ['today', 'grades', 'attendance', 'messages'];
    expect((await admin.post('/admin/settings/tools', Object.fromEntries(on.map((k) => [k, 'on'])))).statusCode).toBe(303);
    expect((await stored()).tools).toEqual({
      today: true, calendar: false, schedule: false, assignments: false, grades: true, attendance: true, reportCards: false, transcript: false, immunizations: false, documents: false, forms: false,
      messages: true, discussions: false, todo: false, payments: false,
    });

    await admin.get('/admin/settings/families');
    expect((await admin.post('/admin/settings/families', { guardiansKeepAccessAt18: 'no', guardiansReadDiscussions: 'no', graduationCredits: '26.5', maxScoreMultiple: '1.5', gradebookSource: 'sis', messageRepliesGuardians: 'no', messageRepliesStudents: 'no', messageRetentionYears: '7', mealLowBalanceDollars: '15', notifyGraceMinutes: '15', notifyQuietFrom: '21:00', notifyQuietTo: '07:00', notifyByEmail: 'yes', notifyByPush: 'yes' })).statusCode).toBe(303);
    const families = await stored();
    expect([families.guardiansKeepAccessAt18, families.guardiansReadDiscussions, families.graduationCredits, families.maxScoreMultiple, families.gradebookSource, families.messageRepliesGuardians, families.messageRepliesStudents, families.messageRetentionYears, families.mealLowBalanceDollars]).toEqual([false, false, 26.5, 1.5, 'sis', false, false, 7, 15]);

    await admin.get('/admin/settings/schedule');
    expect((await admin.post('/admin/settings/schedule', { importAt: '00:30', parentAccountsAt: '03:15' })).statusCode).toBe(303);
    expect([(await stored()).importAt, (await stored()).parentAccountsAt]).toEqual(['00:30', '03:15']);

    await admin.get('/admin/settings/identity');
    const identity = { name: 'Cedar Valley R-IV', shortName: 'CV R-IV', portalName: 'Cedar Portal', primary: '#005EA2', secondary: '#B50909', timeZone: 'America/Denver', helpEmail: 'Portal.Help@CedarValley.example.org' };
    expect((await admin.post('/admin/settings/identity', identity)).statusCode).toBe(303);
    const row = await district();
    expect([row.name, row.short_name, row.portal_name, row.color_primary, row.color_secondary, row.time_zone, row.help_email]).toEqual(['Cedar Valley R-IV', 'CV R-IV', 'Cedar Portal', '#005ea2', '#b50909', 'America/Denver', 'portal.help@cedarvalley.example.org']);
    // The theme families load has the new colour.
    expect((await new Client(app).get('/theme.css')).body).toContain('--hr-primary:#005ea2');

    await admin.get('/admin/settings/texts');
    const texts = { 'signInHelp-en': 'Call the office.\r\n\r\nWe answer by noon.', 'signInHelp-es': 'Llame a la oficina.', 'welcomeClosing-en': 'Questions? 555-0100.', 'welcomeClosing-es': '¿Preguntas? 555-0100.' };
    expect((await admin.post('/admin/settings/texts', texts)).statusCode).toBe(303);
    const s = await stored();
    expect([s.signInHelp, s.welcomeClosing]).toEqual([
      { en: 'Call the office.\n\nWe answer by noon.', es: 'Llame a la oficina.' },
      { en: 'Questions? 555-0100.', es: '¿Preguntas? 555-0100.' },
    ]);
    expect((await new Client(app).get('/help/sign-in')).body).toContain('<p>We answer by noon.</p>');

    await admin.get('/admin/settings/resources');
    const resources = {
      'link-0-audience': 'parent', 'link-0-en': 'Parent Resources', 'link-0-es': 'Recursos para padres', 'link-0-url': '/help/parents',
      'link-1-audience': 'student', 'link-1-en': 'Videos', 'link-1-es': 'Videos', 'link-1-url': 'https://videos.example.org/portal',
      'link-2-audience': 'parent', 'link-2-en': '', 'link-2-es': '', 'link-2-url': '',
      'parents-faq-es': '¿Dónde veo las notas?\nEn Calificaciones.',
    };
    expect((await admin.post('/admin/settings/resources', resources)).statusCode).toBe(303);
    const r = await stored();
    expect(r.resources).toEqual([
      { audience: 'parent', label: { en: 'Parent Resources', es: 'Recursos para padres' }, url: '/help/parents' },
      { audience: 'student', label: { en: 'Videos', es: 'Videos' }, url: 'https://videos.example.org/portal' },
    ]);
    expect((r.resourcePages as { parents: { faq: unknown } }).parents.faq).toEqual({ en: '', es: '¿Dónde veo las notas?\nEn Calificaciones.' });
    expect((await audits()).map((a) => (JSON.parse(a.details!) as { group: string }).group)).toEqual(['tools', 'families', 'schedule', 'identity', 'texts', 'resources']);
  });

  // [group, fields, field, English message, Spanish message]
  const BAD: [string, Record<string, string | string[]>, string, string, string][] = [
    ['sign-in', { ...SIGN_IN, passwordMinLength: '7' }, 'passwordMinLength', 'Enter a whole number from 8 to 64.', 'Escriba un número entero de 8 a 64.'],
    ['sign-in', { ...SIGN_IN, passwordMinLength: '65' }, 'passwordMinLength', 'Enter a whole number from 8 to 64.', 'Escriba un número entero de 8 a 64.'],
    ['sign-in', { ...SIGN_IN, sessionIdleMinutes: '12.5' }, 'sessionIdleMinutes', 'Enter a whole number from 5 to 480.', 'Escriba un número entero de 5 a 480.'],
    ['sign-in', { ...SIGN_IN, initialStudentPassword: 'birthday' }, 'initialStudentPassword', 'Choose one of the options.', 'Elija una de las opciones.'],
    ['sign-in', { ...SIGN_IN, eSignaturePinEnabled: ['yes', 'no'] }, 'eSignaturePinEnabled', 'This value is not valid.', 'Este valor no es válido.'],
    ['sign-in', { ...SIGN_IN, schoolNetworks: '10.20.0.0/33' }, 'schoolNetworks', '“10.20.0.0/33” is not an address range.', '“10.20.0.0/33” no es un rango de direcciones.'],
    ['sign-in', { ...SIGN_IN, schoolNetworks: '0.0.0.0/0' }, 'schoolNetworks', '0.0.0.0/0 is wider than a school network: use a prefix of at least /8.', '0.0.0.0/0 es más amplio que una red escolar: use un prefijo de al menos /8.'],
    ['families', { guardiansKeepAccessAt18: 'yes', guardiansReadDiscussions: 'yes', graduationCredits: '101', maxScoreMultiple: '2', gradebookSource: 'homeroom', messageRepliesGuardians: 'yes', messageRepliesStudents: 'yes', messageRetentionYears: '5', mealLowBalanceDollars: '10', notifyGraceMinutes: '15', notifyQuietFrom: '21:00', notifyQuietTo: '07:00', notifyByEmail: 'yes', notifyByPush: 'yes' }, 'graduationCredits', 'Enter a number from 1 to 100 (at most two decimals).', 'Escriba un número de 1 a 100 (con dos decimales como máximo).'],
    ['families', { guardiansKeepAccessAt18: 'yes', guardiansReadDiscussions: 'yes', graduationCredits: '24', maxScoreMultiple: '2', gradebookSource: 'excel', messageRepliesGuardians: 'yes', messageRepliesStudents: 'yes', messageRetentionYears: '5', mealLowBalanceDollars: '10', notifyGraceMinutes: '15', notifyQuietFrom: '21:00', notifyQuietTo: '07:00', notifyByEmail: 'yes', notifyByPush: 'yes' }, 'gradebookSource', 'Choose one of the options.', 'Elija una de las opciones.'],
    ['families', { guardiansKeepAccessAt18: 'yes', guardiansReadDiscussions: 'yes', graduationCredits: '24', maxScoreMultiple: '2', gradebookSource: 'homeroom', messageRepliesGuardians: 'yes', messageRepliesStudents: 'yes', messageRetentionYears: '0', mealLowBalanceDollars: '10', notifyGraceMinutes: '15', notifyQuietFrom: '21:00', notifyQuietTo: '07:00', notifyByEmail: 'yes', notifyByPush: 'yes' }, 'messageRetentionYears', 'Enter a whole number from 1 to 20.', 'Escriba un número entero de 1 a 20.'],
    ['schedule', { importAt: '24:00', parentAccountsAt: '02:00' }, 'importAt', 'Enter a time as HH:MM on a 24-hour clock, such as 02:00.', 'Escriba una hora como HH:MM en reloj de 24 horas, por ejemplo 02:00.'],
    ['schedule', { importAt: '01:00', parentAccountsAt: '2am' }, 'parentAccountsAt', 'Enter a time as HH:MM on a 24-hour clock, such as 02:00.', 'Escriba una hora como HH:MM en reloj de 24 horas, por ejemplo 02:00.'],
    // White text on #4c9b4c: luminance 0.2550 by hand, (1.05)/(0.2550+0.05) = 3.44:1; #ffcc00 on white: 1.51:1
    ['identity', { name: 'X', shortName: 'X', portalName: 'X', primary: '#4c9b4c', secondary: '#8b1303', timeZone: 'America/Chicago', helpEmail: 'help@cedarvalley.example.org' }, 'primary', 'White text on #4c9b4c has a contrast of 3.44:1; it needs at least 4.5:1.', 'El texto blanco sobre #4c9b4c tiene un contraste de 3.44:1; se necesita al menos 4.5:1.'],
    ['identity', { name: 'X', shortName: 'X', portalName: 'X', primary: '#1a4480', secondary: '#ffcc00', timeZone: 'America/Chicago', helpEmail: 'help@cedarvalley.example.org' }, 'secondary', '#ffcc00 on the white page has a contrast of 1.51:1; it needs at least 3:1.', '#ffcc00 sobre la página blanca tiene un contraste de 1.51:1; se necesita al menos 3:1.'],
    ['identity', { name: 'X', shortName: 'X', portalName: 'X', primary: 'navy', secondary: '#8b1303', timeZone: 'America/Chicago', helpEmail: 'help@cedarvalley.example.org' }, 'primary', 'Enter a colour as # and six hexadecimal digits, such as #1a4480.', 'Escriba un color como # y seis dígitos hexadecimales, por ejemplo #1a4480.'],
    ['identity', { name: 'X', shortName: 'X', portalName: 'X', primary: '#1a4480', secondary: '#8b1303', timeZone: 'America/Chicago', helpEmail: 'help at cedarvalley' }, 'helpEmail', 'Enter an email address like name@example.com.', 'Ingrese un correo electrónico como nombre@ejemplo.com.'],
    ['identity', { name: 'X', shortName: 'X', portalName: 'X', primary: '#1a4480', secondary: '#8b1303', timeZone: 'America/Springfield', helpEmail: 'help@cedarvalley.example.org' }, 'timeZone', '“America/Springfield” is not a time zone name.', '“America/Springfield” no es el nombre de una zona horaria.'],
    ['identity', { name: '  ', shortName: 'X', portalName: 'X', primary: '#1a4480', secondary: '#8b1303', timeZone: 'America/Chicago', helpEmail: 'help@cedarvalley.example.org' }, 'name', 'This field is required.', 'Este campo es obligatorio.'],
    ['texts', { 'signInHelp-en': 'x'.repeat(4001), 'signInHelp-es': 'bien' }, 'signInHelp-en', 'Write at most 4000 characters.', 'Escriba como máximo 4000 caracteres.'],
    ['texts', { 'signInHelp-en': 'ok', 'signInHelp-es': 'Llame\u0007 a la oficina.' }, 'signInHelp-es', 'This contains characters that are not allowed.', 'Contiene caracteres que no están permitidos.'],
    ['resources', { 'link-0-audience': 'parent', 'link-0-en': 'Help', 'link-0-es': '', 'link-0-url': '/help/parents' }, 'link-0-es', 'This field is required.', 'Este campo es obligatorio.'],
    ['resources', { 'link-0-audience': 'parent', 'link-0-en': 'Help', 'link-0-es': 'Ayuda', 'link-0-url': 'javascript:alert(1)' }, 'link-0-url', 'Enter an address that starts with https:// or a portal page that starts with /.', 'Escriba una dirección que empiece con https:// o una página del portal que empiece con /.'],
    ['resources', { 'link-0-audience': 'parent', 'link-0-en': 'Help', 'link-0-es': 'Ayuda', 'link-0-url': 'http://plain.example.org/' }, 'link-0-url', 'Enter an address that starts with https:// or a portal page that starts with /.', 'Escriba una dirección que empiece con https:// o una página del portal que empiece con /.'],
  ];

  it('refuses each bad input with a message at its field, in English and Spanish, and saves nothing', async () => {
    const admin = await as('district_admin');
    const before = await district();
    for (const locale of ['en', 'es'] as const) {
      await get().db.updateTable('user_accounts').set({ locale }).where('username', '=', accounts.district_admin!).execute();
      for (const [group, fields, field, en, es] of BAD) {
        await admin.get(`/admin/settings/${group}`);
        const res = await admin.post(`/admin/settings/${group}`, fields);
        const label = `${locale} ${group} ${field}`;
        expect(res.statusCode, label).toBe(400);
        const message = new RegExp(`id="${field}-error"[^>]*>([^<]*)<`).exec(res.body)?.[1]?.replaceAll('&quot;', '"') ?? '';
        expect(message, label).toContain(locale === 'en' ? en : es);
        // The error summary links to the field.
        expect(res.body, label).toContain(`href="#${field}"`);
      }
    }
    expect(await district()).toEqual(before);
    expect(await audits()).toEqual([]);
  });

  it('refuses what would lock people out', async () => {
    const admin = await as('district_admin');
    const before = await district();
    // Every range a documentation example or this machine: with first passwords from initials and
    // birth date usable only at school, no new student could sign in anywhere.
    await admin.get('/admin/settings/sign-in');
    const nowhere = await admin.post('/admin/settings/sign-in', { ...SIGN_IN, schoolNetworks: '192.0.2.0/24\n127.0.0.1\n2001:db8:1::/48' });
    expect(nowhere.statusCode).toBe(400);
    expect(textOf(nowhere.body)).toContain('No school computer can have an address in these ranges');
    // Every tool off: families could sign in and open nothing.
    await admin.get('/admin/settings/tools');
    const noTools = await admin.post('/admin/settings/tools', { messages: 'on' });
    expect(noTools.statusCode).toBe(400);
    expect(textOf(noTools.body)).toContain('Leave at least one tool on');
    expect(await district()).toEqual(before);
    // The same ranges are harmless when first passwords are random (they only loosen throttling there), and one real range is enough.
    await admin.get('/admin/settings/sign-in');
    expect((await admin.post('/admin/settings/sign-in', { ...SIGN_IN, initialStudentPassword: 'random', schoolNetworks: '192.0.2.0/24' })).statusCode).toBe(303);
    await admin.get('/admin/settings/sign-in');
    expect((await admin.post('/admin/settings/sign-in', { ...SIGN_IN, schoolNetworks: '192.0.2.0/24\n10.1.0.0/16' })).statusCode).toBe(303);
  });

  it('previews new colours without saving them, with their contrast', async () => {
    const admin = await as('district_admin');
    const before = await district();
    await admin.get('/admin/settings/identity');
    const fields = { name: 'Cedar Valley School District', shortName: 'Cedar Valley', portalName: 'Cedar Valley Portal', primary: '#0071bc', secondary: '#8b1303', timeZone: 'America/Chicago', helpEmail: 'help@cedarvalley.example.org', action: 'preview' };
    const preview = await admin.post('/admin/settings/identity', fields);
    expect(preview.statusCode).toBe(200);
    // #0071bc: luminance 0.1544 → (1.05)/(0.2044) = 5.13:1 (hand-worked; shown rounded down)
    expect(textOf(preview.body)).toContain('White text on #0071bc: contrast 5.13:1');
    expect(preview.body).toContain('href="/admin/settings/identity/preview.css?primary=%230071bc&amp;secondary=%238b1303"');
    expect(await district()).toEqual(before);
    const css = await admin.get('/admin/settings/identity/preview.css?primary=%230071bc&secondary=%238b1303');
    expect(css.body).toContain('.hr-preview{--hr-primary:#0071bc;');
    expect((await admin.get('/admin/settings/identity/preview.css?primary=%23ffff00&secondary=%238b1303')).statusCode).toBe(400);
    // The sign-in help preview, both languages.
    await admin.get('/admin/settings/texts');
    const texts = await admin.post('/admin/settings/texts', { 'signInHelp-en': 'Ask the office.', 'signInHelp-es': 'Pregunte en la oficina.', action: 'preview' });
    expect(texts.statusCode).toBe(200);
    expect(textOf(texts.body)).toContain('Ask the office.');
    expect(textOf(texts.body)).toContain('Pregunte en la oficina.');
    expect(await district()).toEqual(before);
  });

  it('lets only district administrators reach every settings route', async () => {
    const routes: [string, string, Record<string, string>?][] = [
      ['GET', '/admin/settings'],
      ['GET', '/admin/sign-in-help'],
      ['GET', '/admin/settings/identity/preview.css?primary=%231a4480&secondary=%238b1303'],
      ...['sign-in', 'tools', 'families', 'identity', 'texts', 'resources', 'schedule'].flatMap((g): [string, string, Record<string, string>?][] => [
        ['GET', `/admin/settings/${g}`],
        ['POST', `/admin/settings/${g}`, { today: 'on', passwordMinLength: '20' }],
      ]),
    ];
    const before = await district();
    const roles = ['student', 'parent', 'teacher', 'office', 'counselor', 'nurse'];
    for (const role of [null, ...roles]) {
      const c = role ? await as(role) : new Client(app);
      for (const [method, url, body] of routes) {
        if (!role) await c.get('/sign-in');
        const res = method === 'GET' ? await c.get(url) : await c.post(url, body ?? {});
        // A student still on their first password is sent on (to choose one, or to sign in again), like on every staff page.
        const label = `${role ?? 'anonymous'} ${method} ${url}`;
        if (!role) expect([res.statusCode, res.headers.location], label).toEqual([303, expect.stringMatching(/^\/sign-in/)]);
        else if (res.statusCode === 303 && role === 'student') expect(res.headers.location, label).toMatch(/^\/(account|sign-in)/);
        else expect(res.statusCode, label).toBe(403);
      }
    }
    expect(await district()).toEqual(before);
    const admin = await as('district_admin');
    for (const [, url] of routes.filter(([m]) => m === 'GET')) {
      const res = await admin.get(url);
      expect(res.statusCode, url).toBe(url === '/admin/sign-in-help' ? 302 : 200);
    }
    expect((await admin.get('/admin/sign-in-help')).headers.location).toBe('/admin/settings/texts');
    expect((await admin.get('/admin/settings/nope')).statusCode).toBe(404);
    expect((await admin.get('/home')).body).toContain('href="/admin/settings"');
  });

  it('reschedules the nightly jobs when their hour or the time zone changes, without a restart', async () => {
    const NOW = new Date('2026-12-01T15:00:00Z');
    const scheduler = startScheduler({ db: get().db, schedules: await currentSchedules(get().db, '/srv/sis'), now: () => NOW });
    try {
      const next = () => Object.fromEntries(scheduler.upcoming(NOW).map((u) => [u.kind, u.at?.toISOString()]));
      // Defaults: 02:00 and 01:00 in Chicago (UTC−6 in December) → 08:00 and 07:00 UTC on 2 December.
      expect(next()).toEqual({ 'accounts.housekeeping': '2026-12-01T15:10:00.000Z', 'notifications.run': '2026-12-01T15:01:00.000Z', 'push.deliver': '2026-12-01T15:10:00.000Z', 'accounts.generate': '2026-12-02T08:00:00.000Z', 'oneroster.nightly': '2026-12-02T07:00:00.000Z' });
      const admin = await as('district_admin');
      await admin.get('/admin/settings/schedule');
      await admin.post('/admin/settings/schedule', { importAt: '23:45', parentAccountsAt: '04:30' });
      scheduler.update(await currentSchedules(get().db, '/srv/sis'));
      // 04:30 Chicago = 10:30 UTC; 23:45 Chicago on 1 December = 05:45 UTC on 2 December.
      expect(next()).toEqual({ 'accounts.housekeeping': '2026-12-01T15:10:00.000Z', 'notifications.run': '2026-12-01T15:01:00.000Z', 'push.deliver': '2026-12-01T15:10:00.000Z', 'accounts.generate': '2026-12-02T10:30:00.000Z', 'oneroster.nightly': '2026-12-02T05:45:00.000Z' });
      await admin.get('/admin/settings/identity');
      await admin.post('/admin/settings/identity', { name: 'Cedar Valley School District', shortName: 'Cedar Valley', portalName: 'Cedar Valley Portal', primary: '#1a4480', secondary: '#8b1303', timeZone: 'America/New_York', helpEmail: 'help@cedarvalley.example.org' });
      scheduler.update(await currentSchedules(get().db, '/srv/sis'));
      // New York is UTC−5 in December: 04:30 → 09:30 UTC; 23:45 → 04:45 UTC.
      expect(next()).toEqual({ 'accounts.housekeeping': '2026-12-01T15:10:00.000Z', 'notifications.run': '2026-12-01T15:01:00.000Z', 'push.deliver': '2026-12-01T15:10:00.000Z', 'accounts.generate': '2026-12-02T09:30:00.000Z', 'oneroster.nightly': '2026-12-02T04:45:00.000Z' });
    } finally {
      scheduler.stop();
    }
  });

  it('shows the Resources pages to families, the district’s texts or the shipped ones, and “Tell me more!” on the sign-in page', async () => {
    const signIn = await new Client(app).get('/sign-in');
    expect(signIn.body).toMatch(/<a href="\/help\/parents#getting-started">Tell me more!<span class="usa-sr-only"> \(about activation keys and accounts\)<\/span><\/a>/);
    const english = textOf((await new Client(app).get('/help/parents')).body);
    expect(english).toContain('Getting started');
    expect(english).toContain('Do I need several accounts?');
    const admin = await as('district_admin');
    await admin.get('/admin/settings/resources');
    await admin.post('/admin/settings/resources', { 'link-0-audience': 'parent', 'link-0-en': 'Parent Resources', 'link-0-es': 'Recursos para padres', 'link-0-url': '/help/parents', 'parents-faq-es': '¿Hay clases el lunes?\nSí, a las 8.' });
    const parent = await as('parent');
    await get().db.updateTable('user_accounts').set({ locale: 'es' }).where('username', '=', accounts.parent!).execute();
    const spanish = (await parent.get('/help/parents')).body;
    expect(spanish).toContain('<h3>¿Hay clases el lunes?</h3><p>Sí, a las 8.</p>');
    expect(spanish).toContain('Primeros pasos');
    // English readers keep the shipped questions: the district wrote only the Spanish ones.
    expect(textOf((await new Client(app).get('/help/parents')).body)).toContain('Do I need several accounts?');
    await get().db.updateTable('user_accounts').set({ locale: 'en' }).where('username', '=', accounts.parent!).execute();
  });
});
