/**
 * The Stripe provider (ADR 0047): Stripe Checkout through the official `stripe` client. A checkout is a
 * Checkout Session in payment mode, one line per fee in integer cents (USD), with Homeroom's checkout id
 * as its client_reference_id and in the metadata of the session and of its PaymentIntent, so that every
 * event names it. Webhooks are verified with the library's own `webhooks.constructEvent` (HMAC-SHA256
 * over the raw body, five minutes' tolerance). `api` points the client at another host (the tests' local
 * server standing in for api.stripe.com).
 */
import Stripe from 'stripe';
import type { StripeConfig } from '../../config/env.js';
import { BadWebhook, ProviderRefused, ProviderUnavailable, type CheckoutRequest, type CreatedCheckout, type PaymentProvider, type ProviderEvent, type RefundRequest, type RefundStatus } from './provider.js';

type Json = Record<string, unknown>;

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
/** An expandable field: the id, whether Stripe sent the id or the object. */
const idOf = (v: unknown): string | null => str(v) ?? (v && typeof v === 'object' ? str((v as Json).id) : null);
const obj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});

function checkoutIdOf(o: Json): number | null {
  const raw = str(obj(o.metadata).homeroom_checkout) ?? str(o.client_reference_id);
  return raw !== null && /^\d{1,12}$/.test(raw) ? Number(raw) : null;
}

function refundStatus(s: unknown): RefundStatus {
  return s === 'succeeded' ? 'succeeded' : s === 'failed' || s === 'canceled' ? 'failed' : 'pending';
}

/**
 * What a Stripe event means to Homeroom; BadWebhook('unknownType') for one it is not sent. The events read
 * (README, "Connecting the district's Stripe account"): checkout.session.completed, .async_payment_succeeded,
 * .async_payment_failed, .expired; payment_intent.succeeded, .payment_failed; refund.created, .updated, .failed.
 */
function readStripeEvent(event: { id: string; type: string; data: { object: unknown } }): ProviderEvent {
  const o = obj(event.data.object);
  const base = { id: event.id, type: event.type };
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded': {
      const reference = idOf(o.payment_intent);
      // A delayed method (a bank debit) completes the session unpaid: its money comes with async_payment_succeeded.
      if (o.payment_status !== 'paid' || reference === null) return { ...base, kind: 'noted', checkoutId: checkoutIdOf(o), sessionId: str(o.id) };
      return { ...base, kind: 'paid', checkoutId: checkoutIdOf(o), sessionId: str(o.id), reference, amountCents: Number(o.amount_total ?? 0) };
    }
    case 'checkout.session.async_payment_failed':
    case 'checkout.session.expired':
      return { ...base, kind: 'failed', checkoutId: checkoutIdOf(o), sessionId: str(o.id), why: event.type === 'checkout.session.expired' ? 'expired' : 'failed' };
    case 'payment_intent.succeeded': {
      const reference = str(o.id);
      if (reference === null) throw new BadWebhook('unreadable');
      return { ...base, kind: 'paid', checkoutId: checkoutIdOf(o), sessionId: null, reference, amountCents: Number(o.amount_received ?? 0) };
    }
    case 'payment_intent.payment_failed':
      // A declined card: the payer is still on Checkout's page and may try another.
      return { ...base, kind: 'noted', checkoutId: checkoutIdOf(o), sessionId: null };
    case 'refund.created':
    case 'refund.updated':
    case 'refund.failed': {
      const refundId = str(o.id);
      if (refundId === null) throw new BadWebhook('unreadable');
      const metadata = obj(o.metadata);
      const row = str(metadata.homeroom_refund);
      const amount = Number(o.amount);
      const status = event.type === 'refund.failed' ? 'failed' : refundStatus(o.status);
      return {
        ...base,
        kind: 'refund',
        refundId,
        status,
        refundRowId: row !== null && /^\d{1,12}$/.test(row) ? Number(row) : null,
        // Homeroom's own refunds carry its metadata (the office's refund row, or a checkout's excess);
        // one made in Stripe's dashboard has none of it.
        ours: row !== null || str(metadata.homeroom_excess) !== null || str(metadata.homeroom_checkout) !== null,
        reference: idOf(o.payment_intent),
        amountCents: Number.isSafeInteger(amount) && amount > 0 ? amount : 0,
        // Stripe's failure_reason (expired_or_canceled_card, lost_or_stolen_card, unknown…); a canceled refund has none.
        failureReason: status !== 'failed' ? null : (str(o.failure_reason)?.slice(0, 100) ?? (o.status === 'canceled' ? 'canceled' : 'failed')),
      };
    }
    default:
      throw new BadWebhook('unknownType');
  }
}

