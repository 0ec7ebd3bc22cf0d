/**
 * Homeroom's own refund of a checkout's excess after it was made (ADR 0067, addendum): Stripe may report it
 * pending (a bank debit's refund: "being given back" until it succeeds, then "given back" with that day),
 * and may report it failed or canceled later — even after it succeeded (a closed card sends the money
 * back days later). A failed refund is recorded in its event's transaction, once: the family is told the
 * school office will give that part back (the part a dashboard refund gave back stays given back, with
 * its own day), the office sees it where it sees a refused excess (the student's fee page and the fee
 * list), Homeroom does not ask Stripe again, and a refund then made in Stripe's dashboard counts as that
 * excess first. A replayed event changes nothing; an unknown refund and a dashboard refund are handled as
 * before; a refund given back before migration 0065 has no day and is told without one.
 *
 * The real `stripe` client talks to the local server of tests/support/stripe.ts, which refunds as Stripe
 * does and moves a refund on afterwards (`refundLater`); events are signed with the library's own helper.
 * One guardian (Rosa Diaz) of one child (Tomas), each case with fees of its own. Every amount and day is
 * written for the test and worked out by hand: the clock starts at 2027-02-09 18:00 UTC (Tuesday, noon in
 * the district's Chicago) and moves on by whole days.
 */
import type { FastifyInstance } from 'fastify';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { assessFee, cashFor, checkoutPaidMeanwhile, mainText, postWebhook } from '../support/fees.js';
import { FIXTURE_PASSWORD, guardianWithChild, schoolYear, staffMember, type Family, type StaffFixture, type World } from '../support/factories.js';
import { clock, DAY, signedInClient } from '../support/http.js';
import { signedEvent, startFakeStripe, type FakeStripe } from '../support/stripe.js';

const STAMP = '2027-02-01T15:00:00.000Z';
const OWED = 'was for fees already paid at the school office.';
const CARD = 'to the card or account you paid with.';
const STATEMENT = 'When it shows on your statement depends on your bank or card company.';
const OFFICE = 'It could not be given back automatically, so the school office will give it back to you.';
const OFICINA = 'No se pudo devolver automáticamente, así que la oficina de la escuela se lo devolverá.';
const GIVING = 'It is being given back to the card or account you paid with; this page will say when it has been.';
const DEVOLVIENDO = 'Se le está devolviendo a la tarjeta o cuenta con la que pagó; esta página dirá cuándo se haya devuelto.';

