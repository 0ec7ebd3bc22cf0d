/**
 * Paying fees online (issue 24, ADR 0047). A guardian chooses open fees of any of their children whose
 * records they may read (the ReadableStudent proofs: an active link with portal rights) and is sent to
 * the provider's hosted checkout; the money is recorded only when the provider's signed webhook says it
 * arrived, through the fees' own `recordPayment`, in one transaction with the ledger rows, the event's id
 * and the checkout's new state. The browser coming back proves nothing and changes nothing.
 *
 * - Starting a checkout is idempotent by the form's key (a double click makes one checkout, and asking the
 *   provider again with the same key answers the same session), and a fee already in another checkout that
 *   has not ended is refused with a message (two tabs, or two parents at once, never start two payments
 *   of one fee).
 * - Events are applied once each (payment_events, unique by id), in any order: money received (the
 *   session completed and paid, a delayed payment succeeded, or the PaymentIntent succeeded — whichever
 *   comes first) records the payment once (its key is the checkout's), a failure or expiry only ends a
 *   checkout that has not been paid, and money received after a failure still counts.
 * - A fee settled meanwhile at the office: what is still owed is recorded, and the rest (the excess) is
 *   given back through the provider, once (its key is the checkout's).
 * - The office's refund of an online payment asks the provider, and is written to the ledger when the
 *   provider answers that it succeeded (at once for cards, else with the refund's webhook). A refund made
 *   in the provider's dashboard is learnt from its webhook and written to the ledger alike, for what it
 *   gave back (ADR 0056); the office may then refund the rest from here, and what such a refund gave
 *   back beyond the fees counts as the checkout's excess, which Homeroom then does not give back twice
 *   (ADR 0061).
 */
import { sql, type Kysely, type Selectable, type SelectQueryBuilder } from 'kysely';
import { isSqlite } from '../../db/connect.js';
import type { DB } from '../../db/schema.js';
import { audit } from '../audit/service.js';
import type { ReadableStudent } from '../access/portal.js';
import type { OfficeScope, StaffActor } from '../access/staff.js';
import { hasForbiddenCharacters } from '../forms.js';
import { lockedFees, officePayment, recordPayment, type Payment, type Problems } from '../fees/service.js';
import { ProviderRefused, ProviderUnavailable, type PaymentProvider, type ProviderEvent } from './provider.js';

/** How long a checkout stays open at the provider (Stripe asks for at least 30 minutes). */
export const CHECKOUT_MINUTES = 31;
/** The most fees one checkout pays. */
export const MAX_FEES = 50;
const KEY = /^[A-Za-z0-9_-]{16,64}$/;
const MAX_REASON = 500;

export interface PayableFee {
  id: number;
  description: { en: string; es: string };
  balanceCents: number;
  dueDate: string | null;
  required: boolean;
}

/** Each child's open fees, for the guardian's choice. */
export async function payableFees(db: Kysely<DB>, students: readonly ReadableStudent[]): Promise<{ student: ReadableStudent; fees: PayableFee[] }[]> {
  if (students.length === 0) return [];
  const ids = students.map((s) => s.id);
  const rows = await openFees(db, db.selectFrom('fees').select('id').where('student_id', 'in', ids)).where('f.student_id', 'in', ids).orderBy('f.due_date').orderBy('f.id').execute();
  return students.map((student) => ({
    student,
    fees: rows
      .filter((r) => r.student_id === student.id)
      .map((r) => ({ id: r.id, description: { en: r.description_en, es: r.description_es }, balanceCents: Number(r.balance), dueDate: r.due_date, required: r.required === 1 })),
  }));
}

/**
 * These fees (ids, or a query of them) that are still owed, with their balances. Their ledgers alone are
 * summed: a grouped pass over the whole ledger would read every fee's rows of the district.
 */
function openFees(db: Kysely<DB>, feeIds: number[] | SelectQueryBuilder<DB, 'fees', { id: number }>) {
  return db
    .selectFrom('fees as f')
    .innerJoin(db.selectFrom('fee_ledger').select('fee_id').select(sql<number>`sum(amount_cents)`.as('balance')).where('fee_id', 'in', feeIds).groupBy('fee_id').as('t'), 't.fee_id', 'f.id')
    .select(['f.id', 'f.student_id', 'f.description_en', 'f.description_es', 'f.due_date', 'f.required', 't.balance'])
    .where('t.balance', '>', 0);
}

export interface Payer {
  accountId: number;
  guardianId: number;
  locale: 'en' | 'es';
  /** the children whose fees this guardian may pay */
  students: readonly ReadableStudent[];
}

export type StartResult =
  | { kind: 'redirect'; url: string; checkoutId: number }
  | { kind: 'problems'; problems: Problems }
  /** a fee is in another checkout that has not ended: until when, and (the payer's own) where to go on */
  | { kind: 'busy'; until: string; continueUrl: string | null }
  /** a fee not of a child of this guardian's, or no fee at all: answered like one that does not exist */
  | { kind: 'notFound' }
  | { kind: 'unavailable'; checkoutId: number }
  /** the same form again, for a checkout that has ended */
  | { kind: 'ended'; checkoutId: number };

/** Thrown inside the transaction to roll it back with its answer. */
class Refused extends Error {
  constructor(readonly result: StartResult) {
    super('refused');
    this.name = 'Refused';
  }
}

function chosenIds(body: Record<string, unknown>): number[] | null {
  const raw = body.fee;
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const ids: number[] = [];
  for (const v of list) {
    if (typeof v !== 'string' || !/^\d{1,12}$/.test(v)) return null;
    ids.push(Number(v));
  }
  return [...new Set(ids)];
}

/**
 * Starts (or, for the same form sent again, continues) a checkout of the chosen fees: each for what is
 * owed on it now. The checkout row and its lines are written before the provider is asked, under the
 * form's key, so the provider's session is made with the same idempotency key whatever the retries.
 */
