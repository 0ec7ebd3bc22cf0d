/**
 * Web Push delivery end to end without a network (issue 22): `web-push`'s real requests to a push
 * service on 127.0.0.1 that checks their VAPID JWT and decrypts their payload with the device's own
 * keys; expired subscriptions removed (404/410); 429 and 5xx retried with back-off (Retry-After
 * respected) on an injected clock, and given up after the last attempt; a deactivated account gets
 * nothing; a worker killed after the service accepted a push does not send it again, and the rest of
 * its batch is sent by the next worker; two workers at once send each push once; with several rounds
 * in flight (ADR 0055), a kill leaves at most the requests in flight in doubt, none sent twice.
 */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import {
  deliverDuePushes,
  MAX_PUSH_ATTEMPTS,
  OUTCOME_UNKNOWN,
  PUSH_JOB,
  queuePush,
  retryAfterMs,
  subscribe,
  vapidKeys,
  type PushMessage,
} from '../../src/domain/notifications/push.js';
import { jobHandlers } from '../../src/jobs/registry.js';
import { startWorker } from '../../src/jobs/worker.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, schoolYear, type World } from '../support/factories.js';
import { clock, MINUTE } from '../support/http.js';
import { startPushService, type PushService, type TestSubscription } from '../support/push-service.js';

const HELP = 'help@cedarvalley.example.org';
const MESSAGE: PushMessage = { title: 'New score: Algebra II', body: 'Chapter 4 quiz: 18/20 (90%)', url: '/students/7/grades/3', tag: 'score-41' };

