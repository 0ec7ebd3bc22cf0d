/**
 * Errors become pages in the reader's language: a 4xx says what went wrong, a 5xx never shows its
 * cause (it goes to the log). The not-found handler is rate limited, as scanners live there.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { translator } from '../i18n/index.js';
import { isDatabaseUnavailable } from '../db/errors.js';
import { contextFor, requestLocale } from './context.js';
import { sendPage } from './render.js';
import type { PageContext } from './views/context.js';
import { MessagePage } from './views/pages.js';

async function safeContext(app: FastifyInstance, request: FastifyRequest): Promise<PageContext> {
  try {
    return await contextFor(app, request);
  } catch {
    // The database itself may be what failed: render with the district last read (its name and
    // colours), in the reader's language as the browser asks, rather than fail again.
    const district = app.services.districts.lastKnown();
    const locale = requestLocale(request, district);
    let csrf = '';
    try {
      csrf = request.csrfToken();
    } catch {
      // no form token: the page has no form that needs one
    }
    return {
      locale,
      t: translator(locale),
      district,
      path: '/',
      assetVersion: app.services.assetVersion,
      demoMode: false,
      csrf,
      account: null,
    };
  }
}

/** What a page answered while the database is away asks the browser to wait. */
export const UNAVAILABLE_RETRY_SECONDS = 30;

function wantsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return !accept.includes('application/json') || accept.includes('text/html');
}

export function registerErrorHandlers(app: FastifyInstance): void {
  app.setNotFoundHandler(
    { preHandler: app.rateLimit({ max: 120, timeWindow: '1 minute' }) },
    async (request, reply) => {
      if (!wantsHtml(request)) return reply.code(404).send({ error: 'not_found' });
      const ctx = await safeContext(app, request);
      return sendPage(reply, <MessagePage ctx={ctx} title={ctx.t('error.notFound.title')} body={ctx.t('error.notFound.body')} />, 404);
    },
  );

  app.setErrorHandler(async (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const unavailable = isDatabaseUnavailable(error);
    const status = unavailable ? 503 : error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    // Without per-request logging the request's logger is the app's: the request is named here.
    const which = request.log === app.log ? { reqId: request.id } : {};
    // The database away is told to the log once per outage (DistrictCache), not at every request.
    if (unavailable) {
      app.services.districts.databaseIsAway(error);
      reply.header('retry-after', String(UNAVAILABLE_RETRY_SECONDS));
    } else if (status >= 500) request.log.error({ ...which, err: error }, 'request failed');
    else request.log.info({ ...which, err: { message: error.message, code: error.code } }, 'request rejected');
    // A page that failed after it was compressed must not keep the compressed page's header.
    reply.removeHeader('content-encoding');
    const ctx = await safeContext(app, request);
    const { t } = ctx;
    let title: string;
    let body: string;
    if (error.code === 'HR_CSRF') {
      title = t('error.csrf.title');
      body = t('error.csrf.body');
    } else if (status === 429) {
      const retry = Number(reply.getHeader('retry-after')) || 60;
      title = t('error.tooMany.title');
      body = t('error.tooMany.body', { seconds: retry });
    } else if (status === 404) {
      title = t('error.notFound.title');
      body = t('error.notFound.body');
    } else if (status < 500) {
      title = t('error.badRequest.title');
      body = t('error.badRequest.body');
    } else if (unavailable) {
      title = t('error.unavailable.title');
      body = t('error.unavailable.body', { seconds: UNAVAILABLE_RETRY_SECONDS });
    } else {
      title = t('error.server.title');
      body = ctx.district.helpEmail
        ? t('error.server.body', { email: ctx.district.helpEmail })
        : t('error.server.bodyNoEmail');
    }
    if (!wantsHtml(request)) return reply.code(status).send({ error: unavailable ? 'unavailable' : status >= 500 ? 'server_error' : 'bad_request' });
    return sendPage(reply, <MessagePage ctx={ctx} title={title} body={body} />, status);
  });
}
