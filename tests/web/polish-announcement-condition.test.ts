/**
 * Issue 23: the "Account Security Email" announcement stayed on Today after the email was confirmed. An
 * announcement aimed at a condition (migration 0028: `condition = 'noSecurityEmail'`) disappears for a
 * reader who has met it; an ordinary one stays; the public sign-in page still shows it to everyone.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, schoolYear, type Family } from '../support/factories.js';
import { textOf } from '../support/html.js';
import { Client } from '../support/http.js';

describeEachEngine('announcements aimed at a condition', (get) => {
  let app: FastifyInstance;
  let family: Family;

  beforeAll(async () => {
    const db = get().db;
    const world = await schoolYear(db, { today: '2026-12-03' });
    family = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz' }, guardian: { first: 'Lucia', last: 'Ortiz' } });
    const at = '2026-08-01T00:00:00.000Z';
    const add = async (title: string, condition: 'noSecurityEmail' | null) => {
      const { id } = await db
        .insertInto('announcements')
        .values({ school_id: null, audience: 'all', start_date: '2026-08-01', end_date: '2027-06-30', public: 1, condition, created_at: at, updated_at: at, updated_by: null })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db.insertInto('announcement_texts').values({ announcement_id: id, locale: 'en', title, body: `${title}: body` }).execute();
    };
    // The reader has skipped the security email setup: no email confirmed yet.
    await db.updateTable('user_accounts').set({ security_email: null, security_email_confirmed_at: null, security_setup_skipped_at: at }).where('id', '=', family.guardianAccount!.id).execute();
    await add('Account Security Email', 'noSecurityEmail');
    await add('Winter concert', null);
    app = await makeApp(get(), { now: () => new Date('2026-12-03T18:00:00Z') });
  });
  afterAll(() => app?.close());

  it('shows it until the reader confirms a security email, then only the others', async () => {
    const db = get().db;
    const c = new Client(app, {}, '10.23.9.1');
    expect((await c.submit('/sign-in', { username: family.guardianAccount!.username, password: family.guardianAccount!.password })).statusCode).toBe(303);
    const today = `/students/${family.student.id}/today`;
    const before = textOf((await c.get(today)).body);
    expect(before).toContain('Account Security Email');
    expect(before).toContain('Winter concert');

    await db.updateTable('user_accounts').set({ security_email: 'lucia@example.org', security_email_confirmed_at: '2026-12-03T17:00:00.000Z' }).where('id', '=', family.guardianAccount!.id).execute();
    const after = textOf((await c.get(today)).body);
    expect(after).not.toContain('Account Security Email');
    expect(after).toContain('Winter concert');

    // The sign-in page has no reader: it still asks everyone.
    expect(textOf((await new Client(app).get('/sign-in')).body)).toContain('Account Security Email');
  });
});
