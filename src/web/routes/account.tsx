/** The signed-in person's own pages: Home, Account Settings, password. */
import { unreadByStudent } from '../../domain/messages/service.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { changePassword } from '../../domain/accounts/password-change.js';
import { hasSecondFactor } from '../../domain/accounts/second-factor.js';
import { MAX_PASSWORD_LENGTH } from '../../domain/accounts/password-policy.js';
import { findAccountById } from '../../domain/accounts/repository.js';
import { changePasswordInput, pinInput, securityEmailInput } from '../../domain/accounts/schemas.js';
import { updatePin } from '../../domain/accounts/pin.js';
import { needsSecuritySetup, requestSecurityEmail, setupWithoutPassword, skipSecuritySetup } from '../../domain/accounts/security-email.js';
import { pendingEmailOf } from '../../domain/accounts/repository.js';
import { confirmedEmail } from '../../domain/accounts/mail.js';
import { endSession, sessionsOf, signOutEverywhere } from '../../domain/accounts/sessions.js';
import { feedStatus } from '../../domain/portal/calendar-feed.js';
import { familyHomeOf } from '../../domain/portal/home.js';
import { todayOf } from '../../domain/portal/today.js';
import { toolOfPage, toolUrl } from '../../domain/portal/tools.js';
import { staffToolsFor } from '../../domain/staff/tools.js';
import { staffAbilities } from '../../domain/access/staff.js';
import { localDate } from '../../domain/calendar/dates.js';
import { parseInput, recordId } from '../../domain/forms.js';
import { staffRoles } from '../../domain/people/visibility.js';
import { formatInstant } from '../../email/templates.js';
import { contextFor, messageReaderOf, safeLocalPath, STUDENT_COOKIE } from '../context.js';
import { mustChangePassword, requireSignedIn } from '../guards.js';
import { describeDevice } from '../device.js';
import { todayInput } from '../today-input.js';
import { TodayPage } from '../views/tools/today.js';
import { clearSessionCookie, clientIp, knownDevice } from '../plugins/session.js';
import { sendPage } from '../render.js';
import { AccountSettingsPage, HomePage, PasswordPage, PinPage } from '../views/account.js';
import { SecurityEmailPage } from '../views/recovery.js';
import { fromFieldErrors, type Messages } from '../views/forms.js';
import { minutesToWait } from '../../i18n/format.js';

