/**
 * What a family is told about the money an online payment brought beyond what was still owed (a fee the
 * office settled while they were at Stripe's page; issue 24 follow-up, ADR 0067): waiting to be given
 * back, given back (by Homeroom's refund or by one made in Stripe's dashboard: the amount, the day, to the
 * card or account they paid with), refused by Stripe and so the school office's to give back, and partly
 * given back — on the checkout's page and on the child's Payments page, in English and Spanish.
 *
 * Every state is reached through the webhook and refund paths the real code takes: the real `stripe`
 * client talks to the local server of tests/support/stripe.ts (which, like Stripe, never refunds more than
 * is left of a PaymentIntent), and events are signed with the library's own helper. One guardian (Rosa
 * Diaz) of one child (Tomas); each case has fees of its own. Every amount is written for the test; every
 * expected amount and day below is worked out by hand (the clock stands at 2027-02-09 18:00 UTC, noon in
 * the district's Chicago).
 */
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { assessFee, cashFor, checkoutPaidMeanwhile, mainText, postWebhook } from '../support/fees.js';
import { FIXTURE_PASSWORD, guardianWithChild, schoolYear, type Family, type World } from '../support/factories.js';
import { clock, signedInClient } from '../support/http.js';
import { signedEvent, startFakeStripe, type FakeStripe } from '../support/stripe.js';

const STAMP = '2027-02-01T15:00:00.000Z';
const OWED = 'was for fees already paid at the school office.';
const CARD = 'to the card or account you paid with.';
const STATEMENT = 'When it shows on your statement depends on your bank or card company.';
const OFFICE = 'It could not be given back automatically, so the school office will give it back to you.';