export function stripeProvider(config: StripeConfig): PaymentProvider {
  const stripe = new Stripe(config.secretKey, {
    maxNetworkRetries: 2,
    timeout: 20_000,
    telemetry: false,
    appInfo: { name: 'Homeroom' },
    ...(config.api ? { host: config.api.host, port: config.api.port, protocol: config.api.protocol } : {}),
  });

  const unavailable = (error: unknown): never => {
    throw new ProviderUnavailable(error instanceof Error ? error.message : String(error), { cause: error });
  };
  // A refund Stripe refuses (400: already refunded, more than is left of the payment, the same key with
  // other parameters) is refused again whenever it is asked; anything else (no answer, 5xx, 429, a key
  // the district must fix) may succeed later.
  const refusedOrUnavailable = (error: unknown): never => {
    if (error instanceof Stripe.errors.StripeInvalidRequestError || error instanceof Stripe.errors.StripeIdempotencyError) {
      throw new ProviderRefused(error.message, typeof error.code === 'string' && error.code !== '' ? error.code : null, { cause: error });
    }
    return unavailable(error);
  };

  return {
    name: 'stripe',

    async createCheckout(request: CheckoutRequest): Promise<CreatedCheckout> {
      const checkout = String(request.checkoutId);
      const session = await stripe.checkout.sessions
        .create(
          {
            mode: 'payment',
            client_reference_id: checkout,
            line_items: request.lines.map((l) => ({ quantity: 1, price_data: { currency: 'usd', unit_amount: l.cents, product_data: { name: l.description } } })),
            success_url: request.returnUrl,
            cancel_url: request.returnUrl,
            locale: request.locale,
            expires_at: Math.floor(request.expiresAt.getTime() / 1000),
            metadata: { homeroom_checkout: checkout },
            payment_intent_data: { metadata: { homeroom_checkout: checkout } },
          },
          { idempotencyKey: `checkout-${request.key}` },
        )
        .catch(unavailable);
      if (!session.url) throw new ProviderUnavailable('Stripe answered a checkout session without its address');
      return { sessionId: session.id, url: session.url };
    },

    parseWebhook(rawBody: Buffer, signature: string | undefined): ProviderEvent {
      if (!signature) throw new BadWebhook('signature');
      let event: { id: string; type: string; data: { object: unknown } };
      try {
        event = stripe.webhooks.constructEvent(rawBody, signature, config.webhookSecret) as unknown as typeof event;
      } catch (error) {
        throw new BadWebhook(error instanceof Stripe.errors.StripeSignatureVerificationError ? 'signature' : 'unreadable');
      }
      if (typeof event?.id !== 'string' || typeof event.type !== 'string' || !event.data) throw new BadWebhook('unreadable');
      return readStripeEvent(event);
    },

    async refund(request: RefundRequest): Promise<{ refundId: string; status: RefundStatus }> {
      const refund = await stripe.refunds.create({ payment_intent: request.reference, amount: request.cents, metadata: request.metadata }, { idempotencyKey: `refund-${request.key}` }).catch(refusedOrUnavailable);
      return { refundId: refund.id, status: refundStatus(refund.status) };
    },
  };
}
