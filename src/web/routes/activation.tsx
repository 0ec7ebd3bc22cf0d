/** Activation keys: redeeming one (public), and issuing them (office staff and administrators). */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { activateAccount, checkActivationKey, issueKeysForStudents, type Skipped } from '../../domain/accounts/activation.js';
import { activationInput, activationKeyInput, guardianLinkInput, issueKeysInput } from '../../domain/accounts/schemas.js';
import { changeGuardianLink } from '../../domain/people/guardian-links.js';
import { GuardianLinksPage } from '../views/staff-links.js';
import { MAX_PASSWORD_LENGTH } from '../../domain/accounts/password-policy.js';
import { localDate } from '../../domain/calendar/dates.js';
import { parseInput } from '../../domain/forms.js';
import { officeScope } from '../../domain/access/staff.js';
import { officeStaff, requireStaff } from '../guards.js';
import { activationCsv, activationLetters } from '../../documents/activation-letters.js';
import { contextFor } from '../context.js';
import { clientIp } from '../plugins/session.js';
import { sendPage } from '../render.js';
import { ActivateKeyPage, CreateAccountPage, StaffKeysPage } from '../views/activation.js';
import { fromFieldErrors } from '../views/forms.js';
import { MessagePage } from '../views/pages.js';
import { minutesToWait } from '../../i18n/format.js';

