/**
 * Notification Settings' bad inputs, field by field, on both engines (issue 22): every field the form
 * reads answers a value it cannot take with 400 and its own message beside it — in English for an
 * English-speaking guardian, in Spanish for a Spanish-speaking one — and nothing is saved. The
 * messages are the catalogs' words, written out here.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, schoolYear, type Family } from '../support/factories.js';
import { Client, clock, formVersion } from '../support/http.js';

const MESSAGES = {
  en: {
    percent: 'Enter a percentage from 0 to 100, such as 70, or leave it empty.',
    aboveBelow: 'The “rises above” percentage must be higher than the “falls below” one.',
    time: 'Enter a time as HH:MM on a 24-hour clock, such as 21:00.',
    sameTime: 'Quiet hours must end at another time than they start.',
    choice: 'Choose one of the options.',
    timeZone: 'Choose a time zone from the list.',
  },
  es: {
    percent: 'Escriba un porcentaje de 0 a 100, como 70, o déjelo vacío.',
    aboveBelow: 'El porcentaje de «sube de» debe ser mayor que el de «baja de».',
    time: 'Escriba una hora como HH:MM en formato de 24 horas, por ejemplo 21:00.',
    sameTime: 'Las horas de silencio deben terminar a otra hora de la que empiezan.',
    choice: 'Elija una de las opciones.',
    timeZone: 'Elija una zona horaria de la lista.',
  },
} as const;

type Problem = keyof (typeof MESSAGES)['en'];

describeEachEngine('Notification Settings: each field’s bad input', (get) => {
  let app: FastifyInstance;
  let english: Family;
  let spanish: Family;
  const time = clock('2027-02-09T18:00:00Z');

  beforeAll(async () => {
    const db = get().db;
    const world = await schoolYear(db, { today: '2027-02-09' });
    english = await guardianWithChild(db, world, { student: { first: 'Kid', last: 'Lund' }, guardian: { first: 'Ann', last: 'Lund' }, locale: 'en' });
    spanish = await guardianWithChild(db, world, { student: { first: 'Ema', last: 'Díaz' }, guardian: { first: 'Rosa', last: 'Díaz' }, email: 'rosa.diaz@fixture.example.com', locale: 'es' });
    app = await makeApp(get(), { now: time.now });
  });
  afterAll(async () => {
    await app.close();
  });

  const stored = async (f: Family) => (await get().db.selectFrom('notification_settings').select('settings').where('account_id', '=', f.guardianAccount!.id).executeTakeFirst()) ?? null;
  /** The message shown beside a field (its error element), as text. */
  const messageAt = (html: string, field: string) => {
    const m = new RegExp(`<span class="usa-error-message" id="${field}-error"[^>]*>([^<]*)</span>`).exec(html);
    return m ? m[1]!.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&') : null;
  };

  for (const [locale, who] of [['en', () => english], ['es', () => spanish]] as const) {
    it(`answers each bad field with 400 and its message in ${locale === 'en' ? 'English' : 'Spanish'}, saving nothing`, async () => {
      const family = who();
      const c = new Client(app);
      expect((await c.submit('/sign-in', { username: family.guardian.email, password: family.guardianAccount!.password })).statusCode).toBe(303);
      const page = await c.get('/account/notifications');
      expect(page.statusCode).toBe(200);
      const id = family.student.id;
      const good: Record<string, string | string[]> = { version: formVersion(page.body), [`c${id}-score-on`]: 'on', quietOn: 'on', quietFrom: '21:00', quietTo: '07:00', digestMode: 'off', digestHour: '18', digestWeekday: '5', timeZone: '' };
      const cases: [field: string, bad: Record<string, string | string[]>, problem: Problem][] = [
        [`c${id}-scoreBelow`, { [`c${id}-scoreBelow`]: 'seventy' }, 'percent'],
        [`c${id}-scoreBelow`, { [`c${id}-scoreBelow`]: '101' }, 'percent'],
        [`c${id}-scoreBelow`, { [`c${id}-scoreBelow`]: '-5' }, 'percent'],
        [`c${id}-scoreBelow`, { [`c${id}-scoreBelow`]: '70.125' }, 'percent'],
        [`c${id}-scoreBelow`, { [`c${id}-scoreBelow`]: ['70', '80'] }, 'percent'],
        [`c${id}-gradeBelow`, { [`c${id}-gradeBelow`]: '150' }, 'percent'],
        [`c${id}-gradeBelow`, { [`c${id}-gradeBelow`]: '7O' }, 'percent'],
        [`c${id}-gradeAbove`, { [`c${id}-gradeAbove`]: '1e2' }, 'percent'],
        [`c${id}-gradeAbove`, { [`c${id}-gradeBelow`]: '80', [`c${id}-gradeAbove`]: '70' }, 'aboveBelow'],
        [`c${id}-gradeAbove`, { [`c${id}-gradeBelow`]: '80', [`c${id}-gradeAbove`]: '80' }, 'aboveBelow'],
        ['quietFrom', { quietFrom: '25:00' }, 'time'],
        ['quietFrom', { quietFrom: '9pm' }, 'time'],
        ['quietFrom', { quietFrom: ['21:00', '22:00'] }, 'time'],
        ['quietTo', { quietTo: '7' }, 'time'],
        ['quietTo', { quietTo: '07:60' }, 'time'],
        ['quietTo', { quietFrom: '21:00', quietTo: '21:00' }, 'sameTime'],
        ['digestMode', { digestMode: 'hourly' }, 'choice'],
        ['digestMode', { digestMode: '' }, 'choice'],
        ['digestHour', { digestHour: '24' }, 'choice'],
        ['digestHour', { digestHour: 'noon' }, 'choice'],
        ['digestWeekday', { digestWeekday: '0' }, 'choice'],
        ['digestWeekday', { digestWeekday: '8' }, 'choice'],
        ['timeZone', { timeZone: 'Mars/Olympus_Mons' }, 'timeZone'],
        ['timeZone', { timeZone: 'x'.repeat(100) }, 'timeZone'],
        ['timeZone', { timeZone: ['America/Chicago', 'Europe/Madrid'] }, 'timeZone'],
      ];
      for (const [field, bad, problem] of cases) {
        const res = await c.post('/account/notifications', { ...good, ...bad });
        expect(res.statusCode, JSON.stringify(bad)).toBe(400);
        expect(messageAt(res.body, field), JSON.stringify(bad)).toBe(MESSAGES[locale][problem]);
        // The page comes back in the reader's language, with the error summary on top.
        expect(res.body).toContain(`<html lang="${locale}"`);
      }
      expect(await stored(family)).toBeNull();
      // The same form with good values saves.
      expect((await c.post('/account/notifications', { ...good, timeZone: 'Europe/Madrid' })).statusCode).toBe(303);
      expect(JSON.parse((await stored(family))!.settings).timeZone).toBe('Europe/Madrid');
    });
  }

  it('takes a percentage as people write one — “72,5” (a Spanish phone’s decimal key) and “70 %” — and asks a phone for a keyboard with a colon for the quiet hours', async () => {
    const c = new Client(app);
    expect((await c.submit('/sign-in', { username: spanish.guardian.email, password: spanish.guardianAccount!.password })).statusCode).toBe(303);
    const page = await c.get('/account/notifications');
    // HH:MM needs a colon, which a number pad (inputmode="numeric") does not have.
    for (const field of ['quietFrom', 'quietTo']) {
      const input = new RegExp(`<input[^>]*id="${field}"[^>]*>`).exec(page.body)![0];
      expect(input, field).not.toContain('inputmode="numeric"');
    }
    const id = spanish.student.id;
    const form = { version: formVersion(page.body), quietOn: 'on', quietFrom: '21:00', quietTo: '07:00', digestMode: 'off', digestHour: '18', digestWeekday: '5', timeZone: '' };
    const saved = await c.post('/account/notifications', { ...form, [`c${id}-scoreBelow`]: '72,5', [`c${id}-gradeBelow`]: '70 %', [`c${id}-gradeAbove`]: '92.25%' });
    expect(saved.statusCode).toBe(303);
    const child = JSON.parse((await stored(spanish))!.settings).children[String(id)];
    expect([child.scoreBelow, child.gradeBelow, child.gradeAbove]).toEqual([72.5, 70, 92.25]);
    // What is not a percentage still is not: a thousands separator, a comma with nothing after it, two signs.
    for (const bad of ['1,000', '70,', '70%%', '7,5,0']) {
      const res = await c.post('/account/notifications', { ...form, [`c${id}-scoreBelow`]: bad });
      expect(res.statusCode, bad).toBe(400);
      expect(messageAt(res.body, `c${id}-scoreBelow`), bad).toBe(MESSAGES.es.percent);
    }
  });
});
