/**
 * Notifications about a person (notifications/direct.ts, ADR 0041) on both engines, with an injected
 * clock: who is told (active accounts; about a student, only the student and guardians with portal
 * rights now), exactly once, the person's channels, quiet hours in their own time zone, the digest, a
 * kind turned off, push only to people with a device; and a message's recipients told through it.
 * Expected values are worked out by hand from the fixture. The district is in Chicago (UTC−6 in February),
 * quiet hours 21:00–07:00 by default.
 */
import { sql } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import { senderRights } from '../../src/domain/messages/audience.js';
import { checkCompose, composeInput, deliverMessage, sendMessage } from '../../src/domain/messages/service.js';
import { notifyRecipients } from '../../src/domain/messages/email.js';
import { parsePortalSettings } from '../../src/domain/district/settings.js';
import { deliverDue } from '../../src/domain/notifications/deliver.js';
import { notifyDirect } from '../../src/domain/notifications/direct.js';
import { notifyAccountEvent } from '../../src/domain/notifications/service.js';
import { defaultSettings, saveSettings, type PersonSettings } from '../../src/domain/notifications/settings.js';
import { SETTING_DEFAULTS } from '../../src/domain/district/admin-settings.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, schoolYear, sectionWithGradebook, staffMember, teachSection, type Family, type World } from '../support/factories.js';

// 18:00 UTC is 12:00 in Chicago (no quiet hours) and 03:00 the next day in Tokyo (inside 21:00–07:00).
const NOW = new Date('2027-02-09T18:00:00Z');

