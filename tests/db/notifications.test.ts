/**
 * The notifications' decider and delivery (domain/notifications) on both engines, with an injected
 * clock: grace period, a change reverted within it, quiet hours, thresholds both ways, digests, rights
 * revoked between the change and the send, a decider stopped mid-batch, and two deciders at once.
 * Expected values are worked out by hand from the fixture.
 *
 * Each test has its own family (a guardian and a student with accounts) in its own Chemistry section
 * (a points class: Lab 1 of 20 points, Lab 2 of 30, Lab 3 of 20, all due in Quarter 3), taught by Rosa,
 * and its own day, later than the one before (the decider's cursor is shared). The district is in
 * Chicago (UTC−6 in February); grace 15 minutes; quiet hours 21:00–07:00 by default.
 */
import { beforeAll, expect, it } from 'vitest';
import { sql } from 'kysely';
import { teacherScope } from '../../src/domain/access/staff.js';
import { saveScores } from '../../src/domain/gradebook/scores.js';
import { composeEmail } from '../../src/email/templates.js';
import { getDistrictProfile } from '../../src/domain/district/service.js';
import { decideChanges, notificationText } from '../../src/domain/notifications/decide.js';
import { recordChanges } from '../../src/domain/changes/service.js';
import { deliverDue, sendDigests } from '../../src/domain/notifications/deliver.js';
import { defaultSettings, saveSettings, defaultChild, type PersonSettings } from '../../src/domain/notifications/settings.js';
import { unsubscribeToken } from '../../src/domain/notifications/unsubscribe.js';
import { SETTING_DEFAULTS } from '../../src/domain/district/admin-settings.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, schoolYear, sectionWithGradebook, staffMember, teachSection, type Family, type SectionFixture, type StaffFixture, type World } from '../support/factories.js';

const BASE_URL = 'https://portal.fixture.example.org';
const at = (iso: string) => new Date(iso);
const minutes = (d: Date, m: number) => new Date(d.getTime() + m * 60_000);
const tally = (keys: string[]) => keys.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>());