export async function accountRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;
  const ctxOf = (request: FastifyRequest) => contextFor(app, request);

  // Every route of this plugin needs a signed-in person.
  app.addHook('preHandler', requireSignedIn);

  // The student switcher: which child the portal's pages show. Only a student the account may see.
  app.post('/students/current', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const ctx = await ctxOf(request);
    const wanted = recordId(body.studentId) ?? NaN;
    const student = ctx.students?.find((s) => s.id === wanted);
    if (!student) return reply.callNotFound();
    reply.setCookie(STUDENT_COOKIE, String(student.id), { path: '/', sameSite: 'lax', httpOnly: true, secure: services.config.secure });
    // On a student's tool page (/students/7/grades/12), go to the same tool of the chosen student.
    const from = safeLocalPath(body.next);
    const tool = toolOfPage(from);
    const next = tool ? toolUrl(student.id, tool) : from;
    return reply.redirect(next, 303);
  });

  app.get<{ Querystring: { changed?: string } }>('/home', async (request, reply) => {
    const ctx = await ctxOf(request);
    const account = request.session!.account;
    const students = ctx.students ?? [];
    const notice = request.query.changed !== undefined ? ctx.t('password.changed') : undefined;
    const now = services.now();
    // A student's Home is their Today, with every tool one tap away.
    const self = account.person_kind === 'student' ? students[0] : undefined;
    if (self && ctx.district.settings.tools.today) {
      ctx.student = self;
      const view = await todayOf(db, todayInput(ctx, now, self, account));
      return sendPage(reply, <TodayPage ctx={ctx} student={self} today={view} notice={notice} />);
    }
    // A parent's Home: each child as a card, read from the same Today.
    const first = account.person_kind === 'guardian' ? students[0] : undefined;
    const children = first ? await familyHomeOf(db, { ...todayInput(ctx, now, first, account), students }) : [];
    const roles = account.staff_id ? await staffRoles(db, account.staff_id) : [];
    const tools = account.staff_id ? staffToolsFor(await staffAbilities(db, account.staff_id, localDate(now, ctx.district.timeZone))) : [];
    // The header's reader (the district's end of access at 18 and the students' answers included): the cards add up to its count.
    const reader = first && ctx.unreadMessages ? await messageReaderOf(app, request, ctx) : null;
    const unread = reader ? await unreadByStudent(db, reader) : undefined;
    return sendPage(reply, <HomePage ctx={ctx} students={students} children={children} roles={roles} tools={tools} notice={notice} unread={unread} />);
  });

  app.get('/account/pin', async (request, reply) => {
    const ctx = await ctxOf(request);
    return sendPage(reply, <PinPage ctx={ctx} hasPin={Boolean(request.session!.account.pin_hash)} pinEnabled={ctx.district.settings.eSignaturePinEnabled} />);
  });
  app.post('/account/pin', async (request, reply) => {
    const ctx = await ctxOf(request);
    const account = request.session!.account;
    const show = (errors: Messages, status: number) =>
      sendPage(reply, <PinPage ctx={ctx} hasPin={Boolean(account.pin_hash)} pinEnabled={ctx.district.settings.eSignaturePinEnabled} errors={errors} />, status);
    const parsed = parseInput(pinInput, request.body);
    if (!parsed.ok) return show(fromFieldErrors(parsed.errors), 400);
    const result = await updatePin(
      db,
      { account, pin: parsed.data.action === 'save' ? parsed.data.pin : null, password: parsed.data.password, ip: clientIp(request), device: knownDevice(app, request) },
      services.now(),
    );
    if (result.kind === 'missingPassword') return show({ password: { key: 'form.required' } }, 400);
    if (result.kind === 'wrongPassword') return show({ password: { key: 'password.wrongCurrent' } }, 401);
    if (result.kind === 'wait') {
      reply.header('retry-after', String(result.retryAfterSeconds));
      return show({ password: { key: 'signIn.wait', params: { minutes: minutesToWait(result.retryAfterSeconds) } } }, 429);
    }
    return reply.redirect(`/account?pin=${result.kind}`, 303);
  });

  app.get<{ Querystring: { ended?: string; pin?: string; feed?: string } }>('/account', async (request, reply) => {
    const ctx = await ctxOf(request);
    const session = request.session!;
    const account = session.account;
    const when = (iso: string) => formatInstant(new Date(iso), ctx.locale, ctx.district.timeZone);
    const sessions = (await sessionsOf(db, account.id, ctx.district.settings, services.now())).map((s) => ({
      current: s.id === session.id,
      createdAt: when(s.created_at),
      lastSeenAt: when(s.last_seen_at),
      device: describeDevice(s.user_agent),
    }));
    return sendPage(
      reply,
      <AccountSettingsPage
        ctx={ctx}
        securityEmail={account.security_email}
        emailConfirmed={Boolean(account.security_email_confirmed_at)}
        hasPin={Boolean(account.pin_hash)}
        pinEnabled={ctx.district.settings.eSignaturePinEnabled}
        sessions={sessions}
        secondFactor={account.person_kind === 'staff' ? await hasSecondFactor(db, account.id) : null}
        calendarFeed={(account.person_kind === 'student' || account.person_kind === 'guardian') && ctx.district.settings.tools.calendar ? (await feedStatus(db, account.id)) !== null : null}
        notice={
          request.query.ended !== undefined
            ? `${ctx.t('account.othersEnded')}${request.query.feed === 'ended' ? ` ${ctx.t('account.feedEnded')}` : ''}`
            : request.query.pin === 'saved'
              ? ctx.t('pin.saved')
              : request.query.pin === 'removed'
                ? ctx.t('pin.removed')
                : undefined
        }
      />,
    );
  });

  app.post('/account/sessions/end-others', async (request, reply) => {
    const session = request.session!;
    const { district } = await ctxOf(request);
    const { feedEnded } = await signOutEverywhere(db, { account: session.account, keep: session.id, ip: clientIp(request), district }, services.now());
    return reply.redirect(feedEnded ? '/account?ended=1&feed=ended' : '/account?ended=1', 303);
  });

  app.post('/account/sessions/end-all', async (request, reply) => {
    const { district } = await ctxOf(request);
    const { feedEnded } = await signOutEverywhere(db, { account: request.session!.account, keep: null, ip: clientIp(request), district }, services.now());
    clearSessionCookie(app, reply);
    return reply.redirect(feedEnded ? '/sign-in?signedOut=1&feed=ended' : '/sign-in?signedOut=1', 303);
  });

  app.get('/account/password', async (request, reply) => {
    const ctx = await ctxOf(request);
    const forced = mustChangePassword(request.session!.account);
    return sendPage(reply, <PasswordPage ctx={ctx} forced={forced} minLength={ctx.district.settings.passwordMinLength} />);
  });

  app.post('/account/password', async (request, reply) => {
    const ctx = await ctxOf(request);
    const session = request.session!;
    const forced = mustChangePassword(session.account);
    const minLength = ctx.district.settings.passwordMinLength;
    const show = (errors: Messages, status: number) =>
      sendPage(reply, <PasswordPage ctx={ctx} forced={forced} minLength={minLength} errors={errors} />, status);

    const parsed = parseInput(changePasswordInput, request.body);
    if (!parsed.ok) return show(fromFieldErrors(parsed.errors), 400);
    const account = await findAccountById(db, session.account.id);
    if (!account) return reply.redirect('/sign-in', 303);
    const result = await changePassword(
      db,
      {
        account,
        current: parsed.data.current,
        password: parsed.data.password,
        sessionId: session.id,
        sessionStartedAt: session.startedAt,
        ip: clientIp(request),
        device: knownDevice(app, request),
        minLength,
        district: ctx.district,
      },
      services.now(),
    );
    if (result.kind === 'signInAgain') {
      await endSession(db, session.id);
      clearSessionCookie(app, reply);
      return reply.redirect('/sign-in?next=%2Faccount%2Fpassword', 303);
    }
    if (result.kind === 'wait') {
      reply.header('retry-after', String(result.retryAfterSeconds));
      return show({ current: { key: 'signIn.wait', params: { minutes: minutesToWait(result.retryAfterSeconds) } } }, 429);
    }
    if (result.kind === 'problem') {
      const key =
        result.problem === 'wrongCurrent' ? 'password.wrongCurrent' : result.problem === 'missingCurrent' ? 'form.required' : (`password.${result.problem}` as const);
      return show({ [result.field]: { key, params: { min: minLength, max: MAX_PASSWORD_LENGTH } } }, result.problem === 'wrongCurrent' ? 401 : 400);
    }
    const after = await findAccountById(db, session.account.id);
    return reply.redirect(after && needsSecuritySetup(after) ? '/account/security-setup' : '/home?changed=1', 303);
  });

  // ── account security email: first-sign-in setup, and editing it later ───────────────────────────
  const emailPage = async (request: FastifyRequest, reply: FastifyReply, setup: boolean, extra: { sentTo?: string; errors?: Messages; email?: string } = {}, status = 200) => {
    const ctx = await ctxOf(request);
    const session = request.session!;
    const account = session.account;
    const now = services.now();
    const pending = await pendingEmailOf(db, account.id, now.toISOString());
    const askPassword = !setupWithoutPassword(account, session.startedAt, now);
    return sendPage(
      reply,
      <SecurityEmailPage ctx={ctx} setup={setup} askPassword={askPassword} current={confirmedEmail(account)} pending={pending} {...extra} />,
      status,
    );
  };
  const postEmail = (setup: boolean) => async (request: FastifyRequest, reply: FastifyReply) => {
    // The setup is for an account that has neither a confirmed address nor skipped it; anyone else
    // changes the address in Account Settings, with the password.
    if (setup && !needsSecuritySetup(request.session!.account)) return reply.redirect('/account/security-email', 303);
    const ctx = await ctxOf(request);
    const parsed = parseInput(securityEmailInput, request.body);
    const typed = String((request.body as Record<string, unknown> | undefined)?.email ?? '').slice(0, 254);
    if (!parsed.ok) return emailPage(request, reply, setup, { errors: fromFieldErrors(parsed.errors), email: typed }, 400);
    const account = await findAccountById(db, request.session!.account.id);
    if (!account) return reply.redirect('/sign-in', 303);
    const result = await requestSecurityEmail(
      db,
      {
        account,
        email: parsed.data.email,
        password: parsed.data.password ?? null,
        sessionStartedAt: request.session!.startedAt,
        device: knownDevice(app, request),
        ip: clientIp(request),
        baseUrl: services.config.baseUrl,
        district: ctx.district,
      },
      services.now(),
    );
    if (result.kind === 'missingPassword') {
      return emailPage(request, reply, setup, { errors: { password: { key: 'form.required' } }, email: parsed.data.email }, 400);
    }
    if (result.kind === 'wrongPassword') {
      return emailPage(request, reply, setup, { errors: { password: { key: 'password.wrongCurrent' } }, email: parsed.data.email }, 401);
    }
    if (result.kind === 'wait') {
      reply.header('retry-after', String(result.retryAfterSeconds));
      return emailPage(request, reply, setup, { errors: { password: { key: 'signIn.wait', params: { minutes: minutesToWait(result.retryAfterSeconds) } } } }, 429);
    }
    return emailPage(request, reply, setup, { sentTo: result.email });
  };

  app.get('/account/security-email', async (request, reply) => emailPage(request, reply, false));
  app.post('/account/security-email', postEmail(false));
  app.get('/account/security-setup', async (request, reply) => {
    if (!needsSecuritySetup(request.session!.account)) return reply.redirect('/home', 303);
    return emailPage(request, reply, true);
  });
  app.post('/account/security-setup', postEmail(true));
  app.post('/account/security-setup/skip', async (request, reply) => {
    const account = request.session!.account;
    if (needsSecuritySetup(account)) await skipSecuritySetup(db, account, clientIp(request), services.now());
    return reply.redirect('/home', 303);
  });
}
