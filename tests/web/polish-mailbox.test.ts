/**
 * Issue 23: the demo mailbox showed only the newest 50 emails. It pages (20 to a page, newest first) and
 * finds the emails to an address by any part of it, any case; "%" and "_" are letters there, not
 * patterns; a bad page number opens the first page, one past the end the last.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, schoolYear, type Family } from '../support/factories.js';
import { textOf } from '../support/html.js';
import { Client } from '../support/http.js';

describeEachEngine('the demo mailbox pages and searches', (get) => {
  let app: FastifyInstance;
  let family: Family;
  let c: Client;

  beforeAll(async () => {
    const db = get().db;
    const world = await schoolYear(db, { today: '2026-12-03' });
    family = await guardianWithChild(db, world);
    // 45 emails: every ninth to "ben%cole@example.org" (5), the rest of 1–25 to ana.ruiz@example.org (23), of 26–45 to Ben_Cole@Example.org (17)
    const rows = [];
    for (let i = 1; i <= 45; i++) {
      const to = i % 9 === 0 ? 'ben%cole@example.org' : i <= 25 ? 'ana.ruiz@example.org' : 'Ben_Cole@Example.org';
      const n = i <= 25 ? `Ana ${i}` : `Mail ${i}`;
      const at = new Date(Date.UTC(2026, 11, 1, 0, i)).toISOString();
      rows.push({ kind: 'test', to_address: to, locale: 'en', subject: n, text_body: `${n} body`, html_body: `<p>${n}</p>`, created_at: at, send_after: at, sent_at: at });
    }
    await db.insertInto('email_outbox').values(rows).execute();
    app = await makeApp(get(), { now: () => new Date('2026-12-03T18:00:00Z') });
    c = new Client(app, {}, '10.23.9.2');
    expect((await c.submit('/sign-in', { username: family.guardianAccount!.username, password: family.guardianAccount!.password })).statusCode).toBe(303);
  });
  afterAll(() => app?.close());

  const subjects = (html: string) => [...html.matchAll(/<h2 id="mail-\d+">([^<]*)<\/h2>/g)].map((m) => m[1]);

  it('shows 20 a page, newest first, with links to older and newer pages', async () => {
    const first = await c.get('/demo/mailbox');
    expect(first.statusCode).toBe(200);
    const one = subjects(first.body);
    expect(one).toHaveLength(20);
    expect(one[0]).toBe('Mail 45');
    expect(one[19]).toBe('Mail 26');
    expect(textOf(first.body)).toContain('Page 1 of 3');
    expect(first.body).toContain('href="/demo/mailbox?page=2"');
    expect(first.body).not.toContain('Newer emails');
    const third = await c.get('/demo/mailbox?page=3');
    expect(subjects(third.body)).toEqual(['Ana 5', 'Ana 4', 'Ana 3', 'Ana 2', 'Ana 1']);
    expect(third.body).toContain('href="/demo/mailbox?page=2"');
    expect(third.body).not.toContain('Older emails');
    // past the end: the last page; not a number: the first
    expect(subjects((await c.get('/demo/mailbox?page=99')).body)[0]).toBe('Ana 5');
    for (const bad of ['abc', '0', '-1', '1e3', '']) expect(subjects((await c.get(`/demo/mailbox?page=${bad}`)).body)[0], bad).toBe('Mail 45');
  });

  it('finds the emails to an address by any part of it, in any case, and pages within them', async () => {
    const ana = await c.get('/demo/mailbox?to=ANA.RUIZ');
    // 25 to ana, less 9 and 18 sent to ben%cole
    expect(textOf(ana.body)).toContain('23 emails to an address containing “ANA.RUIZ”.');
    expect(subjects(ana.body)).toHaveLength(20);
    expect(ana.body).toContain('href="/demo/mailbox?to=ANA.RUIZ&amp;page=2"');
    expect(subjects((await c.get('/demo/mailbox?to=ANA.RUIZ&page=2')).body)).toEqual(['Ana 3', 'Ana 2', 'Ana 1']);
    // "_" and "%" are matched as themselves
    const underscore = subjects((await c.get('/demo/mailbox?to=ben_cole')).body);
    expect(underscore).not.toContain('Mail 27');
    expect(underscore).toHaveLength(17);
    expect(subjects((await c.get(`/demo/mailbox?to=${encodeURIComponent('ben%cole')}`)).body)).toEqual(['Mail 45', 'Mail 36', 'Mail 27', 'Ana 18', 'Ana 9']);
    const none = await c.get('/demo/mailbox?to=nobody');
    expect(none.statusCode).toBe(200);
    expect(textOf(none.body)).toContain('No email was sent to such an address.');
    expect(subjects(none.body)).toEqual([]);
  });

  it('is in Spanish for a Spanish reader', async () => {
    const es = new Client(app, { 'accept-language': 'es' }, '10.23.9.3');
    await es.submit('/sign-in', { username: family.guardianAccount!.username, password: family.guardianAccount!.password });
    const page = textOf((await es.get('/demo/mailbox?to=ana')).body);
    expect(page).toContain('23 correos a una dirección que contiene «ana».');
    expect(page).toContain('Página 1 de 2');
    expect(page).toContain('Correos más antiguos');
  });
});