describeEachEngine('notifications: deciding and delivering', (get) => {
  let world: World;
  let rosa: StaffFixture;
  let n = 0;

  beforeAll(async () => {
    world = await schoolYear(get().db, { today: '2027-02-09' });
    rosa = await staffMember(get().db, world, { first: 'Rosa', last: 'Marquez', roles: [{ role: 'teacher' }] });
  });

  /** A family in a section of its own. */
  async function scenario(): Promise<{ family: Family; section: SectionFixture }> {
    const db = get().db;
    n++;
    const family = await guardianWithChild(db, world, { student: { first: `Kid${n}`, last: 'Tester' }, guardian: { first: `Parent${n}`, last: 'Tester' } });
    const section = await sectionWithGradebook(db, world, {
      course: { code: `SCI${400 + n}`, title: `Chemistry ${n}` },
      period: '3',
      method: 'points',
      categories: [{ name: 'Labs', weight: null }],
      assignments: [
        { title: 'Lab 1', category: 'Labs', quarter: 'Q3', due: '2027-01-15', possible: 20 },
        { title: 'Lab 2', category: 'Labs', quarter: 'Q3', due: '2027-01-22', possible: 30 },
        { title: 'Lab 3', category: 'Labs', quarter: 'Q3', due: '2027-01-29', possible: 20 },
      ],
      students: [{ student: family.student }],
    });
    await teachSection(db, rosa, section, { primary: true });
    return { family, section };
  }

  /** Rosa types a score (null clears it) at `now`. */
  async function score(s: { family: Family; section: SectionFixture }, lab: string, points: number | null, now: Date) {
    const db = get().db;
    const today = now.toISOString().slice(0, 10);
    const assignmentId = s.section.assignments[lab]!;
    const row = await db.selectFrom('assignment_scores').select('version').where('assignment_id', '=', assignmentId).where('student_id', '=', s.family.student.id).executeTakeFirst();
    const result = await saveScores(
      db,
      await teacherScope(db, rosa.id, today),
      { sectionId: s.section.id, periodId: world.terms.Q3.id, listed: [s.family.student.id], edits: [{ studentId: s.family.student.id, assignmentId, version: row?.version ?? 0, set: { points } }], maxMultiple: 2, actorAccountId: rosa.account!.id, ip: null },
      today,
      now,
    );
    expect(result.kind).toBe('saved');
  }

  const listOf = (accountId: number) =>
    get().db.selectFrom('notifications').select(['kind', 'key', 'params', 'url']).where('account_id', '=', accountId).orderBy('id').execute();
  const kindsOf = async (accountId: number) => (await listOf(accountId)).map((r) => [r.kind, JSON.parse(r.params) as Record<string, unknown>] as const);
  const deliveriesOf = (accountId: number) =>
    get().db.selectFrom('notification_deliveries').select(['channel', 'status', 'due_at']).where('account_id', '=', accountId).orderBy('id').execute();
  const outboxTo = (address: string) => get().db.selectFrom('email_outbox').select(['subject', 'text_body', 'html_body', 'headers', 'kind']).where('to_address', '=', address).orderBy('id').execute();
  const decide = (now: Date) => decideChanges(get(), { now, queuePush: null });
  const deliver = (now: Date) => deliverDue(get(), { now, baseUrl: BASE_URL, queuePush: null });
  const withSettings = (family: Family, change: (s: PersonSettings) => void) => {
    const s = defaultSettings(SETTING_DEFAULTS);
    s.children[String(family.student.id)] = defaultChild(SETTING_DEFAULTS);
    change(s);
    return saveSettings(get().db, family.guardianAccount!.id, s, at('2027-02-01T00:00:00Z'));
  };

  it('tells only once a change has stood for the grace period, in the list and by email', async () => {
    const s = await scenario();
    const t = at('2027-02-09T18:00:00Z'); // 12:00 in Chicago
    await score(s, 'Lab 1', 18, t);
    await decide(minutes(t, 14));
    expect(await listOf(s.family.guardianAccount!.id)).toEqual([]);
    await decide(minutes(t, 15));
    const expected = { student: `Kid${n}`, class: `Chemistry ${n}`, assignment: 'Lab 1', points: 18, possible: 20, percent: 90 };
    expect(await kindsOf(s.family.guardianAccount!.id)).toEqual([['score', expected]]);
    expect(await kindsOf(s.family.studentAccount!.id)).toEqual([['score', expected]]);
    expect((await listOf(s.family.guardianAccount!.id))[0]!.url).toBe(`/students/${s.family.student.id}/grades/${s.section.id}`);
    // Read again (another run, the same minute): nothing new.
    await decide(minutes(t, 16));
    expect(await listOf(s.family.guardianAccount!.id)).toHaveLength(1);
    expect(await deliveriesOf(s.family.guardianAccount!.id)).toEqual([{ channel: 'email', status: 'pending', due_at: expect.anything() }]);
    await deliver(minutes(t, 16));
    const mail = await outboxTo(s.family.guardian.email);
    expect(mail).toHaveLength(1);
    expect(mail[0]!.subject).toBe(`New score for Kid${n}`);
    expect(mail[0]!.text_body).toContain(`Kid${n}: 18 of 20 (90%) on “Lab 1” in Chemistry ${n}.`);
    const headers = JSON.parse(mail[0]!.headers!) as Record<string, string>;
    expect(headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(headers['List-Unsubscribe']).toMatch(new RegExp(`^<${BASE_URL}/unsubscribe/${s.family.guardianAccount!.id}\\.score\\.\\d+\\.\\d+\\.[A-Za-z0-9_-]{43}>$`));
    // The way to stop such emails comes last, after what the message is for and the district's footer:
    // its own line in the text part, a link in the HTML part.
    const unsubscribeUrl = headers['List-Unsubscribe']!.slice(1, -1);
    const text = mail[0]!.text_body;
    expect(text.endsWith(`\n\nStop emails like this one (no sign-in needed):\n${unsubscribeUrl}`)).toBe(true);
    expect(text.indexOf(`/students/${s.family.student.id}/grades/${s.section.id}`)).toBeLessThan(text.indexOf('This message was sent by'));
    const html = mail[0]!.html_body!;
    const anchor = `<a href="${unsubscribeUrl}">Stop emails like this one</a> (no sign-in needed)`;
    expect(html).toContain(anchor);
    expect(html.indexOf('<hr')).toBeLessThan(html.indexOf(anchor));
    expect(html.split(unsubscribeUrl)).toHaveLength(2);
    expect((await deliveriesOf(s.family.guardianAccount!.id)).map((d) => d.status)).toEqual(['sent']);
    await deliver(minutes(t, 20));
    expect(await outboxTo(s.family.guardian.email)).toHaveLength(1);
  });

  it('sends nothing for a change reverted within the grace period (8 → 9 → 8; entered then cleared)', async () => {
    const s = await scenario();
    const t = at('2027-02-10T18:00:00Z');
    await score(s, 'Lab 1', 8, t);
    await decide(minutes(t, 20));
    expect(await listOf(s.family.guardianAccount!.id)).toHaveLength(1);
    await score(s, 'Lab 1', 9, minutes(t, 30));
    await score(s, 'Lab 1', 8, minutes(t, 35));
    await score(s, 'Lab 2', 12, minutes(t, 36));
    await score(s, 'Lab 2', null, minutes(t, 40));
    await decide(minutes(t, 39)); // the chain of Lab 1 has stood only 4 minutes: not decided
    await decide(minutes(t, 80));
    expect(await listOf(s.family.guardianAccount!.id)).toHaveLength(1);
    expect(await listOf(s.family.studentAccount!.id)).toHaveLength(1);
  });

  it('holds email during quiet hours and sends it when they end; the list shows it at once', async () => {
    const s = await scenario();
    const t = at('2027-02-11T09:00:00Z'); // 03:00 in Chicago
    await score(s, 'Lab 1', 18, t);
    await decide(minutes(t, 15));
    expect(await listOf(s.family.guardianAccount!.id)).toHaveLength(1);
    // 07:00 in Chicago is 13:00 UTC.
    expect((await deliveriesOf(s.family.guardianAccount!.id)).map((d) => [d.status, new Date(d.due_at).toISOString()])).toEqual([['pending', '2027-02-11T13:00:00.000Z']]);
    await deliver(at('2027-02-11T12:59:00Z'));
    expect(await outboxTo(s.family.guardian.email)).toHaveLength(0);
    await deliver(at('2027-02-11T13:00:00Z'));
    expect(await outboxTo(s.family.guardian.email)).toHaveLength(1);
  });

  it('applies thresholds both ways: a score below N %, a class grade falling below and rising above', async () => {
    const s = await scenario();
    await withSettings(s.family, (x) => {
      const c = x.children[String(s.family.student.id)]!;
      c.scoreBelow = 70;
      c.gradeBelow = 80;
      c.gradeAbove = 90;
    });
    const t = at('2027-02-12T18:00:00Z');
    // Lab 1 15/20 = 75 %: a score not below 70; the class grade 15/20 = 75 % < 80 (first seen): falls below.
    await score(s, 'Lab 1', 15, t);
    await decide(minutes(t, 15));
    const g = s.family.guardianAccount!.id;
    const base = { student: `Kid${n}`, class: `Chemistry ${n}` };
    expect(await kindsOf(g)).toEqual([['classGrade', { ...base, percent: 75, threshold: 80, direction: 'below' }]]);
    // The student kept the defaults: the score itself, no thresholds.
    expect((await kindsOf(s.family.studentAccount!.id)).map((k) => k[0])).toEqual(['score']);
    // Lab 2 30/30: 45/50 = 90 %, not above 90; a score of 100 %, not below 70: nothing.
    await score(s, 'Lab 2', 30, minutes(t, 60));
    await decide(minutes(t, 75));
    expect(await kindsOf(g)).toHaveLength(1);
    // Lab 3 12/20 = 60 % < 70: the score; 57/70 = 81.43 %: between the thresholds.
    await score(s, 'Lab 3', 12, minutes(t, 120));
    await decide(minutes(t, 135));
    expect((await kindsOf(g)).slice(1)).toEqual([['score', { ...base, assignment: 'Lab 3', points: 12, possible: 20, percent: 60 }]]);
    // Lab 3 changed to 20/20 (100 %): 65/70 = 92.86 % > 90, up from 81.43: rises above.
    await score(s, 'Lab 3', 20, minutes(t, 180));
    await decide(minutes(t, 195));
    expect((await kindsOf(g)).slice(2)).toEqual([['classGrade', { ...base, percent: 92.9, threshold: 90, direction: 'above' }]]);
  });

  it('sends nothing to a guardian whose rights were revoked between the change and the send', async () => {
    const s = await scenario();
    const t = at('2027-02-13T09:00:00Z'); // 03:00 in Chicago: email waits for 07:00
    await score(s, 'Lab 1', 18, t);
    await decide(minutes(t, 15));
    expect(await listOf(s.family.guardianAccount!.id)).toHaveLength(1);
    await get().db.updateTable('student_guardians').set({ rights_revoked: 1 }).where('id', '=', s.family.linkId).execute();
    await deliver(at('2027-02-13T13:00:00Z'));
    expect(await outboxTo(s.family.guardian.email)).toHaveLength(0);
    expect((await deliveriesOf(s.family.guardianAccount!.id)).map((d) => d.status)).toEqual(['withdrawn']);
    // A change after the revocation: nothing at all for the guardian; the student still hears.
    await score(s, 'Lab 2', 20, at('2027-02-13T18:00:00Z'));
    await decide(at('2027-02-13T18:15:00Z'));
    expect(await listOf(s.family.guardianAccount!.id)).toHaveLength(1);
    expect(await listOf(s.family.studentAccount!.id)).toHaveLength(2);
  });

  it('gathers a daily digest at the chosen hour, grouped by child and class, once', async () => {
    const s = await scenario();
    await withSettings(s.family, (x) => {
      x.digest = { mode: 'daily', hour: 18, weekday: 5 };
    });
    const t = at('2027-02-14T15:00:00Z'); // 09:00 in Chicago
    await score(s, 'Lab 1', 18, t);
    await score(s, 'Lab 2', 27, minutes(t, 5));
    await decide(minutes(t, 30));
    expect((await deliveriesOf(s.family.guardianAccount!.id)).map((d) => d.status)).toEqual(['digest', 'digest']);
    await deliver(minutes(t, 30));
    await sendDigests(get(), { now: at('2027-02-14T23:59:00Z'), baseUrl: BASE_URL }); // 17:59 in Chicago
    expect(await outboxTo(s.family.guardian.email)).toHaveLength(0);
    await sendDigests(get(), { now: at('2027-02-15T00:00:00Z'), baseUrl: BASE_URL }); // 18:00
    await sendDigests(get(), { now: at('2027-02-15T00:05:00Z'), baseUrl: BASE_URL });
    const mail = await outboxTo(s.family.guardian.email);
    expect(mail.map((m) => m.subject)).toEqual(['2 notifications from Fixture Portal']);
    const body = mail[0]!.text_body;
    expect(body.indexOf(`Kid${n} · Chemistry ${n}`)).toBeGreaterThan(-1);
    expect(body).toContain(`• Kid${n}: 18 of 20 (90%) on “Lab 1” in Chemistry ${n}.`);
    expect(body).toContain(`• Kid${n}: 27 of 30 (90%) on “Lab 2” in Chemistry ${n}.`);
    expect(JSON.parse(mail[0]!.headers!)['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect((await deliveriesOf(s.family.guardianAccount!.id)).map((d) => d.status)).toEqual(['sent', 'sent']);
    // An item waiting for the digest when the person turns the digest off goes on its own.
    await score(s, 'Lab 3', 10, at('2027-02-15T15:00:00Z'));
    await decide(at('2027-02-15T15:20:00Z'));
    expect((await deliveriesOf(s.family.guardianAccount!.id)).map((d) => d.status)).toEqual(['sent', 'sent', 'digest']);
    await withSettings(s.family, () => undefined);
    await sendDigests(get(), { now: at('2027-02-15T15:21:00Z'), baseUrl: BASE_URL });
    await deliver(at('2027-02-15T15:21:00Z'));
    expect((await outboxTo(s.family.guardian.email)).map((m) => m.subject)).toEqual(['2 notifications from Fixture Portal', `New score for Kid${n}`]);
  });

  it('a decider stopped mid-batch leaves nothing; the next run writes each notification once, even two at a time', async () => {
    const s = await scenario();
    const t = at('2027-02-16T18:00:00Z');
    await score(s, 'Lab 1', 18, t);
    await score(s, 'Lab 2', 27, t);
    const cursor = () => get().db.selectFrom('notification_cursor').select('decided_through').executeTakeFirstOrThrow();
    const before = await cursor();
    await expect(decideChanges(get(), { now: minutes(t, 20), queuePush: null, batchSize: 1, dieBeforeCommit: () => true })).rejects.toThrow(/fault injected/);
    expect(await cursor()).toEqual(before);
    expect(await listOf(s.family.guardianAccount!.id)).toEqual([]);
    // Two processes' deciders at once (SQLite: one writer at a time).
    await Promise.all([decide(minutes(t, 20)), decide(minutes(t, 20))]);
    await decide(minutes(t, 21));
    expect((await kindsOf(s.family.guardianAccount!.id)).map((k) => k[1].assignment)).toEqual(['Lab 1', 'Lab 2']);
    expect(await deliveriesOf(s.family.guardianAccount!.id)).toHaveLength(2);
  });
  it('with the portal’s address, writes an email due now with its notification: the message composeEmail makes, once', async () => {
    const s = await scenario();
    const t = at('2027-02-17T18:00:00Z'); // 12:00 in Chicago: no quiet hours
    await score(s, 'Lab 1', 18, t);
    const now = minutes(t, 15);
    const result = await decideChanges(get(), { now, queuePush: null, baseUrl: BASE_URL });
    expect(result.emails).toBe(2);
    const g = s.family.guardianAccount!.id;
    // No delivery step ran: the email is in the outbox, its delivery done.
    expect((await deliveriesOf(g)).map((d) => [d.channel, d.status])).toEqual([['email', 'sent']]);
    const mail = await get().db.selectFrom('email_outbox').selectAll().where('to_address', '=', s.family.guardian.email).execute();
    expect(mail).toHaveLength(1);
    // The message written by hand from the catalogs' keys, with this person's own unsubscribe link.
    const unsubscribe = `${BASE_URL}/unsubscribe/${await unsubscribeToken(get().db, { accountId: g, kind: 'score' }, now)}`;
    const expected = composeEmail({
      kind: 'notification',
      to: s.family.guardian.email,
      locale: 'en',
      district: await getDistrictProfile(get().db),
      subject: 'email.notification.subject',
      subjectParams: { title: `New score for Kid${n}` },
      paragraphs: [{ key: 'email.notification.body', params: { body: `Kid${n}: 18 of 20 (90%) on “Lab 1” in Chemistry ${n}.` } }],
      link: { url: `${BASE_URL}/students/${s.family.student.id}/grades/${s.section.id}`, label: 'email.notification.open' },
      unsubscribe,
    });
    expect({ subject: mail[0]!.subject, text: mail[0]!.text_body, html: mail[0]!.html_body, kind: mail[0]!.kind, locale: mail[0]!.locale }).toEqual({
      subject: expected.subject,
      text: expected.text,
      html: expected.html,
      kind: 'notification',
      locale: 'en',
    });
    expect(JSON.parse(mail[0]!.headers!)).toEqual({ 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' });
    // The student's copy: the same subject, their own link.
    const theirs = await get().db.selectFrom('user_accounts').select('security_email').where('id', '=', s.family.studentAccount!.id).executeTakeFirstOrThrow();
    const copy = await outboxTo(theirs.security_email!);
    expect(copy.map((m) => m.subject)).toEqual([`New score for Kid${n}`]);
    expect(JSON.parse(copy[0]!.headers!)['List-Unsubscribe']).toContain(`/unsubscribe/${s.family.studentAccount!.id}.score.`);
    // Read again, and the delivery step after it: nothing more.
    await decideChanges(get(), { now: minutes(t, 16), queuePush: null, baseUrl: BASE_URL });
    await deliver(minutes(t, 16));
    expect(await outboxTo(s.family.guardian.email)).toHaveLength(1);
  });

  it('a decider stopped between two of its writes keeps what committed; the next run writes the rest, each once', async () => {
    const s = await scenario();
    const t = at('2027-02-18T18:00:00Z');
    await score(s, 'Lab 1', 18, t);
    await score(s, 'Lab 2', 27, minutes(t, 1));
    const cursor = () => get().db.selectFrom('notification_cursor').select('decided_through').executeTakeFirstOrThrow();
    const before = await cursor();
    const accounts = [s.family.guardianAccount!.id, s.family.studentAccount!.id];
    const written = () => get().db.selectFrom('notifications').select(['account_id', 'key']).where('account_id', 'in', accounts).execute();
    // Four notifications (two changes, two people), one per write: stopped after the first write committed.
    // On PostgreSQL the second write was in flight beside it on the decider's second connection (ADR 0069),
    // and the stop waits for it: it commits too. The cursor moves with the last write only.
    const committed = get().dialect === 'postgres' ? 2 : 1;
    await expect(decideChanges(get(), { now: minutes(t, 20), queuePush: null, baseUrl: BASE_URL, chunkSize: 1, dieAfterChunk: (k) => k === 1 })).rejects.toThrow(/fault injected/);
    expect(await written()).toHaveLength(committed);
    expect(await cursor()).toEqual(before);
    const addresses = (await get().db.selectFrom('user_accounts').select('security_email').where('id', 'in', accounts).execute()).map((a) => a.security_email!);
    const emails = () => get().db.selectFrom('email_outbox').select('to_address').where('to_address', 'in', addresses).execute();
    // Each committed write holds one notification and its email.
    expect(await emails()).toHaveLength(committed);
    await decideChanges(get(), { now: minutes(t, 20), queuePush: null, baseUrl: BASE_URL, chunkSize: 1 });
    const keys = (await written()).map((r) => `${r.account_id}:${r.key}`).sort();
    expect(new Set(keys).size).toBe(4);
    expect(keys).toHaveLength(4);
    expect((await cursor()).decided_through).toBeGreaterThan(before.decided_through);
    for (const account of accounts) {
      expect((await deliveriesOf(account)).map((d) => [d.channel, d.status])).toEqual([
        ['email', 'sent'],
        ['email', 'sent'],
      ]);
    }
    // One email per notification, whichever run wrote it.
    expect(tally((await emails()).map((e) => e.to_address))).toEqual(new Map(addresses.map((a) => [a, 2])));
  });

  it('two delivery steps at once send a held email once', async () => {
    const s = await scenario();
    const t = at('2027-02-19T09:00:00Z'); // 03:00 in Chicago: held until 07:00 (13:00 UTC)
    await score(s, 'Lab 1', 18, t);
    await decideChanges(get(), { now: minutes(t, 15), queuePush: null, baseUrl: BASE_URL });
    expect((await deliveriesOf(s.family.guardianAccount!.id)).map((d) => d.status)).toEqual(['pending']);
    expect(await outboxTo(s.family.guardian.email)).toHaveLength(0);
    const counts = await Promise.all([deliver(at('2027-02-19T13:00:00Z')), deliver(at('2027-02-19T13:00:00Z'))]);
    expect(await outboxTo(s.family.guardian.email)).toHaveLength(1);
    expect((await deliveriesOf(s.family.guardianAccount!.id)).map((d) => d.status)).toEqual(['sent']);
    // Each delivery counted by the step that marked it: the guardian's and the student's, once in all.
    expect(counts[0] + counts[1]).toBe(2);
  });
  it('decides a subject whose changes lie further apart than a batch, instead of stopping before it for good', async () => {
    const s = await scenario();
    const t = at('2027-02-20T18:00:00Z');
    // Lab 1 typed, Lab 2 typed, Lab 1 corrected: with batches of two, Lab 1's chain goes on after the first batch.
    await score(s, 'Lab 1', 8, t);
    await score(s, 'Lab 2', 27, minutes(t, 1));
    await score(s, 'Lab 1', 15, minutes(t, 2));
    const last = await get().db.selectFrom('change_events').select((eb) => eb.fn.max('id').as('id')).executeTakeFirstOrThrow();
    await decideChanges(get(), { now: minutes(t, 20), queuePush: null, batchSize: 2 });
    // Lab 1 told once, as it stands (15), and Lab 2; the cursor past all three.
    expect((await kindsOf(s.family.guardianAccount!.id)).map((k) => [k[1].assignment, k[1].points])).toEqual([
      ['Lab 1', 15],
      ['Lab 2', 27],
    ]);
    expect((await get().db.selectFrom('notification_cursor').select('decided_through').executeTakeFirstOrThrow()).decided_through).toBe(Number(last.id));
  });

  it('PostgreSQL: a run that wrote many notifications analyzes the tables it wrote; a small run leaves it to autovacuum', async () => {
    if (get().dialect !== 'postgres') return;
    const analyzed = async () => {
      const rows = await sql<{ relname: string; last_analyze: Date | null }>`select relname, last_analyze from pg_stat_user_tables where relname in ('notifications', 'notification_deliveries', 'push_deliveries', 'email_outbox')`.execute(get().db);
      return new Map(rows.rows.map((r) => [r.relname, r.last_analyze === null ? 0 : new Date(r.last_analyze).getTime()]));
    };
    const s = await scenario();
    const t = at('2027-02-21T18:00:00Z');
    await score(s, 'Lab 1', 8, t);
    const before = await analyzed();
    // Two notifications (the guardian's and the student's), below the threshold: nothing analyzed.
    await decideChanges(get(), { now: minutes(t, 20), queuePush: null, statisticsAfter: 3 });
    expect(await analyzed()).toEqual(before);
    await score(s, 'Lab 2', 27, minutes(t, 30));
    await decideChanges(get(), { now: minutes(t, 50), queuePush: null, statisticsAfter: 2 });
    const after = await analyzed();
    expect([...after.keys()].sort()).toEqual(['email_outbox', 'notification_deliveries', 'notifications', 'push_deliveries']);
    for (const [table, time] of after) expect(time, table).toBeGreaterThan(before.get(table) ?? 0);
  });

  it('tells an attendance change in words: the code as the district names it in the reader\'s language, and the day written out', async () => {
    const s = await scenario();
    const db = get().db;
    await db.updateTable('attendance_codes').set({ description_es: 'Ausente: cita médica' }).where('code', '=', 'A-APT').execute();
    await db.updateTable('user_accounts').set({ locale: 'es' }).where('id', '=', s.family.studentAccount!.id).execute();
    const t = at('2027-02-22T18:00:00Z');
    await db.transaction().execute((trx) =>
      recordChanges(trx, [{ kind: 'attendance', action: 'created', subjectId: 900_000 + n, studentId: s.family.student.id, after: { date: '2027-02-22', sectionId: null, code: 'A-APT' }, actorAccountId: null }], t),
    );
    await decide(minutes(t, 20));
    const textOf = async (accountId: number, locale: 'en' | 'es') => {
      const [entry] = await listOf(accountId);
      return notificationText(locale, entry!.kind, JSON.parse(entry!.params) as Record<string, string | number>).body;
    };
    expect(await textOf(s.family.guardianAccount!.id, 'en')).toBe(`Kid${n}: attendance recorded as Absent: appointment on February 22, 2027.`);
    expect(await textOf(s.family.studentAccount!.id, 'es')).toBe(`Kid${n}: asistencia registrada como Ausente: cita médica el 22 de febrero de 2027.`);
    await deliver(minutes(t, 21));
    const [mail] = await outboxTo(s.family.guardian.email);
    expect(mail!.text_body).toContain(`Kid${n}: attendance recorded as Absent: appointment on February 22, 2027.`);
  });
});
