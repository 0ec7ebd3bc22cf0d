/**
 * The staff second factor (issue 25, ADR 0037): the code step of signing in (a half signed-in state kept
 * by the browser, no session), the account page where staff set one up, and the guard that sends staff
 * whose role requires one and who have none to set it up before anything else.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import {
  finishCodeStep,
  finishSetup,
  mustSetUpSecondFactor,
  PENDING_MINUTES,
  removeOwnSecondFactor,
  renewRecoveryCodes,
  secondFactorStatus,
  setupInProgress,
  codeStepOpen,
  type CodeCheck,
} from '../../domain/accounts/second-factor.js';
import { minutesToWait } from '../../i18n/format.js';
import { contextFor, safeLocalPath } from '../context.js';
import { mustChangePassword, PASSWORD_PAGE, requireSignedIn } from '../guards.js';
import { clientIp, setSessionCookie } from '../plugins/session.js';
import { sendPage } from '../render.js';
import type { Messages } from '../views/forms.js';
import { CodeStepPage, SecondFactorPage } from '../views/second-factor.js';

export const SECOND_FACTOR_PAGE = '/account/second-factor';

/** The cookie of the half signed-in state: only the code step reads it. */
export function codeStepCookie(secure: boolean): string {
  return secure ? '__Secure-hr_code_step' : 'hr_code_step';
}
const COOKIE_PATH = '/sign-in';

/** Pages a staff member who must set up a second factor can still open. */
const OPEN_BEFORE_SECOND_FACTOR = new Set([
  SECOND_FACTOR_PAGE,
  PASSWORD_PAGE,
  '/sign-out',
  '/lang/:locale',
  // the installable app's files (routes/app.tsx): the setup page itself loads its script
  '/app.js',
  '/sw.js',
  '/manifest.webmanifest',
  '/offline',
  '/icons/:file',
]);

/**
 * The app-wide guard (a preHandler of every route): a signed-in staff member whose role the district
 * requires a second factor of, and who has none, is sent to set one up before any other page — after a
 * required new password, which comes first. Nothing is asked of anyone while the district requires it of
 * no role.
 */
export function secondFactorGuard(app: FastifyInstance) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const account = request.session?.account;
    if (!account || account.person_kind !== 'staff') return;
    const route = request.routeOptions.url;
    if (route === undefined || OPEN_BEFORE_SECOND_FACTOR.has(route) || mustChangePassword(account)) return;
    const required = (await app.services.districts.get()).settings.secondFactorRoles;
    if (required.length === 0) return;
    if (await mustSetUpSecondFactor(app.services.database.db, account, required)) return reply.redirect(SECOND_FACTOR_PAGE, 303);
  };
}

/** A refused code, as the field's message. */
function codeMessage(result: Exclude<CodeCheck, { kind: 'ok' }>): Messages[string] {
  if (result.kind === 'badFormat') return { key: 'twoFactor.error.format' };
  if (result.kind === 'wrongCode') return { key: 'twoFactor.error.wrong' };
  if (result.kind === 'wait') return { key: 'twoFactor.error.wait', params: { minutes: minutesToWait(result.retryAfterSeconds) } };
  return { key: 'twoFactor.error.locked', params: { hours: Math.max(1, Math.ceil(result.retryAfterSeconds / 3600)) } };
}
const statusOf = (result: Exclude<CodeCheck, { kind: 'ok' }>) => (result.kind === 'badFormat' ? 400 : result.kind === 'wrongCode' ? 401 : 429);

