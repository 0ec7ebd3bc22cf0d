/**
 * Fees and online payments for the payment tests: a fee assessed as the office's assessment writes it,
 * cash taken for it, a Stripe event posted to the app as Stripe posts it, and a checkout that pays for fees
 * the office settled while the family was at Stripe's page (the excess of ADR 0063/0067).
 */
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { expect } from 'vitest';
import type { DB } from '../../src/db/schema.js';
import { recordPayment } from '../../src/domain/fees/service.js';
import type { Family } from './factories.js';
import { formKey, signedInClient } from './http.js';
import { paidSession, signedEvent, type FakeStripe } from './stripe.js';

/** A fee of this student's school year 2027, due 2027-02-20, assessed at `stamp`; returns its id. `key` keeps each test file's fees apart. */
export async function assessFee(db: Kysely<DB>, fee: { studentId: number; schoolId: number; name: string; cents: number; key: string; stamp: string }): Promise<number> {
  const row = await db
    .insertInto('fees')
    .values({
      student_id: fee.studentId,
      school_id: fee.schoolId,
      school_year: 2027,
      description_en: fee.name,
      description_es: `${fee.name} (es)`,
      amount_cents: fee.cents,
      due_date: '2027-02-20',
      required: 1,
      assessment_key: `${fee.key}-${fee.name}`,
      created_by: null,
      created_at: fee.stamp,
      updated_at: fee.stamp,
      updated_by: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db.insertInto('fee_ledger').values({ fee_id: row.id, kind: 'assessed', amount_cents: fee.cents, reason: null, payment_id: null, idempotency_key: null, by_account: null, at: fee.stamp }).execute();
  return row.id;
}

/** Cash taken at the office for one fee, recorded as the office's form records it. */
export function cashFor(db: Kysely<DB>, feeId: number, cents: number, payer: string, key: string, now: Date) {
  return db.transaction().execute((trx) => recordPayment(trx, { lines: [{ feeId, cents }], method: 'cash', checkNumber: null, reference: null, payer, key, actorAccountId: null }, now));
}

/** A signed Stripe event posted to the app's webhook. */
export function postWebhook(app: FastifyInstance, event: { payload: string; headers: Record<string, string> }) {
  return app.inject({ method: 'POST', url: '/webhooks/stripe', payload: event.payload, headers: event.headers });
}

/**
 * The guardian starts a checkout of these fees; `meanwhile` then runs (the office takes cash for some);
 * Stripe receives the whole checkout. Returns the checkout and the payment's event, not yet posted.
 */
export async function checkoutPaidMeanwhile(
  app: FastifyInstance,
  stripe: FakeStripe,
  guardian: Family,
  password: string,
  feeIds: number[],
  meanwhile: () => Promise<unknown>,
  paymentIntent: string,
) {
  const c = await signedInClient(app, guardian.guardianAccount!.username, password);
  const res = await c.post('/payments/online', { key: formKey((await c.get('/payments/online')).body), fee: feeIds.map(String) });
  expect(res.statusCode, res.body.slice(0, 300)).toBe(303);
  const session = stripe.sessions.get(String(res.headers.location).split('/pay/')[1]!)!;
  await meanwhile();
  stripe.charge(paymentIntent, session.amount_total);
  return { checkoutId: Number(session.client_reference_id), event: signedEvent('checkout.session.completed', paidSession(session, paymentIntent)) };
}

/** A page's main text, tags removed and spaces squeezed. */
export function mainText(html: string): string {
  return (/<main[\s\S]*<\/main>/.exec(html)?.[0] ?? html).replace(/<[^>]+>/g, ' ').replace(/&#x27;|&#39;/g, "'").replace(/\s+/g, ' ');
}
