/** Pages anyone can open: the language switch, help pages, the accessibility statement and the privacy notice. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { chooseLanguage } from '../../domain/accounts/language.js';
import { isLocale } from '../../i18n/index.js';
import { contextFor, LANG_COOKIE, safeLocalPath } from '../context.js';
import { clientIp } from '../plugins/session.js';
import { sendPage } from '../render.js';
import { StatementPage, ResourcesPage } from '../views/pages.js';

export async function publicRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const ctxOf = (request: FastifyRequest) => contextFor(app, request);

  app.get('/', async (_request, reply) => reply.redirect('/sign-in', 303));

  const languageCookie = (reply: FastifyReply, locale: string) =>
    reply.setCookie(LANG_COOKIE, locale, { path: '/', maxAge: 365 * 24 * 3600, sameSite: 'lax', httpOnly: true, secure: services.config.secure });

  // The language switch as a link, before signing in: it sets this browser's language only.
  app.get<{ Params: { locale: string }; Querystring: { next?: string } }>('/lang/:locale', async (request, reply) => {
    if (!isLocale(request.params.locale)) return reply.callNotFound();
    languageCookie(reply, request.params.locale);
    return reply.redirect(safeLocalPath(request.query.next), 303);
  });

  // The language switch as a form, signed in: kept on the account too (a form, with its CSRF token,
  // because it changes the account — a link could be followed from any site).
  app.post<{ Params: { locale: string } }>('/lang/:locale', async (request, reply) => {
    if (!isLocale(request.params.locale)) return reply.callNotFound();
    const locale = request.params.locale;
    if (request.session) await chooseLanguage(services.database.db, { account: request.session.account, locale, ip: clientIp(request) }, services.now());
    languageCookie(reply, locale);
    return reply.redirect(safeLocalPath((request.body as Record<string, unknown> | undefined)?.next), 303);
  });

  app.get('/help/parents', async (request, reply) =>
    sendPage(reply, <ResourcesPage ctx={await ctxOf(request)} audience="parents" />),
  );
  app.get('/help/students', async (request, reply) =>
    sendPage(reply, <ResourcesPage ctx={await ctxOf(request)} audience="students" />),
  );

  app.get('/accessibility', async (request, reply) => sendPage(reply, <StatementPage ctx={await ctxOf(request)} page="accessibility" />));
  app.get('/privacy', async (request, reply) => sendPage(reply, <StatementPage ctx={await ctxOf(request)} page="privacy" />));
}