export async function startCheckout(
  db: Kysely<DB>,
  provider: PaymentProvider,
  payer: Payer,
  body: Record<string, unknown>,
  returnUrl: (checkoutId: number) => string,
  now: Date,
): Promise<StartResult> {
  const key = typeof body.key === 'string' ? body.key : '';
  if (!KEY.test(key)) return { kind: 'problems', problems: { form: 'fees.problem.staleForm' } };
  const ids = chosenIds(body);
  if (ids === null) return { kind: 'notFound' };
  if (ids.length === 0) return { kind: 'problems', problems: { fee: 'payments.problem.noneChosen' } };
  if (ids.length > MAX_FEES) return { kind: 'problems', problems: { fee: 'payments.problem.tooMany' } };
  const t = now.toISOString();
  const readable = new Set(payer.students.map((s) => s.id));

  // A refusal after the fees were locked rolls the lock's touch back: a refused request writes nothing.
  const refuse = (result: StartResult): never => {
    throw new Refused(result);
  };
  const started = await db
    .transaction()
    .execute(async (trx): Promise<StartResult | { kind: 'ask'; checkoutId: number; fresh?: true }> => {
      const again = await trx.selectFrom('online_checkouts').select(['id', 'guardian_id', 'status']).where('idempotency_key', '=', key).executeTakeFirst();
      if (again) return again.guardian_id !== payer.guardianId ? { kind: 'notFound' } : { kind: 'ask', checkoutId: again.id };
      // Take the fees' row locks (the write lock on SQLite): a second checkout of them waits, then sees this one.
      const touched = await trx.updateTable('fees').set({ updated_at: t }).where('id', 'in', ids).where('student_id', 'in', readable.size ? [...readable] : [-1]).executeTakeFirst();
      if (Number(touched.numUpdatedRows) !== ids.length) refuse({ kind: 'notFound' });
      // The same form sent twice at once (a double click): the second waited for the first, and continues it.
      const first = await trx.selectFrom('online_checkouts').select('id').where('idempotency_key', '=', key).where('guardian_id', '=', payer.guardianId).executeTakeFirst();
      if (first) return { kind: 'ask', checkoutId: first.id };
      const fees = await openFees(trx, ids).where('f.id', 'in', ids).orderBy('f.id').execute();
      if (fees.length !== ids.length) refuse({ kind: 'problems', problems: { fee: 'payments.problem.notOpen' } });
      const busy = await trx
        .selectFrom('online_checkout_lines as l')
        .innerJoin('online_checkouts as c', 'c.id', 'l.checkout_id')
        .select(['c.id', 'c.guardian_id', 'c.url', 'c.expires_at'])
        .where('l.fee_id', 'in', ids)
        .where('c.status', 'in', ['creating', 'pending'])
        .where('c.expires_at', '>', t)
        .orderBy('c.expires_at', 'desc')
        .executeTakeFirst();
      if (busy) refuse({ kind: 'busy', until: String(busy.expires_at), continueUrl: busy.guardian_id === payer.guardianId ? busy.url : null });
      const total = fees.reduce((s, f) => s + Number(f.balance), 0);
      const checkout = await trx
        .insertInto('online_checkouts')
        .values({ idempotency_key: key, provider: provider.name, account_id: payer.accountId, guardian_id: payer.guardianId, session_id: null, url: null, status: 'creating', total_cents: total, locale: payer.locale, expires_at: new Date(now.getTime() + CHECKOUT_MINUTES * 60_000).toISOString(), payment_id: null, reference: null, excess_refund_id: null, failure: null, created_at: t, updated_at: t })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('online_checkout_lines')
        .values(fees.map((f) => ({ checkout_id: checkout.id, fee_id: f.id, cents: Number(f.balance) })))
        .execute();
      return { kind: 'ask', checkoutId: checkout.id, fresh: true };
    })
    .catch((error: unknown) => {
      if (error instanceof Refused) return error.result;
      throw error;
    });
  if (started.kind !== 'ask') return started;
  return askProvider(db, provider, started.checkoutId, returnUrl(started.checkoutId), now, started.fresh === true);
}

/** Asks the provider for the checkout's session (again, under the same key, if it was asked before) and keeps its address. */
async function askProvider(db: Kysely<DB>, provider: PaymentProvider, checkoutId: number, returnUrl: string, now: Date, fresh: boolean): Promise<StartResult> {
  const checkout = await db.selectFrom('online_checkouts').selectAll().where('id', '=', checkoutId).executeTakeFirstOrThrow();
  if (checkout.status === 'paid' || checkout.status === 'failed') return { kind: 'ended', checkoutId };
  if (checkout.status === 'pending' && checkout.url) return { kind: 'redirect', url: checkout.url, checkoutId };
  const lines = await db
    .selectFrom('online_checkout_lines as l')
    .innerJoin('fees as f', 'f.id', 'l.fee_id')
    .innerJoin('students as s', 's.id', 'f.student_id')
    .select(['l.cents', 'f.description_en', 'f.description_es', 's.legal_first_name', 's.preferred_first_name'])
    .where('l.checkout_id', '=', checkoutId)
    .orderBy('l.id')
    .execute();
  const locale = checkout.locale === 'es' ? 'es' : 'en';
  try {
    const session = await provider.createCheckout({
      checkoutId,
      key: checkout.idempotency_key,
      lines: lines.map((l) => ({ description: `${l.preferred_first_name ?? l.legal_first_name}: ${locale === 'es' ? l.description_es : l.description_en}`, cents: l.cents })),
      locale,
      returnUrl,
      expiresAt: new Date(String(checkout.expires_at)),
    });
    await db.updateTable('online_checkouts').set({ session_id: session.sessionId, url: session.url, status: 'pending', updated_at: now.toISOString() }).where('id', '=', checkoutId).where('status', '=', 'creating').execute();
    return { kind: 'redirect', url: session.url, checkoutId };
  } catch (error) {
    if (!(error instanceof ProviderUnavailable)) throw error;
    // Nothing was made at the provider: the fees are free again at once. (A double click's second request
    // does not end the checkout the first one may still be making.)
    if (fresh)
      await db.updateTable('online_checkouts').set({ status: 'failed', failure: 'unavailable', updated_at: now.toISOString() }).where('id', '=', checkoutId).where('status', '=', 'creating').execute();
    return { kind: 'unavailable', checkoutId };
  }
}

export interface CheckoutView {
  id: number;
  status: 'processing' | 'paid' | 'failed';
  /** the provider's page, while the payer may still go on there */
  continueUrl: string | null;
  expiresAt: string;
  totalCents: number;
  excessCents: number;
  /** what became of the excess (a paid checkout that brought more than was owed), else null */
  excess: FamilyExcess | null;
  paymentId: number | null;
  lines: { studentId: number; student: string; description: { en: string; es: string }; cents: number }[];
}

/** A checkout as its guardian sees it (from the database only), or null for anyone else's. */
export async function checkoutOf(db: Kysely<DB>, guardianId: number, checkoutId: number, now: Date): Promise<CheckoutView | null> {
  const c = await db.selectFrom('online_checkouts').selectAll().where('id', '=', checkoutId).where('guardian_id', '=', guardianId).executeTakeFirst();
  if (!c) return null;
  const lines = await db
    .selectFrom('online_checkout_lines as l')
    .innerJoin('fees as f', 'f.id', 'l.fee_id')
    .innerJoin('students as s', 's.id', 'f.student_id')
    .select(['l.cents', 'f.student_id', 'f.description_en', 'f.description_es', 's.legal_first_name', 's.preferred_first_name', 's.legal_last_name'])
    .where('l.checkout_id', '=', checkoutId)
    .orderBy('l.id')
    .execute();
  const open = (c.status === 'pending' || c.status === 'creating') && new Date(String(c.expires_at)).getTime() > now.getTime();
  return {
    id: c.id,
    status: c.status === 'paid' ? 'paid' : c.status === 'failed' ? 'failed' : 'processing',
    continueUrl: open && c.status === 'pending' ? c.url : null,
    expiresAt: String(c.expires_at),
    totalCents: c.total_cents,
    excessCents: c.excess_cents,
    excess: c.status === 'paid' ? familyExcess(excessOf(c)) : null,
    paymentId: c.payment_id,
    lines: lines.map((l) => ({ studentId: l.student_id, student: `${l.preferred_first_name ?? l.legal_first_name} ${l.legal_last_name}`, description: { en: l.description_en, es: l.description_es }, cents: l.cents })),
  };
}

// ── the provider's events ────────────────────────────────────────────────────────────────────────────

/** `checkoutId`: the checkout whose excess waits to be given back (settleExcess), if any. */
export type EventResult =
  | { kind: 'applied'; checkoutId: number | null }
  | { kind: 'replayed'; checkoutId: number | null }
  /** about nothing of Homeroom's (another application's checkout on the same account): nothing written */
  | { kind: 'ignored' };

/**
 * Applies one verified provider event in one transaction: its id (once), and what it means — the
 * payment recorded with its ledger rows, the checkout ended, or an office refund written to the ledger.
 */
