/**
 * The prefix of every signed-in family page in one statement (ADR 0070): the session, the students the
 * reader may see now and the header's counts. The counts, the switcher and the session's rules must be
 * exactly what they were when each was asked alone: a link revoked or an adult hidden at 18 takes effect
 * on the next page (their entries leave her list too), a guardian whose adult child consented counts the messages about them, an ended
 * session or a locked account answers the sign-in page.
 *
 * Tuesday 9 February 2027, noon in Chicago. Iris Count has Ivy (15) and Abe (20, linked later); Kim
 * Park has Zoe. Every count below is written out by hand from the rows the test inserts.
 */
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, link, student, schoolYear, type AccountFixture, type Family, type StudentFixture } from '../support/factories.js';
import { textOf } from '../support/html.js';
import { Client } from '../support/http.js';
import { QueryCounter } from '../support/query-counter.js';

const NOW = new Date('2027-02-09T18:00:00Z');

describeEachEngine('the portal prefix in one statement', (get) => {
  let app: FastifyInstance;
  const counter = new QueryCounter();
  let iris: Family;
  let abe: StudentFixture;
  let abeLink: number;
  let zoe: Family;
  let address = 0;
  /** the account the messages are from (any account will do: nothing here reads the sender) */
  let sender = 0;

  const message = async (db: Kysely<DB>, subject: string) =>
    (
      await db
        .insertInto('messages')
        .values({ sender_account_id: sender, sender_name: 'Rosa Carter', sender_role: 'teacher', subject_en: subject, body_en: 'x', subject_es: null, body_es: null, audience: '{"kind":"district","readers":"guardians"}', thread_root_id: null, thread_person_kind: null, thread_person_id: null, status: 'sent', send_at: NOW.toISOString(), sent_at: NOW.toISOString(), created_at: NOW.toISOString() })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;

  beforeAll(async () => {
    const db = get().db;
    const world = await schoolYear(db);
    iris = await guardianWithChild(db, world, { student: { first: 'Ivy', last: 'Count', birthDate: '2011-05-01', grade: 9 }, guardian: { first: 'Iris', last: 'Count' } });
    zoe = await guardianWithChild(db, world, { student: { first: 'Zoe', last: 'Park' }, guardian: { first: 'Kim', last: 'Park' } });
    sender = zoe.guardianAccount!.id;
    abe = await student(db, world, { first: 'Abe', last: 'Count', birthDate: '2006-06-01', grade: 12 });
    abeLink = await link(db, abe, iris.guardian);
    const stamp = NOW.toISOString();
    // Iris's messages, unread unless said: through Ivy, through Abe, about no student, through Zoe (not hers), one read.
    const to = async (subject: string, personKind: 'guardian' | 'student', personId: number, studentId: number | null, readAt: string | null = null) =>
      db.insertInto('message_recipients').values({ message_id: await message(db, subject), person_kind: personKind, person_id: personId, student_id: studentId, locale: 'en', read_at: readAt }).execute();
    await to('About Ivy', 'guardian', iris.guardian.id, iris.student.id);
    await to('About Abe', 'guardian', iris.guardian.id, abe.id);
    await to('For Iris', 'guardian', iris.guardian.id, null);
    await to('Through Zoe', 'guardian', iris.guardian.id, zoe.student.id);
    await to('Read one', 'guardian', iris.guardian.id, iris.student.id, stamp);
    // Ivy's own: two unread, one read; Kim's one is not Ivy's.
    await to('Ivy one', 'student', iris.student.id, iris.student.id);
    await to('Ivy two', 'student', iris.student.id, null);
    await to('Ivy read', 'student', iris.student.id, iris.student.id, stamp);
    await to('For Kim', 'guardian', zoe.guardian.id, zoe.student.id);
    // Iris's bell: about Ivy, about Abe, about her account, about Zoe (not hers), one read.
    const note = (key: string, accountId: number, studentId: number | null, readAt: string | null = null) => ({ account_id: accountId, key, kind: 'announcement', change_event_id: null, student_id: studentId, section_id: null, params: JSON.stringify({ title: key, from: 'Office' }), url: '/messages', created_at: stamp, read_at: readAt });
    const irisAccount = iris.guardianAccount!.id;
    await db
      .insertInto('notifications')
      .values([note('p:1', irisAccount, iris.student.id), note('p:2', irisAccount, abe.id), note('p:3', irisAccount, null), note('p:4', irisAccount, zoe.student.id), note('p:5', irisAccount, iris.student.id, stamp), note('p:6', iris.studentAccount!.id, iris.student.id)])
      .execute();
    app = await makeApp({ ...get(), db: db.withPlugin(counter) }, { now: () => NOW });
  });
  afterAll(async () => {
    await app?.close();
    await get().db.updateTable('district').set({ settings: '{}' }).execute();
  });

  /** One browser per person, signed in once (a second sign-in from another browser would add a "new sign-in" entry to the bell). */
  const browsers = new Map<string, Client>();
  const signedIn = async (who: AccountFixture | null) => {
    const known = browsers.get(who!.username);
    if (known) return known;
    const c = new Client(app, {}, `10.9.${Math.floor(++address / 250)}.${address % 250}`);
    expect((await c.submit('/sign-in', { username: who!.username, password: who!.password })).statusCode).toBe(303);
    browsers.set(who!.username, c);
    return c;
  };
  /** The notifications page (its own statement: the list), its statements and its text, after a first visit warms the caches. */
  const notifications = async (c: Client) => {
    expect((await c.get('/notifications')).statusCode).toBe(200);
    counter.count = 0;
    const res = await c.get('/notifications');
    expect(res.statusCode).toBe(200);
    return { statements: counter.count, text: textOf(res.body) };
  };
  const settings = async (value: Record<string, unknown>) => {
    await get().db.updateTable('district').set({ settings: JSON.stringify(value) }).execute();
    app.services.districts.invalidate();
  };

  it('asks one statement before the page, with counts and students exactly as when each was asked alone', async () => {
    const c = await signedIn(iris.guardianAccount);
    const first = await notifications(c);
    // The session with Ivy and Abe and both counts, then the list (4 statements when each was asked alone).
    expect(first.statements).toBe(2);
    expect(first.text).toContain('Messages (3 unread)');
    expect(first.text).toContain('Notifications (3 unread)');
    // Her list (the page's own statement, with the students the prefix read): Ivy's, Abe's, her own, the read one; not Zoe's.
    for (const key of ['p:1', 'p:2', 'p:3', 'p:5']) expect(first.text).toContain(`“${key}”`);
    expect(first.text).not.toContain('“p:4”');

    // A student's own: her messages and her bell, not her guardian's.
    const ivy = await notifications(await signedIn(iris.studentAccount));
    expect(ivy.statements).toBe(2);
    expect(ivy.text).toContain('Messages (2 unread)');
    expect(ivy.text).toContain('Notifications (1 unread)');

    // Abe's link revoked: the next page neither shows him nor counts what reached Iris through him.
    await get().db.updateTable('student_guardians').set({ rights_revoked: 1 }).where('id', '=', abeLink).execute();
    const revoked = await notifications(c);
    expect(revoked.text).toContain('Messages (2 unread)');
    expect(revoked.text).toContain('Notifications (2 unread)');
    expect(revoked.text).not.toContain('“p:2”');
    await get().db.updateTable('student_guardians').set({ rights_revoked: 0 }).where('id', '=', abeLink).execute();
    expect((await notifications(c)).text).toContain('Messages (3 unread)');
  });

  it('hides an adult where the district ends access at 18, and counts his messages once he consents', async () => {
    await settings({ guardiansKeepAccessAt18: false });
    try {
      const c = await signedIn(iris.guardianAccount);
      const ends = await notifications(c);
      expect(ends.text).not.toContain('“p:2”');
      expect(ends.text).toContain('Notifications (2 unread)');
      expect(ends.text).toContain('Messages (2 unread)');
      await get().db.insertInto('message_adult_choices').values({ student_id: abe.id, guardians_receive: 1, answered_at: NOW.toISOString() }).execute();
      const consented = await notifications(c);
      expect(consented.text).not.toContain('“p:2”');
      expect(consented.text).toContain('Notifications (2 unread)');
      expect(consented.text).toContain('Messages (3 unread)');
      // Ivy (a student, under 18) still counts in the one statement.
      expect((await notifications(await signedIn(iris.studentAccount))).statements).toBe(2);
    } finally {
      await get().db.deleteFrom('message_adult_choices').execute();
      await settings({});
    }
  });

  it('ends a session that ended or whose account was disabled, and counts nothing for it', async () => {
    const db = get().db;
    const c = await signedIn(zoe.guardianAccount);
    expect((await c.get('/notifications')).statusCode).toBe(200);
    await db.updateTable('sessions').set({ expires_at: new Date(NOW.getTime() - 1000).toISOString() }).where('account_id', '=', zoe.guardianAccount!.id).execute();
    const expired = await c.get('/notifications');
    expect(expired.statusCode).toBe(303);
    expect(expired.headers.location).toBe('/sign-in?next=%2Fnotifications');
    expect(await db.selectFrom('sessions').select('id').where('account_id', '=', zoe.guardianAccount!.id).execute()).toEqual([]);

    const again = c;
    expect((await again.submit('/sign-in', { username: zoe.guardianAccount!.username, password: zoe.guardianAccount!.password })).statusCode).toBe(303);
    expect((await again.get('/notifications')).statusCode).toBe(200);
    await db.updateTable('user_accounts').set({ status: 'disabled' }).where('id', '=', zoe.guardianAccount!.id).execute();
    try {
      const locked = await again.get('/notifications');
      expect(locked.statusCode).toBe(303);
      expect(await db.selectFrom('sessions').select('id').where('account_id', '=', zoe.guardianAccount!.id).execute()).toEqual([]);
    } finally {
      await db.updateTable('user_accounts').set({ status: 'active' }).where('id', '=', zoe.guardianAccount!.id).execute();
    }
  });
});