describeEachEngine("Homeroom's excess refund after it was made: pending, failed, canceled", (get) => {
  let app: FastifyInstance;
  let db: Kysely<DB>;
  let stripe: FakeStripe;
  let world: World;
  let rosa: Family;
  let office: StaffFixture;
  let oficina: StaffFixture;
  const fees: Record<string, number> = {};
  const time = clock('2027-02-09T18:00:00Z');

  const webhook = (event: { payload: string; headers: Record<string, string> }) => postWebhook(app, event);
  const refundCalls = () => stripe.calls.filter((c) => c.path === '/v1/refunds').length;
  const checkoutRow = (id: number) => db.selectFrom('online_checkouts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const auditCount = async (action: string) => Number((await db.selectFrom('audit_log').select(sql<number>`count(*)`.as('n')).where('action', '=', action).executeTakeFirstOrThrow()).n);
  const eventCount = async () => Number((await db.selectFrom('payment_events').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
  const balance = async (name: string) => Number((await db.selectFrom('fee_ledger').select(sql<number>`coalesce(sum(amount_cents), 0)`.as('b')).where('fee_id', '=', fees[name]!).executeTakeFirstOrThrow()).b);
  /** A page's main text, tags removed and spaces squeezed. */
  const text = mainText;
  const fee = async (name: string, cents: number) => {
    fees[name] = await assessFee(db, { studentId: rosa.student.id, schoolId: world.school.id, name, cents, key: 'refund-states', stamp: STAMP });
  };
  const cash = (name: string, cents: number) => cashFor(db, fees[name]!, cents, 'Rosa Diaz', `cash-${name}`, time.now());
  /** Rosa starts a checkout of these fees; the office then takes cash for some; Stripe receives the whole checkout. Answers the payment's event. */
  const paidWithExcess = (names: string[], cashed: Record<string, number>, paymentIntent: string) =>
    checkoutPaidMeanwhile(app, stripe, rosa, FIXTURE_PASSWORD, names.map((n) => fees[n]!), async () => {
      for (const [n, cents] of Object.entries(cashed)) await cash(n, cents);
    }, paymentIntent);
  /** Rosa's pages about this checkout, in English and Spanish: the checkout's page, and its item on Tomas's Payments page. */
  const pages = async (checkoutId: number) => {
    const c = await signedInClient(app, rosa.guardianAccount!.username, FIXTURE_PASSWORD);
    const en = await c.get(`/payments/online/${checkoutId}`);
    const tool = await c.get(`/students/${rosa.student.id}/payments`);
    c.cookies.set('hr_lang', 'es');
    const es = await c.get(`/payments/online/${checkoutId}`);
    const herramienta = await c.get(`/students/${rosa.student.id}/payments`);
    for (const page of [en, es, tool, herramienta]) expect(page.statusCode).toBe(200);
    const item = (html: string) => text(new RegExp(`<li[^>]*>(?:(?!</li>)[\\s\\S])*href="/payments/online/${checkoutId}"[\\s\\S]*?</li>`).exec(html)?.[0] ?? '');
    return { en: text(en.body), es: text(es.body), tool: item(tool.body), herramienta: item(herramienta.body) };
  };
  /** The office's pages in English (Olga) or Spanish (Olivia): the student's fee page and the fee list. */
  const officePages = async (staff: StaffFixture) => {
    const c = await signedInClient(app, staff.account!.username, FIXTURE_PASSWORD);
    const student = await c.get(`/staff/fees/students/${rosa.student.id}`);
    const list = await c.get('/staff/fees');
    expect(student.statusCode).toBe(200);
    expect(list.statusCode).toBe(200);
    return { student: text(student.body), list: list.body };
  };
  /** The row as it stands, without the time of its last lock (a later event of the same refund touches it). */
  const stateOf = async (id: number) => {
    const { updated_at: _, ...rest } = await checkoutRow(id);
    return rest;
  };
  const later = (days: number) => time.advance(days * DAY);

  beforeAll(async () => {
    db = get().db;
    stripe = await startFakeStripe();
    world = await schoolYear(db);
    office = await staffMember(db, world, { first: 'Olga', last: 'Office', roles: [{ role: 'office' }] });
    oficina = await staffMember(db, world, { first: 'Olivia', last: 'Oficina', roles: [{ role: 'office' }], locale: 'es' });
    rosa = await guardianWithChild(db, world, { student: { first: 'Tomas', last: 'Diaz', grade: 8 }, guardian: { first: 'Rosa', last: 'Diaz' } });
    for (const [name, cents] of [
      ['Card kit', 1500],
      ['Card trip', 2500],
      ['Part fee', 1000],
      ['Part trip', 2000],
      ['Bank fee', 2000],
      ['Cancel fee', 1000],
      ['Cancel trip', 2000],
    ] as const)
      await fee(name, cents);
    app = await makeApp(get(), { now: time.now, env: stripe.env() });
  });
  afterAll(async () => {
    await app?.close();
    await stripe?.close();
  });

  it('a card refund that succeeded fails three days later: recorded once; the family is told the office gives it back; the office sees it; a dashboard refund then gives back the excess first', async () => {
    const start = time.now().getTime();
    // $40.00 for the kit ($15.00) and the trip ($25.00); the trip paid in cash meanwhile: $15.00 recorded, $25.00 given back at once.
    const { checkoutId, event } = await paidWithExcess(['Card kit', 'Card trip'], { 'Card trip': 2500 }, 'pi_test_card_fails');
    expect((await webhook(event)).statusCode).toBe(200);
    const made = await checkoutRow(checkoutId);
    expect(made).toMatchObject({ excess_cents: 2500, excess_at_provider_cents: 0 });
    const refundId = String(made.excess_refund_id);
    expect((await pages(checkoutId)).en).toContain(`$25.00 of this payment ${OWED} It was given back on Tue, February 9, 2027, ${CARD}`);

    // Friday: the card was closed; the money is back in the district's balance.
    later(3);
    const failed = signedEvent('refund.failed', stripe.refundLater(refundId, 'failed', 'expired_or_canceled_card'));
    const events = await eventCount();
    expect((await webhook(failed)).json()).toEqual({ received: true, result: 'applied' });
    // The family: the school office gives it back; no day of giving back, no provider's words.
    const p = await pages(checkoutId);
    expect(p.en).toContain('Paid: $15.00. Thank you.');
    expect(p.en).toContain(`$25.00 of this payment ${OWED} ${OFFICE} You do not need to do anything; if you have questions, contact the school office.`);
    expect(p.es).toContain(`$25.00 de este pago era para cuotas ya pagadas en la oficina de la escuela. ${OFICINA} Usted no tiene que hacer nada; si tiene preguntas, comuníquese con la oficina de la escuela.`);
    expect(p.tool).toContain(OFFICE);
    expect(p.herramienta).toContain(OFICINA);
    for (const page of [p.en, p.es, p.tool, p.herramienta]) {
      for (const word of ['given back on', 'Se le devolvió', 'Stripe', 'expired_or_canceled_card', 'failed', 'falló']) expect(page).not.toContain(word);
    }

    // Recorded once, in the event's transaction: the refund's id moved aside, its amount kept as not given back.
    const row = await checkoutRow(checkoutId);
    expect(row).toMatchObject({ excess_refund_id: null, excess_refund_status: null, excess_failed_refund_id: refundId, excess_refused_cents: 2500, excess_refusal: 'expired_or_canceled_card', excess_back_at: null, excess_at_provider_cents: 0 });
    expect(new Date(String(row.excess_refused_at)).toISOString()).toBe('2027-02-12T18:00:00.000Z');
    expect(await eventCount()).toBe(events + 1);
    expect(await auditCount('fee.excess_refund_failed')).toBe(1);
    const audit = await db.selectFrom('audit_log').select(['subject_type', 'subject_id', 'details']).where('action', '=', 'fee.excess_refund_failed').executeTakeFirstOrThrow();
    expect(audit.subject_type).toBe('online_checkout');
    expect(Number(audit.subject_id)).toBe(checkoutId);
    expect(typeof audit.details === 'string' ? JSON.parse(audit.details) : audit.details).toEqual({ cents: 2500, reason: 'expired_or_canceled_card', online: refundId, was: 'succeeded' });

    // The office: under the payment on the student's fee page, and named in the fee list, in English and Spanish.
    const en = await officePages(office);
    expect(en.student).toContain('Also paid $25.00 for fees the office had settled meanwhile: refund failed at Stripe: $25.00.');
    expect(en.student).toContain('The refund of $25.00 Homeroom made to the card or account the family paid with failed on February 12, 2027 at 12:00 PM (Stripe’s reason: expired_or_canceled_card); the money is back in the district’s Stripe balance.');
    expect(en.student).toContain('Homeroom does not ask Stripe again: the card or account may be closed. Give the family the $25.00 another way; if you refund it from this payment (pi_test_card_fails) in the district’s Stripe dashboard, Homeroom records that refund when Stripe reports it.');
    expect(en.student).not.toContain('given back to the card: $25.00');
    expect(en.list).toContain('Money Stripe did not give back');
    expect(en.list).toMatch(new RegExp(`<a href="/staff/fees/students/${rosa.student.id}">Tomas Diaz: \\$25\\.00, the refund failed on February 12, 2027 at 12:00 PM</a>`));
    const es = await officePages(oficina);
    expect(es.student).toContain('reembolso fallido en Stripe: $25.00');
    expect(es.student).toContain('(motivo de Stripe: expired_or_canceled_card); el dinero volvió al saldo de Stripe del distrito.');
    expect(es.list).toContain('Dinero que Stripe no devolvió');
    expect(es.list).toContain('Tomas Diaz: $25.00, el reembolso falló el');

    // The same delivery again: nothing changes, not even the row's time.
    const before = await checkoutRow(checkoutId);
    later(1 / 24);
    expect((await webhook(failed)).json()).toEqual({ received: true, result: 'replayed' });
    expect(await checkoutRow(checkoutId)).toEqual(before);
    expect(await eventCount()).toBe(events + 1);
    expect(await auditCount('fee.excess_refund_failed')).toBe(1);
    // Stripe's refund.updated of the same failure, then a late "succeeded" of it delivered out of order: failed stays failed, once.
    const kept = await stateOf(checkoutId);
    expect((await webhook(signedEvent('refund.updated', { ...stripe.refunds.get(refundId)! }))).statusCode).toBe(200);
    expect((await webhook(signedEvent('refund.updated', { ...stripe.refunds.get(refundId)!, status: 'succeeded', failure_reason: null }))).statusCode).toBe(200);
    expect(await stateOf(checkoutId)).toEqual(kept);
    expect(await auditCount('fee.excess_refund_failed')).toBe(1);
    // The payment's event again: Homeroom does not ask Stripe again.
    const calls = refundCalls();
    expect((await webhook(event)).statusCode).toBe(200);
    expect(refundCalls()).toBe(calls);
    expect(await stateOf(checkoutId)).toEqual(kept);

    // Saturday: the office refunds $25.00 in the dashboard (the failed refund left it refundable): it is the excess, first; the kit stays paid.
    later(1 - 1 / 24);
    const dashboard = stripe.dashboardRefund('pi_test_card_fails', 2500);
    expect((await webhook(signedEvent('refund.created', dashboard))).json()).toEqual({ received: true, result: 'applied' });
    expect(refundCalls()).toBe(calls);
    expect(await checkoutRow(checkoutId)).toMatchObject({ excess_at_provider_cents: 2500, excess_refund_id: null });
    expect([await balance('Card kit'), await balance('Card trip')]).toEqual([0, 0]);
    const after = await pages(checkoutId);
    expect(after.en).toContain(`$25.00 of this payment ${OWED} It was given back on Sat, February 13, 2027, ${CARD} ${STATEMENT}`);
    expect(after.en).not.toContain(OFFICE);
    const listAfter = await officePages(office);
    expect(listAfter.list).not.toContain('Money Stripe did not give back');
    expect(listAfter.student).toContain('Also paid $25.00 for fees the office had settled meanwhile: given back in Stripe’s dashboard: $25.00.');
    // A dashboard refund that fails afterwards is handled as before (ADR 0063): what it gave back stays given back.
    expect((await webhook(signedEvent('refund.failed', stripe.refundLater(String(dashboard.id), 'failed', 'unknown')))).statusCode).toBe(200);
    expect(await checkoutRow(checkoutId)).toMatchObject({ excess_at_provider_cents: 2500, excess_refused_cents: 2500, excess_failed_refund_id: refundId });
    expect((await pages(checkoutId)).en).toContain('It was given back on Sat, February 13, 2027');
    time.advance(start - time.now().getTime());
  });

  it('part given back in the dashboard, the rest by Homeroom, whose refund fails: the part keeps its day, the rest is the office’s', async () => {
    const start = time.now().getTime();
    // $30.00 for two fees, both paid in cash meanwhile (no payment recorded). Stripe cannot be reached when the money arrives.
    const { checkoutId, event } = await paidWithExcess(['Part fee', 'Part trip'], { 'Part fee': 1000, 'Part trip': 2000 }, 'pi_test_part_fails');
    stripe.down = true;
    const part = stripe.dashboardRefund('pi_test_part_fails', 1000);
    try {
      expect((await webhook(event)).statusCode).toBe(503);
      // Tuesday: the office's $10.00 in the dashboard counts; Homeroom's ask for the other $20.00 finds Stripe still down.
      expect((await webhook(signedEvent('refund.created', part))).statusCode).toBe(503);
    } finally {
      stripe.down = false;
    }
    // Wednesday: the payment's event again; Homeroom gives back $20.00.
    later(1);
    expect((await webhook(event)).statusCode).toBe(200);
    const made = await checkoutRow(checkoutId);
    expect(made).toMatchObject({ excess_cents: 3000, excess_at_provider_cents: 1000 });
    expect((await pages(checkoutId)).en).toContain(`$30.00 of this payment ${OWED} It was given back on Wed, February 10, 2027, ${CARD}`);
    // Thursday: Homeroom's $20.00 fails.
    later(1);
    expect((await webhook(signedEvent('refund.failed', stripe.refundLater(String(made.excess_refund_id), 'failed', 'lost_or_stolen_card')))).statusCode).toBe(200);
    expect(await checkoutRow(checkoutId)).toMatchObject({ excess_refused_cents: 2000, excess_at_provider_cents: 1000, excess_refund_id: null });
    const p = await pages(checkoutId);
    expect(p.en).toContain(`$30.00 of this payment ${OWED} $10.00 of it was given back on Tue, February 9, 2027, ${CARD} ${STATEMENT} The other $20.00 could not be given back automatically, so the school office will give it back to you.`);
    expect(p.es).toContain('Se le devolvieron $10.00 el mar, 9 de febrero de 2027, a la tarjeta o cuenta con la que pagó.');
    expect(p.es).toContain('Los otros $20.00 no se pudieron devolver automáticamente, así que la oficina de la escuela se los devolverá.');
    expect(p.tool).toContain('The other $20.00 could not be given back automatically');
    const en = await officePages(office);
    expect(en.student).toContain('Also paid $30.00 for fees the office had settled meanwhile: given back in Stripe’s dashboard: $10.00 · refund failed at Stripe: $20.00.');
    expect(en.list).toMatch(new RegExp(`Tomas Diaz: \\$20\\.00, the refund failed on February 11, 2027 at 12:00 PM`));

    // Given back before migration 0065 (no day kept): told without a day, never "on ." or "el ,".
    await db.updateTable('online_checkouts').set({ excess_back_at: null }).where('id', '=', checkoutId).execute();
    const undated = await pages(checkoutId);
    expect(undated.en).toContain(`$30.00 of this payment ${OWED} $10.00 of it was given back to the card or account you paid with. ${STATEMENT} The other $20.00 could not`);
    expect(undated.es).toContain('Se le devolvieron $10.00 a la tarjeta o cuenta con la que pagó.');
    for (const page of [undated.en, undated.es, undated.tool, undated.herramienta]) expect(page).not.toMatch(/ on [.,]| on $| el [.,]|given back on to/);
    time.advance(start - time.now().getTime());
  });

  it('a bank-debit refund Stripe reports pending: "being given back", then "given back" with the day it succeeded; a replay and a late "pending" change nothing', async () => {
    const start = time.now().getTime();
    // $20.00 chosen, $5.00 of it paid in cash meanwhile: $5.00 to give back; Stripe answers the refund pending.
    const { checkoutId, event } = await paidWithExcess(['Bank fee'], { 'Bank fee': 500 }, 'pi_test_bank');
    stripe.refundStatus = 'pending';
    try {
      expect((await webhook(event)).statusCode).toBe(200);
    } finally {
      stripe.refundStatus = 'succeeded';
    }
    const p = await pages(checkoutId);
    expect(p.en).toContain(`$5.00 of this payment ${OWED} ${GIVING}`);
    const made = await checkoutRow(checkoutId);
    expect(made).toMatchObject({ excess_cents: 500, excess_refund_status: 'pending', excess_back_at: null });
    const refundId = String(made.excess_refund_id);
    expect(p.es).toContain(`$5.00 de este pago era para cuotas ya pagadas en la oficina de la escuela. ${DEVOLVIENDO}`);
    expect(p.tool).toContain(GIVING);
    expect(p.herramienta).toContain(DEVOLVIENDO);
    for (const page of [p.en, p.es]) for (const word of ['It was given back', 'Se le devolvió', OFFICE]) expect(page).not.toContain(word);
    const en = await officePages(office);
    expect(en.student).toContain('Also paid $5.00 for fees the office had settled meanwhile: being given back to the card: $5.00 (Stripe reports the refund pending).');
    expect((await officePages(oficina)).student).toContain('devolviéndose a la tarjeta: $5.00 (Stripe informa el reembolso como pendiente)');
    expect(en.list).not.toContain('Tomas Diaz: $5.00');
    // The same refund needs the bank's action: still being given back.
    later(1);
    const pending = signedEvent('refund.updated', stripe.refundLater(refundId, 'requires_action'));
    expect((await webhook(pending)).statusCode).toBe(200);
    expect((await pages(checkoutId)).en).toContain(GIVING);
    // Thursday it succeeds: given back, that day.
    later(1);
    const succeeded = signedEvent('refund.updated', stripe.refundLater(refundId, 'succeeded'));
    expect((await webhook(succeeded)).json()).toEqual({ received: true, result: 'applied' });
    const done = await checkoutRow(checkoutId);
    expect(done.excess_refund_status).toBe('succeeded');
    expect(new Date(String(done.excess_back_at)).toISOString()).toBe('2027-02-11T18:00:00.000Z');
    const after = await pages(checkoutId);
    expect(after.en).toContain(`$5.00 of this payment ${OWED} It was given back on Thu, February 11, 2027, ${CARD} ${STATEMENT}`);
    expect(after.es).toContain('Se le devolvió el jue, 11 de febrero de 2027, a la tarjeta o cuenta con la que pagó.');
    expect(after.en).not.toContain('being given back');
    expect((await officePages(office)).student).toContain('Also paid $5.00 for fees the office had settled meanwhile: given back to the card: $5.00.');
    // Friday: the same "succeeded" delivered again, and the "requires_action" one delivered again late: nothing changes.
    later(1);
    const row = await checkoutRow(checkoutId);
    expect((await webhook(succeeded)).json()).toEqual({ received: true, result: 'replayed' });
    expect((await webhook(pending)).json()).toEqual({ received: true, result: 'replayed' });
    expect(await checkoutRow(checkoutId)).toEqual(row);
    expect((await webhook(signedEvent('refund.updated', { ...stripe.refunds.get(refundId)!, status: 'pending' }))).statusCode).toBe(200);
    expect(await stateOf(checkoutId)).toEqual((({ updated_at: _, ...rest }) => rest)(row));
    time.advance(start - time.now().getTime());
  });

  it('part given back in the dashboard, the rest pending, then canceled: "being given back too", then the office’s', async () => {
    const start = time.now().getTime();
    const { checkoutId, event } = await paidWithExcess(['Cancel fee', 'Cancel trip'], { 'Cancel fee': 1000, 'Cancel trip': 2000 }, 'pi_test_cancel');
    stripe.down = true;
    const part = stripe.dashboardRefund('pi_test_cancel', 1000);
    try {
      expect((await webhook(event)).statusCode).toBe(503);
      expect((await webhook(signedEvent('refund.created', part))).statusCode).toBe(503);
    } finally {
      stripe.down = false;
    }
    later(1);
    stripe.refundStatus = 'pending';
    try {
      expect((await webhook(event)).statusCode).toBe(200);
    } finally {
      stripe.refundStatus = 'succeeded';
    }
    const made = await checkoutRow(checkoutId);
    expect(made).toMatchObject({ excess_at_provider_cents: 1000 });
    const p = await pages(checkoutId);
    expect(p.en).toContain(`$30.00 of this payment ${OWED} $10.00 of it was given back on Tue, February 9, 2027, ${CARD} ${STATEMENT} The other $20.00 is being given back too; this page will say when it has been.`);
    expect(p.es).toContain('Los otros $20.00 también se le están devolviendo; esta página dirá cuándo se hayan devuelto.');
    // Canceled (refund.updated, status canceled): as a failure.
    later(1);
    expect((await webhook(signedEvent('refund.updated', stripe.refundLater(String(made.excess_refund_id), 'canceled')))).statusCode).toBe(200);
    expect(await checkoutRow(checkoutId)).toMatchObject({ excess_refused_cents: 2000, excess_refusal: 'canceled', excess_failed_refund_id: made.excess_refund_id });
    const after = await pages(checkoutId);
    expect(after.en).toContain('$10.00 of it was given back on Tue, February 9, 2027');
    expect(after.en).toContain('The other $20.00 could not be given back automatically, so the school office will give it back to you.');
    expect(after.en).not.toContain('being given back');
    expect((await officePages(office)).student).toContain('(Stripe’s reason: canceled)');
    time.advance(start - time.now().getTime());
  });

  it('an unknown refund of Homeroom’s and a refund nothing here knows are handled as before: nothing written', async () => {
    const events = await eventCount();
    const rows = await db.selectFrom('online_checkouts').selectAll().orderBy('id').execute();
    const ours = { id: 're_test_unknown01', object: 'refund', amount: 700, currency: 'usd', payment_intent: 'pi_test_card_fails', status: 'failed', failure_reason: 'unknown', metadata: { homeroom_checkout: '999999', homeroom_excess: '1' } };
    expect((await webhook(signedEvent('refund.failed', ours))).json()).toEqual({ received: true, result: 'ignored' });
    const foreign = { id: 're_test_unknown02', object: 'refund', amount: 700, currency: 'usd', payment_intent: 'pi_test_nobody', status: 'failed', failure_reason: 'unknown', metadata: {} };
    expect((await webhook(signedEvent('refund.failed', foreign))).json()).toEqual({ received: true, result: 'ignored' });
    expect(await eventCount()).toBe(events);
    expect(await db.selectFrom('online_checkouts').selectAll().orderBy('id').execute()).toEqual(rows);
    expect(await auditCount('fee.excess_refund_failed')).toBe(3);
    // A bad refund object (no id) is refused as unreadable, as before.
    expect((await webhook(signedEvent('refund.failed', { object: 'refund', amount: 700, status: 'failed' }))).statusCode).toBe(400);
  });
});