describeEachEngine('what a family is told about the excess of an online payment', (get) => {
  let app: FastifyInstance;
  let db: Kysely<DB>;
  let stripe: FakeStripe;
  let world: World;
  let rosa: Family;
  const fees: Record<string, number> = {};
  const time = clock('2027-02-09T18:00:00Z');

  const webhook = (event: { payload: string; headers: Record<string, string> }) => postWebhook(app, event);
  /** A page's main text, tags removed and spaces squeezed. */
  const text = mainText;
  const fee = async (name: string, cents: number) => {
    fees[name] = await assessFee(db, { studentId: rosa.student.id, schoolId: world.school.id, name, cents, key: 'excess', stamp: STAMP });
  };
  const cash = (name: string, cents: number) => cashFor(db, fees[name]!, cents, 'Rosa Diaz', `cash-${name}`, time.now());
  /** Rosa starts a checkout of these fees; the office then takes cash for some; Stripe receives the whole checkout. Answers the payment's event. */
  const paidWithExcess = (names: string[], cashed: Record<string, number>, paymentIntent: string) =>
    checkoutPaidMeanwhile(app, stripe, rosa, FIXTURE_PASSWORD, names.map((n) => fees[n]!), async () => {
      for (const [n, cents] of Object.entries(cashed)) await cash(n, cents);
    }, paymentIntent);
  /** The event Stripe sends about a refund made in its dashboard. */
  const dashboardEvent = (refund: Record<string, unknown>) => signedEvent('refund.created', refund);
  const pages = async (checkoutId: number) => {
    const c = await signedInClient(app, rosa.guardianAccount!.username, FIXTURE_PASSWORD);
    const en = await c.get(`/payments/online/${checkoutId}`);
    const tool = await c.get(`/students/${rosa.student.id}/payments`);
    c.cookies.set('hr_lang', 'es');
    const es = await c.get(`/payments/online/${checkoutId}`);
    const herramienta = await c.get(`/students/${rosa.student.id}/payments`);
    for (const page of [en, es, tool, herramienta]) expect(page.statusCode).toBe(200);
    // The Payments page's item of this checkout: from its heading to its link.
    const item = (html: string) => text(new RegExp(`<li[^>]*>(?:(?!</li>)[\\s\\S])*href="/payments/online/${checkoutId}"[\\s\\S]*?</li>`).exec(html)?.[0] ?? '');
    return { en: text(en.body), es: text(es.body), tool: item(tool.body), herramienta: item(herramienta.body) };
  };

  beforeAll(async () => {
    db = get().db;
    stripe = await startFakeStripe();
    world = await schoolYear(db);
    rosa = await guardianWithChild(db, world, { student: { first: 'Tomas', last: 'Diaz', grade: 8 }, guardian: { first: 'Rosa', last: 'Diaz' } });
    for (const [name, cents] of [
      ['Wait fee', 2000],
      ['Back kit', 1500],
      ['Back trip', 2500],
      ['Dash fee', 3000],
      ['Refused fee', 3000],
      ['Part fee', 1000],
      ['Part trip', 2000],
      ['Split fee', 3000],
    ] as const)
      await fee(name, cents);
    app = await makeApp(get(), { now: time.now, env: stripe.env() });
  });
  afterAll(async () => {
    await app?.close();
    await stripe?.close();
  });

  it('waiting: Stripe could not be reached when the money arrived, so none of it is given back yet', async () => {
    // $20.00 chosen; $5.00 of it paid in cash meanwhile: $15.00 recorded, $5.00 to give back.
    const { checkoutId, event } = await paidWithExcess(['Wait fee'], { 'Wait fee': 500 }, 'pi_test_wait');
    stripe.down = true;
    try {
      expect((await webhook(event)).statusCode).toBe(503);
    } finally {
      stripe.down = false;
    }
    const p = await pages(checkoutId);
    expect(p.en).toContain('Paid: $15.00. Thank you.');
    expect(p.en).toContain(`$5.00 of this payment ${OWED} It will be given back to the card or account you paid with; this page will say when.`);
    expect(p.en).not.toContain('given back on');
    expect(p.es).toContain('$5.00 de este pago era para cuotas ya pagadas en la oficina de la escuela. Se le devolverá a la tarjeta o cuenta con la que pagó; esta página dirá cuándo.');
    expect(p.tool).toContain('Online payment of');
    expect(p.tool).toContain(': $20.00');
    expect(p.tool).toContain('It will be given back to the card or account you paid with');
    expect(p.herramienta).toContain('Pago en línea del');
    expect(p.herramienta).toContain('Se le devolverá');
    // Stripe sends the event again: Homeroom's refund is made, and the page says so, with the day.
    expect((await webhook(event)).statusCode).toBe(200);
    const after = await pages(checkoutId);
    expect(after.en).toContain(`$5.00 of this payment ${OWED} It was given back on Tue, February 9, 2027, ${CARD} ${STATEMENT}`);
    expect(after.es).toContain('Se le devolvió el mar, 9 de febrero de 2027, a la tarjeta o cuenta con la que pagó.');
  });

  it('given back by Homeroom: the amount, the day (in the district’s time zone), the card or account, and nothing about waiting', async () => {
    // $40.00 chosen for two fees; the trip's $25.00 paid in cash meanwhile. The money arrives 7 hours later: 01:00 UTC on the 10th is still the 9th in Chicago.
    const { checkoutId, event } = await paidWithExcess(['Back kit', 'Back trip'], { 'Back trip': 2500 }, 'pi_test_back');
    time.advance(7 * 60 * 60_000);
    try {
      expect((await webhook(event)).statusCode).toBe(200);
    } finally {
      time.advance(-7 * 60 * 60_000);
    }
    const row = await db.selectFrom('online_checkouts').select(['excess_cents', 'excess_refund_id']).where('id', '=', checkoutId).executeTakeFirstOrThrow();
    expect(row.excess_cents).toBe(2500);
    expect(row.excess_refund_id).toMatch(/^re_test_/);
    const p = await pages(checkoutId);
    expect(p.en).toContain('Paid: $15.00. Thank you.');
    expect(p.en).toContain(`$25.00 of this payment ${OWED} It was given back on Tue, February 9, 2027, ${CARD} ${STATEMENT}`);
    expect(p.en).not.toContain('this page will say when');
    expect(p.en).not.toContain('school office will give it back');
    expect(p.es).toContain('$25.00 de este pago era para cuotas ya pagadas en la oficina de la escuela. Se le devolvió el mar, 9 de febrero de 2027, a la tarjeta o cuenta con la que pagó. Cuándo aparece en su estado de cuenta depende de su banco o de la compañía de su tarjeta.');
    expect(p.tool).toContain(`It was given back on Tue, February 9, 2027, ${CARD}`);
    expect(p.tool).toContain(': $40.00');
  });

  it("given back from Stripe's dashboard by the office before Homeroom could: told as given back, and Homeroom asks nothing", async () => {
    // $30.00 chosen, all of it paid in cash meanwhile (no payment recorded): Stripe is down when the money arrives.
    const { checkoutId, event } = await paidWithExcess(['Dash fee'], { 'Dash fee': 3000 }, 'pi_test_dash');
    stripe.down = true;
    try {
      expect((await webhook(event)).statusCode).toBe(503);
    } finally {
      stripe.down = false;
    }
    expect((await pages(checkoutId)).en).toContain(`$30.00 of this payment ${OWED} It will be given back`);
    const calls = stripe.calls.filter((c) => c.path === '/v1/refunds').length;
    time.advance(24 * 60 * 60_000);
    try {
      expect((await webhook(dashboardEvent(stripe.dashboardRefund('pi_test_dash', 3000)))).statusCode).toBe(200);
    } finally {
      time.advance(-24 * 60 * 60_000);
    }
    expect(stripe.calls.filter((c) => c.path === '/v1/refunds').length).toBe(calls);
    const p = await pages(checkoutId);
    expect(p.en).toContain(`We received your payment of $30.00, but every fee in it had already been paid at the school office. $30.00 of this payment ${OWED} It was given back on Wed, February 10, 2027, ${CARD} ${STATEMENT}`);
    expect(p.en).not.toContain('Paid: $0.00');
    expect(p.en).not.toContain('Receipts');
    expect(p.es).toContain('Recibimos su pago de $30.00, pero todas sus cuotas ya se habían pagado en la oficina de la escuela.');
    expect(p.es).toContain('Se le devolvió el mié, 10 de febrero de 2027, a la tarjeta o cuenta con la que pagó.');
    expect(p.tool).toContain('It was given back on Wed, February 10, 2027');
  });

  it("refused: Stripe refused Homeroom's refund, so the school office gives it back — told without Stripe's words or reason", async () => {
    // $30.00, all paid in cash meanwhile; the office already refunded it in the dashboard, whose event has not come yet.
    const { checkoutId, event } = await paidWithExcess(['Refused fee'], { 'Refused fee': 3000 }, 'pi_test_refused');
    const refund = stripe.dashboardRefund('pi_test_refused', 3000);
    expect((await webhook(event)).statusCode).toBe(200);
    expect(await db.selectFrom('online_checkouts').select(['excess_refused_cents', 'excess_refusal']).where('id', '=', checkoutId).executeTakeFirstOrThrow()).toMatchObject({ excess_refused_cents: 3000, excess_refusal: 'charge_already_refunded' });
    const p = await pages(checkoutId);
    expect(p.en).toContain(`$30.00 of this payment ${OWED} ${OFFICE} You do not need to do anything; if you have questions, contact the school office.`);
    expect(p.es).toContain('$30.00 de este pago era para cuotas ya pagadas en la oficina de la escuela. No se pudo devolver automáticamente, así que la oficina de la escuela se lo devolverá. Usted no tiene que hacer nada; si tiene preguntas, comuníquese con la oficina de la escuela.');
    for (const page of [p.en, p.es, p.tool, p.herramienta]) for (const word of ['Stripe', 'charge_already_refunded', 'refused', 'rechaz']) expect(page).not.toContain(word);
    expect(p.en).not.toContain('given back on');
    expect(p.tool).toContain(OFFICE);
    // The dashboard refund's event comes: given back.
    expect((await webhook(dashboardEvent(refund))).statusCode).toBe(200);
    const after = await pages(checkoutId);
    expect(after.en).toContain(`$30.00 of this payment ${OWED} It was given back on Tue, February 9, 2027, ${CARD}`);
    expect(after.en).not.toContain(OFFICE);
  });

  it('partly given back: a dashboard refund of part of it, the rest waiting while Stripe cannot be reached, then given back', async () => {
    // $30.00 for two fees, both paid in cash meanwhile; Stripe down when the money arrives; the office gives $10.00 back in the dashboard.
    const { checkoutId, event } = await paidWithExcess(['Part fee', 'Part trip'], { 'Part fee': 1000, 'Part trip': 2000 }, 'pi_test_part');
    stripe.down = true;
    const refund = stripe.dashboardRefund('pi_test_part', 1000);
    try {
      expect((await webhook(event)).statusCode).toBe(503);
      // Homeroom then asks for the other $20.00, and Stripe still cannot be reached.
      expect((await webhook(dashboardEvent(refund))).statusCode).toBe(503);
    } finally {
      stripe.down = false;
    }
    const p = await pages(checkoutId);
    expect(p.en).toContain(`$30.00 of this payment ${OWED} $10.00 of it was given back on Tue, February 9, 2027, ${CARD} ${STATEMENT} The other $20.00 will be given back too; this page will say when.`);
    expect(p.es).toContain('$30.00 de este pago era para cuotas ya pagadas en la oficina de la escuela. Se le devolvieron $10.00 el mar, 9 de febrero de 2027, a la tarjeta o cuenta con la que pagó.');
    expect(p.es).toContain('Los otros $20.00 también se le devolverán; esta página dirá cuándo.');
    expect(p.tool).toContain('The other $20.00 will be given back too');
    // Stripe sends the payment's event again: Homeroom gives back the other $20.00; all $30.00 is given back.
    expect((await webhook(event)).statusCode).toBe(200);
    const after = await pages(checkoutId);
    expect(after.en).toContain(`$30.00 of this payment ${OWED} It was given back on Tue, February 9, 2027, ${CARD}`);
    expect(after.en).not.toContain('The other');
  });

  it('partly given back, the rest refused: the office gives back the rest', async () => {
    // $30.00, all paid in cash meanwhile. In the dashboard the office refunds $10.00 and then $20.00; neither event has come when the money's does.
    const { checkoutId, event } = await paidWithExcess(['Split fee'], { 'Split fee': 3000 }, 'pi_test_split');
    const first = stripe.dashboardRefund('pi_test_split', 1000);
    stripe.dashboardRefund('pi_test_split', 2000);
    expect((await webhook(event)).statusCode).toBe(200);
    // The $10.00 refund's event: counted; Homeroom asks for the other $20.00, which Stripe refuses (all of it is refunded already).
    expect((await webhook(dashboardEvent(first))).statusCode).toBe(200);
    expect(await db.selectFrom('online_checkouts').select(['excess_at_provider_cents', 'excess_refused_cents']).where('id', '=', checkoutId).executeTakeFirstOrThrow()).toEqual({ excess_at_provider_cents: 1000, excess_refused_cents: 2000 });
    const p = await pages(checkoutId);
    expect(p.en).toContain(`$30.00 of this payment ${OWED} $10.00 of it was given back on Tue, February 9, 2027, ${CARD} ${STATEMENT} The other $20.00 could not be given back automatically, so the school office will give it back to you.`);
    expect(p.es).toContain('Los otros $20.00 no se pudieron devolver automáticamente, así que la oficina de la escuela se los devolverá.');
    expect(p.tool).toContain('The other $20.00 could not be given back automatically');
  });

  it("the student's own Payments page lists none of their guardian's checkouts", async () => {
    const kid = await signedInClient(app, rosa.studentAccount!.username, FIXTURE_PASSWORD);
    const page = await kid.get(`/students/${rosa.student.id}/payments`);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('Online payments that were more than was owed');
    expect(page.body).not.toContain('/payments/online/');
  });
});
