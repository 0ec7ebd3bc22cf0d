/**
 * Dashboard refunds that no payment of Homeroom's holds (issue 24, ADR 0063): a checkout whose every fee
 * the office settled while the family was at Checkout records no payment (all of it is the excess); a
 * refund of it made in Stripe's dashboard counts as that excess given back, once, whether its event comes
 * after the payment's or before it; Stripe refusing Homeroom's own excess refund is shown to the office
 * (how much, when, Stripe's reason, what to do), in English and Spanish. And a dashboard refund whose event
 * came before a payment Homeroom did record is written to the ledger when the payment's event comes.
 *
 * The real `stripe` client talks to the local server of tests/support/stripe.ts, which refunds a declared
 * PaymentIntent as Stripe does (never more than is left of it); events are signed with the library's own
 * test helper and verified by the real code. One guardian (Marta Ortiz) of one child (Leo), each case with
 * fees of its own; every amount is written for the test and every expected amount worked out by hand.
 */
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { assessFee, postWebhook } from '../support/fees.js';
import { FIXTURE_PASSWORD, guardianWithChild, otherSchool, schoolYear, staffMember, type Family, type StaffFixture, type World } from '../support/factories.js';
import { clock, formKey, signedInClient, type Client } from '../support/http.js';
import { paidSession, signedEvent, startFakeStripe, type FakeSession, type FakeStripe } from '../support/stripe.js';

const STAMP = '2027-02-01T15:00:00.000Z';

