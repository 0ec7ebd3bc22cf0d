/**
 * The two halves of issue 22 joined: a teacher's score, once it has stood for the grace period, is
 * decided (domain/notifications/decide.ts) with push.ts's real queuePush, and the push job sends it
 * with web-push to a push service on 127.0.0.1 that checks the VAPID signature and decrypts the payload
 * with the device's own keys. A guardian whose link ends before the decision gets nothing.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { teacherScope } from '../../src/domain/access/staff.js';
import { saveScores } from '../../src/domain/gradebook/scores.js';
import { decideChanges } from '../../src/domain/notifications/decide.js';
import { deliverDuePushes, queuePush, subscribe, vapidKeys } from '../../src/domain/notifications/push.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, schoolYear, sectionWithGradebook, staffMember, teachSection, type Family, type SectionFixture, type StaffFixture, type World } from '../support/factories.js';
import { startPushService, type PushService, type TestSubscription } from '../support/push-service.js';

const minutes = (d: Date, m: number) => new Date(d.getTime() + m * 60_000);

describeEachEngine('notifications reach a phone by Web Push', (get) => {
  let world: World;
  let rosa: StaffFixture;
  let service: PushService;
  let n = 0;

  beforeAll(async () => {
    service = await startPushService();
    world = await schoolYear(get().db, { today: '2027-02-09' });
    await get().db.updateTable('district').set({ help_email: 'help@fixture.example.org' }).execute();
    rosa = await staffMember(get().db, world, { first: 'Rosa', last: 'Marquez', roles: [{ role: 'teacher' }] });
  });
  afterAll(() => service.close());

  async function scenario(): Promise<{ family: Family; section: SectionFixture; device: TestSubscription }> {
    const db = get().db;
    n++;
    const family = await guardianWithChild(db, world, { student: { first: `Kid${n}`, last: 'Pusher' }, guardian: { first: `Parent${n}`, last: 'Pusher' } });
    const section = await sectionWithGradebook(db, world, {
      course: { code: `BIO${500 + n}`, title: `Biology ${n}` },
      period: '2',
      method: 'points',
      categories: [{ name: 'Labs', weight: null }],
      assignments: [{ title: 'Lab 1', category: 'Labs', quarter: 'Q3', due: '2027-01-15', possible: 20 }],
      students: [{ student: family.student }],
    });
    await teachSection(db, rosa, section, { primary: true });
    const device = service.subscription();
    const saved = await subscribe(db, family.guardianAccount!.id, { endpoint: device.endpoint, keys: device.keys, deviceName: 'Phone' }, 'Test browser', new Date('2027-02-01T00:00:00Z'));
    expect(saved.kind).toBe('saved');
    return { family, section, device };
  }

  async function score(s: { family: Family; section: SectionFixture }, points: number, now: Date) {
    const db = get().db;
    const today = now.toISOString().slice(0, 10);
    const result = await saveScores(
      db,
      await teacherScope(db, rosa.id, today),
      { sectionId: s.section.id, periodId: world.terms.Q3.id, listed: [s.family.student.id], edits: [{ studentId: s.family.student.id, assignmentId: s.section.assignments['Lab 1']!, version: 0, set: { points } }], maxMultiple: 2, actorAccountId: rosa.account!.id, ip: null },
      today,
      now,
    );
    expect(result.kind).toBe('saved');
  }

  const sendAt = async (now: Date) =>
    deliverDuePushes(get().db, get().dialect, { vapid: await vapidKeys(get().db, now), subject: 'mailto:help@fixture.example.org', agent: service.agent }, { now: () => now });
  const receivedBy = (device: TestSubscription) => service.received.filter((r) => r.subscription === device.id);

  it('a score that has stood for the grace period arrives on the phone, signed and encrypted, once', async () => {
    const s = await scenario();
    const t = new Date('2027-02-09T18:00:00Z'); // noon in Chicago: no quiet hours
    await score(s, 17, t);
    await decideChanges(get(), { now: minutes(t, 15), queuePush });
    await sendAt(minutes(t, 15));
    expect(service.problems).toEqual([]);
    const got = receivedBy(s.device);
    expect(got).toHaveLength(1);
    // 17 of 20 is 85 %: the text the guardian's language gives it, and the page that shows it.
    expect(got[0]!.payload).toMatchObject({
      title: `New score for Kid${n}`,
      url: `/students/${s.family.student.id}/grades/${s.section.id}`,
    });
    expect(JSON.stringify(got[0]!.payload)).toContain('85');
    expect(got[0]!.jwt.sub).toBe('mailto:help@fixture.example.org');
    // Another decision and another send, later: nothing twice.
    await decideChanges(get(), { now: minutes(t, 20), queuePush });
    await sendAt(minutes(t, 20));
    expect(receivedBy(s.device)).toHaveLength(1);
  });

  it('sends nothing to a guardian whose link ended before the change was decided', async () => {
    const s = await scenario();
    const t = new Date('2027-02-10T18:00:00Z');
    await score(s, 12, t);
    await get().db.updateTable('student_guardians').set({ rights_revoked: 1 }).where('id', '=', s.family.linkId).execute();
    await decideChanges(get(), { now: minutes(t, 15), queuePush });
    await sendAt(minutes(t, 15));
    expect(receivedBy(s.device)).toEqual([]);
    expect(await get().db.selectFrom('notifications').select('id').where('account_id', '=', s.family.guardianAccount!.id).execute()).toEqual([]);
  });

  it('sends nothing when the link ends after the decision but before the push goes out', async () => {
    const s = await scenario();
    const t = new Date('2027-02-11T18:00:00Z');
    await score(s, 19, t);
    await decideChanges(get(), { now: minutes(t, 15), queuePush });
    // Decided and queued while the guardian could see the child; the link ends before the send.
    expect(await get().db.selectFrom('push_deliveries').select('state').where('key', 'like', 'notification-%').where('state', '=', 'queued').execute()).toHaveLength(1);
    await get().db.updateTable('student_guardians').set({ rights_revoked: 1 }).where('id', '=', s.family.linkId).execute();
    await sendAt(minutes(t, 15));
    expect(receivedBy(s.device)).toEqual([]);
    const rows = await get().db.selectFrom('push_deliveries').select(['state', 'last_error']).where('key', 'like', 'notification-%').where('state', '!=', 'sent').execute();
    expect(rows).toEqual([{ state: 'failed', last_error: 'no longer allowed to see the student: not sent' }]);
  });
});
