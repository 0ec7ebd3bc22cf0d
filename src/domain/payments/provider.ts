/**
 * A payment provider (ADR 0047): where a family pays online. Homeroom asks it for a hosted checkout of
 * chosen fees (the family types their card at the provider, never here), learns that money arrived only
 * from the provider's signed webhook events, and asks it to give money back. One provider is real:
 * Stripe Checkout (./stripe.ts). Nothing here knows HTTP or Fastify.
 */

export interface CheckoutRequest {
  /** Homeroom's checkout id, sent along so that the provider's events name it */
  checkoutId: number;
  /** the provider's idempotency key: the same request twice makes one checkout */
  key: string;
  lines: readonly { description: string; cents: number }[];
  locale: 'en' | 'es';
  /** where the provider sends the payer back, paid or not (the page then reads the state from the database) */
  returnUrl: string;
  expiresAt: Date;
}

export interface CreatedCheckout {
  sessionId: string;
  /** the provider's hosted payment page */
  url: string;
}

export type RefundStatus = 'succeeded' | 'pending' | 'failed';

export interface RefundRequest {
  /** the provider's reference of the money received (a Stripe PaymentIntent) */
  reference: string;
  cents: number;
  key: string;
  /** Homeroom's own ids, sent along so that the refund's events name them */
  metadata: Record<string, string>;
}

interface EventBase {
  /** the provider's event id: an event is applied once */
  id: string;
  type: string;
}

/** What a verified webhook event means to Homeroom. */
export type ProviderEvent =
  /** the money of a checkout arrived */
  | (EventBase & { kind: 'paid'; checkoutId: number | null; sessionId: string | null; reference: string; amountCents: number })
  /** the checkout ended without money: it expired, or a delayed payment failed */
  | (EventBase & { kind: 'failed'; checkoutId: number | null; sessionId: string | null; why: 'expired' | 'failed' })
  /**
   * a refund's state: one Homeroom asked for (`refundRowId` or `ours`: the office's, or a checkout's excess)
   * or one made at the provider (its dashboard), of the payment `reference`, for `amountCents`
   */
  | (EventBase & {
      kind: 'refund';
      refundId: string;
      status: RefundStatus;
      refundRowId: number | null;
      ours: boolean;
      reference: string | null;
      amountCents: number;
      /** why a failed refund failed, as the provider says it (Stripe's failure_reason, or `canceled`); null otherwise */
      failureReason: string | null;
    })
  /** an event Homeroom is sent and has nothing to do about (a declined card the payer may try again) */
  | (EventBase & { kind: 'noted'; checkoutId: number | null; sessionId: string | null });

/** A webhook whose signature does not verify, that cannot be read, or of a type Homeroom is not sent. */
export class BadWebhook extends Error {
  constructor(readonly why: 'signature' | 'unreadable' | 'unknownType') {
    super(`webhook refused: ${why}`);
    this.name = 'BadWebhook';
  }
}

/** The provider could not be reached or refused the request: nothing happened there. */
export class ProviderUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProviderUnavailable';
  }
}

/**
 * The provider answered and refused the request (Stripe: an invalid request, such as a refund of a payment
 * already refunded, or of more than is left of it): asking again would be refused again.
 */
export class ProviderRefused extends Error {
  constructor(
    message: string,
    /** the provider's code for the refusal, when it gives one (Stripe: `charge_already_refunded`) */
    readonly code: string | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ProviderRefused';
  }
}

export interface PaymentProvider {
  /** as stored with each checkout and event */
  readonly name: string;
  createCheckout(request: CheckoutRequest): Promise<CreatedCheckout>;
  /** Verifies the signature over the raw body and reads the event; BadWebhook otherwise. */
  parseWebhook(rawBody: Buffer, signature: string | undefined): ProviderEvent;
  /** ProviderUnavailable when it could not be reached (asking again may work); ProviderRefused when it refused. */
  refund(request: RefundRequest): Promise<{ refundId: string; status: RefundStatus }>;
}