export async function applyEvent(db: Kysely<DB>, provider: string, event: ProviderEvent, now: Date): Promise<EventResult> {
  const t = now.toISOString();
  // SQLite runs one write transaction at a time; PostgreSQL takes the PaymentIntent's lock (referenceLock).
  const pg = !isSqlite(db);
  return db.transaction().execute(async (trx): Promise<EventResult> => {
    if (event.kind === 'refund') return refundEvent(trx, provider, event, now, pg);
    const { checkoutId, sessionId } = event;
    // Before the checkout's lock (the order every path takes them in): a dashboard refund's event of this
    // PaymentIntent arriving at the same moment is parked before this reads the parked ones, or after it.
    if (pg && event.kind === 'paid') await referenceLock(trx, provider, event.reference);
    // The checkout's row lock, taken with its lookup and returned with its row: two events of one checkout
    // at once are applied one after the other, and the second waits on the lock rather than on more round trips.
    const checkout = await trx
      .updateTable('online_checkouts')
      .set({ updated_at: t })
      .where('id', '=', (eb) =>
        eb
          .selectFrom('online_checkouts')
          .select('id')
          .where((w) => w.or([...(checkoutId !== null ? [w('id', '=', checkoutId)] : []), ...(sessionId !== null ? [w('session_id', '=', sessionId)] : []), w('id', '=', -1)]))
          .where('provider', '=', provider)
          .limit(1),
      )
      .returningAll()
      .executeTakeFirst();
    if (!checkout) return { kind: 'ignored' };
    if (!(await eventOnce(trx, provider, event, checkout.id, t))) return { kind: 'replayed', checkoutId: checkout.id };
    let state = checkout;
    if (event.kind === 'failed') {
      if (checkout.status === 'creating' || checkout.status === 'pending') await trx.updateTable('online_checkouts').set({ status: 'failed', failure: event.why }).where('id', '=', checkout.id).execute();
    } else if (event.kind === 'paid' && checkout.status !== 'paid') {
      state = await recordCheckoutPayment(trx, checkout, event.reference, now);
    }
    // The caller gives back an excess only when one waits (a second event of a paid checkout asks nothing more).
    return { kind: 'applied', checkoutId: excessToGiveBack(state) > 0 ? checkout.id : null };
  });
}

type RefundEvent = Extract<ProviderEvent, { kind: 'refund' }>;

/**
 * A refund's event. The office's refund (its row named by the refund's id or by the metadata Homeroom
 * put on it) is written to the ledger once it succeeded; a checkout's excess given back changes no fee;
 * a refund made in the provider's dashboard, of an online payment Homeroom recorded, is kept as a row of
 * its own (origin 'provider', keyed by the provider's refund id) and written to the ledger when it
 * succeeded, whatever the order its events come in. Anything else is not Homeroom's. Answers the
 * checkout whose excess is still to be given back, if any (the caller then gives back what is left).
 */
async function refundEvent(trx: Kysely<DB>, provider: string, event: RefundEvent, now: Date, pg: boolean): Promise<EventResult> {
  const t = now.toISOString();
  const { refundId, refundRowId } = event;
  const refund = await trx
    .selectFrom('online_refunds')
    .select(['id', 'payment_id'])
    .where((eb) => eb.or([eb('provider_refund_id', '=', refundId), ...(refundRowId !== null ? [eb('id', '=', refundRowId)] : [])]))
    .executeTakeFirst();
  if (refund) {
    // Delivered again (its first delivery may have been answered 503 while the excess could not be given back): the excess is tried again.
    if (!(await eventOnce(trx, provider, event, null, t))) return { kind: 'replayed', checkoutId: await excessStillOwed(trx, { paymentId: refund.payment_id }) };
    return { kind: 'applied', checkoutId: await refundState(trx, refund.id, event, now) };
  }
  // Homeroom's own refund of a checkout's excess (or one of them that failed before): its state is kept.
  const excess = await trx
    .selectFrom('online_checkouts')
    .select('id')
    .where((eb) => eb.or([eb('excess_refund_id', '=', refundId), eb('excess_failed_refund_id', '=', refundId)]))
    .executeTakeFirst();
  if (excess) {
    if (!(await eventOnce(trx, provider, event, excess.id, t))) return { kind: 'replayed', checkoutId: null };
    await excessRefundState(trx, excess.id, event, now);
    return { kind: 'applied', checkoutId: null };
  }
  // Homeroom's own refund not yet known here (an excess whose id is not kept yet): nothing to record.
  if (event.ours || event.reference === null || event.amountCents <= 0) return { kind: 'ignored' };
  // A refund made in the provider's dashboard: of an online payment Homeroom recorded, of a checkout that
  // recorded no payment, of a payment whose event has not come yet, or not Homeroom's (ADR 0063).
  if (pg) await referenceLock(trx, provider, event.reference);
  const payment = await trx.selectFrom('fee_payments').select('id').where('method', '=', 'online').where('reference', '=', event.reference).orderBy('id').executeTakeFirst();
  if (!payment) return refundWithoutPayment(trx, provider, { ...event, reference: event.reference }, now);
  if (!(await eventOnce(trx, provider, event, null, t))) return { kind: 'replayed', checkoutId: await excessStillOwed(trx, { paymentId: payment.id }) };
  // Two events of one new refund at once: one row (either unique key), the second waits and finds it.
  await trx
    .insertInto('online_refunds')
    .values({ payment_id: payment.id, idempotency_key: `provider:${refundId}`, provider_refund_id: refundId, status: 'requested', cents: event.amountCents, reason: '', requested_by: null, requested_at: t, recorded_at: null, origin: 'provider' })
    .onConflict((oc) => oc.doNothing())
    .execute();
  const row = await trx.selectFrom('online_refunds').select('id').where('idempotency_key', '=', `provider:${refundId}`).executeTakeFirstOrThrow();
  return { kind: 'applied', checkoutId: await refundState(trx, row.id, event, now) };
}

/**
 * What an event says of Homeroom's own refund of a checkout's excess (ADR 0067, addendum), in the event's
 * transaction under the checkout's row lock:
 * - `succeeded` after `pending` (a bank debit's refund, say): given back, on this day;
 * - `failed` (refund.failed, or refund.updated failed or canceled), even after it succeeded (a closed card
 *   sends the money back days later): see excessRefundFailed.
 * A refund that failed stays failed (a later event of it changes nothing), and a `pending` delivered after
 * `succeeded` changes nothing.
 */
async function excessRefundState(trx: Kysely<DB>, checkoutId: number, event: RefundEvent, now: Date): Promise<void> {
  const t = now.toISOString();
  const c = await trx.updateTable('online_checkouts').set({ updated_at: t }).where('id', '=', checkoutId).returning(['excess_refund_id', 'excess_refund_status']).executeTakeFirstOrThrow();
  if (c.excess_refund_id !== event.refundId) return;
  if (event.status === 'failed') await excessRefundFailed(trx, checkoutId, event.refundId, event.failureReason ?? 'failed', c.excess_refund_status, now);
  else if (event.status === 'succeeded' && c.excess_refund_status !== 'succeeded') {
    await trx.updateTable('online_checkouts').set({ excess_refund_status: 'succeeded', excess_back_at: t }).where('id', '=', checkoutId).execute();
  }
}

/**
 * Homeroom's refund of a checkout's excess failed (the caller holds the checkout's lock and found it still
 * the checkout's refund): the money is back in the district's Stripe balance, not with the family. The
 * refund's id moves to `excess_failed_refund_id`, and what it was for (all the excess a dashboard refund had
 * not given back) is kept as not given back, as a refusal is (ADR 0063): final (Homeroom does not ask
 * again: a closed card would send it back again), shown to the office as its to do and to the family as
 * the school office's to give back; a dashboard refund of the payment then counts as that excess first.
 * The day the family is told goes back to the dashboard refund's, if one gave back part of it.
 */
