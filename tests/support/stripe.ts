/**
 * A local HTTP server that answers as Stripe's API does for the calls Homeroom makes (POST
 * /v1/checkout/sessions, POST /v1/refunds), so that the real `stripe` client runs against it with no
 * network. It checks what the client sends: the secret key as a Bearer token, a form-encoded body, an
 * Idempotency-Key on every POST (the same key with another body is refused, as Stripe does; the same key
 * and body answers the first response again), the Stripe-Version header. It also serves the "checkout
 * page" each session's url points to (for the browser tests), and signs webhook events with the
 * library's own test helper.
 *
 * A PaymentIntent a test declares paid (`charge`) is refunded as Stripe does: never more than is left of
 * it — a refund of one already refunded in full is refused with `charge_already_refunded`, one of more
 * than is left with Stripe's "greater than unrefunded amount" (400, invalid_request_error) — whether the
 * refund is asked through the API or made in the dashboard (`dashboardRefund`, which answers the refund
 * object its events carry: no metadata). Every refund it made is kept by id (`refunds`), and `refundLater`
 * moves one on as Stripe does afterwards (a pending refund succeeds; a refund fails or is canceled, and
 * what it gave back is refundable again), answering the refund object its event carries.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

export const TEST_SECRET_KEY = 'sk_test_homeroomLocal0000';
export const TEST_WEBHOOK_SECRET = 'whsec_homeroomLocalSigning0000';

export interface StripeCall {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** the form body, decoded: `line_items[0][price_data][unit_amount]` → '1500' */
  form: Record<string, string>;
  raw: string;
}

export interface FakeSession {
  id: string;
  object: 'checkout.session';
  url: string;
  status: 'open' | 'complete' | 'expired';
  payment_status: 'unpaid' | 'paid';
  amount_total: number;
  currency: string;
  client_reference_id: string | null;
  metadata: Record<string, string>;
  payment_intent: string | null;
  mode: string;
  expires_at: number;
}

export interface FakeStripe {
  /** for STRIPE_API_URL */
  url: string;
  calls: StripeCall[];
  sessions: Map<string, FakeSession>;
  /** the status the next refunds answer with (default succeeded) */
  refundStatus: 'succeeded' | 'pending' | 'failed';
  /** answer every API call 500 (Stripe unreachable or failing) */
  down: boolean;
  /** PaymentIntents declared paid: what was received and what is refunded of it */
  charges: Map<string, { amount: number; refunded: number }>;
  /** Declares a PaymentIntent paid, for `amount` cents. */
  charge(paymentIntent: string, amount: number): void;
  /** A refund made in Stripe's dashboard (no metadata); throws as the dashboard refuses one of more than is left. */
  dashboardRefund(paymentIntent: string, amount: number): Record<string, unknown>;
  /** every refund made (through the API or the dashboard), as Stripe last described it */
  refunds: Map<string, Record<string, unknown>>;
  /**
   * What Stripe does to a refund later: `requires_action` or `succeeded`, or `failed` (with Stripe's
   * failure_reason) or `canceled` — then the money is back in the balance, and refundable again. Answers
   * the refund object (a copy) its refund.updated / refund.failed event carries.
   */
  refundLater(refundId: string, status: 'requires_action' | 'succeeded' | 'failed' | 'canceled', failureReason?: string): Record<string, unknown>;
  /** The environment that points Homeroom at this server. */
  env(): Record<string, string>;
  close(): Promise<void>;
}

function decodeForm(raw: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(raw).entries());
}

function metadataOf(form: Record<string, string>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(form)) {
    const m = new RegExp(`^${prefix.replace(/[[\]]/g, (c) => `\\${c}`)}\\[([^\\]]+)\\]$`).exec(k);
    if (m) out[m[1]!] = v;
  }
  return out;
}

const stripeError = (type: string, message: string) => JSON.stringify({ error: { type, message } });

