/**
 * Paying fees online (issue 24, ADR 0047), with the real `stripe` client talking to a local server that
 * answers as Stripe's API does (tests/support/stripe.ts) and webhook events signed with the library's
 * own test helper, checked by the real verification code. No network.
 *
 * A guardian (Lucia) of Maya and Leo (portal rights) and Nico (linked without portal rights); another
 * family (Kim Stone and Sam). Each fee and amount below is written for the test, and every expected
 * balance is worked out by hand from them.
 */
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.js';
import { recordPayment } from '../../src/domain/fees/service.js';
import { pruneExpired } from '../../src/domain/system/retention.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { FIXTURE_PASSWORD, guardianWithChild, link, schoolYear, staffMember, student, type Family, type StaffFixture, type World } from '../support/factories.js';
import { Client, clock, formKey, MINUTE, signedInClient } from '../support/http.js';
import { pdfText } from '../support/pdf.js';
import { paidSession, paymentIntentOf, signedEvent, startFakeStripe, TEST_WEBHOOK_SECRET, type FakeStripe } from '../support/stripe.js';

const STAMP = '2027-02-01T15:00:00.000Z';

describeEachEngine('paying fees online with Stripe Checkout', (get) => {
  let app: FastifyInstance;
  let db: Kysely<DB>;
  let stripe: FakeStripe;
  let world: World;
  let lucia: Family;
  let stranger: Family;
  let office: StaffFixture;
  let leoId: number;
  const fees: Record<string, number> = {};
  const time = clock('2027-02-09T18:00:00Z');

  const signedIn = (username: string) => signedInClient(app, username, FIXTURE_PASSWORD);
  const keyOf = formKey;
  const count = async (t: 'online_checkouts' | 'fee_payments' | 'fee_ledger' | 'payment_events' | 'online_refunds') => Number((await db.selectFrom(t).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const counts = async () => ({ checkouts: await count('online_checkouts'), payments: await count('fee_payments'), ledger: await count('fee_ledger'), events: await count('payment_events'), refunds: await count('online_refunds'), calls: stripe.calls.length });
  const balance = async (feeId: number) => Number((await db.selectFrom('fee_ledger').select(sql<number>`coalesce(sum(amount_cents), 0)`.as('b')).where('fee_id', '=', feeId).executeTakeFirstOrThrow()).b);
  const webhook = (event: { payload: string; headers: Record<string, string> }) => app.inject({ method: 'POST', url: '/webhooks/stripe', payload: event.payload, headers: event.headers });
  const fee = async (name: string, studentId: number, cents: number) => {
    const row = await db
      .insertInto('fees')
      .values({ student_id: studentId, school_id: world.school.id, school_year: 2027, description_en: name, description_es: `${name} (es)`, amount_cents: cents, due_date: '2027-02-20', required: 1, assessment_key: `online-${name}`, created_by: null, created_at: STAMP, updated_at: STAMP, updated_by: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('fee_ledger').values({ fee_id: row.id, kind: 'assessed', amount_cents: cents, reason: null, payment_id: null, idempotency_key: null, by_account: null, at: STAMP }).execute();
    fees[name] = row.id;
  };
  /** Starts a checkout of these fees as Lucia; the session the fake made for it. */
  const checkout = async (c: Client, names: string[]) => {
    const page = await c.get('/payments/online');
    const res = await c.post('/payments/online', { key: keyOf(page.body), fee: names.map((n) => String(fees[n])) });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(303);
    const session = stripe.sessions.get(String(res.headers.location).split('/pay/')[1]!)!;
    expect(session).toBeDefined();
    return { session, checkoutId: Number(session.client_reference_id), key: keyOf(page.body) };
  };

  beforeAll(async () => {
    db = get().db;
    stripe = await startFakeStripe();
    world = await schoolYear(db);
    office = await staffMember(db, world, { first: 'Olga', last: 'Office', roles: [{ role: 'office' }] });
    lucia = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz', grade: 11 }, guardian: { first: 'Lucia', last: 'Ortiz' } });
    const leo = await student(db, world, { first: 'Leo', last: 'Ortiz', grade: 9 });
    await link(db, leo, lucia.guardian);
    leoId = leo.id;
    const nico = await student(db, world, { first: 'Nico', last: 'Ortiz', grade: 10 });
    await link(db, nico, lucia.guardian, { relationship: 'Aunt', portalAccess: false });
    stranger = await guardianWithChild(db, world, { student: { first: 'Sam', last: 'Stone', grade: 11 }, guardian: { first: 'Kim', last: 'Stone' } });
    await fee('Lab fee', lucia.student.id, 1500);
    await fee('Band trip', leo.id, 4250);
    await fee('Yearbook', lucia.student.id, 3000);
    await fee('Field trip', leo.id, 2000);
    await fee('Locker', nico.id, 700);
    await fee('Stone robotics', stranger.student.id, 9900);
    app = await makeApp(get(), { now: time.now, env: stripe.env() });
  });
  afterAll(async () => {
    await app?.close();
    await stripe?.close();
  });

  it('offers online payment to a guardian with the amounts of every child they may read, and not to the student', async () => {
    const c = await signedIn(lucia.guardianAccount!.username);
    const tool = await c.get(`/students/${lucia.student.id}/payments`);
    expect(tool.body).toContain('href="/payments/online"');
    const page = await c.get('/payments/online');
    expect(page.statusCode).toBe(200);
    for (const text of ['Maya Ortiz', 'Leo Ortiz', 'Lab fee — $15.00', 'Band trip — $42.50', 'Yearbook — $30.00', 'Field trip — $20.00', 'Total owed for all your children: $107.50'])
      expect(page.body, text).toContain(text);
    for (const text of ['Nico', 'Locker', 'Stone robotics']) expect(page.body, text).not.toContain(text);
    expect(page.body).toContain(`name="fee" value="${fees['Lab fee']}"`);
    const kid = await signedIn(lucia.studentAccount!.username);
    expect((await kid.get(`/students/${lucia.student.id}/payments`)).body).not.toContain('/payments/online');
    expect((await kid.get('/payments/online')).statusCode).toBe(404);
  });

  it('refuses a fee of another family or of a child without portal rights (404), and bad choices with a message, writing nothing', async () => {
    const c = await signedIn(lucia.guardianAccount!.username);
    const key = keyOf((await c.get('/payments/online')).body);
    const before = await counts();
    for (const chosen of [[fees['Stone robotics']!], [fees.Locker!], [fees['Lab fee']!, fees['Stone robotics']!], ['abc'], ['999999999']]) {
      const res = await c.post('/payments/online', { key, fee: chosen.map(String) });
      expect(res.statusCode, String(chosen)).toBe(404);
      expect(res.body).not.toContain('Stone');
    }
    const none = await c.post('/payments/online', { key });
    expect(none.statusCode).toBe(400);
    expect(none.body).toContain('Choose at least one fee to pay.');
    const stale = await c.post('/payments/online', { key: 'short', fee: String(fees['Lab fee']) });
    expect(stale.statusCode).toBe(400);
    expect(stale.body).toContain('This form is out of date.');
    expect(await counts()).toEqual(before);
  });

  it('sends the guardian to Checkout for two fees of two children in integer cents, once for a double click, and the return page says processing', async () => {
    const c = await signedIn(lucia.guardianAccount!.username);
    const page = await c.get('/payments/online');
    const key = keyOf(page.body);
    const before = await counts();
    const res = await c.post('/payments/online', { key, fee: [String(fees['Lab fee']), String(fees['Band trip'])] });
    expect(res.statusCode).toBe(303);
    expect(String(res.headers.location)).toMatch(new RegExp(`^${stripe.url}/pay/cs_test_\\d+$`));
    const call = stripe.calls.at(-1)!;
    expect(call.method).toBe('POST');
    expect(call.path).toBe('/v1/checkout/sessions');
    expect(call.headers['idempotency-key']).toBe(`checkout-${key}`);
    const row = await db.selectFrom('online_checkouts').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'pending', total_cents: 5750, guardian_id: lucia.guardian.id, locale: 'en', idempotency_key: key });
    expect(call.form).toMatchObject({
      mode: 'payment',
      client_reference_id: String(row.id),
      'metadata[homeroom_checkout]': String(row.id),
      'payment_intent_data[metadata][homeroom_checkout]': String(row.id),
      'line_items[0][price_data][currency]': 'usd',
      'line_items[0][price_data][unit_amount]': '1500',
      'line_items[0][price_data][product_data][name]': 'Maya: Lab fee',
      'line_items[1][price_data][unit_amount]': '4250',
      'line_items[1][price_data][product_data][name]': 'Leo: Band trip',
      success_url: `http://portal.test/payments/online/${row.id}`,
      locale: 'en',
    });
    expect(Number(call.form.expires_at)).toBe(Math.floor(time.now().getTime() / 1000) + 31 * 60);
    const lines = await db.selectFrom('online_checkout_lines').select(['fee_id', 'cents']).where('checkout_id', '=', row.id).orderBy('fee_id').execute();
    expect(lines).toEqual([{ fee_id: fees['Lab fee'], cents: 1500 }, { fee_id: fees['Band trip'], cents: 4250 }].sort((a, b) => a.fee_id! - b.fee_id!));
    // A double click: the same form again goes to the same session, nothing new here or at Stripe.
    const again = await c.post('/payments/online', { key, fee: [String(fees['Lab fee']), String(fees['Band trip'])] });
    expect(again.statusCode).toBe(303);
    expect(again.headers.location).toBe(res.headers.location);
    expect((await counts()).checkouts).toBe(before.checkouts + 1);
    expect(stripe.calls.length).toBe(before.calls + 1);
    // Another tab (another form) with one of these fees: told, with a way back to the payment started.
    const tab = keyOf((await c.get('/payments/online')).body);
    const busy = await c.post('/payments/online', { key: tab, fee: String(fees['Lab fee']) });
    expect(busy.statusCode).toBe(409);
    expect(busy.body).toContain('A fee you chose is in a payment that was started and not finished.');
    expect(busy.body).toContain(`href="${res.headers.location}"`);
    expect((await counts()).checkouts).toBe(before.checkouts + 1);
    // Back from Checkout with whatever in the address: still processing (the browser proves nothing).
    const back = await c.get(`/payments/online/${row.id}?session_id=${String(res.headers.location).split('/pay/')[1]}&paid=1`);
    expect(back.statusCode).toBe(200);
    expect(back.body).toContain('Processing');
    expect(back.body).toContain('Maya Ortiz: Lab fee — $15.00');
    expect(await balance(fees['Lab fee']!)).toBe(1500);
    // Nobody else opens it.
    const kim = await signedIn(stranger.guardianAccount!.username);
    expect((await kim.get(`/payments/online/${row.id}`)).statusCode).toBe(404);
  });

  it('refuses a forged, tampered, unsigned or unknown webhook with 400, writing nothing', async () => {
    const row = await db.selectFrom('online_checkouts').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    const session = stripe.sessions.get(row.session_id!)!;
    const before = await counts();
    const forged = signedEvent('checkout.session.completed', paidSession(session, 'pi_forged'), { secret: 'whsec_notTheDistrictsSecret0' });
    expect((await webhook(forged)).statusCode).toBe(400);
    const genuine = signedEvent('checkout.session.completed', paidSession(session, 'pi_genuine'));
    const tampered = { ...genuine, payload: genuine.payload.replace('"amount_total":5750', '"amount_total":1') };
    expect(tampered.payload).not.toBe(genuine.payload);
    expect((await webhook(tampered)).statusCode).toBe(400);
    expect((await webhook({ payload: genuine.payload, headers: { 'content-type': 'application/json' } })).statusCode).toBe(400);
    expect((await webhook(signedEvent('customer.created', { id: 'cus_1', object: 'customer' }))).statusCode).toBe(400);
    const form = await app.inject({ method: 'POST', url: '/webhooks/stripe', payload: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded', 'stripe-signature': genuine.headers['stripe-signature']! } });
    expect([400, 415]).toContain(form.statusCode);
    expect(await counts()).toEqual(before);
  });

  it('records the payment from the first signed event that says the money arrived, once, in any order; a late expiry changes nothing', async () => {
    const row = await db.selectFrom('online_checkouts').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    const session = stripe.sessions.get(row.session_id!)!;
    const before = await counts();
    // payment_intent.succeeded comes before checkout.session.completed.
    const intent = signedEvent('payment_intent.succeeded', paymentIntentOf(session, 'pi_test_lucia1', 'succeeded'));
    const first = await webhook(intent);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ received: true, result: 'applied' });
    const payment = await db.selectFrom('fee_payments').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(payment).toMatchObject({ method: 'online', reference: 'pi_test_lucia1', total_cents: 5750, payer: 'Lucia Ortiz', idempotency_key: `online-${row.id}` });
    const paid = await db.selectFrom('fee_ledger').select(['fee_id', 'amount_cents']).where('payment_id', '=', payment.id).where('kind', '=', 'paid').orderBy('fee_id').execute();
    expect(paid).toEqual([{ fee_id: fees['Lab fee'], amount_cents: -1500 }, { fee_id: fees['Band trip'], amount_cents: -4250 }].sort((a, b) => a.fee_id! - b.fee_id!));
    expect(await balance(fees['Lab fee']!)).toBe(0);
    expect(await balance(fees['Band trip']!)).toBe(0);
    // The session's completion, the same event again, and a late expiry: applied or not, nothing is paid twice.
    expect((await webhook(signedEvent('checkout.session.completed', paidSession(session, 'pi_test_lucia1')))).json()).toEqual({ received: true, result: 'applied' });
    expect((await webhook(intent)).json()).toEqual({ received: true, result: 'replayed' });
    expect((await webhook(signedEvent('checkout.session.expired', { ...session, status: 'expired' }))).statusCode).toBe(200);
    const after = await counts();
    expect(after).toEqual({ ...before, payments: before.payments + 1, ledger: before.ledger + 2, events: before.events + 3 });
    expect((await db.selectFrom('online_checkouts').select('status').where('id', '=', row.id).executeTakeFirstOrThrow()).status).toBe('paid');
    const c = await signedIn(lucia.guardianAccount!.username);
    const back = await c.get(`/payments/online/${row.id}`);
    expect(back.body).toContain('Paid: $57.50.');
    expect(back.body).toContain(`href="/students/${lucia.student.id}/payments/${payment.id}.pdf"`);
    expect(back.body).toContain(`href="/students/${leoId}/payments/${payment.id}.pdf"`);
    const receipt = await c.get(`/students/${lucia.student.id}/payments/${payment.id}.pdf`);
    const text = pdfText(receipt.rawPayload).replace(/\s+/g, ' ');
    expect(text).toContain('Online');
    expect(text).toContain('Lab fee — $15.00');
    expect(text).not.toContain('Band trip');
  });

  it('two checkouts of one fee at once: one goes to Stripe, the other is told', async () => {
    const [a, b] = [await signedIn(lucia.guardianAccount!.username), await signedIn(lucia.guardianAccount!.username)];
    const [ka, kb] = [keyOf((await a.get('/payments/online')).body), keyOf((await b.get('/payments/online')).body)];
    const before = await counts();
    const results = await Promise.all([a.post('/payments/online', { key: ka, fee: String(fees.Yearbook) }), b.post('/payments/online', { key: kb, fee: String(fees.Yearbook) })]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([303, 409]);
    expect((await counts()).checkouts).toBe(before.checkouts + 1);
  });

  it('a checkout that expires ends without money and frees its fees; a delayed payment counts when its money arrives', async () => {
    const row = await db.selectFrom('online_checkouts').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    const session = stripe.sessions.get(row.session_id!)!;
    expect((await webhook(signedEvent('checkout.session.expired', { ...session, status: 'expired' }))).statusCode).toBe(200);
    expect((await db.selectFrom('online_checkouts').select(['status', 'failure']).where('id', '=', row.id).executeTakeFirstOrThrow())).toEqual({ status: 'failed', failure: 'expired' });
    const c = await signedIn(lucia.guardianAccount!.username);
    expect((await c.get(`/payments/online/${row.id}`)).body).toContain('This payment was not completed, and nothing was charged.');
    // Chosen again: a new checkout, paid by a bank debit that completes the session unpaid, then succeeds.
    const { session: next, checkoutId } = await checkout(c, ['Yearbook']);
    const ledger = await count('fee_ledger');
    expect((await webhook(signedEvent('checkout.session.completed', { ...next, status: 'complete', payment_status: 'unpaid', payment_intent: 'pi_test_debit' }))).statusCode).toBe(200);
    expect(await count('fee_ledger')).toBe(ledger);
    expect((await webhook(signedEvent('payment_intent.payment_failed', paymentIntentOf(next, 'pi_test_debit', 'requires_payment_method')))).statusCode).toBe(200);
    expect((await c.get(`/payments/online/${checkoutId}`)).body).toContain('Processing');
    expect((await webhook(signedEvent('checkout.session.async_payment_succeeded', paidSession(next, 'pi_test_debit')))).statusCode).toBe(200);
    expect(await balance(fees.Yearbook!)).toBe(0);
    // A checkout that simply runs out of time at Stripe frees its fees even before the expiry event.
    await fee('Parking', leoId, 1200);
    const started = await checkout(c, ['Parking']);
    const key = keyOf((await c.get('/payments/online')).body);
    expect((await c.post('/payments/online', { key, fee: String(fees.Parking) })).statusCode).toBe(409);
    // 31 minutes later (Stripe no longer takes it), without its expiry event.
    await db.updateTable('online_checkouts').set({ expires_at: new Date(time.now().getTime() - MINUTE).toISOString() }).where('id', '=', started.checkoutId).execute();
    const again = await checkout(c, ['Parking']);
    expect(again.checkoutId).not.toBe(started.checkoutId);
    // Its two "money arrived" events, and one of them twice, all at once: one payment, each event kept once.
    const before = await counts();
    const intent = signedEvent('payment_intent.succeeded', paymentIntentOf(again.session, 'pi_test_parking', 'succeeded'));
    const completed = signedEvent('checkout.session.completed', paidSession(again.session, 'pi_test_parking'));
    const answers = await Promise.all([webhook(intent), webhook(completed), webhook(intent)]);
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200]);
    expect(answers.map((a) => (a.json() as { result: string }).result).sort()).toEqual(['applied', 'applied', 'replayed']);
    expect(await counts()).toEqual({ ...before, payments: before.payments + 1, ledger: before.ledger + 1, events: before.events + 2 });
    expect(await balance(fees.Parking!)).toBe(0);
  });

  it('a fee paid at the office meanwhile: records what is still owed and gives the rest back through Stripe, once, even after Stripe was down', async () => {
    const c = await signedIn(lucia.guardianAccount!.username);
    const { session, checkoutId, key } = await checkout(c, ['Field trip']);
    // $5.00 of the $20.00 paid in cash while Lucia was on Checkout's page.
    await db.transaction().execute((trx) => recordPayment(trx, { lines: [{ feeId: fees['Field trip']!, cents: 500 }], method: 'cash', checkNumber: null, reference: null, payer: 'Lucia Ortiz', key: 'office-cash-field-trip', actorAccountId: null }, time.now()));
    stripe.down = true;
    const event = signedEvent('checkout.session.completed', paidSession(session, 'pi_test_field'));
    const failed = await webhook(event);
    expect(failed.statusCode).toBe(503);
    // The payment is recorded all the same: $15.00, what was still owed; $5.00 is still to go back.
    expect(await balance(fees['Field trip']!)).toBe(0);
    let row = await db.selectFrom('online_checkouts').selectAll().where('id', '=', checkoutId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'paid', excess_cents: 500, excess_refund_id: null });
    expect((await db.selectFrom('fee_payments').select('total_cents').where('id', '=', row.payment_id!).executeTakeFirstOrThrow()).total_cents).toBe(1500);
    stripe.down = false;
    const retried = await webhook(event);
    expect(retried.statusCode).toBe(200);
    row = await db.selectFrom('online_checkouts').selectAll().where('id', '=', checkoutId).executeTakeFirstOrThrow();
    expect(row.excess_refund_id).toMatch(/^re_test_/);
    const refunds = stripe.calls.filter((call) => call.path === '/v1/refunds' && call.headers['idempotency-key'] === `refund-excess-${key}`);
    expect(refunds.at(-1)!.form).toMatchObject({ payment_intent: 'pi_test_field', amount: '500' });
    // Its refund's events are known and change nothing in the ledger.
    const ledger = await count('fee_ledger');
    expect((await webhook(signedEvent('refund.created', { id: row.excess_refund_id, object: 'refund', status: 'succeeded', amount: 500, payment_intent: 'pi_test_field', metadata: {} }))).statusCode).toBe(200);
    expect((await webhook(event)).statusCode).toBe(200);
    expect(await count('fee_ledger')).toBe(ledger);
    expect(stripe.calls.filter((call) => call.path === '/v1/refunds' && call.headers['idempotency-key'] === `refund-excess-${key}`).length).toBe(refunds.length);
  });

  it('when Stripe cannot be reached, says so (503), charges nothing and leaves the fee free', async () => {
    await fee('Library fine', leoId, 350);
    const c = await signedIn(lucia.guardianAccount!.username);
    const key = keyOf((await c.get('/payments/online')).body);
    stripe.down = true;
    try {
      const res = await c.post('/payments/online', { key, fee: String(fees['Library fine']) });
      expect(res.statusCode).toBe(503);
      expect(res.body).toContain('The payment service cannot be reached right now. Nothing was charged');
    } finally {
      stripe.down = false;
    }
    const row = await db.selectFrom('online_checkouts').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'failed', failure: 'unavailable', session_id: null });
    await checkout(c, ['Library fine']);
  });

  it('the office refunds an online payment through Stripe, and the ledger has it when Stripe confirms', async () => {
    const payment = await db.selectFrom('fee_payments').selectAll().where('reference', '=', 'pi_test_lucia1').executeTakeFirstOrThrow();
    const staff = await signedIn(office.account!.username);
    const page = await staff.get(`/staff/fees/students/${lucia.student.id}`);
    expect(page.body).toContain('Paid online (Stripe pi_test_lucia1)');
    const action = `/staff/fees/payments/${payment.id}/refund`;
    const key = new RegExp(`action="${action.replace(/\//g, '\\/')}"[\\s\\S]*?name="key" value="([^"]+)"`).exec(page.body)?.[1] ?? '';
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    stripe.refundStatus = 'pending';
    const res = await staff.post(action, { key, reason: 'Trip cancelled' });
    expect(res.statusCode).toBe(303);
    expect(String(res.headers.location)).toContain('done=refundRequested');
    const call = stripe.calls.at(-1)!;
    expect(call.path).toBe('/v1/refunds');
    expect(call.headers['idempotency-key']).toBe(`refund-${key}`);
    expect(call.form).toMatchObject({ payment_intent: 'pi_test_lucia1', amount: '5750' });
    expect(await balance(fees['Lab fee']!)).toBe(0);
    const refund = await db.selectFrom('online_refunds').selectAll().where('payment_id', '=', payment.id).executeTakeFirstOrThrow();
    expect(refund).toMatchObject({ status: 'requested', cents: 5750, reason: 'Trip cancelled' });
    // The same form again (two tabs): nothing more asked of Stripe.
    const calls = stripe.calls.length;
    expect((await staff.post(action, { key, reason: 'Trip cancelled' })).statusCode).toBe(409);
    expect(stripe.calls.length).toBe(calls);
    const confirmed = signedEvent('refund.updated', { id: refund.provider_refund_id, object: 'refund', status: 'succeeded', amount: 5750, payment_intent: 'pi_test_lucia1', metadata: { homeroom_refund: String(refund.id) } });
    expect((await webhook(confirmed)).statusCode).toBe(200);
    expect(await balance(fees['Lab fee']!)).toBe(1500);
    expect(await balance(fees['Band trip']!)).toBe(4250);
    expect((await webhook(confirmed)).json()).toEqual({ received: true, result: 'replayed' });
    expect(await balance(fees['Lab fee']!)).toBe(1500);
    // A card refund Stripe answers at once as succeeded is in the ledger at once.
    stripe.refundStatus = 'succeeded';
    const field = await db.selectFrom('fee_payments').selectAll().where('reference', '=', 'pi_test_field').executeTakeFirstOrThrow();
    const page2 = await staff.get(`/staff/fees/students/${leoId}`);
    const action2 = `/staff/fees/payments/${field.id}/refund`;
    const key2 = new RegExp(`action="${action2.replace(/\//g, '\\/')}"[\\s\\S]*?name="key" value="([^"]+)"`).exec(page2.body)?.[1] ?? '';
    const done = await staff.post(action2, { key: key2, reason: 'Overpaid' });
    expect(String(done.headers.location)).toContain('done=refunded');
    expect(await balance(fees['Field trip']!)).toBe(1500);
  });

  it("a refund made in Stripe's dashboard is recorded once it succeeded, in part or whole, once, in any order, and only for Homeroom's payments", async () => {
    // The lab fee ($15.00) and Leo's band trip ($42.50) are open again (the office refunded them): paid online once more.
    const c = await signedIn(lucia.guardianAccount!.username);
    const { session } = await checkout(c, ['Lab fee', 'Band trip']);
    expect((await webhook(signedEvent('payment_intent.succeeded', paymentIntentOf(session, 'pi_test_dash', 'succeeded')))).statusCode).toBe(200);
    const payment = await db.selectFrom('fee_payments').selectAll().where('reference', '=', 'pi_test_dash').executeTakeFirstOrThrow();
    expect([await balance(fees['Lab fee']!), await balance(fees['Band trip']!)]).toEqual([0, 0]);
    const refund = (id: string, status: string, amount: number, intent = 'pi_test_dash', metadata: Record<string, string> = {}) => ({ id, object: 'refund', status, amount, currency: 'usd', payment_intent: intent, charge: 'ch_test_dash', reason: 'requested_by_customer', metadata });
    const refundsOf = () => db.selectFrom('online_refunds').select(['provider_refund_id', 'status', 'cents', 'origin', 'requested_by']).where('payment_id', '=', payment.id).orderBy('id').execute();

    // $20.00 given back in the dashboard; its "succeeded" update comes before its creation (still "pending").
    const updated = signedEvent('refund.updated', refund('re_test_dash1', 'succeeded', 2000));
    expect((await webhook(updated)).json()).toEqual({ received: true, result: 'applied' });
    // The fees reopen in the order they were paid: the lab fee's $15.00, then $5.00 of the band trip.
    expect([await balance(fees['Lab fee']!), await balance(fees['Band trip']!)]).toEqual([1500, 500]);
    expect(await refundsOf()).toEqual([{ provider_refund_id: 're_test_dash1', status: 'succeeded', cents: 2000, origin: 'provider', requested_by: null }]);
    const ledger = await count('fee_ledger');
    expect((await webhook(signedEvent('refund.created', refund('re_test_dash1', 'pending', 2000)))).json()).toEqual({ received: true, result: 'applied' });
    expect((await webhook(updated)).json()).toEqual({ received: true, result: 'replayed' });
    expect(await count('fee_ledger')).toBe(ledger);
    expect([await balance(fees['Lab fee']!), await balance(fees['Band trip']!)]).toEqual([1500, 500]);

    // The rest ($37.50): its creation (pending) and its success delivered at once; then a late failure changes nothing.
    const answers = await Promise.all([webhook(signedEvent('refund.created', refund('re_test_dash2', 'pending', 3750))), webhook(signedEvent('refund.updated', refund('re_test_dash2', 'succeeded', 3750)))]);
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200]);
    expect([await balance(fees['Lab fee']!), await balance(fees['Band trip']!)]).toEqual([1500, 4250]);
    expect((await webhook(signedEvent('refund.failed', refund('re_test_dash2', 'failed', 3750)))).statusCode).toBe(200);
    expect(await balance(fees['Band trip']!)).toBe(4250);
    expect(await refundsOf()).toEqual([
      { provider_refund_id: 're_test_dash1', status: 'succeeded', cents: 2000, origin: 'provider', requested_by: null },
      { provider_refund_id: 're_test_dash2', status: 'succeeded', cents: 3750, origin: 'provider', requested_by: null },
    ]);
    const refunded = await db.selectFrom('fee_ledger').select(['fee_id', 'amount_cents', 'reason', 'by_account']).where('payment_id', '=', payment.id).where('kind', '=', 'refunded').orderBy('id').execute();
    expect(refunded).toEqual([
      { fee_id: fees['Lab fee'], amount_cents: 1500, reason: null, by_account: null },
      { fee_id: fees['Band trip'], amount_cents: 500, reason: null, by_account: null },
      { fee_id: fees['Band trip'], amount_cents: 3750, reason: null, by_account: null },
    ]);
    // The office sees it refunded, and its own refund form no longer offers that payment.
    const staff = await signedIn(office.account!.username);
    const page = await staff.get(`/staff/fees/students/${lucia.student.id}`);
    expect(page.body).toMatch(new RegExp(`Receipt ${payment.id} ·(?:(?!</p>)[\\s\\S])*Paid online \\(Stripe pi_test_dash\\) · Refunded: \\$57\\.50`));
    expect(page.body).not.toContain(`action="/staff/fees/payments/${payment.id}/refund"`);

    // A dashboard refund that fails: kept as failed, the ledger untouched (the parking fee stays paid).
    const parking = await db.selectFrom('fee_payments').select('id').where('reference', '=', 'pi_test_parking').executeTakeFirstOrThrow();
    expect((await webhook(signedEvent('refund.created', refund('re_test_dash3', 'pending', 1200, 'pi_test_parking')))).statusCode).toBe(200);
    expect((await webhook(signedEvent('refund.failed', refund('re_test_dash3', 'failed', 1200, 'pi_test_parking')))).statusCode).toBe(200);
    expect((await db.selectFrom('online_refunds').select('status').where('payment_id', '=', parking.id).execute()).map((r) => r.status)).toEqual(['failed']);
    expect(await balance(fees.Parking!)).toBe(0);

    // Not Homeroom's payment, or Homeroom's own excess not yet known by its id: answered, nothing written.
    const before = await counts();
    const other = await webhook(signedEvent('refund.updated', refund('re_test_other', 'succeeded', 999, 'pi_not_homerooms')));
    expect(other.json()).toEqual({ received: true, result: 'ignored' });
    const excess = await webhook(signedEvent('refund.updated', refund('re_test_excess', 'succeeded', 100, 'pi_test_parking', { homeroom_checkout: '1', homeroom_excess: '1' })));
    expect(excess.json()).toEqual({ received: true, result: 'ignored' });
    expect(await counts()).toEqual(before);
  });

  it('keeps provider event ids 90 days; an event delivered again after that changes nothing', async () => {
    const payment = await db.selectFrom('fee_payments').selectAll().where('reference', '=', 'pi_test_dash').executeTakeFirstOrThrow();
    const row = await db.selectFrom('online_checkouts').selectAll().where('payment_id', '=', payment.id).executeTakeFirstOrThrow();
    const session = stripe.sessions.get(row.session_id!)!;
    const intent = signedEvent('payment_intent.succeeded', paymentIntentOf(session, 'pi_test_dash', 'succeeded'), { id: 'evt_test_kept_90_days' });
    expect((await webhook(intent)).json()).toEqual({ received: true, result: 'applied' });
    const events = await count('payment_events');
    // 89 days on, nothing goes; 91 days on, every event so far goes.
    expect((await pruneExpired(db, new Date(time.now().getTime() + 89 * 86_400_000), { messageRetentionYears: 5 })).paymentEvents).toBe(0);
    expect((await pruneExpired(db, new Date(time.now().getTime() + 91 * 86_400_000), { messageRetentionYears: 5 })).paymentEvents).toBe(events);
    // Delivered again (a dashboard "resend"): the checkout is paid and the refund recorded, so nothing moves.
    const before = await counts();
    expect((await webhook(intent)).json()).toEqual({ received: true, result: 'applied' });
    expect((await webhook(signedEvent('refund.updated', { id: 're_test_dash1', object: 'refund', status: 'succeeded', amount: 2000, payment_intent: 'pi_test_dash', metadata: {} }))).json()).toEqual({ received: true, result: 'applied' });
    expect(await counts()).toEqual({ ...before, events: before.events + 2 });
    expect([await balance(fees['Lab fee']!), await balance(fees['Band trip']!)]).toEqual([1500, 4250]);
  });

  it('without a provider configured, nothing of it exists', async () => {
    const bare = await makeApp(get());
    try {
      const c = new Client(bare);
      await c.submit('/sign-in', { username: lucia.guardianAccount!.username, password: FIXTURE_PASSWORD });
      expect((await c.get('/payments/online')).statusCode).toBe(404);
      expect((await c.get(`/students/${lucia.student.id}/payments`)).body).not.toContain('/payments/online');
      const event = signedEvent('payment_intent.succeeded', { id: 'pi_x', object: 'payment_intent', metadata: {} }, { secret: TEST_WEBHOOK_SECRET });
      expect((await bare.inject({ method: 'POST', url: '/webhooks/stripe', payload: event.payload, headers: event.headers })).statusCode).toBe(404);
    } finally {
      await bare.close();
    }
  });
});
