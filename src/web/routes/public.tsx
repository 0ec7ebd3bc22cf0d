/** Pages anyone can open: the language switch, help pages, the accessibility statement and the privacy notice. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
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

  app.get<{ Params: { locale: string }; Querystring: { next?: string } }>('/lang/:locale', async (request, reply) => {
    const next = safeLocalPath(request.query.next);
    if (!isLocale(request.params.locale)) return reply.callNotFound();
    if (request.session) await chooseLanguage(services.database.db, { account: request.session.account, locale: request.params.locale, ip: clientIp(request) }, services.now());
    reply.setCookie(LANG_COOKIE, request.params.locale, {
      path: '/',
      maxAge: 365 * 24 * 3600,
      sameSite: 'lax',
      httpOnly: true,
      secure: services.config.secure,
    });
    return reply.redirect(next, 303);
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
