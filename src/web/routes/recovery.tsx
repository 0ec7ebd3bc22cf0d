/** Self-serve recovery, email confirmation links, the sign-in help page and the demo mailbox. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MAX_PASSWORD_LENGTH } from '../../domain/accounts/password-policy.js';
import { pendingReset, requestPasswordReset, requestUsernames, resetPassword } from '../../domain/accounts/recovery.js';
import { forgotPasswordInput, forgotUsernameInput, resetPasswordInput, tokenInput } from '../../domain/accounts/schemas.js';
import { confirmSecurityEmail, pendingConfirmation } from '../../domain/accounts/security-email.js';
import { parseInput } from '../../domain/forms.js';
import { mailboxFilters, mailboxPage } from '../../email/outbox.js';
import { formatInstant } from '../../email/templates.js';
import { contextFor } from '../context.js';
import { clientIp } from '../plugins/session.js';
import { sendPage } from '../render.js';
import { fromFieldErrors } from '../views/forms.js';
import {
  ConfirmEmailPage,
  ForgotPasswordPage,
  ForgotUsernamePage,
  InvalidLinkPage,
  MailboxPage,
  ResendWelcomePage,
  ResetPasswordPage,
  SignInHelpPage,
  WelcomePage,
} from '../views/recovery.js';
import { MessagePage } from '../views/pages.js';
import { completeWelcome, pendingWelcome, resendWelcome } from '../../domain/accounts/welcome.js';
import { minutesToWait } from '../../i18n/format.js';

export async function recoveryRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;
  const ctxOf = (request: FastifyRequest) => contextFor(app, request);
  const field = (body: unknown, name: string) => {
    const v = (body as Record<string, unknown> | undefined)?.[name];
    return typeof v === 'string' ? v.slice(0, 254) : '';
  };

  app.get('/help/sign-in', async (request, reply) => sendPage(reply, <SignInHelpPage ctx={await ctxOf(request)} />));

  app.get('/forgot-password', async (request, reply) => sendPage(reply, <ForgotPasswordPage ctx={await ctxOf(request)} />));
  app.post('/forgot-password', async (request, reply) => {
    const ctx = await ctxOf(request);
    const parsed = parseInput(forgotPasswordInput, request.body);
    if (!parsed.ok) {
      return sendPage(reply, <ForgotPasswordPage ctx={ctx} errors={fromFieldErrors(parsed.errors)} username={field(request.body, 'username')} />, 400);
    }
    const result = await requestPasswordReset(db, { username: parsed.data.username, ip: clientIp(request) }, services.now());
    if (result.kind === 'wait') {
      reply.header('retry-after', String(result.retryAfterSeconds));
      return sendPage(reply, <ForgotPasswordPage ctx={ctx} problem={ctx.t('recover.tooMany', { minutes: minutesToWait(result.retryAfterSeconds) })} username={parsed.data.username} />, 429);
    }
    return sendPage(reply, <ForgotPasswordPage ctx={ctx} sent />);
  });

  app.get('/forgot-username', async (request, reply) => sendPage(reply, <ForgotUsernamePage ctx={await ctxOf(request)} />));
  app.post('/forgot-username', async (request, reply) => {
    const ctx = await ctxOf(request);
    const parsed = parseInput(forgotUsernameInput, request.body);
    if (!parsed.ok) {
      return sendPage(reply, <ForgotUsernamePage ctx={ctx} errors={fromFieldErrors(parsed.errors)} email={field(request.body, 'email')} />, 400);
    }
    const result = await requestUsernames(db, { email: parsed.data.email, ip: clientIp(request) }, services.now());
    if (result.kind === 'wait') {
      reply.header('retry-after', String(result.retryAfterSeconds));
      return sendPage(reply, <ForgotUsernamePage ctx={ctx} problem={ctx.t('recover.tooMany', { minutes: minutesToWait(result.retryAfterSeconds) })} email={parsed.data.email} />, 429);
    }
    return sendPage(reply, <ForgotUsernamePage ctx={ctx} sent />);
  });

  // Pages reached from a link with a token: the token must not leak to other sites. strict-origin sends
  // every site (this one too) the portal's origin only, never the page's address; unlike no-referrer it
  // lets the page's own form say where it comes from (with no-referrer, browsers send `Origin: null`,
  // which the CSRF check refuses).
  const noReferrer = { onSend: async (_request: FastifyRequest, reply: import('fastify').FastifyReply) => void reply.header('referrer-policy', 'strict-origin') };

  app.get<{ Querystring: { token?: string } }>('/reset-password', noReferrer, async (request, reply) => {
    const ctx = await ctxOf(request);
    const token = String(request.query.token ?? '');
    const pending = await pendingReset(db, token, services.now());
    if (!pending) return sendPage(reply, <InvalidLinkPage ctx={ctx} retryHref="/forgot-password" />, 400);
    return sendPage(reply, <ResetPasswordPage ctx={ctx} token={token} username={pending.account.username} minLength={ctx.district.settings.passwordMinLength} />);
  });
  app.post('/reset-password', noReferrer, async (request, reply) => {
    const ctx = await ctxOf(request);
    const minLength = ctx.district.settings.passwordMinLength;
    const token = field(request.body, 'token');
    const pending = await pendingReset(db, token, services.now());
    if (!pending) return sendPage(reply, <InvalidLinkPage ctx={ctx} retryHref="/forgot-password" />, 400);
    const page = (errors: ReturnType<typeof fromFieldErrors>) =>
      sendPage(reply, <ResetPasswordPage ctx={ctx} token={token} username={pending.account.username} minLength={minLength} errors={errors} />, 400);
    const parsed = parseInput(resetPasswordInput, request.body);
    if (!parsed.ok) return page(fromFieldErrors(parsed.errors));
    const result = await resetPassword(db, { token, password: parsed.data.password, ip: clientIp(request), minLength, district: ctx.district }, services.now());
    if (result.kind === 'invalid') return sendPage(reply, <InvalidLinkPage ctx={ctx} retryHref="/forgot-password" />, 400);
    if (result.kind === 'problem') {
      return page({ password: { key: `password.${result.problem}` as const, params: { min: minLength, max: MAX_PASSWORD_LENGTH } } });
    }
    return reply.redirect('/sign-in?reset=1', 303);
  });

  app.get<{ Querystring: { token?: string } }>('/confirm-email', noReferrer, async (request, reply) => {
    const ctx = await ctxOf(request);
    const token = String(request.query.token ?? '');
    const pending = await pendingConfirmation(db, token, services.now());
    if (!pending) return sendPage(reply, <InvalidLinkPage ctx={ctx} retryHref="/account/security-email" />, 400);
    return sendPage(reply, <ConfirmEmailPage ctx={ctx} token={token} email={pending.email} username={pending.account.username} />);
  });
  app.post('/confirm-email', noReferrer, async (request, reply) => {
    const ctx = await ctxOf(request);
    const parsed = parseInput(tokenInput, request.body);
    const token = parsed.ok ? parsed.data.token : '';
    const pending = await pendingConfirmation(db, token, services.now());
    const result = pending ? await confirmSecurityEmail(db, { token, ip: clientIp(request), district: ctx.district }, services.now()) : null;
    if (!pending || !result || result.kind !== 'confirmed') {
      return sendPage(reply, <InvalidLinkPage ctx={ctx} retryHref="/account/security-email" />, 400);
    }
    return sendPage(reply, <ConfirmEmailPage ctx={ctx} token="" email={result.email} username={pending.account.username} done />);
  });

  // ── the welcome link of a parent account made by the nightly run ─────────────────────────────────
  app.get<{ Querystring: { token?: string } }>('/welcome', noReferrer, async (request, reply) => {
    const ctx = await ctxOf(request);
    const token = String(request.query.token ?? '');
    const pending = await pendingWelcome(db, token, services.now());
    if (!pending) return sendPage(reply, <InvalidLinkPage ctx={ctx} retryHref="/welcome/resend" />, 400);
    return sendPage(reply, <WelcomePage ctx={ctx} token={token} username={pending.account.username} minLength={ctx.district.settings.passwordMinLength} />);
  });
  app.post('/welcome', noReferrer, async (request, reply) => {
    const ctx = await ctxOf(request);
    const minLength = ctx.district.settings.passwordMinLength;
    const token = field(request.body, 'token');
    const pending = await pendingWelcome(db, token, services.now());
    if (!pending) return sendPage(reply, <InvalidLinkPage ctx={ctx} retryHref="/welcome/resend" />, 400);
    const page = (errors: ReturnType<typeof fromFieldErrors>) =>
      sendPage(reply, <WelcomePage ctx={ctx} token={token} username={pending.account.username} minLength={minLength} errors={errors} />, 400);
    const parsed = parseInput(resetPasswordInput, request.body);
    if (!parsed.ok) return page(fromFieldErrors(parsed.errors));
    const result = await completeWelcome(db, { token, password: parsed.data.password, minLength, ip: clientIp(request) }, services.now());
    if (result.kind === 'invalid') return sendPage(reply, <InvalidLinkPage ctx={ctx} retryHref="/welcome/resend" />, 400);
    if (result.kind === 'problem') {
      return page({ password: { key: `password.${result.problem}` as const, params: { min: minLength, max: MAX_PASSWORD_LENGTH } } });
    }
    return sendPage(reply, <MessagePage ctx={ctx} title={ctx.t('welcome.title')} body={ctx.t('welcome.done', { username: result.username })} />);
  });

  app.get('/welcome/resend', async (request, reply) => sendPage(reply, <ResendWelcomePage ctx={await ctxOf(request)} />));
  app.post('/welcome/resend', async (request, reply) => {
    const ctx = await ctxOf(request);
    const parsed = parseInput(forgotUsernameInput, request.body);
    if (!parsed.ok) return sendPage(reply, <ResendWelcomePage ctx={ctx} errors={fromFieldErrors(parsed.errors)} email={field(request.body, 'email')} />, 400);
    const result = await resendWelcome(db, { email: parsed.data.email, ip: clientIp(request) }, services.now());
    if (result.kind === 'wait') {
      reply.header('retry-after', String(result.retryAfterSeconds));
      return sendPage(reply, <ResendWelcomePage ctx={ctx} problem={ctx.t('recover.tooMany', { minutes: minutesToWait(result.retryAfterSeconds) })} email={parsed.data.email} />, 429);
    }
    return sendPage(reply, <ResendWelcomePage ctx={ctx} sent />);
  });

  // Demo mode only: everything the demo district "sent", since no email leaves the laptop.
  app.get('/demo/mailbox', async (request, reply) => {
    if (!services.config.demoMode) return reply.callNotFound();
    const ctx = await ctxOf(request);
    const filters = mailboxFilters(request.query as Record<string, unknown>);
    const found = await mailboxPage(db, filters);
    const mail = found.rows.map((m) => ({
      id: m.id,
      to: m.to_address,
      subject: m.subject,
      text: m.text_body,
      createdAt: formatInstant(new Date(m.created_at), ctx.locale, ctx.district.timeZone),
      sent: m.sent_at !== null,
    }));
    return sendPage(reply, <MailboxPage ctx={ctx} mail={mail} to={filters.to} total={found.total} page={found.page} pages={found.pages} />);
  });
}