export async function startFakeStripe(): Promise<FakeStripe> {
  const calls: StripeCall[] = [];
  const sessions = new Map<string, FakeSession>();
  const idempotent = new Map<string, { raw: string; status: number; body: string }>();
  const charges = new Map<string, { amount: number; refunded: number }>();
  const refunds = new Map<string, Record<string, unknown>>();
  let serial = 0;
  const dollars = (cents: number) => `$${(cents / 100).toFixed(2)}`;
  /** Stripe's refusal of a refund of a declared PaymentIntent, or null when it fits in what is left. */
  const refusal = (paymentIntent: string, amount: number): string | null => {
    const charge = charges.get(paymentIntent);
    if (!charge) return null;
    if (charge.refunded >= charge.amount) return JSON.stringify({ error: { type: 'invalid_request_error', code: 'charge_already_refunded', message: `Charge ch_${paymentIntent.slice(3)} has already been refunded.` } });
    if (charge.refunded + amount > charge.amount) {
      return JSON.stringify({ error: { type: 'invalid_request_error', param: 'amount', message: `Refund amount (${dollars(amount)}) is greater than unrefunded amount on charge (${dollars(charge.amount - charge.refunded)})` } });
    }
    return null;
  };
  const fake: FakeStripe = {
    url: '',
    calls,
    sessions,
    refundStatus: 'succeeded',
    down: false,
    charges,
    charge: (paymentIntent, amount) => {
      charges.set(paymentIntent, { amount, refunded: 0 });
    },
    dashboardRefund: (paymentIntent, amount) => {
      const refused = refusal(paymentIntent, amount);
      if (refused) throw new Error(refused);
      charges.get(paymentIntent)!.refunded += amount;
      const refund = { id: `re_test_${String(++serial).padStart(6, '0')}`, object: 'refund', amount, currency: 'usd', payment_intent: paymentIntent, status: 'succeeded', reason: 'requested_by_customer', metadata: {} };
      refunds.set(refund.id, refund);
      return { ...refund };
    },
    refunds,
    refundLater: (refundId, status, failureReason) => {
      const refund = refunds.get(refundId);
      if (!refund) throw new Error(`no refund ${refundId}`);
      const gone = (s: unknown) => s === 'failed' || s === 'canceled';
      if (gone(status) && !gone(refund.status)) {
        const charge = charges.get(String(refund.payment_intent));
        if (charge) charge.refunded -= Number(refund.amount);
      }
      refund.status = status;
      if (status === 'failed') refund.failure_reason = failureReason ?? 'unknown';
      return { ...refund };
    },
    env: () => ({ STRIPE_SECRET_KEY: TEST_SECRET_KEY, STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET, STRIPE_API_URL: fake.url }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  const answer = (method: string, path: string, form: Record<string, string>): { status: number; body: string } => {
    if (method === 'POST' && path === '/v1/checkout/sessions') {
      if (form.mode !== 'payment') return { status: 400, body: stripeError('invalid_request_error', 'mode must be payment') };
      let total = 0;
      for (let i = 0; form[`line_items[${i}][quantity]`] !== undefined; i++) {
        const amount = form[`line_items[${i}][price_data][unit_amount]`] ?? '';
        if (!/^\d+$/.test(amount) || form[`line_items[${i}][price_data][currency]`] !== 'usd' || !form[`line_items[${i}][price_data][product_data][name]`]) {
          return { status: 400, body: stripeError('invalid_request_error', `line_items[${i}] is not a price in integer cents`) };
        }
        total += Number(amount) * Number(form[`line_items[${i}][quantity]`]);
      }
      if (total === 0 || !form.success_url || !form.cancel_url) return { status: 400, body: stripeError('invalid_request_error', 'missing line items or urls') };
      const id = `cs_test_${String(++serial).padStart(6, '0')}`;
      const session: FakeSession = {
        id,
        object: 'checkout.session',
        url: `${fake.url}/pay/${id}`,
        status: 'open',
        payment_status: 'unpaid',
        amount_total: total,
        currency: 'usd',
        client_reference_id: form.client_reference_id ?? null,
        metadata: metadataOf(form, 'metadata'),
        payment_intent: null,
        mode: 'payment',
        expires_at: Number(form.expires_at),
      };
      sessions.set(id, session);
      return { status: 200, body: JSON.stringify(session) };
    }
    if (method === 'POST' && path === '/v1/refunds') {
      const amount = form.amount ?? '';
      if (!/^pi_/.test(form.payment_intent ?? '') || !/^\d+$/.test(amount)) return { status: 400, body: stripeError('invalid_request_error', 'payment_intent and amount are required') };
      const refused = refusal(form.payment_intent!, Number(amount));
      if (refused) return { status: 400, body: refused };
      const charge = charges.get(form.payment_intent!);
      if (charge && fake.refundStatus !== 'failed') charge.refunded += Number(amount);
      const refund = { id: `re_test_${String(++serial).padStart(6, '0')}`, object: 'refund', amount: Number(amount), currency: 'usd', payment_intent: form.payment_intent, status: fake.refundStatus, metadata: metadataOf(form, 'metadata') };
      refunds.set(refund.id, { ...refund });
      return { status: 200, body: JSON.stringify(refund) };
    }
    return { status: 404, body: stripeError('invalid_request_error', `Unrecognized request URL (${method}: ${path})`) };
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '').split('?')[0]!;
      if (req.method === 'GET' && path.startsWith('/pay/')) {
        // The hosted payment page, as far as a browser test needs it.
        const session = sessions.get(path.slice(5));
        res.writeHead(session ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
        res.end(`<!doctype html><html lang="en"><head><title>Test checkout</title><link rel="icon" href="data:,"></head><body><main><h1>Test checkout</h1><p id="total">${session ? session.amount_total : 'no such session'}</p></main></body></html>`);
        return;
      }
      const form = decodeForm(raw);
      calls.push({ method: req.method ?? '', path, headers: req.headers, form, raw });
      const send = (status: number, body: string) => {
        res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${serial}` });
        res.end(body);
      };
      if (req.headers.authorization !== `Bearer ${TEST_SECRET_KEY}`) return send(401, stripeError('invalid_request_error', 'Invalid API Key provided'));
      if (!req.headers['stripe-version']) return send(400, stripeError('invalid_request_error', 'Stripe-Version is missing'));
      if (fake.down) return send(500, stripeError('api_error', 'Something went wrong on Stripe’s end.'));
      if (req.method === 'POST') {
        if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) return send(400, stripeError('invalid_request_error', 'the body must be form-encoded'));
        const key = req.headers['idempotency-key'];
        if (typeof key !== 'string' || key === '') return send(400, stripeError('invalid_request_error', 'Homeroom must send an Idempotency-Key'));
        const earlier = idempotent.get(key);
        if (earlier) {
          if (earlier.raw !== raw) return send(400, stripeError('idempotency_error', 'Keys for idempotent requests can only be used with the same parameters they were first used with.'));
          res.setHeader('idempotent-replayed', 'true');
          return send(earlier.status, earlier.body);
        }
        const result = answer(req.method, path, form);
        idempotent.set(key, { raw, ...result });
        return send(result.status, result.body);
      }
      const result = answer(req.method ?? 'GET', path, form);
      return send(result.status, result.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

let eventSerial = 0;

/** A webhook delivery as Stripe sends it: the event's JSON and its Stripe-Signature header, made by the library's test helper. */
export function signedEvent(type: string, object: Record<string, unknown>, { id, secret = TEST_WEBHOOK_SECRET }: { id?: string; secret?: string } = {}): { id: string; payload: string; headers: Record<string, string> } {
  const eventId = id ?? `evt_test_${String(++eventSerial).padStart(8, '0')}_${process.pid}`;
  const payload = JSON.stringify({ id: eventId, object: 'event', api_version: Stripe.API_VERSION, created: Math.floor(Date.now() / 1000), livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, type, data: { object } });
  const header = Stripe.webhooks.generateTestHeaderString({ payload, secret });
  return { id: eventId, payload, headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': header } };
}

/** The session as Stripe sends it once paid by card: complete, paid, with its PaymentIntent. */
export function paidSession(session: FakeSession, paymentIntent: string): Record<string, unknown> {
  return { ...session, url: null, status: 'complete', payment_status: 'paid', payment_intent: paymentIntent };
}

/** The PaymentIntent of a session, as payment_intent.* events carry it (the metadata Homeroom put on it). */
export function paymentIntentOf(session: FakeSession, id: string, status: 'succeeded' | 'requires_payment_method'): Record<string, unknown> {
  return { id, object: 'payment_intent', amount: session.amount_total, amount_received: status === 'succeeded' ? session.amount_total : 0, currency: 'usd', status, metadata: session.metadata };
}
