/**
 * A page that is not there, and its way out: signed out, the sign-in page; signed in, the reader's Home
 * (the sign-in page would only send them there); a stale link into an office list (an event already
 * removed, an announcement not there), that list. Always 404, in the reader's language.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, schoolYear, staffMember, type Family, type StaffFixture } from '../support/factories.js';
import { textOf } from '../support/html.js';
import { Client } from '../support/http.js';

describeEachEngine('the way out of a page that is not there', (get) => {
  let app: FastifyInstance;
  let family: Family;
  let office: StaffFixture;
  let oficina: StaffFixture;
  let address = 0;

  const signedIn = async (account: { username: string; password: string }) => {
    const c = new Client(app, {}, `10.9.0.${++address}`);
    await c.submit('/sign-in', { username: account.username, password: account.password });
    expect((await c.get('/home')).statusCode).toBe(200);
    return c;
  };
  /** The links of the page's main content, as [href, text]: the header's and footer's left out. */
  const mainLinks = (html: string) => {
    const main = html.slice(html.indexOf('<main'), html.indexOf('</main>'));
    return [...main.matchAll(/<a\b[^>]*href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/g)].map((m) => [m[1], textOf(m[2]!)]);
  };

  beforeAll(async () => {
    const db = get().db;
    const world = await schoolYear(db);
    family = await guardianWithChild(db, world);
    office = await staffMember(db, world, { first: 'Olga', last: 'Office', roles: [{ role: 'office' }] });
    oficina = await staffMember(db, world, { first: 'Olivia', last: 'Oficina', roles: [{ role: 'office' }], locale: 'es' });
    app = await makeApp(get(), { now: () => new Date('2027-02-09T18:00:00Z') });
  });
  afterAll(() => app?.close());

  it('signed out: 404, and the way on is the sign-in page', async () => {
    const res = await new Client(app, {}, '10.9.1.1').get('/no/such/page');
    expect(res.statusCode).toBe(404);
    expect(mainLinks(res.body)).toEqual([['/sign-in', 'Go to the sign-in page']]);
  });

  it('signed in, a parent or staff: 404, and the way on is their Home, not the sign-in page', async () => {
    for (const account of [family.guardianAccount!, office.account!]) {
      const c = await signedIn(account);
      for (const url of ['/no/such/page', '/staff/no-such-tool', '/students/999999999/grades']) {
        const res = await c.get(url);
        expect(res.statusCode, `${account.username} ${url}`).toBe(404);
        expect(mainLinks(res.body), `${account.username} ${url}`).toEqual([['/home', 'Go to your Home page']]);
      }
    }
    const es = await (await signedIn(oficina.account!)).get('/no/such/page');
    expect(es.statusCode).toBe(404);
    expect(textOf(es.body)).toContain('Página no encontrada');
    expect(mainLinks(es.body)).toEqual([['/home', 'Ir a su página de Inicio']]);
  });

  it('a stale link into the office calendar or announcements: 404, and the way back is that list', async () => {
    const staff = await signedIn(office.account!);
    const cases: [string, string, string][] = [
      ['/staff/calendar/999999/remove', '/staff/calendar', 'Back to the school calendar'],
      ['/staff/calendar/999999', '/staff/calendar', 'Back to the school calendar'],
      ['/staff/calendar/not-a-number/remove', '/staff/calendar', 'Back to the school calendar'],
      ['/staff/announcements/999999/end', '/staff/announcements', 'Back to the announcements'],
      ['/staff/announcements/999999', '/staff/announcements', 'Back to the announcements'],
    ];
    for (const [url, list, label] of cases) {
      const res = await staff.get(url);
      expect(res.statusCode, url).toBe(404);
      expect(mainLinks(res.body), url).toEqual([[list, label]]);
    }
    // A stale "Remove" sent again: still 404, with the same way back.
    const posted = await staff.post('/staff/calendar/999999/remove', { confirm: 'yes' });
    expect(posted.statusCode).toBe(404);
    expect(textOf(posted.body)).toContain('It may have been removed already.');
    expect(mainLinks(posted.body)).toEqual([['/staff/calendar', 'Back to the school calendar']]);

    const spanish = await signedIn(oficina.account!);
    const stale = await spanish.get('/staff/calendar/999999/remove');
    expect(stale.statusCode).toBe(404);
    expect(textOf(stale.body)).toContain('No se encontró ese evento. Puede que ya se haya quitado.');
    expect(mainLinks(stale.body)).toEqual([['/staff/calendar', 'Volver al calendario escolar']]);
    expect(mainLinks((await spanish.get('/staff/announcements/999999/end')).body)).toEqual([['/staff/announcements', 'Volver a los anuncios']]);
  });
});
