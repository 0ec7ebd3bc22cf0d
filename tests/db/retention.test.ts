/**
 * Retention (ADRs 0046, 0056): what served its time is removed, what did not stays. Every row below is
 * written for the test with its age; the expected survivors are listed by hand.
 */
import type { Kysely } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.js';
import { pruneExpired } from '../../src/domain/system/retention.js';
import { describeEachEngine } from '../support/db.js';

const NOW = new Date('2027-03-01T12:00:00.000Z');
const DAY = 86_400_000;
const ago = (days: number) => new Date(NOW.getTime() - days * DAY).toISOString();

async function people(db: Kysely<DB>) {
  const t = NOW.toISOString();
  await db.insertInto('guardians').values({ id: 1, first_name: 'Ana', last_name: 'Ruiz', created_at: t, updated_at: t, updated_by: null }).execute();
  await db.insertInto('staff').values({ id: 1, sourced_id: null, staff_number: 'T1', first_name: 'Rosa', last_name: 'Diaz', email: null, phone: null, title: null, school_id: null, created_at: t, updated_at: t, updated_by: null }).execute();
  await db
    .insertInto('user_accounts')
    .values([
      { id: 1, username: 'ana', username_key: 'ana', person_kind: 'guardian', guardian_id: 1, created_at: t, updated_at: t, updated_by: null },
      { id: 2, username: 'rosa', username_key: 'rosa', person_kind: 'staff', staff_id: 1, created_at: t, updated_at: t, updated_by: null },
    ])
    .execute();
}