async function excessRefundFailed(trx: Kysely<DB>, checkoutId: number, refundId: string, reason: string, was: 'pending' | 'succeeded' | null, now: Date): Promise<void> {
  const t = now.toISOString();
  const c = await trx.selectFrom('online_checkouts').select(['excess_cents', 'excess_at_provider_cents', 'excess_at_provider_at']).where('id', '=', checkoutId).executeTakeFirstOrThrow();
  const cents = c.excess_cents - c.excess_at_provider_cents;
  await trx
    .updateTable('online_checkouts')
    .set({ excess_refund_id: null, excess_refund_status: null, excess_failed_refund_id: refundId, excess_refused_cents: cents, excess_refusal: reason, excess_refused_at: t, excess_back_at: c.excess_at_provider_at })
    .where('id', '=', checkoutId)
    .execute();
  await audit(trx, { action: 'fee.excess_refund_failed', actorAccountId: null, subjectType: 'online_checkout', subjectId: checkoutId, ip: null, details: { cents, reason, online: refundId, was } }, now);
}

/** Where every PaymentIntent's lock lives on PostgreSQL (pg_advisory_xact_lock's first key; ADR 0063). */
const REFERENCE_LOCKS = 240_063;

/**
 * PostgreSQL: the transaction's lock on one PaymentIntent, held to its end. A payment's event and a
 * dashboard refund's event of that PaymentIntent take it before anything else they lock, so a refund
 * parked because its payment was not known yet is always seen by the payment's event, whichever commits
 * first. (SQLite needs none: one write transaction at a time.)
 */
