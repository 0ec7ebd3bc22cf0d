/**
 * Discussions (issue 21): every rule walked over HTTP on both engines, as each role and as an unrelated
 * family. Every expectation comes from the fixture below.
 *
 * Tuesday 9 February 2027, noon in Chicago. Biology is Rosa Marquez's, with Ana Lopez as co-teacher;
 * Maya Ortiz and Leo Ortiz are enrolled, Ian Cho left on 1 February. Chemistry is Paul Nyberg's, with
 * Zoe Adams. Maya's mother Lucia reads the portal; Maya's father Marco's link has no portal access;
 * the Kims are a family with nothing in Biology. Olga works in the office.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import {
  guardianWithChild,
  schoolYear,
  sectionWithGradebook,
  staffMember,
  student,
  account,
  teachSection,
  type AccountFixture,
  type Family,
  type SectionFixture,
  type StaffFixture,
  type StudentFixture,
} from '../support/factories.js';
import { Client } from '../support/http.js';

const TODAY = '2027-02-09';

describeEachEngine('discussions', (get) => {
  let app: FastifyInstance;
  let ortiz: Family;
  let marco: Family;
  let kim: Family;
  let leo: StudentFixture;
  let leoAccount: AccountFixture;
  let ianAccount: AccountFixture;
  let zoe: Family;
  let biology: SectionFixture;
  let chemistry: SectionFixture;
  let rosa: StaffFixture;
  let ana: StaffFixture;
  let paul: StaffFixture;
  let olga: StaffFixture;
  let address = 0;

  beforeAll(async () => {
    const db = get().db;
    const world = await schoolYear(db, { today: TODAY });
    ortiz = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz', grade: 11 }, guardian: { first: 'Lucia', last: 'Ortiz' } });
    marco = await guardianWithChild(db, world, { child: ortiz.student, guardian: { first: 'Marco', last: 'Ortiz' }, portalAccess: false, accounts: 'guardian' });
    kim = await guardianWithChild(db, world, { student: { first: 'Jin', last: 'Kim', grade: 10 }, guardian: { first: 'Sun', last: 'Kim' } });
    zoe = await guardianWithChild(db, world, { student: { first: 'Zoe', last: 'Adams', grade: 10 }, guardian: { first: 'Zed', last: 'Adams' } });
    leo = await student(db, world, { first: 'Leo', last: 'Ortiz', grade: 9 });
    leoAccount = await account(db, { student: leo });
    const ian = await student(db, world, { first: 'Ian', last: 'Cho', grade: 10 });
    ianAccount = await account(db, { student: ian });
    biology = await sectionWithGradebook(db, world, {
      course: { code: 'SCI301', title: 'Biology' },
      period: '2',
      students: [{ student: ortiz.student }, { student: leo }, { student: ian, until: '2027-02-01' }],
    });
    chemistry = await sectionWithGradebook(db, world, { course: { code: 'SCI401', title: 'Chemistry' }, period: '3', students: [{ student: zoe.student }, { student: kim.student }] });
    rosa = await staffMember(db, world, { first: 'Rosa', last: 'Marquez', roles: [{ role: 'teacher' }] });
    ana = await staffMember(db, world, { first: 'Ana', last: 'Lopez', roles: [{ role: 'teacher' }] });
    paul = await staffMember(db, world, { first: 'Paul', last: 'Nyberg', roles: [{ role: 'teacher' }] });
    olga = await staffMember(db, world, { first: 'Olga', last: 'Office', roles: [{ role: 'office' }] });
    await teachSection(db, rosa, biology, { primary: true });
    await teachSection(db, ana, biology);
    await teachSection(db, paul, chemistry, { primary: true });
    app = await makeApp(get(), { now: () => new Date(`${TODAY}T18:00:00Z`) });
  });
  afterAll(() => app.close());

  const signedIn = async (who: AccountFixture | null) => {
    const c = new Client(app, {}, `10.9.${Math.floor(++address / 250)}.${address % 250}`);
    const res = await c.submit('/sign-in', { username: who!.username, password: who!.password });
    expect(res.statusCode).toBe(303);
    await c.get('/home');
    return c;
  };
  const db = () => get().db;
  const posts = () => db().selectFrom('discussion_posts').select(['id', 'topic_id', 'parent_id', 'student_id', 'body', 'hidden_at']).orderBy('id').execute();
  const topics = () => db().selectFrom('discussion_topics').select(['id', 'section_id', 'title', 'opens_on', 'closes_on', 'locked']).orderBy('id').execute();
  const setSettings = async (settings: Record<string, unknown>) => {
    await db().updateTable('district').set({ settings: JSON.stringify(settings) }).execute();
    app.services.districts.invalidate();
  };
  /** A topic written straight to the table, for states the form refuses (a topic already closed). */
  const topicRow = async (title: string, opens: string, closes: string, section = biology) =>
    (
      await db()
        .insertInto('discussion_topics')
        .values({ section_id: section.id, title, prompt: `About ${title}`, opens_on: opens, closes_on: closes, created_by: rosa.id, created_at: '2027-02-01T00:00:00Z', updated_at: '2027-02-01T00:00:00Z', updated_by: null })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  const topicUrl = (who: StudentFixture, id: number) => `/students/${who.id}/discussions/${id}`;

  it('a teacher of the section (co-teachers alike) opens a topic; bad input is refused field by field and nothing is written', async () => {
    const rosaClient = await signedIn(rosa.account);
    const page = await rosaClient.get(`/staff/classes/${biology.id}/discussions`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('This class has no discussion topics yet.');
    // My classes leads there.
    expect((await rosaClient.get('/staff/classes')).body).toContain(`href="/staff/classes/${biology.id}/discussions"`);

    const bad = [
      [{ title: '', prompt: 'Why?', opensOn: TODAY, closesOn: '2027-02-20' }, 'Title: This field is required'],
      [{ title: 'Cells', prompt: 'x'.repeat(4001), opensOn: TODAY, closesOn: '2027-02-20' }, 'Use at most 4000 characters.'],
      [{ title: 'Cells', prompt: 'Why?', opensOn: '2027-02-30', closesOn: '2027-03-01' }, 'Enter a date, such as 2027-02-15.'],
      [{ title: 'Cells', prompt: 'Why?', opensOn: '2027-02-20', closesOn: '2027-02-19' }, 'The closing date must be on or after the opening date.'],
      [{ title: 'Cells', prompt: 'Why?', opensOn: '2027-02-01', closesOn: '2027-02-08' }, 'The closing date has passed'],
      [{ title: 'Cells\u202e', prompt: 'Why?', opensOn: TODAY, closesOn: '2027-02-20' }, 'Title: '],
    ] as const;
    for (const [form, message] of bad) {
      const res = await rosaClient.post(`/staff/classes/${biology.id}/discussions`, { ...form });
      expect(res.statusCode, message).toBe(400);
      expect(res.body).toContain(message);
    }
    expect(await topics()).toEqual([]);

    // Another teacher's section: as if it did not exist; office staff and a parent: the page is for teachers.
    const paulClient = await signedIn(paul.account);
    expect((await paulClient.get(`/staff/classes/${biology.id}/discussions`)).statusCode).toBe(404);
    expect((await paulClient.post(`/staff/classes/${biology.id}/discussions`, { title: 'Mine', prompt: 'Now', opensOn: TODAY, closesOn: '2027-02-20' })).statusCode).toBe(404);
    expect((await (await signedIn(olga.account)).get(`/staff/classes/${biology.id}/discussions`)).statusCode).toBe(403);
    expect((await (await signedIn(ortiz.guardianAccount)).get(`/staff/classes/${biology.id}/discussions`)).statusCode).toBe(403);
    expect(await topics()).toEqual([]);

    // A forged form (no token) is refused before anything is read.
    expect((await rosaClient.post(`/staff/classes/${biology.id}/discussions`, { title: 'Forged', prompt: 'x', opensOn: TODAY, closesOn: '2027-02-20' }, { csrf: false })).statusCode).toBe(403);
    expect(await topics()).toEqual([]);

    const made = await rosaClient.post(`/staff/classes/${biology.id}/discussions`, { title: 'Cells and energy', prompt: 'Where does a cell get its energy?', opensOn: TODAY, closesOn: '2027-02-20' });
    expect(made.statusCode).toBe(303);
    const [topic] = await topics();
    expect(topic).toMatchObject({ section_id: biology.id, title: 'Cells and energy', opens_on: TODAY, closes_on: '2027-02-20', locked: 0 });
    expect(made.headers.location).toBe(`/staff/discussions/${topic!.id}?done=opened`);
    // The co-teacher reads and runs it too; the chemistry teacher does not.
    expect((await (await signedIn(ana.account)).get(`/staff/discussions/${topic!.id}`)).body).toContain('Where does a cell get its energy?');
    expect((await paulClient.get(`/staff/discussions/${topic!.id}`)).statusCode).toBe(404);
    const audit = await db().selectFrom('audit_log').select(['action', 'subject_id']).where('action', '=', 'discussion.topic_created').execute();
    expect(audit).toEqual([{ action: 'discussion.topic_created', subject_id: topic!.id }]);
  });

  it('students of the section post and reply; guardians read but never post; everyone else reads nothing', async () => {
    const open = await topicRow('Photosynthesis', '2027-02-08', '2027-02-28');
    const upcoming = await topicRow('Mitosis', '2027-02-10', '2027-02-28');
    const maya = await signedIn(ortiz.studentAccount);
    const list = await maya.get(`/students/${ortiz.student.id}/discussions`);
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('Photosynthesis');
    // Before its open date a topic is not there for students at all.
    expect(list.body).not.toContain('Mitosis');
    expect((await maya.get(topicUrl(ortiz.student, upcoming))).statusCode).toBe(404);
    expect((await (await signedIn(rosa.account)).get(`/staff/classes/${biology.id}/discussions`)).body).toContain('Mitosis');

    // Plain text: markup shows as typed, an address becomes a safe link.
    const body = 'Light <b>and</b> water.\n\nSee https://example.org/leaf?x=1.';
    const posted = await maya.post(topicUrl(ortiz.student, open), { body });
    expect(posted.statusCode).toBe(303);
    const page = (await maya.get(topicUrl(ortiz.student, open))).body;
    expect(page).toContain('Light &lt;b>and&lt;/b> water.');
    expect(page).not.toContain('<b>and</b>');
    expect(page).toContain('<a href="https://example.org/leaf?x=1" rel="nofollow noopener noreferrer ugc"');
    const [mayaPost] = (await posts()).filter((p) => p.topic_id === open);
    expect(mayaPost).toMatchObject({ student_id: ortiz.student.id, parent_id: null, body });

    // Leo replies to it; a reply to a reply, a parent on another topic, a parent that is not a number: not found.
    const leoClient = await signedIn(leoAccount);
    expect((await leoClient.post(topicUrl(leo, open), { body: 'And carbon dioxide.', parent: String(mayaPost!.id) })).statusCode).toBe(303);
    const reply = (await posts()).at(-1)!;
    expect(reply).toMatchObject({ parent_id: mayaPost!.id, student_id: leo.id });
    const before = await posts();
    expect((await leoClient.post(topicUrl(leo, open), { body: 'Deeper', parent: String(reply.id) })).statusCode).toBe(404);
    const other = await topicRow('Other', '2027-02-08', '2027-02-28');
    expect((await leoClient.post(topicUrl(leo, other), { body: 'Elsewhere', parent: String(mayaPost!.id) })).statusCode).toBe(404);
    expect((await leoClient.post(topicUrl(leo, open), { body: 'Odd', parent: 'abc' })).statusCode).toBe(404);

    // Bad bodies: a field message and a 400, nothing saved.
    for (const [bad, message] of [
      ['   ', 'This field is required'],
      ['x'.repeat(2001), 'Use at most 2000 characters.'],
      ['bad\u0007bell', 'Your post: '],
    ] as const) {
      const res = await leoClient.post(topicUrl(leo, open), { body: bad });
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain(message);
    }
    expect(await posts()).toEqual(before);

    // Lucia reads Maya's topic, with the posts, and cannot post.
    const lucia = await signedIn(ortiz.guardianAccount);
    const read = await lucia.get(topicUrl(ortiz.student, open));
    expect(read.statusCode).toBe(200);
    expect(read.body).toContain('And carbon dioxide.');
    expect(read.body).not.toContain('name="body"');
    expect((await lucia.post(topicUrl(ortiz.student, open), { body: 'Proud mom' })).statusCode).toBe(403);

    // A link without portal rights, an unrelated family (with their own child's id or Maya's), a student who left the section,
    // a student of another section posting to this one through their own address: not found.
    expect((await (await signedIn(marco.guardianAccount)).get(topicUrl(ortiz.student, open))).statusCode).toBe(404);
    const sun = await signedIn(kim.guardianAccount);
    expect((await sun.get(topicUrl(ortiz.student, open))).statusCode).toBe(404);
    expect((await sun.get(topicUrl(kim.student, open))).statusCode).toBe(404);
    const jin = await signedIn(kim.studentAccount);
    expect((await jin.post(topicUrl(kim.student, open), { body: 'Hi' })).statusCode).toBe(404);
    expect((await jin.post(topicUrl(ortiz.student, open), { body: 'Hi' })).statusCode).toBe(404);
    const ian = await signedIn(ianAccount);
    const ianId = (await db().selectFrom('user_accounts').select('student_id').where('id', '=', ianAccount.id).executeTakeFirstOrThrow()).student_id!;
    expect((await ian.get(`/students/${ianId}/discussions`)).body).not.toContain('Photosynthesis');
    expect((await ian.post(`/students/${ianId}/discussions/${open}`, { body: 'Still here' })).statusCode).toBe(404);
    expect(await posts()).toEqual(before);

    // The district turns guardians' reading off: Lucia reads nothing; Maya still does.
    await setSettings({ guardiansReadDiscussions: false });
    expect((await lucia.get(topicUrl(ortiz.student, open))).statusCode).toBe(404);
    expect((await lucia.get(`/students/${ortiz.student.id}/discussions`)).body).toContain('There are no discussion topics yet.');
    expect((await maya.get(topicUrl(ortiz.student, open))).statusCode).toBe(200);
    // The district turns the tool off: nobody has it.
    await setSettings({ tools: { discussions: false } });
    expect((await maya.get(topicUrl(ortiz.student, open))).statusCode).toBe(404);
    expect((await maya.get(`/students/${ortiz.student.id}/discussions`)).statusCode).toBe(404);
    expect((await maya.get(`/students/${ortiz.student.id}/today`)).body).not.toContain('/discussions');
    await setSettings({});
  });

  it('a teacher hides a post with a reason (audit log) and locks a topic; closed and locked topics are read only', async () => {
    const topic = await topicRow('Enzymes', '2027-02-08', '2027-02-28');
    const maya = await signedIn(ortiz.studentAccount);
    expect((await maya.post(topicUrl(ortiz.student, topic), { body: 'Enzymes are proteins, silly.' })).statusCode).toBe(303);
    const post = (await posts()).at(-1)!;

    const rosaClient = await signedIn(rosa.account);
    await rosaClient.get(`/staff/discussions/${topic}`);
    // No reason: refused, not hidden. Another section's teacher: not found.
    const noReason = await rosaClient.post(`/staff/discussions/posts/${post.id}/hide`, { [`reason-${post.id}`]: ' ' });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.body).toContain('The post was not hidden: give a reason.');
    const paulClient = await signedIn(paul.account);
    expect((await paulClient.post(`/staff/discussions/posts/${post.id}/hide`, { [`reason-${post.id}`]: 'Mine now' })).statusCode).toBe(404);
    expect((await posts()).at(-1)!.hidden_at).toBeNull();

    const hidden = await rosaClient.post(`/staff/discussions/posts/${post.id}/hide`, { [`reason-${post.id}`]: 'Name-calling' });
    expect(hidden.statusCode).toBe(303);
    expect((await posts()).at(-1)!.hidden_at).not.toBeNull();
    const audit = await db().selectFrom('audit_log').select(['action', 'actor_account_id', 'subject_id', 'details']).where('action', '=', 'discussion.post_hidden').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_account_id: rosa.account!.id, subject_id: post.id });
    expect(JSON.parse(audit[0]!.details!)).toEqual({ topicId: topic, reason: 'Name-calling' });
    // Students and guardians see that it was hidden, not what it said; the teacher still reads it, marked.
    const seen = (await maya.get(topicUrl(ortiz.student, topic))).body;
    expect(seen).toContain('Hidden by the teacher.');
    expect(seen).not.toContain('silly');
    expect((await (await signedIn(ortiz.guardianAccount)).get(topicUrl(ortiz.student, topic))).body).not.toContain('silly');
    const teacherView = (await rosaClient.get(`/staff/discussions/${topic}`)).body;
    expect(teacherView).toContain('silly');
    expect(teacherView).toContain('hidden from students and families');
    // A hidden post takes no replies.
    const leoClient = await signedIn(leoAccount);
    const beforeReply = await posts();
    expect((await leoClient.post(topicUrl(leo, topic), { body: 'Rude', parent: String(post.id) })).statusCode).toBe(409);
    expect(await posts()).toEqual(beforeReply);

    // Locked: read only, until unlocked. Only the section's teachers lock.
    expect((await paulClient.post(`/staff/discussions/${topic}/lock`, { locked: '1' })).statusCode).toBe(404);
    await rosaClient.get(`/staff/discussions/${topic}`);
    expect((await rosaClient.post(`/staff/discussions/${topic}/lock`, { locked: '1' })).statusCode).toBe(303);
    const locked = await leoClient.post(topicUrl(leo, topic), { body: 'Can I?' });
    expect(locked.statusCode).toBe(409);
    expect(locked.body).toContain('The teacher has locked this topic: no new posts.');
    expect((await leoClient.get(topicUrl(leo, topic))).body).not.toContain('name="body"');
    expect(await posts()).toEqual(beforeReply);
    expect((await rosaClient.post(`/staff/discussions/${topic}/lock`, { locked: 'maybe' })).statusCode).toBe(400);
    expect((await rosaClient.post(`/staff/discussions/${topic}/lock`, { locked: '0' })).statusCode).toBe(303);
    expect((await leoClient.post(topicUrl(leo, topic), { body: 'Now I can.' })).statusCode).toBe(303);

    // Closed yesterday: read only.
    const closed = await topicRow('Last week', '2027-02-01', '2027-02-08');
    const late = await leoClient.post(topicUrl(leo, closed), { body: 'Late' });
    expect(late.statusCode).toBe(409);
    expect(late.body).toContain('This topic has closed: no new posts.');
    expect((await posts()).filter((p) => p.topic_id === closed)).toEqual([]);
  });

  it('Today tells a student how many posts are new per topic since they last opened it', async () => {
    const topic = await topicRow('Today news', '2027-02-09', '2027-02-28');
    const maya = await signedIn(ortiz.studentAccount);
    const leoClient = await signedIn(leoAccount);
    // Leo opens it before anyone posts; then Maya posts twice; one of hers is hidden.
    await leoClient.get(topicUrl(leo, topic));
    for (const body of ['First thought', 'Second thought', 'Third thought']) expect((await maya.post(topicUrl(ortiz.student, topic), { body })).statusCode).toBe(303);
    const third = (await posts()).at(-1)!;
    await db().updateTable('discussion_posts').set({ hidden_at: '2027-02-09T17:00:00Z' }).where('id', '=', third.id).execute();

    const today = (await leoClient.get(`/students/${leo.id}/today`)).body;
    expect(today).toContain('New in discussions');
    expect(today).toMatch(new RegExp(`href="/students/${leo.id}/discussions/${topic}">Biology · Today news</a>: 2 new posts`));
    // Her own posts are not news to Maya; a guardian's Today does not carry it.
    expect((await maya.get(`/students/${ortiz.student.id}/today`)).body).not.toContain('Today news</a>');
    expect((await (await signedIn(ortiz.guardianAccount)).get(`/students/${ortiz.student.id}/today`)).body).not.toContain('New in discussions');
    // Once Leo has read it, it is not new; Spanish reads the same.
    await leoClient.get(topicUrl(leo, topic));
    expect((await leoClient.get(`/students/${leo.id}/today`)).body).not.toContain('Today news</a>');
    expect((await maya.post(topicUrl(ortiz.student, topic), { body: 'Fourth' })).statusCode).toBe(303);
    await leoClient.get('/lang/es');
    expect((await leoClient.get(`/students/${leo.id}/today`)).body).toContain('Today news</a>: 1 publicación nueva');
  });
});
