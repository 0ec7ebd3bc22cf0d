/** Signing in and out. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { signInInput } from '../../domain/accounts/schemas.js';
import { endSession } from '../../domain/accounts/sessions.js';
import { signIn } from '../../domain/accounts/sign-in.js';
import { audit } from '../../domain/audit/service.js';
import { currentPublicAnnouncements } from '../../domain/district/service.js';
import { parseInput } from '../../domain/forms.js';
import { contextFor, safeLocalPath } from '../context.js';
import { clearSessionCookie, clientIp, knownDevice, setDeviceCookie, setSessionCookie } from '../plugins/session.js';
import { sendPage } from '../render.js';
import type { PageContext } from '../views/context.js';
import { fromFieldErrors } from '../views/forms.js';
import { SignInPage, type SignInProps } from '../views/sign-in.js';
import { landingFor } from '../navigation.js';

export async function signInRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;
  const ctxOf = (request: FastifyRequest) => contextFor(app, request);

  const render = async (
    request: FastifyRequest,
    reply: FastifyReply,
    ctx: PageContext,
    props: Omit<SignInProps, 'ctx' | 'announcements'>,
    status = 200,
  ) => {
    const announcements = await currentPublicAnnouncements(db, ctx.district, ctx.locale, services.now());
    return sendPage(reply, <SignInPage ctx={ctx} announcements={announcements} {...props} />, status);
  };

  app.get<{ Querystring: { next?: string; signedOut?: string; reset?: string } }>('/sign-in', async (request, reply) => {
    const next = request.query.next === undefined ? undefined : safeLocalPath(request.query.next);
    if (request.session) return reply.redirect(next && next !== '/' ? next : '/home', 303);
    const ctx = await ctxOf(request);
    const notice =
      request.query.signedOut !== undefined
        ? ctx.t('signIn.signedOut')
        : request.query.reset !== undefined
          ? ctx.t('recover.resetDone')
          : next
            ? ctx.t('signIn.expired')
            : undefined;
    return render(request, reply, ctx, { notice, next });
  });

  app.post('/sign-in', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const next = typeof body.next === 'string' ? safeLocalPath(body.next) : undefined;
    const username = typeof body.username === 'string' ? body.username.slice(0, 254) : '';
    const parsed = parseInput(signInInput, body);
    if (!parsed.ok) {
      return render(request, reply, await ctxOf(request), { errors: fromFieldErrors(parsed.errors), username, next }, 400);
    }
    const { data } = parsed;
    const ip = clientIp(request);
    const { settings } = await services.districts.get();
    const session = { remember: data.remember, userAgent: request.headers['user-agent'] ?? null, settings, replaces: request.session?.id ?? null };
    const result = await signIn(db, { username: data.username, password: data.password, ip, session, device: knownDevice(app, request) }, services.now());
    // The page context (language, form token) only when there is a page to show: most sign-ins redirect.
    if (result.kind === 'ok') {
      // A new session id at every sign-in; whoever was signed in on this browser before is signed out.
      setSessionCookie(app, reply, result.session);
      if (result.deviceToken) setDeviceCookie(app, reply, result.deviceToken);
      return reply.redirect(landingFor(result.account, next && next !== '/' ? next : '/home'), 303);
    }
    const ctx = await ctxOf(request);
    if (result.kind === 'invalid') {
      return render(request, reply, ctx, { problem: ctx.t('signIn.invalid'), username: data.username, remember: data.remember, next }, 401);
    }
    if (result.kind === 'wait') {
      reply.header('retry-after', String(result.retryAfterSeconds));
      const minutes = Math.max(1, Math.ceil(result.retryAfterSeconds / 60));
      return render(request, reply, ctx, { problem: ctx.t('signIn.wait', { minutes }), username: data.username, next }, 429);
    }
    return render(request, reply, ctx, { problem: ctx.t('signIn.locked'), username: data.username, next }, 403);
  });

  app.post('/sign-out', async (request, reply) => {
    if (request.session) {
      await endSession(db, request.session.id);
      await audit(
        db,
        { action: 'sign_out', actorAccountId: request.session.account.id, subjectType: 'user_account', subjectId: request.session.account.id, ip: clientIp(request) },
        services.now(),
      );
    }
    clearSessionCookie(app, reply);
    return reply.redirect('/sign-in?signedOut=1', 303);
  });
}