describeEachEngine('retention', (get) => {
  beforeAll(() => people(get().db));

  it('removes finished jobs, sent and abandoned emails, sent pushes and old notifications after their time, and keeps the rest', async () => {
    const { db } = get();
    const job = (kind: string, status: 'queued' | 'running' | 'done' | 'failed', finishedDaysAgo: number | null) => ({
      kind,
      status,
      run_at: ago(60),
      created_at: ago(60),
      finished_at: finishedDaysAgo === null ? null : ago(finishedDaysAgo),
    });
    await db
      .insertInto('jobs')
      .values([job('done-old', 'done', 31), job('failed-old', 'failed', 45), job('done-young', 'done', 29), job('queued-old', 'queued', null), job('running', 'running', null)])
      .execute();
    // 2,100 more finished jobs: more than one chunk of 2,000
    await db.insertInto('jobs').values(Array.from({ length: 2_100 }, (_, i) => job(`bulk-${i}`, 'done', 40))).execute();

    const mail = (to: string, createdDaysAgo: number, sentDaysAgo: number | null, attempts: number) => ({
      kind: 'test',
      to_address: to,
      locale: 'en',
      subject: 'Hello',
      text_body: 'Hello',
      html_body: '<p>Hello</p>',
      created_at: ago(createdDaysAgo),
      send_after: ago(createdDaysAgo),
      sent_at: sentDaysAgo === null ? null : ago(sentDaysAgo),
      attempts,
    });
    await db
      .insertInto('email_outbox')
      .values([
        mail('sent-old@example.org', 40, 40, 1),
        mail('sent-young@example.org', 40, 20, 3),
        mail('gave-up-old@example.org', 100, null, 8),
        mail('gave-up-young@example.org', 60, null, 8),
        // still being tried (a long outage): never removed while it may still go
        mail('trying@example.org', 200, null, 2),
      ])
      .execute();

    const device = await db
      .insertInto('push_subscriptions')
      .values({ account_id: 1, endpoint: 'https://push.example.org/a', p256dh: 'k', auth: 'a', device_name: 'Phone', user_agent: null, created_at: ago(90), last_success_at: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    const push = (key: string, state: 'queued' | 'sent' | 'failed', createdDaysAgo: number) => ({
      subscription_id: device.id,
      key,
      payload: '{}',
      state,
      next_attempt_at: ago(createdDaysAgo),
      created_at: ago(createdDaysAgo),
      sent_at: state === 'sent' ? ago(createdDaysAgo) : null,
    });
    await db.insertInto('push_deliveries').values([push('sent-old', 'sent', 31), push('failed-old', 'failed', 50), push('sent-young', 'sent', 5), push('queued-old', 'queued', 50)]).execute();

    const note = (key: string, createdDaysAgo: number) => ({ account_id: 1, key, kind: 'score', change_event_id: null, student_id: null, section_id: null, params: '{}', url: '/today', created_at: ago(createdDaysAgo), read_at: null });
    const old = await db.insertInto('notifications').values(note('old', 401)).returning('id').executeTakeFirstOrThrow();
    await db.insertInto('notifications').values(note('young', 399)).execute();
    await db
      .insertInto('notification_deliveries')
      .values({ notification_id: old.id, account_id: 1, channel: 'email', status: 'sent', due_at: ago(401), done_at: ago(401), digest_id: null })
      .execute();

    // Payment provider events: 90 days (ADR 0056), whatever their checkout.
    const event = (id: string, receivedDaysAgo: number) => ({ provider: 'stripe', event_id: id, type: 'payment_intent.succeeded', checkout_id: null, received_at: ago(receivedDaysAgo) });
    await db.insertInto('payment_events').values([event('evt_old', 91), event('evt_much_older', 400), event('evt_young', 89), event('evt_today', 0)]).execute();
    // Dashboard refunds parked under a PaymentIntent no checkout named: 90 days too (ADR 0063).
    const parked = (id: string, receivedDaysAgo: number) => ({ provider: 'stripe', provider_refund_id: id, reference: `pi_${id}`, checkout_id: null, status: 'succeeded' as const, cents: 500, received_at: ago(receivedDaysAgo), recorded_at: null });
    await db.insertInto('checkout_refunds').values([parked('re_old', 91), parked('re_young', 89)]).execute();

    const pruned = await pruneExpired(db, NOW, { messageRetentionYears: 5 });
    expect(pruned).toEqual({ jobs: 2_102, emails: 2, pushDeliveries: 2, notifications: 1, paymentEvents: 2, parkedRefunds: 1, messages: 0 });
    expect((await db.selectFrom('jobs').select('kind').orderBy('kind').execute()).map((r) => r.kind)).toEqual(['done-young', 'queued-old', 'running']);
    expect((await db.selectFrom('email_outbox').select('to_address').orderBy('to_address').execute()).map((r) => r.to_address)).toEqual([
      'gave-up-young@example.org',
      'sent-young@example.org',
      'trying@example.org',
    ]);
    expect((await db.selectFrom('push_deliveries').select('key').orderBy('key').execute()).map((r) => r.key)).toEqual(['queued-old', 'sent-young']);
    expect((await db.selectFrom('notifications').select('key').execute()).map((r) => r.key)).toEqual(['young']);
    expect(await db.selectFrom('notification_deliveries').selectAll().execute()).toEqual([]);
    expect((await db.selectFrom('payment_events').select('event_id').orderBy('event_id').execute()).map((r) => r.event_id)).toEqual(['evt_today', 'evt_young']);
    expect((await db.selectFrom('checkout_refunds').select('provider_refund_id').execute()).map((r) => r.provider_refund_id)).toEqual(['re_young']);
    // A second pass finds nothing more.
    expect(await pruneExpired(db, NOW, { messageRetentionYears: 5 })).toEqual({ jobs: 0, emails: 0, pushDeliveries: 0, notifications: 0, paymentEvents: 0, parkedRefunds: 0, messages: 0 });
  });

  it('ends a message thread the district’s years after its newest message, with its recipients, and no sooner', async () => {
    const { db } = get();
    const YEAR = 365.25;
    const message = async (subject: string, createdDaysAgo: number, root: number | null = null, status: 'sent' | 'scheduled' = 'sent') =>
      (
        await db
          .insertInto('messages')
          .values({
            sender_account_id: root === null ? 2 : 1,
            sender_name: root === null ? 'Rosa Diaz' : 'Ana Ruiz',
            sender_role: root === null ? 'teacher' : 'guardian',
            subject_en: subject,
            body_en: subject,
            subject_es: null,
            body_es: null,
            audience: '{}',
            thread_root_id: root,
            thread_person_kind: root === null ? null : 'guardian',
            thread_person_id: root === null ? null : 1,
            status,
            send_at: ago(createdDaysAgo),
            sent_at: status === 'sent' ? ago(createdDaysAgo) : null,
            created_at: ago(createdDaysAgo),
          })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    const reach = (id: number) => db.insertInto('message_recipients').values({ message_id: id, person_kind: 'guardian', person_id: 1, student_id: null, locale: 'en', read_at: null }).execute();
    // three years old, a reply two years old: the thread goes when its newest message is over 2 years old
    const oldThread = await message('Field trip', 3 * YEAR);
    const oldReply = await message('Re: Field trip', 2 * YEAR + 10, oldThread);
    // four years old, but answered last month: kept whole
    const answered = await message('Supplies', 4 * YEAR);
    const lateReply = await message('Re: Supplies', 30, answered);
    const young = await message('Concert', YEAR);
    for (const id of [oldThread, oldReply, answered, lateReply, young]) await reach(id);
    const attach = (id: number) =>
      db.insertInto('message_attachments').values({ message_id: id, position: 1, file_name: 'map.png', media_type: 'image/png', byte_size: 4, content: Buffer.from([1, 2, 3, 4]), created_at: ago(1) }).execute();
    await attach(oldReply);
    await attach(young);

    expect((await pruneExpired(db, NOW, { messageRetentionYears: 2 })).messages).toBe(2);
    expect((await db.selectFrom('messages').select('subject_en').orderBy('id').execute()).map((r) => r.subject_en)).toEqual(['Supplies', 'Re: Supplies', 'Concert']);
    expect((await db.selectFrom('message_recipients').select('message_id').orderBy('message_id').execute()).map((r) => r.message_id)).toEqual([answered, lateReply, young]);
    expect((await db.selectFrom('message_attachments').select('message_id').execute()).map((r) => r.message_id)).toEqual([young]);
    // the district keeps them longer: nothing more goes
    expect((await pruneExpired(db, NOW, { messageRetentionYears: 5 })).messages).toBe(0);
  });
});