export async function secondFactorRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;
  const cookie = codeStepCookie(services.config.secure);
  const cookieOptions = { path: COOKIE_PATH, httpOnly: true, sameSite: 'lax' as const, secure: services.config.secure };
  const bodyOf = (request: FastifyRequest) => (request.body ?? {}) as Record<string, unknown>;
  const field = (body: Record<string, unknown>, name: string) => (typeof body[name] === 'string' ? (body[name] as string).slice(0, 40) : '');

  // ── the code step of signing in ──
  app.get<{ Querystring: { next?: string } }>('/sign-in/second-factor', async (request, reply) => {
    if (request.session) return reply.redirect('/home', 303);
    const token = request.cookies[cookie];
    if (!token || !(await codeStepOpen(db, token, services.now()))) return reply.redirect('/sign-in', 303);
    const ctx = await contextFor(app, request);
    const next = request.query.next === undefined ? undefined : safeLocalPath(request.query.next);
    return sendPage(reply, <CodeStepPage ctx={ctx} next={next} />);
  });

  app.post('/sign-in/second-factor', async (request, reply) => {
    const body = bodyOf(request);
    const next = typeof body.next === 'string' ? safeLocalPath(body.next) : undefined;
    const code = field(body, 'code');
    const ctx = await contextFor(app, request);
    if (!code.trim()) return sendPage(reply, <CodeStepPage ctx={ctx} next={next} errors={{ code: { key: 'twoFactor.error.required' } }} />, 400);
    const district = await services.districts.get();
    const result = await finishCodeStep(
      db,
      { token: request.cookies[cookie] ?? '', code, ip: clientIp(request), userAgent: request.headers['user-agent'] ?? null, settings: district.settings, replaces: request.session?.id ?? null },
      services.now(),
    );
    if (result.kind === 'ok') {
      reply.clearCookie(cookie, cookieOptions);
      setSessionCookie(app, reply, result.session);
      const to = next && next !== '/' ? next : '/home';
      return reply.redirect(result.recoveryCodesLeft === null ? to : `${SECOND_FACTOR_PAGE}?left=${result.recoveryCodesLeft}`, 303);
    }
    if (result.kind === 'expired') {
      reply.clearCookie(cookie, cookieOptions);
      return sendPage(reply, <CodeStepPage ctx={ctx} problem={ctx.t('twoFactor.signIn.expired', { minutes: PENDING_MINUTES })} />, 401);
    }
    if (result.kind === 'wait' || result.kind === 'locked') reply.header('retry-after', 'retryAfterSeconds' in result ? String(result.retryAfterSeconds) : '');
    return sendPage(reply, <CodeStepPage ctx={ctx} next={next} errors={{ code: codeMessage(result) }} />, statusOf(result));
  });

  // ── the account page ──
  app.register(async (account) => {
    account.addHook('preHandler', requireSignedIn);

    const page = async (request: FastifyRequest, reply: FastifyReply, extra: { errors?: Messages; recoveryCodes?: string[]; notice?: string | undefined } = {}, status = 200) => {
      const ctx = await contextFor(app, request);
      const me = request.session!.account;
      if (me.person_kind !== 'staff') return reply.callNotFound();
      const required = ctx.district.settings.secondFactorRoles;
      const status_ = await secondFactorStatus(db, me, required);
      const pending = status_.enrolled || extra.recoveryCodes ? null : await setupInProgress(db, me, ctx.district.portalName, services.now());
      const setup = pending ? { secret: pending.secret, qrSvg: await QRCode.toString(pending.uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }) } : null;
      return sendPage(
        reply,
        <SecondFactorPage ctx={ctx} setup={setup} enrolled={status_.enrolled} required={status_.required} recoveryCodesLeft={status_.recoveryCodesLeft} forced={status_.required && !status_.enrolled} {...extra} />,
        status,
      );
    };

    account.get<{ Querystring: { left?: string } }>(SECOND_FACTOR_PAGE, async (request, reply) => {
      const ctx = await contextFor(app, request);
      const left = request.query.left === undefined ? null : Number(request.query.left);
      const notice = left !== null && Number.isInteger(left) && left >= 0 && left <= 10 ? ctx.t('twoFactor.recovery.used', { count: left }) : undefined;
      return page(request, reply, { notice });
    });

    account.post(SECOND_FACTOR_PAGE, async (request, reply) => {
      const me = request.session!.account;
      if (me.person_kind !== 'staff') return reply.callNotFound();
      const code = field(bodyOf(request), 'code');
      if (!code.trim()) return page(request, reply, { errors: { code: { key: 'twoFactor.error.required' } } }, 400);
      const result = await finishSetup(db, { account: me, code, ip: clientIp(request) }, services.now());
      if (result.kind === 'done') return page(request, reply, { recoveryCodes: result.recoveryCodes });
      if (result.kind === 'notStarted' || result.kind === 'ok') return reply.redirect(SECOND_FACTOR_PAGE, 303);
      return page(request, reply, { errors: { code: codeMessage(result) } }, statusOf(result));
    });

    account.post(`${SECOND_FACTOR_PAGE}/recovery-codes`, async (request, reply) => {
      const me = request.session!.account;
      if (me.person_kind !== 'staff') return reply.callNotFound();
      const code = field(bodyOf(request), 'renewCode');
      if (!code.trim()) return page(request, reply, { errors: { renewCode: { key: 'twoFactor.error.required' } } }, 400);
      const result = await renewRecoveryCodes(db, { account: me, code, ip: clientIp(request) }, services.now());
      if (result.kind === 'done') return page(request, reply, { recoveryCodes: result.recoveryCodes });
      if (result.kind === 'notStarted' || result.kind === 'ok') return reply.redirect(SECOND_FACTOR_PAGE, 303);
      return page(request, reply, { errors: { renewCode: codeMessage(result) } }, statusOf(result));
    });

    account.post(`${SECOND_FACTOR_PAGE}/remove`, async (request, reply) => {
      const me = request.session!.account;
      if (me.person_kind !== 'staff') return reply.callNotFound();
      const code = field(bodyOf(request), 'removeCode');
      if (!code.trim()) return page(request, reply, { errors: { removeCode: { key: 'twoFactor.error.required' } } }, 400);
      const result = await removeOwnSecondFactor(db, { account: me, code, ip: clientIp(request) }, services.now());
      if (result.kind === 'ok') {
        const ctx = await contextFor(app, request);
        return page(request, reply, { notice: ctx.t('twoFactor.manage.removed') });
      }
      if (result.kind === 'notStarted') return reply.redirect(SECOND_FACTOR_PAGE, 303);
      return page(request, reply, { errors: { removeCode: codeMessage(result) } }, statusOf(result));
    });
  });
}

/** Sets the half signed-in state's cookie after the right password (routes/sign-in.tsx). */
export function setCodeStepCookie(app: FastifyInstance, reply: FastifyReply, token: string): void {
  reply.setCookie(codeStepCookie(app.services.config.secure), token, { path: COOKIE_PATH, httpOnly: true, sameSite: 'lax', secure: app.services.config.secure, maxAge: PENDING_MINUTES * 60 });
}