describeEachEngine('notifications about a person', (get) => {
  let world: World;
  let n = 0;

  beforeAll(async () => {
    world = await schoolYear(get().db, { today: '2027-02-09' });
  });

  const family = async (options: Parameters<typeof guardianWithChild>[2] = {}): Promise<Family> => {
    n++;
    return guardianWithChild(get().db, world, { student: { first: `Kid${n}`, last: 'Direct' }, guardian: { first: `Parent${n}`, last: 'Direct' }, ...options });
  };
  /** An audience of these accounts, each about `studentId` (null: about no student). */
  const audience = (accountIds: number[], studentId: number | null) =>
    get()
      .db.selectFrom('user_accounts')
      .where('id', 'in', accountIds)
      .select(['id as account_id', sql<number | null>`cast(${studentId} as integer)`.as('student_id')]);
  const entries = (accountId: number) => get().db.selectFrom('notifications').select(['id', 'kind', 'key', 'student_id', 'url', 'params']).where('account_id', '=', accountId).orderBy('id').execute();
  const deliveries = (accountId: number) => get().db.selectFrom('notification_deliveries').select(['channel', 'status', 'due_at']).where('account_id', '=', accountId).orderBy('channel').execute();
  const tell = (ids: number[], studentId: number | null, source: string) =>
    get().db.transaction().execute((trx) => notifyDirect(trx, audience(ids, studentId), { kind: 'message', source, params: { sender: 'Rosa Marquez' }, url: `/messages/${source}` }, NOW));
  const iso = (v: string | Date) => new Date(v).toISOString();
  const settingsWith = (change: (s: PersonSettings) => void) => {
    const s = defaultSettings(SETTING_DEFAULTS);
    change(s);
    return s;
  };

  it('tells each person once, by the district’s channels, with push only where they have a device', async () => {
    const a = await family();
    const b = await family();
    const db = get().db;
    await db.insertInto('push_subscriptions').values({ account_id: b.guardianAccount!.id, endpoint: 'https://push.example.org/b', p256dh: 'x', auth: 'y', device_name: 'Phone', user_agent: null, created_at: NOW.toISOString(), last_success_at: null }).execute();
    const ids = [a.guardianAccount!.id, b.guardianAccount!.id, a.studentAccount!.id];
    expect(await tell(ids, null, '9001')).toBe(3);
    // Run again (a job retried): nothing more.
    expect(await tell(ids, null, '9001')).toBe(0);
    const [entry, ...more] = await entries(a.guardianAccount!.id);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({ kind: 'message', key: 'message:9001', student_id: null, url: '/messages/9001' });
    expect(JSON.parse(entry!.params)).toEqual({ sender: 'Rosa Marquez' });
    expect((await deliveries(a.guardianAccount!.id)).map((d) => [d.channel, d.status, iso(d.due_at)])).toEqual([['email', 'pending', NOW.toISOString()]]);
    expect((await deliveries(b.guardianAccount!.id)).map((d) => [d.channel, d.status])).toEqual([
      ['email', 'pending'],
      ['push', 'pending'],
    ]);
    expect((await entries(a.studentAccount!.id)).length).toBe(1);
  });

  it('tells about a student only the student and guardians with portal rights now', async () => {
    const linked = await family();
    const revoked = await family({ child: linked.student, revoked: true });
    const noPortal = await family({ child: linked.student, portalAccess: false });
    const stranger = await family();
    const ids = [linked.guardianAccount!.id, revoked.guardianAccount!.id, noPortal.guardianAccount!.id, stranger.guardianAccount!.id, stranger.studentAccount!.id, linked.studentAccount!.id];
    expect(await tell(ids, linked.student.id, '9002')).toBe(2);
    expect((await entries(linked.guardianAccount!.id)).map((e) => e.student_id)).toEqual([linked.student.id]);
    expect((await entries(linked.studentAccount!.id)).map((e) => e.student_id)).toEqual([linked.student.id]);
    for (const id of [revoked.guardianAccount!.id, noPortal.guardianAccount!.id, stranger.guardianAccount!.id, stranger.studentAccount!.id]) expect(await entries(id)).toEqual([]);
    // An account that is not active is told nothing either.
    const disabled = await family();
    await get().db.updateTable('user_accounts').set({ status: 'disabled' }).where('id', '=', disabled.guardianAccount!.id).execute();
    expect(await tell([disabled.guardianAccount!.id], null, '9003')).toBe(0);
  });

  it('follows each person’s settings: quiet hours in their own time zone, the digest, a kind turned off', async () => {
    const tokyo = await family();
    const digest = await family();
    const off = await family();
    const pushOnly = await family();
    const db = get().db;
    await saveSettings(db, tokyo.guardianAccount!.id, settingsWith((s) => (s.timeZone = 'Asia/Tokyo')), NOW);
    await saveSettings(db, digest.guardianAccount!.id, settingsWith((s) => (s.digest = { mode: 'daily', hour: 18, weekday: 5 })), NOW);
    await saveSettings(db, off.guardianAccount!.id, settingsWith((s) => (s.own.message = { on: false, email: true, push: true })), NOW);
    await saveSettings(db, pushOnly.guardianAccount!.id, settingsWith((s) => (s.own.message = { on: true, email: false, push: true })), NOW);
    expect(await tell([tokyo.guardianAccount!.id, digest.guardianAccount!.id, off.guardianAccount!.id, pushOnly.guardianAccount!.id], null, '9004')).toBe(3);
    // 03:00 in Tokyo: held until 07:00 there, 22:00 UTC.
    expect((await deliveries(tokyo.guardianAccount!.id)).map((d) => [d.channel, d.status, iso(d.due_at)])).toEqual([['email', 'pending', '2027-02-09T22:00:00.000Z']]);
    expect((await deliveries(digest.guardianAccount!.id)).map((d) => [d.channel, d.status])).toEqual([['email', 'digest']]);
    expect(await entries(off.guardianAccount!.id)).toEqual([]);
    expect(await deliveries(off.guardianAccount!.id)).toEqual([]);
    // Push asked for, but no device: an entry and nothing to deliver.
    expect((await entries(pushOnly.guardianAccount!.id)).length).toBe(1);
    expect(await deliveries(pushOnly.guardianAccount!.id)).toEqual([]);
  });

  it('a new-device sign-in is always on: at once, by email, even in quiet hours and with the kind’s settings off', async () => {
    const f = await family();
    const db = get().db;
    await saveSettings(db, f.guardianAccount!.id, settingsWith((s) => {
      s.timeZone = 'Asia/Tokyo';
      s.digest = { mode: 'daily', hour: 18, weekday: 5 };
      s.own.message = { on: false, email: false, push: false };
    }), NOW);
    // As the sign-in tells of it (accounts/sign-in.ts): the account's name and the time come with the device.
    await db.transaction().execute((trx) => notifyAccountEvent(trx, f.guardianAccount!.id, 'newDevice', NOW, { device: 'Firefox / Android' }));
    expect((await entries(f.guardianAccount!.id)).length).toBe(1);
    expect((await deliveries(f.guardianAccount!.id)).map((d) => [d.channel, d.status, iso(d.due_at)])).toEqual([['email', 'pending', NOW.toISOString()]]);
    // Its email offers no unsubscribe: the notice cannot be turned off (no link, no RFC 8058 headers).
    const address = (await db.selectFrom('user_accounts').select('security_email').where('id', '=', f.guardianAccount!.id).executeTakeFirstOrThrow()).security_email!;
    await deliverDue(get(), { now: NOW, baseUrl: 'http://portal.test', queuePush: null });
    const mail = await db.selectFrom('email_outbox').select(['text_body', 'headers']).where('to_address', '=', address).executeTakeFirstOrThrow();
    expect(mail.text_body).toContain('Firefox / Android');
    expect(mail.text_body).toContain(f.guardianAccount!.username);
    expect(mail.text_body).not.toMatch(/[{}]/);
    expect(mail.text_body).not.toContain('/unsubscribe/');
    expect(mail.headers).toBeNull();
  });

  it('tells a message’s families through the notification once, about the student when it concerns one', async () => {
    const db = get().db;
    const maya = await family({ accounts: 'guardian' });
    const revoked = await family({ child: maya.student, revoked: true, accounts: 'guardian' });
    const rosa = await staffMember(db, world, { first: 'Rosa', last: 'Marquez', roles: [{ role: 'teacher' }] });
    const section = await sectionWithGradebook(db, world, { course: { code: `BIO${n}`, title: 'Biology' }, period: '1', teacher: null, students: [{ student: maya.student }] });
    await teachSection(db, rosa, section, { primary: true });
    const checked = await checkCompose(db, await senderRights(db, rosa.id, world.today), composeInput.parse({ kind: 'sections', sectionIds: String(section.id), readers: 'guardians', subjectEn: 'Lab', bodyEn: 'Bring goggles.', subjectEs: '', bodyEs: '' }), { now: NOW, timeZone: world.timeZone, settings: parsePortalSettings('{}') });
    if (!checked.ok) throw new Error('refused');
    const id = await sendMessage(db, { accountId: rosa.account!.id, name: rosa.name, ip: null }, checked.draft, NOW);
    await deliverMessage(db, id, NOW);
    expect(await db.transaction().execute((trx) => notifyRecipients(trx, id, NOW))).toBe(1);
    expect(await db.transaction().execute((trx) => notifyRecipients(trx, id, NOW))).toBe(0);
    const [entry] = await entries(maya.guardianAccount!.id);
    expect(entry).toMatchObject({ kind: 'message', key: `message:${id}`, student_id: maya.student.id, url: `/messages/${id}` });
    expect(JSON.parse(entry!.params)).toEqual({ sender: 'Rosa Marquez' });
    expect(await entries(revoked.guardianAccount!.id)).toEqual([]);
  });
});