export async function activationRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;
  const ctxOf = (request: FastifyRequest) => contextFor(app, request);
  const text = (body: unknown, name: string, max = 254) => {
    const v = (body as Record<string, unknown> | undefined)?.[name];
    return typeof v === 'string' ? v.slice(0, max) : '';
  };

  app.get('/activate', async (request, reply) => sendPage(reply, <ActivateKeyPage ctx={await ctxOf(request)} />));

  app.post('/activate', async (request, reply) => {
    const ctx = await ctxOf(request);
    const parsed = parseInput(activationKeyInput, request.body);
    if (!parsed.ok) return sendPage(reply, <ActivateKeyPage ctx={ctx} errors={fromFieldErrors(parsed.errors)} key={text(request.body, 'key', 40)} />, 400);
    const result = await checkActivationKey(db, parsed.data.key, clientIp(request), services.now());
    if (result.kind === 'wait') {
      reply.header('retry-after', String(result.retryAfterSeconds));
      return sendPage(reply, <ActivateKeyPage ctx={ctx} problem={ctx.t('activate.tooMany', { minutes: minutesToWait(result.retryAfterSeconds) })} />, 429);
    }
    if (result.kind === 'invalid') return sendPage(reply, <ActivateKeyPage ctx={ctx} problem={ctx.t('activate.invalid')} key={parsed.data.key} />, 400);
    const { holder } = result;
    return sendPage(
      reply,
      <CreateAccountPage
        ctx={ctx}
        keyValue={parsed.data.key}
        name={`${holder.firstName} ${holder.lastName}`}
        fixedUsername={holder.fixedUsername}
        minLength={ctx.district.settings.passwordMinLength}
        reset={holder.resetAccount !== null}
      />,
    );
  });

  app.post('/activate/account', async (request, reply) => {
    const ctx = await ctxOf(request);
    const minLength = ctx.district.settings.passwordMinLength;
    const key = text(request.body, 'key', 40);
    const checked = await checkActivationKey(db, key, clientIp(request), services.now());
    if (checked.kind === 'wait') {
      reply.header('retry-after', String(checked.retryAfterSeconds));
      return sendPage(reply, <ActivateKeyPage ctx={ctx} problem={ctx.t('activate.tooMany', { minutes: minutesToWait(checked.retryAfterSeconds) })} />, 429);
    }
    if (checked.kind !== 'ok') return sendPage(reply, <ActivateKeyPage ctx={ctx} problem={ctx.t('activate.invalid')} />, 400);
    const { holder } = checked;
    const show = (errors: ReturnType<typeof fromFieldErrors>, status: number) =>
      sendPage(
        reply,
        <CreateAccountPage
          ctx={ctx}
          keyValue={key}
          name={`${holder.firstName} ${holder.lastName}`}
          fixedUsername={holder.fixedUsername}
          minLength={minLength}
          reset={holder.resetAccount !== null}
          errors={errors}
          username={text(request.body, 'username', 64)}
          email={text(request.body, 'email')}
        />,
        status,
      );
    const parsed = parseInput(activationInput, request.body);
    if (!parsed.ok) return show(fromFieldErrors(parsed.errors), 400);
    const result = await activateAccount(
      db,
      {
        key,
        username: parsed.data.username ?? null,
        password: parsed.data.password,
        minLength,
        locale: ctx.locale,
        ip: clientIp(request),
        email: parsed.data.email ?? null,
        baseUrl: services.config.baseUrl,
        district: ctx.district,
      },
      services.now(),
    );
    if (result.kind === 'invalid') return sendPage(reply, <ActivateKeyPage ctx={ctx} problem={ctx.t('activate.invalid')} />, 400);
    if (result.kind === 'wait') {
      reply.header('retry-after', String(result.retryAfterSeconds));
      return show({ username: { key: 'activate.tooManyTaken', params: { minutes: minutesToWait(result.retryAfterSeconds) } } }, 429);
    }
    if (result.kind === 'problem') {
      const messageKey =
        result.problem === 'usernameInvalid' ? 'activate.usernameInvalid' : result.problem === 'usernameTaken' ? 'activate.usernameTaken' : (`password.${result.problem}` as const);
      return show({ [result.field]: { key: messageKey, params: { min: minLength, max: MAX_PASSWORD_LENGTH } } }, result.problem === 'usernameTaken' ? 409 : 400);
    }
    if (result.kind === 'reset') {
      let body = ctx.t('activate.resetDone', { username: result.username });
      if (parsed.data.email) body += ` ${ctx.t('activate.doneEmail', { email: parsed.data.email })}`;
      return sendPage(reply, <MessagePage ctx={ctx} title={ctx.t('activate.resetTitle')} body={body} />);
    }
    let notice = ctx.t('activate.done', { username: result.username });
    if (parsed.data.email) notice += ` ${ctx.t('activate.doneEmail', { email: parsed.data.email })}`;
    return sendPage(reply, <MessagePage ctx={ctx} title={ctx.t('activate.createTitle')} body={notice} />);
  });

  // ── staff: issue keys ─────────────────────────────────────────────────────────────────────────────
  const staffOnly = requireStaff(app, officeStaff);

  app.get('/staff/guardian-links', { preHandler: staffOnly }, async (request, reply) =>
    sendPage(reply, <GuardianLinksPage ctx={await ctxOf(request)} />),
  );

  app.post('/staff/guardian-links', { preHandler: staffOnly }, async (request, reply) => {
    const ctx = await ctxOf(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const action = body.action === 'unlink' ? 'unlink' : 'link';
    // The two forms prefix their fields ("link-username"); the domain schema has plain names.
    const input = {
      action,
      username: body[`${action}-username`],
      studentNumber: body[`${action}-studentNumber`],
      relationship: body.relationship,
    };
    const values = { username: text(input, 'username'), studentNumber: text(input, 'studentNumber', 20) };
    const parsed = parseInput(guardianLinkInput, input);
    if (!parsed.ok) return sendPage(reply, <GuardianLinksPage ctx={ctx} errors={fromFieldErrors(parsed.errors)} action={action} values={values} />, 400);
    const account = request.session!.account;
    const result = await changeGuardianLink(
      db,
      {
        scope: await officeScope(db, account.staff_id),
        actorAccountId: account.id,
        username: parsed.data.username,
        studentNumber: parsed.data.studentNumber,
        relationship: parsed.data.relationship,
        link: parsed.data.action === 'link',
        ip: clientIp(request),
      },
      services.now(),
    );
    if (result.kind === 'problem') {
      const status = result.problem === 'noAccount' || result.problem === 'noStudent' ? 404 : result.problem === 'revoked' ? 403 : 409;
      return sendPage(reply, <GuardianLinksPage ctx={ctx} errors={{ [result.field]: { key: `links.${result.problem}` } }} action={action} values={values} />, status);
    }
    const notice = ctx.t(parsed.data.action === 'link' ? 'links.linked' : 'links.unlinked', { parent: result.parent, student: result.student });
    return sendPage(reply, <GuardianLinksPage ctx={ctx} notice={notice} />);
  });

  app.get('/staff/activation-keys', { preHandler: staffOnly }, async (request, reply) =>
    sendPage(reply, <StaffKeysPage ctx={await ctxOf(request)} />),
  );

  app.post('/staff/activation-keys', { preHandler: staffOnly }, async (request, reply) => {
    const ctx = await ctxOf(request);
    const typed = text(request.body, 'numbers', 20_000);
    const parsed = parseInput(issueKeysInput, request.body);
    if (!parsed.ok) return sendPage(reply, <StaffKeysPage ctx={ctx} errors={fromFieldErrors(parsed.errors)} numbers={typed} />, 400);
    const account = request.session!.account;
    const result = await issueKeysForStudents(
      db,
      {
        scope: await officeScope(db, account.staff_id),
        numbers: parsed.data.numbers,
        include: parsed.data.include,
        issuedBy: account.id,
        days: ctx.district.settings.activationKeyDays,
        confirmed: parsed.data.confirm === '1',
      },
      services.now(),
    );
    const why = (s: Skipped) =>
      s.reason === 'unknown' ? ctx.t('staffKeys.unknown', { number: s.number }) : s.reason === 'hasAccount' ? ctx.t('staffKeys.hasAccount', { name: s.recipient }) : ctx.t('staffKeys.noGuardian', { name: s.recipient });
    if (result.kind === 'check') {
      // Nothing made yet: every number and person that would be skipped, and why, then "issue the rest".
      const values = { numbers: typed, include: parsed.data.include, format: parsed.data.format };
      return sendPage(reply, <StaffKeysPage ctx={ctx} numbers={typed} values={values} check={{ reasons: result.skipped.map(why), recipients: result.recipients }} />);
    }
    if (result.kind === 'outside') {
      // Numbers of students of other schools answer as numbers that name nobody (404): no hint that they exist.
      const reasons = result.numbers.map((number) => ctx.t('staffKeys.unknown', { number })).join('; ');
      return sendPage(reply, <StaffKeysPage ctx={ctx} problem={ctx.t('staffKeys.none', { reasons })} numbers={typed} />, 404);
    }
    if (result.kind === 'none') {
      const reasons = result.skipped.map(why).join('; ');
      return sendPage(reply, <StaffKeysPage ctx={ctx} problem={ctx.t('staffKeys.none', { reasons })} numbers={typed} />, 422);
    }
    const { issued } = result;
    // The district's date, not UTC's: at 9:40 p.m. in Chicago on Dec 5 the file is still Dec 5's.
    const stamp = localDate(services.now(), ctx.district.timeZone);
    if (parsed.data.format === 'csv') {
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="activation-keys-${stamp}.csv"`)
        .header('cache-control', 'no-store')
        .send(activationCsv(issued, ctx.district.timeZone));
    }
    const pdf = await activationLetters(issued, { ...ctx.district, baseUrl: services.config.baseUrl });
    return reply
      .header('content-type', 'application/pdf')
      .header('content-disposition', `attachment; filename="activation-letters-${stamp}.pdf"`)
      .header('cache-control', 'no-store')
      .send(pdf);
  });
}
