/**
 * Paying fees online (issue 24, ADR 0047). Family side: /payments/online, where a guardian chooses open
 * fees of their children (those they may read) and is sent to the provider's checkout (303 to its
 * address), and /payments/online/:id, the page the provider sends them back to, which reads the state
 * from the database only. Provider side: POST /webhooks/stripe, no session and no form token, its raw
 * body verified by the provider's signature. Without a provider configured none of these exist (404),
 * and the Payments page says how to pay at the office.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { recordId } from '../../domain/forms.js';
import { formKey } from '../../domain/fees/service.js';
import { applyEvent, checkoutOf, payableFees, settleExcess, startCheckout, type Payer } from '../../domain/payments/online.js';
import { BadWebhook, ProviderUnavailable } from '../../domain/payments/provider.js';
import { formatInstant } from '../../i18n/format.js';
import { contextFor } from '../context.js';
import { requireSignedIn } from '../guards.js';
import { sendPage } from '../render.js';
import { fromFieldErrors } from '../views/forms.js';
import { CheckoutPage, checkoutHref, ONLINE_PATH, PayOnlinePage, type PayOnlineState } from '../views/online-payments.js';

/** The largest webhook body read: Stripe's events are a few kilobytes. */
const WEBHOOK_BODY_LIMIT = 256 * 1024;

export async function onlinePaymentRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;
  app.addHook('preHandler', requireSignedIn);

  /** The page context and the payer: a guardian, where the district shows Payments and a provider is configured; null (404) otherwise. */
  const payerOf = async (request: FastifyRequest) => {
    const ctx = await contextFor(app, request);
    const account = request.session!.account;
    if (!services.payments || !ctx.district.settings.tools.payments || account.person_kind !== 'guardian' || !account.guardian_id || !ctx.students) return null;
    const payer: Payer = { accountId: account.id, guardianId: account.guardian_id, locale: ctx.locale === 'es' ? 'es' : 'en', students: ctx.students };
    return { ctx, payer };
  };

  const choicePage = async (request: FastifyRequest, reply: FastifyReply, state: Partial<PayOnlineState> = {}, status = 200) => {
    const found = await payerOf(request);
    if (!found) return reply.callNotFound();
    const families = await payableFees(db, found.payer.students);
    return sendPage(reply, <PayOnlinePage ctx={found.ctx} families={families} state={{ key: formKey(), chosen: new Set(), errors: {}, ...state }} />, status);
  };

  app.get(ONLINE_PATH, async (request, reply) => choicePage(request, reply));

  app.post(ONLINE_PATH, async (request, reply) => {
    const found = await payerOf(request);
    if (!found) return reply.callNotFound();
    const { ctx, payer } = found;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const chosen = new Set((Array.isArray(body.fee) ? body.fee : [body.fee]).map((v) => recordId(typeof v === 'string' ? v : undefined)).filter((v): v is number => v !== null));
    const result = await startCheckout(db, services.payments!, payer, body, (id) => `${services.config.baseUrl}${checkoutHref(id)}`, services.now());
    switch (result.kind) {
      case 'redirect':
        return reply.redirect(result.url, 303);
      case 'ended':
        return reply.redirect(checkoutHref(result.checkoutId), 303);
      case 'notFound':
        return reply.callNotFound();
      case 'busy':
        return choicePage(request, reply, { chosen, problem: ctx.t('payments.problem.busy', { time: formatInstant(new Date(result.until), ctx.locale, ctx.district.timeZone) }), continueUrl: result.continueUrl }, 409);
      case 'unavailable':
        return choicePage(request, reply, { chosen, problem: ctx.t('payments.problem.unavailable') }, 503);
      case 'problems': {
        const { form, ...fields } = result.problems;
        return choicePage(request, reply, { chosen, errors: fromFieldErrors(fields), problem: form && ctx.t(form) }, 400);
      }
    }
  });

  app.get<{ Params: { id: string } }>(`${ONLINE_PATH}/:id`, async (request, reply) => {
    const found = await payerOf(request);
    const id = recordId(request.params.id);
    if (!found || id === null) return reply.callNotFound();
    const checkout = await checkoutOf(db, found.payer.guardianId, id, services.now());
    if (!checkout) return reply.callNotFound();
    return sendPage(reply, <CheckoutPage ctx={found.ctx} checkout={checkout} />);
  });
}

/** The provider's webhook: the raw body (its signature covers the bytes), no session, no form token. */
export async function paymentWebhookRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_request, body, done) => done(null, body));

  app.post('/webhooks/stripe', { config: { csrf: false }, bodyLimit: WEBHOOK_BODY_LIMIT }, async (request, reply) => {
    const provider = services.payments;
    // Answered here: the not-found page's hooks would ask this request for a form token.
    if (!provider || provider.name !== 'stripe') return reply.code(404).send({ error: 'not found' });
    const raw = request.body;
    const signature = request.headers['stripe-signature'];
    try {
      if (!Buffer.isBuffer(raw)) throw new BadWebhook('unreadable');
      const event = provider.parseWebhook(raw, typeof signature === 'string' ? signature : undefined);
      const result = await applyEvent(db, provider.name, event, services.now());
      // What a paid checkout brought beyond what was still owed goes back (again after a failure: the provider resends the event).
      if (result.kind !== 'ignored' && result.checkoutId !== null) await settleExcess(db, provider, result.checkoutId, services.now());
      return reply.code(200).send({ received: true, result: result.kind });
    } catch (error) {
      if (error instanceof BadWebhook) return reply.code(400).send({ error: error.why });
      if (error instanceof ProviderUnavailable) {
        request.log.warn({ err: error }, 'the excess of an online payment could not be given back yet; the provider will send the event again');
        return reply.code(503).send({ error: 'retry' });
      }
      throw error;
    }
  });
}