describeEachEngine('Web Push delivery', (get) => {
  const time = clock('2027-02-09T18:00:00Z');
  let service: PushService;
  let world: World;

  beforeAll(async () => {
    service = await startPushService();
    world = await schoolYear(get().db);
    await get().db.updateTable('district').set({ help_email: HELP }).execute();
  });
  afterAll(() => service.close());
  beforeEach(() => {
    service.received.length = 0;
    service.problems.length = 0;
  });

  const db = () => get().db;
  const send = async () => ({ vapid: await vapidKeys(db(), time.now()), subject: `mailto:${HELP}`, agent: service.agent });
  const run = async (extra: { dieAfterAccepted?: () => boolean; concurrency?: number; roundSize?: number } = {}) => deliverDuePushes(db(), get().dialect, await send(), { now: time.now, ...extra });

  /** a guardian account with `devices` subscribed devices */
  async function family(devices: number) {
    const { guardianAccount } = await guardianWithChild(db(), world);
    const accountId = guardianAccount!.id;
    const subs: TestSubscription[] = [];
    for (let i = 0; i < devices; i++) {
      const sub = service.subscription();
      const saved = await subscribe(db(), accountId, { endpoint: sub.endpoint, keys: sub.keys, deviceName: `Phone ${i + 1}` }, 'Test browser', time.now());
      expect(saved.kind).toBe('saved');
      subs.push(sub);
    }
    return { accountId, subs };
  }
  const deliveriesOf = (subId: string) =>
    db()
      .selectFrom('push_deliveries')
      .innerJoin('push_subscriptions', 'push_subscriptions.id', 'push_deliveries.subscription_id')
      .select(['push_deliveries.state', 'push_deliveries.attempts', 'push_deliveries.next_attempt_at', 'push_deliveries.last_error', 'push_deliveries.key'])
      .where('push_subscriptions.endpoint', 'like', `%/${subId}`)
      .execute();
  const subscriptionExists = async (sub: TestSubscription) =>
    (await db().selectFrom('push_subscriptions').select('id').where('endpoint', '=', sub.endpoint).executeTakeFirst()) !== undefined;

  it('queues one push per device once per key, and the job sends it signed and encrypted', async () => {
    const { accountId, subs } = await family(2);
    expect(await db().transaction().execute((trx) => queuePush(trx, accountId, MESSAGE, 'score:41:v1', time.now()))).toBe(2);
    // the same key again: nothing more
    expect(await db().transaction().execute((trx) => queuePush(trx, accountId, MESSAGE, 'score:41:v1', time.now()))).toBe(0);
    const jobs = await db().selectFrom('jobs').select(['kind', 'status']).where('kind', '=', PUSH_JOB).execute();
    expect(jobs).toEqual([{ kind: PUSH_JOB, status: 'queued' }]);

    // The worker runs the registered job, as `homeroom serve` would.
    const worker = startWorker({
      database: get(),
      handlers: jobHandlers({ baseUrl: 'https://portal.test', mailFrom: 'portal@cedarvalley.example.org', pushAgent: service.agent }),
      now: time.now,
      pollMs: 0,
    });
    while (await worker.runOnce());
    await worker.stop();

    expect(service.problems).toEqual([]);
    expect(service.received.map((r) => r.subscription).sort()).toEqual(subs.map((s) => s.id).sort());
    const keys = await vapidKeys(db(), time.now());
    for (const push of service.received) {
      // exactly the four fields, nothing more
      expect(push.payload).toEqual({ title: MESSAGE.title, body: MESSAGE.body, url: MESSAGE.url, tag: MESSAGE.tag });
      expect(push.jwt.aud).toBe(service.origin);
      expect(push.jwt.sub).toBe(`mailto:${HELP}`);
      expect(push.vapidPublicKey).toBe(keys.publicKey);
      expect(push.headers.topic).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
      expect(Number(push.headers.ttl)).toBeGreaterThan(0);
    }
    for (const sub of subs) expect((await deliveriesOf(sub.id)).map((d) => d.state)).toEqual(['sent']);
    const successes = await db().selectFrom('push_subscriptions').select('last_success_at').where('account_id', '=', accountId).execute();
    expect(successes.every((s) => s.last_success_at !== null)).toBe(true);
    // the VAPID key pair is made once: the same at every ask
    expect(await vapidKeys(db(), time.now())).toEqual(keys);
  });

  it('removes a subscription the push service says is gone (404 and 410)', async () => {
    const { accountId, subs } = await family(3);
    const [gone, expired, fine] = subs as [TestSubscription, TestSubscription, TestSubscription];
    service.answer(gone.id, { status: 410 });
    service.answer(expired.id, { status: 404 });
    await db().transaction().execute((trx) => queuePush(trx, accountId, MESSAGE, 'gone:1', time.now()));
    const result = await run();
    expect(result).toMatchObject({ sent: 1, removed: 2 });
    expect(service.received.map((r) => r.subscription)).toEqual([fine.id]);
    expect(await subscriptionExists(gone)).toBe(false);
    expect(await subscriptionExists(expired)).toBe(false);
    expect(await subscriptionExists(fine)).toBe(true);
    expect(await deliveriesOf(gone.id)).toEqual([]);
  });

  it('retries 429 after the Retry-After the service asked for, and 5xx with growing back-off', async () => {
    const { accountId, subs } = await family(2);
    const [busy, broken] = subs as [TestSubscription, TestSubscription];
    // Retry-After 300 s is longer than the first back-off (60 s): it is respected.
    service.answer(busy.id, { status: 429, headers: { 'retry-after': '300' } });
    service.answer(broken.id, { status: 500 }, { status: 503 });
    await db().transaction().execute((trx) => queuePush(trx, accountId, MESSAGE, 'retry:1', time.now()));
    const start = time.now().getTime();
    expect(await run()).toMatchObject({ sent: 0, retried: 2 });
    expect(new Date(String((await deliveriesOf(busy.id))[0]!.next_attempt_at)).getTime()).toBe(start + 300_000);
    expect(new Date(String((await deliveriesOf(broken.id))[0]!.next_attempt_at)).getTime()).toBe(start + 60_000);

    time.advance(60_000); // the 500's first back-off: tried again, 503, next in 2 minutes
    expect(await run()).toMatchObject({ sent: 0, retried: 1 });
    expect(new Date(String((await deliveriesOf(broken.id))[0]!.next_attempt_at)).getTime()).toBe(start + 60_000 + 120_000);
    time.advance(119_000);
    expect(await run()).toMatchObject({ sent: 0, retried: 0 });
    time.advance(1_000); // 3 minutes after the start: the 500's third attempt goes through
    expect(await run()).toMatchObject({ sent: 1 });
    expect(service.received.map((r) => r.subscription)).toEqual([broken.id]);
    time.advance(2 * MINUTE); // 5 minutes: the 429's wait is over
    expect(await run()).toMatchObject({ sent: 1 });
    expect(service.received.map((r) => r.subscription)).toEqual([broken.id, busy.id]);
    expect((await deliveriesOf(busy.id))[0]).toMatchObject({ state: 'sent', attempts: 2 });
    expect((await deliveriesOf(broken.id))[0]).toMatchObject({ state: 'sent', attempts: 3 });
  });

  it(`gives up after ${MAX_PUSH_ATTEMPTS} attempts, and does not retry a refusal that will not change (400)`, async () => {
    const { accountId, subs } = await family(2);
    const [down, bad] = subs as [TestSubscription, TestSubscription];
    service.answer(down.id, ...Array.from({ length: MAX_PUSH_ATTEMPTS + 1 }, () => ({ status: 502 })));
    service.answer(bad.id, { status: 400 });
    await db().transaction().execute((trx) => queuePush(trx, accountId, MESSAGE, 'down:1', time.now()));
    for (let i = 0; i < MAX_PUSH_ATTEMPTS + 2; i++) {
      await run();
      time.advance(6 * 60 * MINUTE);
    }
    expect((await deliveriesOf(down.id))[0]).toMatchObject({ state: 'failed', attempts: MAX_PUSH_ATTEMPTS });
    expect((await deliveriesOf(bad.id))[0]).toMatchObject({ state: 'failed', attempts: 1 });
    expect(service.received).toEqual([]);
    // both subscriptions stay: only 404/410 end one
    expect(await subscriptionExists(down)).toBe(true);
    expect(await subscriptionExists(bad)).toBe(true);
  });

  it('sends nothing to an account that was deactivated after the push was queued', async () => {
    const { accountId, subs } = await family(1);
    await db().transaction().execute((trx) => queuePush(trx, accountId, MESSAGE, 'off:1', time.now()));
    await db().updateTable('user_accounts').set({ status: 'disabled' }).where('id', '=', accountId).execute();
    expect(await run()).toMatchObject({ sent: 0, failed: 1 });
    expect(service.received).toEqual([]);
    expect((await deliveriesOf(subs[0]!.id))[0]).toMatchObject({ state: 'failed' });
  });

  it('a worker killed after the service accepted a push: that push is not sent again, the rest of the batch is', async () => {
    const { accountId, subs } = await family(3);
    await db().transaction().execute((trx) => queuePush(trx, accountId, MESSAGE, 'crash:1', time.now()));
    // One request at a time, killed right after the first acceptance, before the row says sent.
    await run({ dieAfterAccepted: () => true, concurrency: 1 });
    expect(service.received).toHaveLength(1);
    const first = service.received[0]!.subscription;
    // A worker started at once sends the two it never began, not the one in doubt.
    expect(await run()).toMatchObject({ sent: 2 });
    time.advance(3 * MINUTE); // the attempt's hold has run out: counted as sent
    expect(await run()).toMatchObject({ sent: 0 });
    expect(service.received.map((r) => r.subscription).sort()).toEqual(subs.map((s) => s.id).sort());
    expect((await deliveriesOf(first))[0]).toMatchObject({ state: 'sent', last_error: OUTCOME_UNKNOWN });
  });

  it('reads Retry-After as seconds or as a date, and ignores what is neither', () => {
    const at = new Date('2027-02-09T18:00:00Z');
    expect(retryAfterMs('120', at)).toBe(120_000);
    expect(retryAfterMs('Tue, 09 Feb 2027 18:05:00 GMT', at)).toBe(300_000);
    expect(retryAfterMs('Tue, 09 Feb 2027 17:00:00 GMT', at)).toBe(0);
    expect(retryAfterMs('9999999', at)).toBe(24 * 3_600_000);
    expect(retryAfterMs('soon', at)).toBeNull();
    expect(retryAfterMs(undefined, at)).toBeNull();
  });

  it('two workers at once, each with several requests in flight, send each push once', async () => {
    const families = await Promise.all([family(3), family(3), family(4)]);
    for (const [i, f] of families.entries()) await db().transaction().execute((trx) => queuePush(trx, f.accountId, MESSAGE, `both:${i}`, time.now()));
    const [a, b] = await Promise.all([run({ concurrency: 4 }), run({ concurrency: 4 })]);
    expect(a.sent + b.sent).toBe(10);
    const ids = service.received.map((r) => r.subscription);
    expect(new Set(ids).size).toBe(10);
    expect(ids).toHaveLength(10);
  });

  it('two workers at once, each with several rounds in flight, send each push once', async () => {
    const families = await Promise.all([family(4), family(4), family(4)]);
    for (const [i, f] of families.entries()) await db().transaction().execute((trx) => queuePush(trx, f.accountId, MESSAGE, `rounds:${i}`, time.now()));
    const [a, b] = await Promise.all([run({ concurrency: 6, roundSize: 2 }), run({ concurrency: 6, roundSize: 2 })]);
    expect(a.sent + b.sent).toBe(12);
    const ids = service.received.map((r) => r.subscription);
    expect(ids).toHaveLength(12);
    expect(new Set(ids).size).toBe(12);
  });

  it('a worker killed with several rounds in flight: at most its requests in flight are in doubt, none is sent twice', async () => {
    const families = await Promise.all([family(3), family(3), family(3)]);
    const subs = families.flatMap((f) => f.subs);
    for (const [i, f] of families.entries()) await db().transaction().execute((trx) => queuePush(trx, f.accountId, MESSAGE, `killed:${i}`, time.now()));
    let accepted = 0;
    // Killed right after the service accepted its second push: two rounds of two were in flight.
    await run({ concurrency: 4, roundSize: 2, dieAfterAccepted: () => ++accepted === 2 });
    const byKilled = service.received.length;
    const inDoubt = (await Promise.all(subs.map((s) => deliveriesOf(s.id)))).flat().filter((d) => d.state === 'sending').length;
    expect(inDoubt).toBeGreaterThanOrEqual(1);
    expect(inDoubt).toBeLessThanOrEqual(4);
    // A worker started at once sends what the killed one never began, not what is in doubt.
    expect(await run({ concurrency: 4, roundSize: 2 })).toMatchObject({ sent: 9 - byKilled });
    time.advance(3 * MINUTE); // the attempts' hold has run out: counted as sent
    expect(await run()).toMatchObject({ sent: 0 });
    const ids = service.received.map((r) => r.subscription);
    expect(ids).toHaveLength(9);
    expect(new Set(ids)).toEqual(new Set(subs.map((s) => s.id)));
    const rows = (await Promise.all(subs.map((s) => deliveriesOf(s.id)))).flat();
    expect(rows.map((r) => r.state)).toEqual(subs.map(() => 'sent'));
    expect(rows.filter((r) => r.last_error === OUTCOME_UNKNOWN)).toHaveLength(inDoubt);
  });
});