async function referenceLock(trx: Kysely<DB>, provider: string, reference: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(${REFERENCE_LOCKS}, hashtext(${`${provider}:${reference}`}))`.execute(trx);
}

/**
 * A refund made in the provider's dashboard of a PaymentIntent with no payment of Homeroom's (ADR 0063).
 * - Of a checkout that recorded no payment (every fee of it was settled at the office meanwhile, so all of
 *   it was the excess): kept as a `checkout_refunds` row of that checkout (its events applied once by id),
 *   and, once it succeeded, counted once as the excess given back; Homeroom then gives back only the rest.
 * - Of a PaymentIntent no checkout has yet (the refund's event came before the payment's): parked under
 *   the PaymentIntent, and taken up by the payment's event (adoptParkedRefunds). It may be another
 *   application's: no event id is kept for it, answered `ignored`, removed after 90 days.
 */
async function refundWithoutPayment(trx: Kysely<DB>, provider: string, event: RefundEvent & { reference: string }, now: Date): Promise<EventResult> {
  const t = now.toISOString();
  const checkout = await trx
    .selectFrom('online_checkouts')
    .select('id')
    .where('reference', '=', event.reference)
    .where('provider', '=', provider)
    .where('status', '=', 'paid')
    .where('payment_id', 'is', null)
    .executeTakeFirst();
  if (checkout && !(await eventOnce(trx, provider, event, checkout.id, t))) return { kind: 'replayed', checkoutId: await excessStillOwed(trx, { checkoutId: checkout.id }) };
  // Two events of one new refund at once: one row, the second waits on its lock and finds it.
  await trx
    .insertInto('checkout_refunds')
    .values({ provider, provider_refund_id: event.refundId, reference: event.reference, checkout_id: checkout?.id ?? null, status: event.status, cents: event.amountCents, received_at: t, recorded_at: null })
    .onConflict((oc) => oc.columns(['provider', 'provider_refund_id']).doNothing())
    .execute();
  // Its lock, and its state: succeeded stays succeeded (money given back stays given back).
  await trx
    .updateTable('checkout_refunds')
    .set((eb) => ({
      status: event.status === 'succeeded' ? 'succeeded' : sql<'pending' | 'succeeded' | 'failed'>`case when status = 'succeeded' then 'succeeded' else ${event.status === 'failed' ? 'failed' : sql`status`} end`,
      checkout_id: eb.fn.coalesce('checkout_id', eb.val(checkout?.id ?? null)),
    }))
    .where('provider', '=', provider)
    .where('provider_refund_id', '=', event.refundId)
    .execute();
  const row = await trx.selectFrom('checkout_refunds').selectAll().where('provider', '=', provider).where('provider_refund_id', '=', event.refundId).executeTakeFirstOrThrow();
  if (row.checkout_id === null) return { kind: 'ignored' };
  if (row.status === 'succeeded' && row.recorded_at === null) await countAsExcess(trx, row, row.checkout_id, now);
  return { kind: 'applied', checkoutId: await excessStillOwed(trx, { checkoutId: row.checkout_id }) };
}

/**
 * A succeeded dashboard refund of a checkout that recorded no payment, counted once (the caller holds the
 * refund row's lock and found it not yet recorded) as that much of the excess given back, up to what
 * Homeroom has not given back itself; the audit entry says how much.
 */
async function countAsExcess(trx: Kysely<DB>, refund: Selectable<DB['checkout_refunds']>, checkoutId: number, now: Date): Promise<void> {
  const t = now.toISOString();
  const checkout = await trx
    .updateTable('online_checkouts')
    .set({ updated_at: t })
    .where('id', '=', checkoutId)
    .returning(['excess_cents', 'excess_at_provider_cents', 'excess_refund_id'])
    .executeTakeFirstOrThrow();
  const counted = checkout.excess_refund_id !== null ? 0 : Math.max(0, Math.min(refund.cents, checkout.excess_cents - checkout.excess_at_provider_cents));
  if (counted > 0) await trx.updateTable('online_checkouts').set((eb) => ({ excess_at_provider_cents: eb('excess_at_provider_cents', '+', counted), excess_back_at: t, excess_at_provider_at: t })).where('id', '=', checkoutId).execute();
  await trx.updateTable('checkout_refunds').set({ counted_cents: counted, recorded_at: t }).where('id', '=', refund.id).execute();
  await audit(trx, { action: 'fee.refunded', actorAccountId: null, subjectType: 'online_checkout', subjectId: checkoutId, ip: null, details: { totalCents: 0, online: refund.provider_refund_id, atProvider: true, excessCents: counted } }, now);
}

/**
 * The payment's event of a checkout takes up the dashboard refunds of its PaymentIntent whose events came
 * first (parked by refundWithoutPayment; the caller holds the PaymentIntent's lock on PostgreSQL). With no
 * payment recorded, they are the checkout's and count as its excess given back; with a payment, each
 * becomes the payment's dashboard refund (an `online_refunds` row, as if its event came now), written to
 * the ledger if it succeeded.
 */
async function adoptParkedRefunds(trx: Kysely<DB>, checkout: { id: number; provider: string }, reference: string, paymentId: number | null, now: Date): Promise<boolean> {
  const parked = await trx.selectFrom('checkout_refunds').selectAll().where('reference', '=', reference).where('checkout_id', 'is', null).where('provider', '=', checkout.provider).orderBy('id').execute();
  if (parked.length === 0) return false;
  if (paymentId === null) {
    await trx.updateTable('checkout_refunds').set({ checkout_id: checkout.id }).where('id', 'in', parked.map((r) => r.id)).execute();
    for (const r of parked) if (r.status === 'succeeded') await countAsExcess(trx, { ...r, checkout_id: checkout.id }, checkout.id, now);
    return true;
  }
  for (const r of parked) {
    await trx
      .insertInto('online_refunds')
      .values({ payment_id: paymentId, idempotency_key: `provider:${r.provider_refund_id}`, provider_refund_id: r.provider_refund_id, status: r.status === 'failed' ? 'failed' : 'requested', cents: r.cents, reason: '', requested_by: null, requested_at: r.received_at, recorded_at: null, origin: 'provider' })
      .onConflict((oc) => oc.doNothing())
      .execute();
    const row = await trx.selectFrom('online_refunds').selectAll().where('idempotency_key', '=', `provider:${r.provider_refund_id}`).executeTakeFirstOrThrow();
    if (r.status === 'succeeded' && row.status !== 'succeeded') await recordRefund(trx, row, now);
    await trx.deleteFrom('checkout_refunds').where('id', '=', r.id).execute();
  }
  return true;
}

/**
 * Takes a refund row's lock (the write lock on SQLite), keeping the provider's id of it, and reads it:
 * two events of one refund, or an event and the office's request that asked for it, are applied one after
 * the other, and the second finds what the first did.
 */
async function lockedRefund(trx: Kysely<DB>, rowId: number, providerRefundId: string) {
  await trx
    .updateTable('online_refunds')
    .set((eb) => ({ provider_refund_id: eb.fn.coalesce('provider_refund_id', eb.val(providerRefundId)) }))
    .where('id', '=', rowId)
    .execute();
  return trx.selectFrom('online_refunds').selectAll().where('id', '=', rowId).executeTakeFirstOrThrow();
}

/**
 * What an event says of a refund (the office's or one made at the provider): succeeded (written to the
 * ledger, once) or failed. Answers the payment's checkout when part of its excess is still to be given back.
 */
async function refundState(trx: Kysely<DB>, rowId: number, event: RefundEvent, now: Date): Promise<number | null> {
  const row = await lockedRefund(trx, rowId, event.refundId);
  // Money given back stays given back: a late "pending" or "failed" does not undo a recorded refund.
  if (row.status === 'succeeded') return null;
  if (event.status === 'succeeded') {
    await recordRefund(trx, row, now);
    return excessStillOwed(trx, { paymentId: row.payment_id });
  }
  if (event.status === 'failed') await trx.updateTable('online_refunds').set({ status: 'failed' }).where('id', '=', row.id).execute();
  return null;
}

/**
 * A refund the provider confirmed, written to the ledger once (the caller holds the row's lock and found it
 * not yet succeeded). It reopens the payment's fees in the order they were paid, each for at most what it
 * still keeps of this payment (paid less refunded before): the whole payment for the office's refund of
 * an untouched payment; the rest after a part refunded in the dashboard; for a dashboard refund, part of a
 * payment (which fee it was for cannot be known, ADR 0056). What is left beyond every fee (a dashboard
 * refund made before Homeroom gave a checkout's excess back) counts as that excess given back, so Homeroom
 * does not give it back twice; when the provider had refused Homeroom's own excess refund, a dashboard
 * refund gives back that excess before any fee (ADR 0061). The audit entry says how much of each.
 */
async function recordRefund(trx: Kysely<DB>, refund: Selectable<DB['online_refunds']>, now: Date): Promise<void> {
  const t = now.toISOString();
  const paid = await trx.selectFrom('fee_ledger').select('fee_id').where('payment_id', '=', refund.payment_id).where('kind', '=', 'paid').orderBy('id').execute();
  const feeIds = [...new Set(paid.map((l) => l.fee_id))];
  if (feeIds.length > 0) await trx.updateTable('fees').set({ updated_at: t }).where('id', 'in', feeIds).execute();
  // Read under the fees' locks: what each fee still keeps of this payment.
  const kept = new Map(
    (
      await trx
        .selectFrom('fee_ledger')
        .select('fee_id')
        .select(sql<number>`sum(-amount_cents)`.as('kept'))
        .where('payment_id', '=', refund.payment_id)
        .where('kind', 'in', ['paid', 'refunded'])
        .groupBy('fee_id')
        .execute()
    ).map((r) => [r.fee_id, Number(r.kept)]),
  );
  const atProvider = refund.origin === 'provider';
  // Homeroom's own excess refund was refused (a definite answer: that request gave nothing back): the
  // excess is then the office's to give back, and a dashboard refund gives it back before any fee.
  const excessFirst = atProvider ? await excessGivenBackAtProvider(trx, refund.payment_id, refund.cents, t, 'refused') : 0;
  let rest = refund.cents - excessFirst;
  const rows: { fee_id: number; kind: 'refunded'; amount_cents: number; reason: string | null; payment_id: number; idempotency_key: string | null; by_account: number | null; at: string }[] = [];
  for (const feeId of feeIds) {
    const take = Math.min(rest, Math.max(0, kept.get(feeId) ?? 0));
    if (take <= 0) continue;
    rows.push({
      fee_id: feeId,
      kind: 'refunded',
      amount_cents: take,
      reason: atProvider ? null : refund.reason,
      payment_id: refund.payment_id,
      idempotency_key: rows.length === 0 ? `${atProvider ? 'provider-refund' : 'online-refund'}-${refund.id}` : null,
      by_account: refund.requested_by,
      at: t,
    });
    rest -= take;
  }
  if (rows.length > 0) await trx.insertInto('fee_ledger').values(rows).execute();
  const onFees = refund.cents - excessFirst - rest;
  const excessCents = excessFirst + (rest > 0 ? await excessGivenBackAtProvider(trx, refund.payment_id, rest, t, 'any') : 0);
  const notOnFees = refund.cents - onFees;
  await audit(
    trx,
    {
      action: 'fee.refunded',
      actorAccountId: refund.requested_by,
      subjectType: 'fee_payment',
      subjectId: refund.payment_id,
      ip: null,
      details: { totalCents: onFees, online: refund.provider_refund_id, ...(atProvider ? { atProvider: true } : {}), ...(notOnFees > 0 ? { notOnFeesCents: notOnFees } : {}), ...(excessCents > 0 ? { excessCents } : {}) },
    },
    now,
  );
  await trx.updateTable('online_refunds').set({ status: 'succeeded', recorded_at: t }).where('id', '=', refund.id).execute();
}

/**
 * Part of a refund that counts as (some of) the checkout's excess given back, if Homeroom had not given it
 * back: what reached beyond every fee of the payment (`any`), or, before the fees, what Homeroom's own
 * excess refund was refused for (`refused`). Kept on the checkout; answers how much it counted.
 */
async function excessGivenBackAtProvider(trx: Kysely<DB>, paymentId: number, cents: number, t: string, which: 'any' | 'refused'): Promise<number> {
  const checkout = await trx
    .selectFrom('online_checkouts')
    .select(['id', 'excess_cents', 'excess_at_provider_cents', 'excess_refund_id', 'excess_refused_cents'])
    .where('payment_id', '=', paymentId)
    .where('status', '=', 'paid')
    .executeTakeFirst();
  if (!checkout || checkout.excess_refund_id !== null) return 0;
  const left = checkout.excess_cents - checkout.excess_at_provider_cents;
  if (which === 'refused' && checkout.excess_refused_cents !== left) return 0;
  const counted = Math.min(cents, left);
  if (counted <= 0) return 0;
  await trx
    .updateTable('online_checkouts')
    .set((eb) => ({ excess_at_provider_cents: eb('excess_at_provider_cents', '+', counted), excess_back_at: t, excess_at_provider_at: t, updated_at: t }))
    .where('id', '=', checkout.id)
    .execute();
  return counted;
}

/** The checkout (by its id, or by its payment's), when part of its excess is still to be given back by Homeroom. */
async function excessStillOwed(trx: Kysely<DB>, of: { paymentId: number } | { checkoutId: number }): Promise<number | null> {
  const checkout = await trx
    .selectFrom('online_checkouts')
    .select('id')
    .where('paymentId' in of ? 'payment_id' : 'id', '=', 'paymentId' in of ? of.paymentId : of.checkoutId)
    .where('status', '=', 'paid')
    .where('excess_refund_id', 'is', null)
    .where(sql<boolean>`excess_cents > excess_at_provider_cents`)
    .executeTakeFirst();
  return checkout?.id ?? null;
}

async function eventOnce(trx: Kysely<DB>, provider: string, event: ProviderEvent, checkoutId: number | null, t: string): Promise<boolean> {
  const done = await trx
    .insertInto('payment_events')
    .values({ provider, event_id: event.id, type: event.type, checkout_id: checkoutId, received_at: t })
    .onConflict((oc) => oc.columns(['provider', 'event_id']).doNothing())
    .executeTakeFirst();
  return Number(done.numInsertedOrUpdatedRows ?? 0) === 1;
}

/**
 * The money of a checkout arrived: each fee is paid what is still owed on it, at most what was chosen
 * (the fees locked); what the office settled meanwhile becomes the excess, given back through the
 * provider after the commit (settleExcess).
 */
async function recordCheckoutPayment(trx: Kysely<DB>, checkout: { id: number; provider: string; guardian_id: number; account_id: number | null; total_cents: number }, reference: string, now: Date): Promise<Selectable<DB['online_checkouts']>> {
  const t = now.toISOString();
  const lines = await trx.selectFrom('online_checkout_lines').select(['fee_id', 'cents']).where('checkout_id', '=', checkout.id).orderBy('id').execute();
  // Locked and read once: recordPayment is given them rather than locking them again.
  const fees = await lockedFees(trx, lines.map((l) => l.fee_id), t, null);
  const applied = lines.map((l) => ({ feeId: l.fee_id, cents: Math.max(0, Math.min(l.cents, fees.get(l.fee_id)?.balanceCents ?? 0)) })).filter((l) => l.cents > 0);
  const appliedCents = applied.reduce((s, l) => s + l.cents, 0);
  let paymentId: number | null = null;
  if (applied.length > 0) {
    const guardian = await trx.selectFrom('guardians').select(['first_name', 'last_name']).where('id', '=', checkout.guardian_id).executeTakeFirst();
    const result = await recordPayment(trx, { lines: applied, method: 'online', checkNumber: null, reference, payer: guardian ? `${guardian.first_name} ${guardian.last_name}` : null, key: `online-${checkout.id}`, actorAccountId: null }, now, fees);
    if (result.kind !== 'recorded' && result.kind !== 'duplicate') throw new Error(`checkout ${checkout.id}: the payment could not be recorded (${result.kind})`);
    paymentId = result.paymentId;
  }
  const excess = checkout.total_cents - appliedCents;
  const paid = await trx.updateTable('online_checkouts').set({ status: 'paid', payment_id: paymentId, reference, excess_cents: excess, failure: null }).where('id', '=', checkout.id).returningAll().executeTakeFirstOrThrow();
  await audit(trx, { action: 'fee.paid_online', actorAccountId: checkout.account_id, subjectType: 'online_checkout', subjectId: checkout.id, ip: null, details: { payment: paymentId, paidCents: appliedCents, excessCents: excess, reference } }, now);
  // Dashboard refunds of its PaymentIntent whose events came first change what of the excess is left.
  if (await adoptParkedRefunds(trx, checkout, reference, paymentId, now)) return trx.selectFrom('online_checkouts').selectAll().where('id', '=', checkout.id).executeTakeFirstOrThrow();
  return paid;
}

/**
 * What of a paid checkout's excess Homeroom is still to give back through the provider (0: nothing):
 * none given back yet, less what dashboard refunds gave back, and not an amount the provider refused.
 */
function excessToGiveBack(c: Pick<Selectable<DB['online_checkouts']>, 'status' | 'excess_cents' | 'excess_at_provider_cents' | 'excess_refused_cents' | 'excess_refund_id' | 'reference'>): number {
  if (c.status !== 'paid' || c.excess_refund_id !== null || c.reference === null) return 0;
  const cents = c.excess_cents - c.excess_at_provider_cents;
  return cents <= 0 || c.excess_refused_cents === cents ? 0 : cents;
}

/**
 * Gives back, through the provider, what a paid checkout brought beyond what was still owed (a fee the
 * office settled meanwhile), less what a refund in the provider's dashboard already gave back of it
 * (ADR 0061). Once: the provider's idempotency key is the checkout's (and the amount's, when a dashboard
 * refund left less to give back), and the refund's id is kept. Throws ProviderUnavailable when the
 * provider cannot be reached (the webhook then answers an error, the provider sends the event again, and
 * this runs again). When the provider refuses (the payment was refunded in its dashboard meanwhile, all of
 * it or more than leaves room for the excess), the refusal is kept for the office to see and not asked
 * again for the same amount: asking again would be refused again.
 */
export async function settleExcess(db: Kysely<DB>, provider: PaymentProvider, checkoutId: number, now: Date): Promise<void> {
  const c = await db
    .selectFrom('online_checkouts')
    .select(['id', 'status', 'excess_cents', 'excess_at_provider_cents', 'excess_refused_cents', 'excess_refund_id', 'reference', 'idempotency_key'])
    .where('id', '=', checkoutId)
    .executeTakeFirst();
  const cents = c ? excessToGiveBack(c) : 0;
  if (!c || cents === 0 || c.reference === null) return;
  const key = cents === c.excess_cents ? `excess-${c.idempotency_key}` : `excess-${c.idempotency_key}-${cents}`;
  const t = now.toISOString();
  let refund: { refundId: string; status: 'succeeded' | 'pending' | 'failed' };
  try {
    refund = await provider.refund({ reference: c.reference, cents, key, metadata: { homeroom_checkout: String(c.id), homeroom_excess: '1' } });
  } catch (error) {
    if (!(error instanceof ProviderRefused)) throw error;
    const reason = (error.code ?? error.message).slice(0, 200);
    await db.transaction().execute(async (trx) => {
      // A refusal now (not an earlier refund's failure) is what the office is shown.
      await trx.updateTable('online_checkouts').set({ excess_refused_cents: cents, excess_refusal: reason, excess_refused_at: t, excess_failed_refund_id: null, updated_at: t }).where('id', '=', c.id).where('excess_refund_id', 'is', null).execute();
      await audit(trx, { action: 'fee.excess_refused', actorAccountId: null, subjectType: 'online_checkout', subjectId: c.id, ip: null, details: { cents, reason } }, now);
    });
    return;
  }
  // Kept with Stripe's answer: given back (a card), being given back (pending: a bank debit, say), or failed
  // at once. Its later events change it (excessRefundState).
  const made = refund;
  await db.transaction().execute(async (trx) => {
    const kept = await trx
      .updateTable('online_checkouts')
      .set({ excess_refund_id: made.refundId, excess_refund_status: made.status === 'pending' ? 'pending' : 'succeeded', ...(made.status === 'succeeded' ? { excess_back_at: t } : {}), updated_at: t })
      .where('id', '=', c.id)
      // Its failure already recorded (a late second answer of the same request): failed stays failed.
      .where((eb) => eb.or([eb('excess_failed_refund_id', 'is', null), eb('excess_failed_refund_id', '!=', made.refundId)]))
      .executeTakeFirst();
    if (made.status === 'failed' && Number(kept.numUpdatedRows) === 1) await excessRefundFailed(trx, c.id, made.refundId, 'failed', null, now);
  });
}

/** What became of an online payment's excess (its checkout's), as the office sees it. */
export interface ExcessView {
  /** what the checkout brought beyond what was still owed */
  cents: number;
  /** given back by Homeroom through the provider (the provider said it succeeded, or it was made before migration 0066) */
  backCents: number;
  /** being given back by Homeroom's refund, which the provider reports pending (a bank debit's refund, say) */
  givingBackCents: number;
  /** given back by refunds made in the provider's dashboard */
  atProviderCents: number;
  /** refused by the provider when Homeroom asked, its reason and when (final: Homeroom does not ask again, ADR 0063) */
  refusedCents: number;
  /** `failed`: not refused when asked, but Homeroom's refund failed afterwards (ADR 0067, addendum); the reason and the day are the failure's */
  refusedHow: 'refused' | 'failed';
  refusal: string | null;
  refusedAt: string | null;
  /** still to be given back (Homeroom asks again when the provider sends the payment's event again) */
  waitingCents: number;
  /** when (the last part of) it was given back, by Homeroom or in the dashboard; null if never, or before migration 0065 */
  backAt: string | null;
}

/** The excess of each of these online payments that had one (the caller has checked that it may see them). */
export async function paymentExcesses(db: Kysely<DB>, paymentIds: readonly number[]): Promise<Map<number, ExcessView>> {
  if (paymentIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('online_checkouts')
    .select(['payment_id', ...EXCESS_COLUMNS])
    .where('payment_id', 'in', [...paymentIds])
    .where('status', '=', 'paid')
    .where('excess_cents', '>', 0)
    .execute();
  return new Map(rows.map((r) => [r.payment_id!, excessOf(r)]));
}

const EXCESS_COLUMNS = ['excess_cents', 'excess_at_provider_cents', 'excess_refund_id', 'excess_refund_status', 'excess_failed_refund_id', 'excess_refused_cents', 'excess_refusal', 'excess_refused_at', 'excess_back_at'] as const;

function excessOf(r: Pick<Selectable<DB['online_checkouts']>, (typeof EXCESS_COLUMNS)[number]>): ExcessView {
  const left = Math.max(0, r.excess_cents - r.excess_at_provider_cents);
  // Homeroom's refund of what was left, while it has not failed (failed: its id moved, ADR 0067 addendum).
  const made = r.excess_refund_id !== null ? left : 0;
  const back = r.excess_refund_status === 'pending' ? 0 : made;
  const refused = made === 0 && left > 0 && r.excess_refused_cents === left ? left : 0;
  return {
    cents: r.excess_cents,
    backCents: back,
    givingBackCents: made - back,
    atProviderCents: r.excess_at_provider_cents,
    refusedCents: refused,
    refusedHow: refused > 0 && r.excess_failed_refund_id !== null ? 'failed' : 'refused',
    refusal: refused > 0 ? r.excess_refusal : null,
    refusedAt: refused > 0 && r.excess_refused_at !== null ? new Date(String(r.excess_refused_at)).toISOString() : null,
    waitingCents: left - made - refused,
    backAt: back + r.excess_at_provider_cents > 0 && r.excess_back_at !== null ? new Date(String(r.excess_back_at)).toISOString() : null,
  };
}

/**
 * What became of a paid checkout's excess, as its family is told (ADR 0067). The states that can happen:
 * - `waiting`: none of it given back yet, and Stripe has not refused it (Homeroom asks at once after the
 *   payment's event, and again each time Stripe sends that event again while it could not be reached);
 * - `givenBack`: all of it, by Homeroom's refund, by refunds made in Stripe's dashboard, or by both (a
 *   dashboard refund of part of it, then Homeroom's of the rest);
 * - `givingBack`: Homeroom's refund of all of it is made and Stripe reports it pending (a bank debit's refund);
 * - `office`: Stripe refused Homeroom's refund of all of it (final, ADR 0063), or that refund failed
 *   afterwards (ADR 0067, addendum): the school office gives it back;
 * - `partly`: a dashboard refund gave back part of it, and the rest is waiting, being given back, or the office's.
 * Refunds go back to the way the family paid (Stripe cannot send them anywhere else).
 */
export type FamilyExcess =
  | { state: 'waiting'; cents: number }
  | { state: 'givenBack'; cents: number; at: string | null }
  | { state: 'givingBack'; cents: number }
  | { state: 'office'; cents: number }
  | { state: 'partly'; cents: number; backCents: number; at: string | null; restCents: number; rest: 'waiting' | 'givingBack' | 'office' };

export function familyExcess(e: ExcessView): FamilyExcess | null {
  if (e.cents <= 0) return null;
  const given = e.backCents + e.atProviderCents;
  // Homeroom's refund is always of all that is left: the rest is in one of these states.
  const rest = e.refusedCents > 0 ? 'office' : e.givingBackCents > 0 ? 'givingBack' : 'waiting';
  if (given >= e.cents) return { state: 'givenBack', cents: e.cents, at: e.backAt };
  if (given === 0) return { state: rest, cents: e.cents };
  return { state: 'partly', cents: e.cents, backCents: given, at: e.backAt, restCents: e.cents - given, rest };
}

/** A guardian's online payment of a child's fees that brought more than was owed, for the child's Payments page. */
export interface FamilyCheckoutExcess {
  checkoutId: number;
  /** when the money arrived (the checkout was started; it is paid within Stripe's 31 minutes) */
  startedAt: string;
  totalCents: number;
  excess: FamilyExcess;
}

/**
 * This guardian's paid checkouts with a fee of this child that brought more than was still owed, newest
 * first (the caller holds the proof that the guardian may read the child; another guardian's checkouts
 * are not theirs to see).
 */
export async function familyCheckoutExcesses(db: Kysely<DB>, guardianId: number, student: ReadableStudent): Promise<FamilyCheckoutExcess[]> {
  const rows = await db
    .selectFrom('online_checkouts as c')
    .select(['c.id', 'c.created_at', 'c.total_cents', ...EXCESS_COLUMNS.map((k) => `c.${k}` as const)])
    .where('c.guardian_id', '=', guardianId)
    .where('c.status', '=', 'paid')
    .where('c.excess_cents', '>', 0)
    .where((eb) => eb.exists(eb.selectFrom('online_checkout_lines as l').innerJoin('fees as f', 'f.id', 'l.fee_id').select('l.id').whereRef('l.checkout_id', '=', 'c.id').where('f.student_id', '=', student.id)))
    .orderBy('c.id', 'desc')
    .execute();
  return rows.flatMap((r) => {
    const excess = familyExcess(excessOf(r));
    return excess ? [{ checkoutId: r.id, startedAt: new Date(String(r.created_at)).toISOString(), totalCents: r.total_cents, excess }] : [];
  });
}

/** An online checkout that recorded no payment (every fee of it was settled at the office meanwhile): all of it was the excess. */
export interface CheckoutExcess {
  checkoutId: number;
  /** the provider's reference of the money (a Stripe PaymentIntent) */
  reference: string | null;
  startedAt: string;
  payer: string;
  /** the fees it was for (of this student and of any sibling in the same checkout) */
  fees: { en: string; es: string }[];
  excess: ExcessView;
}

/**
 * The checkouts with a fee of this student that recorded no payment, newest first: the office's page shows
 * what became of their money (the caller has checked that it may see the student).
 */
export async function checkoutsWithoutPayment(db: Kysely<DB>, studentId: number): Promise<CheckoutExcess[]> {
  const rows = await db
    .selectFrom('online_checkouts as c')
    .innerJoin('guardians as g', 'g.id', 'c.guardian_id')
    .select(['c.id', 'c.reference', 'c.created_at', 'g.first_name', 'g.last_name', ...EXCESS_COLUMNS.map((k) => `c.${k}` as const)])
    .where('c.status', '=', 'paid')
    .where('c.payment_id', 'is', null)
    .where('c.excess_cents', '>', 0)
    .where((eb) => eb.exists(eb.selectFrom('online_checkout_lines as l').innerJoin('fees as f', 'f.id', 'l.fee_id').select('l.id').whereRef('l.checkout_id', '=', 'c.id').where('f.student_id', '=', studentId)))
    .orderBy('c.id', 'desc')
    .execute();
  if (rows.length === 0) return [];
  const lines = await db
    .selectFrom('online_checkout_lines as l')
    .innerJoin('fees as f', 'f.id', 'l.fee_id')
    .select(['l.checkout_id', 'f.description_en', 'f.description_es'])
    .where('l.checkout_id', 'in', rows.map((r) => r.id))
    .orderBy('l.id')
    .execute();
  return rows.map((r) => ({
    checkoutId: r.id,
    reference: r.reference,
    startedAt: new Date(String(r.created_at)).toISOString(),
    payer: `${r.first_name} ${r.last_name}`,
    fees: lines.filter((l) => l.checkout_id === r.id).map((l) => ({ en: l.description_en, es: l.description_es })),
    excess: excessOf(r),
  }));
}

/**
 * A checkout whose excess Stripe refused to give back (ADR 0063), or whose refund of it failed afterwards
 * (ADR 0067, addendum), still not given back: the office's to do.
 */
export interface RefusedExcess {
  checkoutId: number;
  studentId: number;
  student: string;
  cents: number;
  refusedAt: string | null;
  /** Homeroom's refund failed afterwards (not refused when asked) */
  failed: boolean;
}

/** The most refused excesses the office's fee list names. */
const REFUSED_LIMIT = 50;

/**
 * Every checkout of the office's schools whose excess Stripe refused (or whose refund of it failed) and that is not given back since,
 * oldest first, named by each student of the office's schools whose fee it was for (a checkout of two
 * children's fees names both).
 */
export async function refusedExcesses(db: Kysely<DB>, scope: OfficeScope): Promise<RefusedExcess[]> {
  let q = db
    .selectFrom('online_checkouts as c')
    .innerJoin('online_checkout_lines as l', 'l.checkout_id', 'c.id')
    .innerJoin('fees as f', 'f.id', 'l.fee_id')
    .innerJoin('students as s', 's.id', 'f.student_id')
    .select(['c.id', 'c.excess_refused_cents', 'c.excess_refused_at', 'c.excess_failed_refund_id', 's.id as student_id', 's.legal_first_name', 's.preferred_first_name', 's.legal_last_name'])
    .distinct()
    .where('c.status', '=', 'paid')
    .where('c.excess_refund_id', 'is', null)
    .where('c.excess_refused_cents', '>', 0)
    .where(sql<boolean>`c.excess_refused_cents = c.excess_cents - c.excess_at_provider_cents`);
  if (!scope.district) q = q.where('f.school_id', 'in', scope.schools.size ? [...scope.schools] : [-1]);
  const rows = await q.orderBy('c.id').orderBy('s.id').limit(REFUSED_LIMIT).execute();
  return rows.map((r) => ({
    checkoutId: r.id,
    studentId: r.student_id,
    student: `${r.preferred_first_name ?? r.legal_first_name} ${r.legal_last_name}`,
    cents: r.excess_refused_cents ?? 0,
    refusedAt: r.excess_refused_at === null ? null : new Date(String(r.excess_refused_at)).toISOString(),
    failed: r.excess_failed_refund_id !== null,
  }));
}

// ── the office's refunds of online payments ──────────────────────────────────────────────────────────

export type OnlineRefundResult =
  | { kind: 'refunded' }
  /** asked of the provider; written to the ledger when its webhook says it succeeded */
  | { kind: 'requested' }
  | { kind: 'problems'; problems: Problems }
  | { kind: 'duplicate' }
  | { kind: 'notFound' }
  | { kind: 'unavailable' };

/**
 * The office refunds an online payment through the provider, with a reason: the whole payment, or what
 * is left of it after a part was refunded in the provider's dashboard (ADR 0061). Once: the form's key
 * makes one request (a double click), and the payment's lock with the refunds already asked makes one
 * refund of what is left (two tabs); nothing left answers a message.
 */
export async function refundOnlinePayment(db: Kysely<DB>, provider: PaymentProvider | null, actor: StaffActor, paymentId: number, body: Record<string, unknown>, now: Date): Promise<OnlineRefundResult> {
  const payment: Payment | null = await officePayment(db, actor.scope, paymentId);
  if (!payment || payment.method !== 'online') return { kind: 'notFound' };
  const key = typeof body.key === 'string' ? body.key : '';
  const reason = typeof body.reason === 'string' ? body.reason.normalize('NFKC').trim() : '';
  const problems: Problems = {};
  if (!KEY.test(key)) problems.form = 'fees.problem.staleForm';
  if (reason === '') problems.reason = 'form.required';
  else if (reason.length > MAX_REASON) problems.reason = 'form.tooLong';
  else if (hasForbiddenCharacters(reason)) problems.reason = 'form.badCharacters';
  if (Object.keys(problems).length > 0) return { kind: 'problems', problems };
  if (!provider) return { kind: 'problems', problems: { reason: 'payments.problem.noProvider' } };
  if (!payment.reference) return { kind: 'problems', problems: { reason: 'payments.problem.noProvider' } };
  const reference = payment.reference;
  const t = now.toISOString();
  const asked = await db.transaction().execute(async (trx): Promise<OnlineRefundResult | { kind: 'ask'; id: number; cents: number }> => {
    if (await trx.selectFrom('online_refunds').select('id').where('idempotency_key', '=', key).executeTakeFirst()) return { kind: 'duplicate' };
    // The payment's lock (the write lock on SQLite): a second tab's refund waits, then sees this one.
    await trx
      .updateTable('fee_payments')
      .set((eb) => ({ total_cents: eb.ref('total_cents') }))
      .where('id', '=', paymentId)
      .execute();
    if (await trx.selectFrom('online_refunds').select('id').where('idempotency_key', '=', key).executeTakeFirst()) return { kind: 'duplicate' };
    const pending = await trx.selectFrom('online_refunds').select('id').where('payment_id', '=', paymentId).where('status', '=', 'requested').executeTakeFirst();
    if (pending) return { kind: 'problems', problems: { reason: 'payments.problem.refundRequested' } };
    const total = await trx.selectFrom('fee_payments').select('total_cents').where('id', '=', paymentId).executeTakeFirstOrThrow();
    const refunded = await trx
      .selectFrom('fee_ledger')
      .select(sql<number>`coalesce(sum(amount_cents), 0)`.as('cents'))
      .where('payment_id', '=', paymentId)
      .where('kind', '=', 'refunded')
      .executeTakeFirstOrThrow();
    const cents = total.total_cents - Number(refunded.cents);
    if (cents <= 0) return { kind: 'problems', problems: { form: 'payments.problem.nothingToRefund' } };
    const inserted = await trx
      .insertInto('online_refunds')
      .values({ payment_id: paymentId, idempotency_key: key, provider_refund_id: null, status: 'requested', cents, reason, requested_by: actor.actorAccountId, requested_at: t, recorded_at: null })
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .returning('id')
      .executeTakeFirst();
    return inserted ? { kind: 'ask', id: inserted.id, cents } : { kind: 'duplicate' };
  });
  if (asked.kind !== 'ask') return asked;
  let refund: { refundId: string; status: 'succeeded' | 'pending' | 'failed' };
  try {
    refund = await provider.refund({ reference, cents: asked.cents, key, metadata: { homeroom_refund: String(asked.id), homeroom_payment: String(paymentId) } });
  } catch (error) {
    if (!(error instanceof ProviderUnavailable) && !(error instanceof ProviderRefused)) throw error;
    await db.updateTable('online_refunds').set({ status: 'failed' }).where('id', '=', asked.id).where('status', '=', 'requested').execute();
    // Refused: most likely part of it was refunded in the dashboard meanwhile, its event not yet here.
    return error instanceof ProviderRefused ? { kind: 'problems', problems: { form: 'payments.problem.refundRefused' } } : { kind: 'unavailable' };
  }
  return db.transaction().execute(async (trx): Promise<OnlineRefundResult> => {
    // Its webhook may have come first: the row's state decides.
    const row = await lockedRefund(trx, asked.id, refund.refundId);
    if (row.status === 'succeeded') return { kind: 'refunded' };
    if (refund.status === 'succeeded') {
      await recordRefund(trx, row, now);
      return { kind: 'refunded' };
    }
    if (refund.status === 'failed') {
      await trx.updateTable('online_refunds').set({ status: 'failed' }).where('id', '=', row.id).execute();
      return { kind: 'problems', problems: { reason: 'payments.problem.refundFailed' } };
    }
    return { kind: 'requested' };
  });
}
