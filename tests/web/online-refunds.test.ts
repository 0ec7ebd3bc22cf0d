/**
 * Refunds of online payments in the orders a district's office and Stripe's dashboard make them (issue 24,
 * ADR 0061): a checkout's excess (what it brought for fees the office had settled meanwhile) and a
 * refund made in Stripe's dashboard, in either order; and the office refunding from Homeroom what is left
 * of a payment partly refunded in the dashboard. The real `stripe` client talks to the local server of
 * tests/support/stripe.ts, which refunds a declared PaymentIntent as Stripe does (never more than is left
 * of it); webhook events are signed with the library's own test helper.
 *
 * One guardian (Rosa Vega) of one child (Ana); each fee gets its own checkout. Every amount below is
 * written for the test, and every expected balance and amount worked out by hand from them.
 */
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { assessFee, postWebhook } from '../support/fees.js';
import { FIXTURE_PASSWORD, guardianWithChild, schoolYear, staffMember, type Family, type StaffFixture, type World } from '../support/factories.js';
import { Client, clock, formKey, signedInClient } from '../support/http.js';
import { paidSession, signedEvent, startFakeStripe, type FakeStripe } from '../support/stripe.js';

const STAMP = '2027-02-01T15:00:00.000Z';

describeEachEngine('refunds of online payments: the excess, the dashboard, the rest', (get) => {
  let app: FastifyInstance;
  let db: Kysely<DB>;
  let stripe: FakeStripe;
  let world: World;
  let rosa: Family;
  let office: StaffFixture;
  const fees: Record<string, number> = {};
  const time = clock('2027-02-09T18:00:00Z');

  const signedIn = (username: string) => signedInClient(app, username, FIXTURE_PASSWORD);
  const keyOf = formKey;
  const balance = async (feeId: number) => Number((await db.selectFrom('fee_ledger').select(sql<number>`coalesce(sum(amount_cents), 0)`.as('b')).where('fee_id', '=', feeId).executeTakeFirstOrThrow()).b);
  const balances = async (...names: string[]) => Promise.all(names.map((n) => balance(fees[n]!)));
  const webhook = (event: { payload: string; headers: Record<string, string> }) => postWebhook(app, event);
  const refundCalls = () => stripe.calls.filter((c) => c.path === '/v1/refunds');
  const fee = async (name: string, cents: number) => {
    fees[name] = await assessFee(db, { studentId: rosa.student.id, schoolId: world.school.id, name, cents, key: 'refunds', stamp: STAMP });
  };
  const officePage = async (staff: Client) => staff.get(`/staff/fees/students/${rosa.student.id}`);
  /** The office takes cash for these fees (whole amounts), through its own form. */
  const cashAtOffice = async (staff: Client, paid: Record<string, string>) => {
    const page = await officePage(staff);
    const key = new RegExp(`action="/staff/fees/students/${rosa.student.id}/payments"[\\s\\S]*?name="key" value="([^"]+)"`).exec(page.body)?.[1] ?? '';
    const res = await staff.post(`/staff/fees/students/${rosa.student.id}/payments`, { key, method: 'cash', payer: 'Rosa Vega', ...Object.fromEntries(Object.entries(paid).map(([n, amount]) => [`pay.${fees[n]}`, amount])) });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(303);
  };
  /**
   * Rosa starts a checkout of these fees; then (while she is on Checkout's page) the office takes cash for
   * `settled`; then the money arrives while Stripe cannot be reached, so the excess cannot be given back yet
   * (503, the event comes again later). Answers the event, to deliver again.
   */
  const paidWhileStripeDown = async (names: string[], settled: Record<string, string>, paymentIntent: string) => {
    const c = await signedIn(rosa.guardianAccount!.username);
    const page = await c.get('/payments/online');
    const res = await c.post('/payments/online', { key: keyOf(page.body), fee: names.map((n) => String(fees[n])) });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(303);
    const session = stripe.sessions.get(String(res.headers.location).split('/pay/')[1]!)!;
    await cashAtOffice(await signedIn(office.account!.username), settled);
    stripe.charge(paymentIntent, session.amount_total);
    const event = signedEvent('checkout.session.completed', paidSession(session, paymentIntent));
    stripe.down = true;
    try {
      expect((await webhook(event)).statusCode).toBe(503);
    } finally {
      stripe.down = false;
    }
    const checkout = await db.selectFrom('online_checkouts').selectAll().where('id', '=', Number(session.client_reference_id)).executeTakeFirstOrThrow();
    return { event, checkout };
  };
  const checkoutRow = (id: number) => db.selectFrom('online_checkouts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const refundedOn = (paymentId: number) => db.selectFrom('fee_ledger').select(['fee_id', 'amount_cents']).where('payment_id', '=', paymentId).where('kind', '=', 'refunded').orderBy('id').execute();
  /** The office page's line about a payment (receipt line), its excess line and whether its refund form is offered. */
  const paymentOnPage = (html: string, paymentId: number) => {
    const item = new RegExp(`<li[^>]*>(?:(?!</li>)[\\s\\S])*Receipt ${paymentId} ·(?:(?!</li>)[\\s\\S])*</li>`).exec(html)?.[0] ?? '';
    return { item: item.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' '), refundForm: item.includes(`action="/staff/fees/payments/${paymentId}/refund"`) };
  };

  beforeAll(async () => {
    db = get().db;
    stripe = await startFakeStripe();
    world = await schoolYear(db);
    office = await staffMember(db, world, { first: 'Olga', last: 'Office', roles: [{ role: 'office' }] });
    rosa = await guardianWithChild(db, world, { student: { first: 'Ana', last: 'Vega', grade: 8 }, guardian: { first: 'Rosa', last: 'Vega' } });
    for (const [name, cents] of [
      ['Art supplies', 1000],
      ['Museum trip', 2000],
      ['Choir robe', 1000],
      ['Choir trip', 2000],
      ['Lab coat', 1000],
      ['Lab trip', 2000],
      ['Gym shirt', 1000],
      ['Gym lock', 1500],
      ['Gym trip', 2000],
      ['Bus pass', 1000],
      ['Bus trip', 2000],
      ['Band fee', 1500],
      ['Band trip', 4250],
      ['Drama fee', 1500],
      ['Drama trip', 4250],
    ] as const)
      await fee(name, cents);
    app = await makeApp(get(), { now: time.now, env: stripe.env() });
  });
  afterAll(async () => {
    await app?.close();
    await stripe?.close();
  });

  it("a whole refund in Stripe's dashboard before Homeroom gave the excess back: recorded once, the excess not asked again, 200 to every replay", async () => {
    // $30.00 paid online for the art supplies ($10.00) and the museum trip ($20.00), which the office had taken in cash.
    const { event, checkout } = await paidWhileStripeDown(['Art supplies', 'Museum trip'], { 'Museum trip': '20.00' }, 'pi_test_whole');
    expect(checkout).toMatchObject({ status: 'paid', excess_cents: 2000, excess_refund_id: null });
    expect(await balances('Art supplies', 'Museum trip')).toEqual([0, 0]);
    const calls = refundCalls().length;
    // The finance office gives the whole $30.00 back in the dashboard; its event comes first.
    const refund = stripe.dashboardRefund('pi_test_whole', 3000);
    const created = signedEvent('refund.created', refund);
    expect((await webhook(created)).json()).toEqual({ received: true, result: 'applied' });
    // The art supplies owe their $10.00 again; the museum trip stays paid (cash); the other $20.00 was the excess.
    expect(await balances('Art supplies', 'Museum trip')).toEqual([1000, 0]);
    expect(await refundedOn(checkout.payment_id!)).toEqual([{ fee_id: fees['Art supplies'], amount_cents: 1000 }]);
    expect(await checkoutRow(checkout.id)).toMatchObject({ excess_at_provider_cents: 2000, excess_refund_id: null, excess_refused_cents: null });
    // Stripe delivers the payment's event again, twice, and the refund's: 200 each time, nothing asked of Stripe, nothing moves.
    for (const again of [event, event, created]) expect((await webhook(again)).statusCode).toBe(200);
    expect(refundCalls().length).toBe(calls);
    expect(await balances('Art supplies', 'Museum trip')).toEqual([1000, 0]);
    expect(await refundedOn(checkout.payment_id!)).toHaveLength(1);
    // The office sees what happened, and has nothing left to refund.
    const staff = await signedIn(office.account!.username);
    const shown = paymentOnPage((await officePage(staff)).body, checkout.payment_id!);
    expect(shown.item).toContain('Refunded: $10.00');
    expect(shown.item).toContain('Also paid $20.00 for fees the office had settled meanwhile: given back in Stripe’s dashboard: $20.00.');
    expect(shown.refundForm).toBe(false);
  });

  it("the payment's event delivered again before the dashboard refund's: Stripe's refusal is kept, answered 200, not asked again; the refund's event then settles it", async () => {
    const { event, checkout } = await paidWhileStripeDown(['Choir robe', 'Choir trip'], { 'Choir trip': '20.00' }, 'pi_test_refused');
    const refund = stripe.dashboardRefund('pi_test_refused', 3000);
    const calls = refundCalls().length;
    expect((await webhook(event)).statusCode).toBe(200);
    // Homeroom asked for the $20.00 excess once; Stripe refused it (already refunded in full).
    expect(refundCalls().length).toBe(calls + 1);
    expect(refundCalls().at(-1)!.form).toMatchObject({ payment_intent: 'pi_test_refused', amount: '2000' });
    expect(await checkoutRow(checkout.id)).toMatchObject({ excess_refund_id: null, excess_refused_cents: 2000, excess_refusal: 'charge_already_refunded' });
    const staff = await signedIn(office.account!.username);
    const refusedItem = paymentOnPage((await officePage(staff)).body, checkout.payment_id!).item;
    expect(refusedItem).toContain('Also paid $20.00 for fees the office had settled meanwhile: refused by Stripe: $20.00.');
    // When (the webhook's clock, in the district's time zone), Stripe's reason, and what to do.
    expect(refusedItem).toContain('Stripe refused to give back $20.00 on February 9, 2027 at 12:00 PM (Stripe’s reason: charge_already_refunded).');
    expect(refusedItem).toContain('Homeroom does not ask Stripe again. To give the family the $20.00, refund it from this payment (pi_test_refused) in the district’s Stripe dashboard');
    expect((await webhook(event)).statusCode).toBe(200);
    expect(refundCalls().length).toBe(calls + 1);
    // The dashboard refund's event: the robe's $10.00 reopens, the rest was the excess; nothing more is asked.
    expect((await webhook(signedEvent('refund.updated', refund))).json()).toEqual({ received: true, result: 'applied' });
    expect(await balances('Choir robe', 'Choir trip')).toEqual([1000, 0]);
    expect(await checkoutRow(checkout.id)).toMatchObject({ excess_at_provider_cents: 2000 });
    expect(refundCalls().length).toBe(calls + 1);
    const shown = paymentOnPage((await officePage(staff)).body, checkout.payment_id!);
    expect(shown.item).toContain('Also paid $20.00 for fees the office had settled meanwhile: given back in Stripe’s dashboard: $20.00.');
    expect(shown.item).not.toContain('Stripe refused');
  });

  it('the excess given back first, then the rest refunded in the dashboard: each fee reopened once, nothing counted as the excess twice', async () => {
    const { event, checkout } = await paidWhileStripeDown(['Lab coat', 'Lab trip'], { 'Lab trip': '20.00' }, 'pi_test_excess_first');
    expect((await webhook(event)).statusCode).toBe(200);
    const row = await checkoutRow(checkout.id);
    expect(row.excess_refund_id).toMatch(/^re_test_/);
    expect(refundCalls().at(-1)!.form).toMatchObject({ payment_intent: 'pi_test_excess_first', amount: '2000' });
    expect(refundCalls().at(-1)!.headers['idempotency-key']).toBe(`refund-excess-${row.idempotency_key}`);
    // What is left at Stripe is the lab coat's $10.00: refunded in the dashboard.
    const calls = refundCalls().length;
    expect((await webhook(signedEvent('refund.created', stripe.dashboardRefund('pi_test_excess_first', 1000)))).json()).toEqual({ received: true, result: 'applied' });
    expect(await balances('Lab coat', 'Lab trip')).toEqual([1000, 0]);
    expect(await checkoutRow(checkout.id)).toMatchObject({ excess_at_provider_cents: 0, excess_refund_id: row.excess_refund_id });
    expect(refundCalls().length).toBe(calls);
    const staff = await signedIn(office.account!.username);
    const shown = paymentOnPage((await officePage(staff)).body, checkout.payment_id!);
    expect(shown.item).toContain('Refunded: $10.00');
    expect(shown.item).toContain('Also paid $20.00 for fees the office had settled meanwhile: given back to the card: $20.00.');
    expect(shown.refundForm).toBe(false);
  });

  it('a part refunded in the dashboard before the excess: the fees reopen first, the part beyond them counts as excess, and Homeroom gives back only the rest', async () => {
    // $45.00 for the gym shirt ($10.00), the gym lock ($15.00) and the gym trip ($20.00, taken in cash): $25.00 on fees, $20.00 excess.
    const { event, checkout } = await paidWhileStripeDown(['Gym shirt', 'Gym lock', 'Gym trip'], { 'Gym trip': '20.00' }, 'pi_test_part');
    expect(checkout).toMatchObject({ total_cents: 4500, excess_cents: 2000 });
    // $30.00 given back in the dashboard: the shirt's $10.00 and the lock's $15.00 (in the order paid), then $5.00 of the excess.
    expect((await webhook(signedEvent('refund.created', stripe.dashboardRefund('pi_test_part', 3000)))).json()).toEqual({ received: true, result: 'applied' });
    expect(await balances('Gym shirt', 'Gym lock', 'Gym trip')).toEqual([1000, 1500, 0]);
    // Stripe was reachable again: the rest of the excess, $15.00, went back at once, under a key of its own.
    const row = await checkoutRow(checkout.id);
    expect(row).toMatchObject({ excess_at_provider_cents: 500, excess_refused_cents: null });
    expect(row.excess_refund_id).toMatch(/^re_test_/);
    expect(refundCalls().at(-1)!.form).toMatchObject({ payment_intent: 'pi_test_part', amount: '1500' });
    expect(refundCalls().at(-1)!.headers['idempotency-key']).toBe(`refund-excess-${row.idempotency_key}-1500`);
    expect(stripe.charges.get('pi_test_part')).toEqual({ amount: 4500, refunded: 4500 });
    const calls = refundCalls().length;
    expect((await webhook(event)).statusCode).toBe(200);
    expect(refundCalls().length).toBe(calls);
    const staff = await signedIn(office.account!.username);
    const shown = paymentOnPage((await officePage(staff)).body, checkout.payment_id!);
    expect(shown.item).toContain('Refunded: $25.00');
    expect(shown.item).toContain('Also paid $20.00 for fees the office had settled meanwhile: given back to the card: $15.00 · given back in Stripe’s dashboard: $5.00.');
  });

  it("Homeroom's excess refund refused for a part refunded in the dashboard: that refund's event then gives back the excess before any fee, and Homeroom only the rest", async () => {
    // $30.00 for the bus pass ($10.00) and the bus trip ($20.00, taken in cash): $20.00 excess.
    const { event, checkout } = await paidWhileStripeDown(['Bus pass', 'Bus trip'], { 'Bus trip': '20.00' }, 'pi_test_excess_refused');
    // The finance office gives $15.00 back in the dashboard (the family paid the trip twice); its event is late.
    const refund = stripe.dashboardRefund('pi_test_excess_refused', 1500);
    expect((await webhook(event)).statusCode).toBe(200);
    expect(refundCalls().at(-1)!.form).toMatchObject({ payment_intent: 'pi_test_excess_refused', amount: '2000' });
    // Stripe's message as the client gives it, with the request's id (what Stripe's support asks for).
    const refused = await checkoutRow(checkout.id);
    expect(refused.excess_refused_cents).toBe(2000);
    expect(refused.excess_refusal).toMatch(/^\[req_\w+\] Refund amount \(\$20\.00\) is greater than unrefunded amount on charge \(\$15\.00\)$/);
    // The refund's event: its $15.00 is the excess (Homeroom's own was refused), the bus pass stays paid;
    // the $5.00 left of the excess goes back at once, under a key of its own.
    expect((await webhook(signedEvent('refund.created', refund))).json()).toEqual({ received: true, result: 'applied' });
    expect(await balances('Bus pass', 'Bus trip')).toEqual([0, 0]);
    const row = await checkoutRow(checkout.id);
    expect(row).toMatchObject({ excess_at_provider_cents: 1500 });
    expect(row.excess_refund_id).toMatch(/^re_test_/);
    expect(refundCalls().at(-1)!.form).toMatchObject({ payment_intent: 'pi_test_excess_refused', amount: '500' });
    expect(stripe.charges.get('pi_test_excess_refused')).toEqual({ amount: 3000, refunded: 2000 });
    expect(await refundedOn(checkout.payment_id!)).toEqual([]);
    const staff = await signedIn(office.account!.username);
    const shown = paymentOnPage((await officePage(staff)).body, checkout.payment_id!);
    expect(shown.item).toContain('Also paid $20.00 for fees the office had settled meanwhile: given back to the card: $5.00 · given back in Stripe’s dashboard: $15.00.');
    expect(shown.item).not.toContain('Refunded:');
  });

  it('after a part refunded in the dashboard, the office refunds the rest from Homeroom: the right amounts, one refund for two tabs, then nothing left', async () => {
    // $57.50 paid online for the band fee ($15.00) and the band trip ($42.50); nothing settled meanwhile.
    const c = await signedIn(rosa.guardianAccount!.username);
    const res = await c.post('/payments/online', { key: keyOf((await c.get('/payments/online')).body), fee: [String(fees['Band fee']), String(fees['Band trip'])] });
    const session = stripe.sessions.get(String(res.headers.location).split('/pay/')[1]!)!;
    stripe.charge('pi_test_rest', 5750);
    expect((await webhook(signedEvent('checkout.session.completed', paidSession(session, 'pi_test_rest')))).statusCode).toBe(200);
    const payment = await db.selectFrom('fee_payments').selectAll().where('reference', '=', 'pi_test_rest').executeTakeFirstOrThrow();
    // $20.00 given back in the dashboard: the band fee's $15.00, then $5.00 of the trip.
    expect((await webhook(signedEvent('refund.created', stripe.dashboardRefund('pi_test_rest', 2000)))).statusCode).toBe(200);
    expect(await balances('Band fee', 'Band trip')).toEqual([1500, 500]);

    const staff = await signedIn(office.account!.username);
    const [one, two] = [await officePage(staff), await officePage(staff)];
    const shown = paymentOnPage(one.body, payment.id);
    expect(shown.refundForm).toBe(true);
    expect(shown.item).toContain('Part of this payment was already refunded in Stripe’s dashboard ($20.00). This refunds the rest.');
    expect(shown.item).toContain('Refund $37.50');
    const action = `/staff/fees/payments/${payment.id}/refund`;
    const keyIn = (html: string) => new RegExp(`action="${action.replace(/\//g, '\\/')}"[\\s\\S]*?name="key" value="([^"]+)"`).exec(html)?.[1] ?? '';
    const [k1, k2] = [keyIn(one.body), keyIn(two.body)];
    expect(k1).not.toBe(k2);
    const calls = refundCalls().length;
    // Two tabs at once: one refund of the $37.50 left.
    const answers = await Promise.all([staff.post(action, { key: k1, reason: 'Trip cancelled' }), staff.post(action, { key: k2, reason: 'Trip cancelled' })]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([303, 400]);
    expect(refundCalls().length).toBe(calls + 1);
    expect(refundCalls().at(-1)!.form).toMatchObject({ payment_intent: 'pi_test_rest', amount: '3750' });
    expect(await balances('Band fee', 'Band trip')).toEqual([1500, 4250]);
    expect(await refundedOn(payment.id)).toEqual([
      { fee_id: fees['Band fee'], amount_cents: 1500 },
      { fee_id: fees['Band trip'], amount_cents: 500 },
      { fee_id: fees['Band trip'], amount_cents: 3750 },
    ]);
    const officeRefunds = await db.selectFrom('online_refunds').select(['cents', 'status', 'origin', 'reason']).where('payment_id', '=', payment.id).where('origin', '=', 'office').execute();
    expect(officeRefunds).toEqual([{ cents: 3750, status: 'succeeded', origin: 'office', reason: 'Trip cancelled' }]);
    // The refunded tab's form again (a double click), and a fresh one: nothing asked of Stripe, and a clear message.
    const won = answers[0]!.statusCode === 303 ? k1 : k2;
    expect((await staff.post(action, { key: won, reason: 'Trip cancelled' })).statusCode).toBe(409);
    const page = await officePage(staff);
    expect(paymentOnPage(page.body, payment.id)).toMatchObject({ refundForm: false });
    expect(paymentOnPage(page.body, payment.id).item).toContain('Refunded: $57.50');
    // A form left open in a third tab since before the refund.
    const late = await staff.post(action, { key: 'late0123456789abcdef0123456789ab', reason: 'Trip cancelled' });
    expect(late.statusCode).toBe(400);
    expect(late.body).toContain('Nothing is left to refund on this payment: all of it was refunded, here or in Stripe’s dashboard.');
    expect(refundCalls().length).toBe(calls + 1);
    expect(await balances('Band fee', 'Band trip')).toEqual([1500, 4250]);
  });

  it('the office refunds the rest while another dashboard refund of it is on its way: Stripe refuses, the office is told, the event records it', async () => {
    const c = await signedIn(rosa.guardianAccount!.username);
    const res = await c.post('/payments/online', { key: keyOf((await c.get('/payments/online')).body), fee: [String(fees['Drama fee']), String(fees['Drama trip'])] });
    const session = stripe.sessions.get(String(res.headers.location).split('/pay/')[1]!)!;
    stripe.charge('pi_test_race', 5750);
    expect((await webhook(signedEvent('checkout.session.completed', paidSession(session, 'pi_test_race')))).statusCode).toBe(200);
    const payment = await db.selectFrom('fee_payments').selectAll().where('reference', '=', 'pi_test_race').executeTakeFirstOrThrow();
    expect((await webhook(signedEvent('refund.created', stripe.dashboardRefund('pi_test_race', 2000)))).statusCode).toBe(200);
    // The other $37.50 is refunded in the dashboard too; its event has not come yet.
    const rest = stripe.dashboardRefund('pi_test_race', 3750);
    const staff = await signedIn(office.account!.username);
    const action = `/staff/fees/payments/${payment.id}/refund`;
    const key = new RegExp(`action="${action.replace(/\//g, '\\/')}"[\\s\\S]*?name="key" value="([^"]+)"`).exec((await officePage(staff)).body)?.[1] ?? '';
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    const refused = await staff.post(action, { key, reason: 'Trip cancelled' });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('Stripe refused this refund. Part of the payment may have been refunded in Stripe’s dashboard meanwhile');
    expect(await balances('Drama fee', 'Drama trip')).toEqual([1500, 500]);
    expect((await webhook(signedEvent('refund.created', rest))).statusCode).toBe(200);
    expect(await balances('Drama fee', 'Drama trip')).toEqual([1500, 4250]);
    expect(paymentOnPage((await officePage(staff)).body, payment.id)).toMatchObject({ refundForm: false });
  });
});