describeEachEngine('dashboard refunds no payment holds: a checkout that was all excess, a refund before its payment', (get) => {
  let app: FastifyInstance;
  let db: Kysely<DB>;
  let stripe: FakeStripe;
  let world: World;
  let marta: Family;
  let office: StaffFixture;
  let oficina: StaffFixture;
  let elsewhere: StaffFixture;
  const fees: Record<string, number> = {};
  const time = clock('2027-02-09T18:00:00Z');

  const signedIn = (username: string) => signedInClient(app, username, FIXTURE_PASSWORD);
  const balance = async (feeId: number) => Number((await db.selectFrom('fee_ledger').select(sql<number>`coalesce(sum(amount_cents), 0)`.as('b')).where('fee_id', '=', feeId).executeTakeFirstOrThrow()).b);
  const balances = async (...names: string[]) => Promise.all(names.map((n) => balance(fees[n]!)));
  const webhook = (event: { payload: string; headers: Record<string, string> }) => postWebhook(app, event);
  const refundCalls = () => stripe.calls.filter((c) => c.path === '/v1/refunds');
  const checkoutRow = (id: number) => db.selectFrom('online_checkouts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const officePage = (staff: Client) => staff.get(`/staff/fees/students/${marta.student.id}`);
  /** The office page's item about a checkout that recorded no payment, as text. */
  const checkoutOnPage = (html: string, checkoutId: number) =>
    (new RegExp(`<li[^>]*id="checkout-${checkoutId}"[^>]*>(?:(?!</li>)[\\s\\S])*</li>`).exec(html)?.[0] ?? '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
  const fee = async (name: string, cents: number) => {
    fees[name] = await assessFee(db, { studentId: marta.student.id, schoolId: world.school.id, name, cents, key: 'checkout-refunds', stamp: STAMP });
  };
  /** Marta starts a checkout of these fees (she is then on Checkout's page). */
  const checkoutOf = async (names: string[]): Promise<FakeSession> => {
    const c = await signedIn(marta.guardianAccount!.username);
    const res = await c.post('/payments/online', { key: formKey((await c.get('/payments/online')).body), fee: names.map((n) => String(fees[n])) });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(303);
    return stripe.sessions.get(String(res.headers.location).split('/pay/')[1]!)!;
  };
  /** The office takes cash for these fees (whole amounts), through its own form. */
  const cashAtOffice = async (paid: Record<string, string>) => {
    const staff = await signedIn(office.account!.username);
    const page = await officePage(staff);
    const key = new RegExp(`action="/staff/fees/students/${marta.student.id}/payments"[\\s\\S]*?name="key" value="([^"]+)"`).exec(page.body)?.[1] ?? '';
    const res = await staff.post(`/staff/fees/students/${marta.student.id}/payments`, { key, method: 'cash', payer: 'Marta Ortiz', ...Object.fromEntries(Object.entries(paid).map(([n, amount]) => [`pay.${fees[n]}`, amount])) });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(303);
  };
  /** A checkout of these fees, every one of them then paid in cash at the office, and the money received at Stripe: answers the payment's event. */
  const allExcess = async (names: Record<string, string>, paymentIntent: string) => {
    const session = await checkoutOf(Object.keys(names));
    await cashAtOffice(names);
    stripe.charge(paymentIntent, session.amount_total);
    return { session, event: signedEvent('checkout.session.completed', paidSession(session, paymentIntent)), checkoutId: Number(session.client_reference_id) };
  };

  beforeAll(async () => {
    db = get().db;
    stripe = await startFakeStripe();
    world = await schoolYear(db);
    office = await staffMember(db, world, { first: 'Olga', last: 'Office', roles: [{ role: 'office' }] });
    oficina = await staffMember(db, world, { first: 'Olivia', last: 'Oficina', roles: [{ role: 'office' }], locale: 'es' });
    elsewhere = await staffMember(db, world, { first: 'Otto', last: 'Elsewhere', roles: [{ role: 'office', schoolId: (await otherSchool(db)).id }] });
    marta = await guardianWithChild(db, world, { student: { first: 'Leo', last: 'Ortiz', grade: 7 }, guardian: { first: 'Marta', last: 'Ortiz' } });
    for (const [name, cents] of [
      ['Art kit', 1000],
      ['Art trip', 2000],
      ['Zoo ticket', 1200],
      ['Zoo bus', 1800],
      ['Chess fee', 1000],
      ['Chess trip', 2000],
      ['Band shirt', 1500],
      ['Band dues', 2500],
      ['Film fee', 1000],
      ['Film trip', 2000],
    ] as const)
      await fee(name, cents);
    app = await makeApp(get(), { now: time.now, env: stripe.env() });
  });
  afterAll(async () => {
    await app?.close();
    await stripe?.close();
  });

  it("a whole refund in Stripe's dashboard after the payment's event: counted once as the excess given back, nothing asked of Stripe, shown to the office", async () => {
    // $30.00 for the art kit ($10.00) and the art trip ($20.00), both taken in cash meanwhile; Stripe is down when the money arrives.
    const { event, checkoutId } = await allExcess({ 'Art kit': '10.00', 'Art trip': '20.00' }, 'pi_test_all_excess');
    stripe.down = true;
    try {
      expect((await webhook(event)).statusCode).toBe(503);
    } finally {
      stripe.down = false;
    }
    expect(await checkoutRow(checkoutId)).toMatchObject({ status: 'paid', payment_id: null, excess_cents: 3000, excess_at_provider_cents: 0, excess_refund_id: null });
    const calls = refundCalls().length;
    // The finance office gives the $30.00 back in the dashboard.
    const refund = stripe.dashboardRefund('pi_test_all_excess', 3000);
    const created = signedEvent('refund.created', refund);
    expect((await webhook(created)).json()).toEqual({ received: true, result: 'applied' });
    expect(await checkoutRow(checkoutId)).toMatchObject({ excess_at_provider_cents: 3000, excess_refund_id: null, excess_refused_cents: null });
    // The same event again, another event of the same refund, and the payment's event again: 200 each, counted once, nothing asked of Stripe.
    expect((await webhook(created)).json()).toEqual({ received: true, result: 'replayed' });
    expect((await webhook(signedEvent('refund.updated', refund))).json()).toEqual({ received: true, result: 'applied' });
    expect((await webhook(event)).statusCode).toBe(200);
    expect(refundCalls().length).toBe(calls);
    expect(await checkoutRow(checkoutId)).toMatchObject({ excess_at_provider_cents: 3000, excess_refused_cents: null });
    expect(await db.selectFrom('checkout_refunds').select(['provider_refund_id', 'checkout_id', 'status', 'cents', 'counted_cents']).where('reference', '=', 'pi_test_all_excess').execute()).toEqual([
      { provider_refund_id: refund.id, checkout_id: checkoutId, status: 'succeeded', cents: 3000, counted_cents: 3000 },
    ]);
    // No fee moved: both stay paid in cash.
    expect(await balances('Art kit', 'Art trip')).toEqual([0, 0]);
    const shown = checkoutOnPage((await officePage(await signedIn(office.account!.username))).body, checkoutId);
    expect(shown).toContain(`Online checkout ${checkoutId} · started February 9, 2027 at 12:00 PM by Marta Ortiz · for Art kit, Art trip · Paid online (Stripe pi_test_all_excess)`);
    expect(shown).toContain('Also paid $30.00 for fees the office had settled meanwhile: given back in Stripe’s dashboard: $30.00.');
    expect(shown).not.toContain('refused');
  });

  it("a part refunded in the dashboard, its event before the payment's: parked, then counted when the payment's event comes; Homeroom gives back only the rest", async () => {
    // $30.00 for the zoo ticket ($12.00) and the zoo bus ($18.00), both taken in cash meanwhile.
    const { event, checkoutId } = await allExcess({ 'Zoo ticket': '12.00', 'Zoo bus': '18.00' }, 'pi_test_refund_first');
    // $12.00 given back in the dashboard; its event is delivered before the payment's: no checkout knows the PaymentIntent yet.
    const refund = stripe.dashboardRefund('pi_test_refund_first', 1200);
    expect((await webhook(signedEvent('refund.created', refund))).json()).toEqual({ received: true, result: 'ignored' });
    expect(await db.selectFrom('checkout_refunds').select(['checkout_id', 'status', 'counted_cents']).where('reference', '=', 'pi_test_refund_first').execute()).toEqual([{ checkout_id: null, status: 'succeeded', counted_cents: 0 }]);
    const calls = refundCalls().length;
    // The payment's event: the $12.00 counts as excess given back; Homeroom asks Stripe for the other $18.00 only, under a key of its own.
    expect((await webhook(event)).json()).toEqual({ received: true, result: 'applied' });
    const row = await checkoutRow(checkoutId);
    expect(row).toMatchObject({ status: 'paid', payment_id: null, excess_cents: 3000, excess_at_provider_cents: 1200, excess_refused_cents: null });
    expect(row.excess_refund_id).toMatch(/^re_test_/);
    expect(refundCalls().length).toBe(calls + 1);
    expect(refundCalls().at(-1)!.form).toMatchObject({ payment_intent: 'pi_test_refund_first', amount: '1800' });
    expect(refundCalls().at(-1)!.headers['idempotency-key']).toBe(`refund-excess-${row.idempotency_key}-1800`);
    expect(stripe.charges.get('pi_test_refund_first')).toEqual({ amount: 3000, refunded: 3000 });
    // The refund's later events and the payment's again change nothing.
    expect((await webhook(signedEvent('refund.updated', refund))).statusCode).toBe(200);
    expect((await webhook(event)).statusCode).toBe(200);
    expect(refundCalls().length).toBe(calls + 1);
    expect(await checkoutRow(checkoutId)).toMatchObject({ excess_at_provider_cents: 1200 });
    expect(await balances('Zoo ticket', 'Zoo bus')).toEqual([0, 0]);
    const shown = checkoutOnPage((await officePage(await signedIn(office.account!.username))).body, checkoutId);
    expect(shown).toContain('Also paid $30.00 for fees the office had settled meanwhile: given back to the card: $18.00 · given back in Stripe’s dashboard: $12.00.');
  });

  it("Stripe refuses Homeroom's excess refund of a checkout with no payment: the office sees how much, when, why and what to do (en, es); the dashboard refund's event then settles it", async () => {
    // $30.00 for the chess fee ($10.00) and the chess trip ($20.00), both taken in cash; the whole $30.00 given back in the dashboard, its event late.
    const { event, checkoutId } = await allExcess({ 'Chess fee': '10.00', 'Chess trip': '20.00' }, 'pi_test_refused_all');
    const refund = stripe.dashboardRefund('pi_test_refused_all', 3000);
    const calls = refundCalls().length;
    expect((await webhook(event)).statusCode).toBe(200);
    expect(refundCalls().length).toBe(calls + 1);
    expect(await checkoutRow(checkoutId)).toMatchObject({ payment_id: null, excess_refused_cents: 3000, excess_refusal: 'charge_already_refunded', excess_refund_id: null });
    const english = checkoutOnPage((await officePage(await signedIn(office.account!.username))).body, checkoutId);
    expect(english).toContain('Also paid $30.00 for fees the office had settled meanwhile: refused by Stripe: $30.00.');
    expect(english).toContain('Stripe refused to give back $30.00 on February 9, 2027 at 12:00 PM (Stripe’s reason: charge_already_refunded).');
    expect(english).toContain('Homeroom does not ask Stripe again. To give the family the $30.00, refund it from this payment (pi_test_refused_all) in the district’s Stripe dashboard; Homeroom records that refund when Stripe reports it.');
    const spanishPage = await officePage(await signedIn(oficina.account!.username));
    expect(spanishPage.body).toContain('Pagos en línea de cuotas ya liquidadas');
    const spanish = checkoutOnPage(spanishPage.body, checkoutId);
    expect(spanish).toContain(`Pago en línea ${checkoutId} · iniciado el`);
    expect(spanish).toContain('rechazado por Stripe: $30.00');
    expect(spanish).toContain('(motivo de Stripe: charge_already_refunded)');
    expect(spanish).toContain('Homeroom no vuelve a pedirlo a Stripe.');
    // The office's fee list names it, with a link to the student's fee page; another school's office does not see it.
    const list = (await (await signedIn(office.account!.username)).get('/staff/fees')).body;
    expect(list).toContain('Money Stripe refused to give back');
    expect(list).toMatch(new RegExp(`<a href="/staff/fees/students/${marta.student.id}">Leo Ortiz: \\$30\\.00, refused on February 9, 2027 at 12:00 PM</a>`));
    expect((await (await signedIn(oficina.account!.username)).get('/staff/fees')).body).toContain('Leo Ortiz: $30.00, rechazado el');
    expect((await (await signedIn(elsewhere.account!.username)).get('/staff/fees')).body).not.toContain('Leo Ortiz');
    // Not asked again, however often the payment's event comes.
    expect((await webhook(event)).statusCode).toBe(200);
    expect(refundCalls().length).toBe(calls + 1);
    // The dashboard refund's event: the $30.00 was the excess given back; the refusal is no longer shown.
    expect((await webhook(signedEvent('refund.created', refund))).json()).toEqual({ received: true, result: 'applied' });
    expect(await checkoutRow(checkoutId)).toMatchObject({ excess_at_provider_cents: 3000 });
    expect(refundCalls().length).toBe(calls + 1);
    const after = checkoutOnPage((await officePage(await signedIn(office.account!.username))).body, checkoutId);
    expect(after).toContain('Also paid $30.00 for fees the office had settled meanwhile: given back in Stripe’s dashboard: $30.00.');
    expect(after).not.toContain('refused by Stripe');
    expect(after).not.toContain('Stripe refused');
    expect((await (await signedIn(office.account!.username)).get('/staff/fees')).body).not.toContain('Money Stripe refused to give back');
  });

  it("a dashboard refund's event before the payment's, of a payment Homeroom records: the fees reopen when the payment's event comes", async () => {
    // $40.00 for the band shirt ($15.00) and the band dues ($25.00), nothing settled meanwhile; $15.00 given back in the dashboard.
    const session = await checkoutOf(['Band shirt', 'Band dues']);
    stripe.charge('pi_test_early_refund', session.amount_total);
    const refund = stripe.dashboardRefund('pi_test_early_refund', 1500);
    expect((await webhook(signedEvent('refund.created', refund))).json()).toEqual({ received: true, result: 'ignored' });
    expect((await webhook(signedEvent('checkout.session.completed', paidSession(session, 'pi_test_early_refund')))).json()).toEqual({ received: true, result: 'applied' });
    const payment = await db.selectFrom('fee_payments').select(['id', 'total_cents']).where('reference', '=', 'pi_test_early_refund').executeTakeFirstOrThrow();
    expect(payment.total_cents).toBe(4000);
    // The shirt (paid first) owes its $15.00 again; the dues stay paid.
    expect(await balances('Band shirt', 'Band dues')).toEqual([1500, 0]);
    expect(await db.selectFrom('online_refunds').select(['provider_refund_id', 'status', 'cents', 'origin']).where('payment_id', '=', payment.id).execute()).toEqual([{ provider_refund_id: refund.id, status: 'succeeded', cents: 1500, origin: 'provider' }]);
    expect(await db.selectFrom('checkout_refunds').select('id').where('reference', '=', 'pi_test_early_refund').execute()).toEqual([]);
    // Its later event: known by its id, nothing reopens twice.
    expect((await webhook(signedEvent('refund.updated', refund))).statusCode).toBe(200);
    expect(await balances('Band shirt', 'Band dues')).toEqual([1500, 0]);
  });

  it("the refund's event and the payment's at the same moment: the refund is counted once, and Homeroom gives back only the rest", async () => {
    // $30.00 for the film fee ($10.00) and the film trip ($20.00), both taken in cash; $5.00 given back in the dashboard.
    const { event, checkoutId } = await allExcess({ 'Film fee': '10.00', 'Film trip': '20.00' }, 'pi_test_same_moment');
    const refund = stripe.dashboardRefund('pi_test_same_moment', 500);
    const answers = await Promise.all([webhook(signedEvent('refund.created', refund)), webhook(event)]);
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200]);
    // Whichever came first, the payment's event gave back what was left when it ran; a parked refund it did not see would leave $5.00 uncounted.
    const row = await checkoutRow(checkoutId);
    expect(row).toMatchObject({ excess_cents: 3000, excess_at_provider_cents: 500 });
    expect(row.excess_refund_id).toMatch(/^re_test_/);
    expect(refundCalls().at(-1)!.form).toMatchObject({ payment_intent: 'pi_test_same_moment', amount: '2500' });
    expect(stripe.charges.get('pi_test_same_moment')).toEqual({ amount: 3000, refunded: 3000 });
    expect(await db.selectFrom('checkout_refunds').select(['checkout_id', 'counted_cents']).where('reference', '=', 'pi_test_same_moment').execute()).toEqual([{ checkout_id: checkoutId, counted_cents: 500 }]);
  });
});
