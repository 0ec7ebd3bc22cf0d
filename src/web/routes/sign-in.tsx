/** Signing in and out. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { forgotPasswordInput, signInInput } from '../../domain/accounts/schemas.js';
import { endSession } from '../../domain/accounts/sessions.js';
import { signIn } from '../../domain/accounts/sign-in.js';
import { signInPolicyOf } from '../../domain/accounts/first-passwords.js';
import { CODE_MINUTES, requestSignInCode } from '../../domain/accounts/sign-in-codes.js';
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
import { setCodeStepCookie } from './second-factor.js';
import { minutesToWait } from '../../i18n/format.js';

export async function signInRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  // Path /sign-in: only the sign-in form reads it (so no __Host- prefix, which needs path /).
  const challengeCookie = services.config.secure ? '__Secure-hr_challenge' : 'hr_challenge';
  /** The code typed on the sign-in form, with the challenge this browser asked it with. */
  const signInCode = (request: FastifyRequest, body: Record<string, unknown>) => {
    const code = typeof body.code === 'string' ? body.code.slice(0, 40).trim() : '';
    return code ? { challenge: request.cookies[challengeCookie] ?? '', code } : null;
  };
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

  app.get<{ Querystring: { next?: string; signedOut?: string; reset?: string; feed?: string } }>('/sign-in', async (request, reply) => {
    const next = request.query.next === undefined ? undefined : safeLocalPath(request.query.next);
    if (request.session) return reply.redirect(next && next !== '/' ? next : '/home', 303);
    const ctx = await ctxOf(request);
    const notice =
      request.query.signedOut !== undefined
        ? `${ctx.t('signIn.signedOut')}${request.query.feed === 'ended' ? ` ${ctx.t('account.feedEnded')}` : ''}`
        : request.query.reset !== undefined
          ? ctx.t('recover.resetDone')
          : next
            ? ctx.t('signIn.expired')
            : undefined;
    return render(request, reply, ctx, { notice, next, askCode: Boolean(request.cookies[challengeCookie]) });
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
    const district = await services.districts.get();
    const now = services.now();
    const session = { remember: data.remember, userAgent: request.headers['user-agent'] ?? null, settings: district.settings, replaces: request.session?.id ?? null };
    const result = await signIn(
      db,
      { username: data.username, password: data.password, ip, session, device: knownDevice(app, request), code: signInCode(request, body), policy: signInPolicyOf(district, now) },
      now,
    );
    // The page context (language, form token) only when there is a page to show: most sign-ins redirect.
    if (result.kind === 'ok') {
      // A new session id at every sign-in; whoever was signed in on this browser before is signed out.
      setSessionCookie(app, reply, result.session);
      if (result.deviceToken) setDeviceCookie(app, reply, result.deviceToken);
      if (request.cookies[challengeCookie]) reply.clearCookie(challengeCookie, { path: '/sign-in', secure: services.config.secure, httpOnly: true, sameSite: 'lax' });
      return reply.redirect(landingFor(result.account, next && next !== '/' ? next : '/home'), 303);
    }
    if (result.kind === 'secondFactor') {
      // The password was right; the session waits for the code (routes/second-factor.tsx).
      setCodeStepCookie(app, reply, result.token);
      if (request.cookies[challengeCookie]) reply.clearCookie(challengeCookie, { path: '/sign-in', secure: services.config.secure, httpOnly: true, sameSite: 'lax' });
      return reply.redirect(`/sign-in/second-factor${next && next !== '/' ? `?next=${encodeURIComponent(next)}` : ''}`, 303);
    }
    const ctx = await ctxOf(request);
    const askCode = Boolean(request.cookies[challengeCookie]);
    const page = { username: data.username, remember: data.remember, next, askCode };
    // A username of digits is a student number: the number is kept exactly, so say to type its zeros.
    // The answer depends on what was typed only, never on whether such an account exists.
    if (result.kind === 'invalid') return render(request, reply, ctx, { problem: ctx.t(/^\d+$/.test(data.username.trim()) ? 'signIn.invalidNumber' : 'signIn.invalid'), ...page }, 401);
    if (result.kind === 'codeInvalid') return render(request, reply, ctx, { errors: { code: { key: 'signIn.codeInvalid' } }, ...page, offerCode: true }, 400);
    if (result.kind === 'firstPassword') {
      return render(request, reply, ctx, { problem: ctx.t(result.problem === 'expired' ? 'signIn.firstPasswordExpired' : 'signIn.firstPasswordOffNetwork'), ...page }, 403);
    }
    reply.header('retry-after', String(result.retryAfterSeconds));
    if (result.kind === 'wait') {
      const minutes = minutesToWait(result.retryAfterSeconds);
      return render(request, reply, ctx, { problem: ctx.t('signIn.wait', { minutes }), ...page, offerCode: true }, 429);
    }
    const hours = Math.max(1, Math.ceil(result.retryAfterSeconds / 3600));
    return render(request, reply, ctx, { problem: ctx.t('signIn.locked', { hours }), ...page, offerCode: true }, 403);
  });

  // An emailed sign-in code for a username that strangers have slowed down (sign-in-codes.ts): the
  // browser keeps the challenge the code is bound to, for as long as a code works.
  app.post('/sign-in/code', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const next = typeof body.next === 'string' ? safeLocalPath(body.next) : undefined;
    const ctx = await ctxOf(request);
    const parsed = parseInput(forgotPasswordInput, body);
    if (!parsed.ok) return render(request, reply, ctx, { errors: fromFieldErrors(parsed.errors), next }, 400);
    const policy = signInPolicyOf(await services.districts.get(), services.now());
    const result = await requestSignInCode(db, { username: parsed.data.username, ip: clientIp(request), policy }, services.now());
    if (result.kind === 'wait') {
      reply.header('retry-after', String(result.retryAfterSeconds));
      const minutes = minutesToWait(result.retryAfterSeconds);
      return render(request, reply, ctx, { problem: ctx.t('recover.tooMany', { minutes }), username: parsed.data.username, next }, 429);
    }
    reply.setCookie(challengeCookie, result.challenge, { path: '/sign-in', httpOnly: true, sameSite: 'lax', secure: services.config.secure, maxAge: CODE_MINUTES * 60 });
    return render(request, reply, ctx, { notice: ctx.t('signIn.codeSent', { minutes: CODE_MINUTES }), username: parsed.data.username, next, askCode: true });
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
