/** The public account request form, and the office staff's queue of requests. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseInput, recordId } from '../../domain/forms.js';
import { officeScope } from '../../domain/access/staff.js';
import { actOnAccountRequest, listAccountRequests, openAccountRequest, redactRequestComment, submitAccountRequest, viewAccountRequest } from '../../domain/requests/account-requests.js';
import { looksLikePassword } from '../../domain/requests/password-check.js';
import { accountRequestInput, requestActionInput, requestListInput } from '../../domain/requests/schemas.js';
import { formatInstant } from '../../email/templates.js';
import type { MessageKey } from '../../i18n/index.js';
import { contextFor } from '../context.js';
import { officeStaff, requireStaff } from '../guards.js';
import { clientIp } from '../plugins/session.js';
import { sendPage } from '../render.js';
import { fromFieldErrors } from '../views/forms.js';
import { KeyIssuedPage, RequestAccountPage, RequestReceivedPage, StaffRequestPage, StaffRequestsPage, type RequestFormValues } from '../views/requests.js';
import { MessagePage } from '../views/pages.js';
import { minutesToWait } from '../../i18n/format.js';

/** What the person typed, to show the form again: strings only, bounded. */
function typedValues(body: unknown): RequestFormValues {
  const b = (body ?? {}) as Record<string, unknown>;
  const str = (name: string, max: number) => (typeof b[name] === 'string' ? (b[name] as string).slice(0, max) : undefined);
  const list = (name: string) => {
    const v = b[name];
    return (Array.isArray(v) ? v : [v]).filter((x): x is string => x === 'student' || x === 'parent');
  };
  return {
    studentFirstName: str('studentFirstName', 100),
    studentLastName: str('studentLastName', 100),
    studentNumber: str('studentNumber', 20),
    studentEmail: str('studentEmail', 254),
    resetFor: list('resetFor'),
    newFor: list('newFor'),
    parentFirstName: str('parentFirstName', 100),
    parentLastName: str('parentLastName', 100),
    parentEmail: str('parentEmail', 254),
    comments: str('comments', 2000),
  };
}

export async function requestRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;
  const ctxOf = (request: FastifyRequest) => contextFor(app, request);

  app.get('/request-account', async (request, reply) => sendPage(reply, <RequestAccountPage ctx={await ctxOf(request)} />));

  app.post('/request-account', async (request, reply) => {
    const ctx = await ctxOf(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const parsed = parseInput(accountRequestInput, body);
    if (!parsed.ok) return sendPage(reply, <RequestAccountPage ctx={ctx} errors={fromFieldErrors(parsed.errors)} values={typedValues(body)} />, 400);
    // "Never submit passwords": a comment that looks like one comes back to be edited, or sent as it is
    // by the second button; nothing is kept until then (and this page is not stored by the browser).
    const form = parsed.data;
    if (body.sendAnyway !== 'yes' && looksLikePassword(form.comments, { studentNumber: form.studentNumber, emails: [form.studentEmail, form.parentEmail] })) {
      return sendPage(reply.header('cache-control', 'no-store'), <RequestAccountPage ctx={ctx} values={typedValues(body)} passwordWarning />);
    }
    const result = await submitAccountRequest(
      db,
      { form: parsed.data, honeypot: typeof body.website === 'string' && body.website.trim() !== '', locale: ctx.locale, ip: clientIp(request) },
      services.now(),
    );
    if (result.kind === 'wait') {
      reply.header('retry-after', String(result.retryAfterSeconds));
      return sendPage(
        reply,
        <MessagePage ctx={ctx} title={ctx.t('error.tooMany.title')} body={ctx.t('recover.tooMany', { minutes: minutesToWait(result.retryAfterSeconds) })} />,
        429,
      );
    }
    // Post/redirect/get: reloading the confirmation does not send the form again.
    return reply.redirect('/request-account/received', 303);
  });

  app.get('/request-account/received', async (request, reply) => sendPage(reply, <RequestReceivedPage ctx={await ctxOf(request)} />));

  // ── staff ──────────────────────────────────────────────────────────────────────────────────────────
  const staffOnly = requireStaff(app, officeStaff);

  app.get('/staff/account-requests', { preHandler: staffOnly }, async (request, reply) => {
    const ctx = await ctxOf(request);
    const filter = requestListInput.parse(request.query ?? {});
    const scope = await officeScope(db, request.session!.account.staff_id);
    const { items, total } = await listAccountRequests(db, scope, filter);
    const when = (iso: string) => formatInstant(new Date(iso), ctx.locale, ctx.district.timeZone);
    return sendPage(reply, <StaffRequestsPage ctx={ctx} items={items} total={total} filter={filter} when={when} />);
  });


  app.get<{ Params: { id: string }; Querystring: { done?: string } }>('/staff/account-requests/:id', { preHandler: staffOnly }, async (request, reply) => {
    const id = recordId(request.params.id);
    if (id === null) return reply.callNotFound();
    const account = request.session!.account;
    const detail = await viewAccountRequest(db, { scope: await officeScope(db, account.staff_id), actorAccountId: account.id, ip: clientIp(request) }, id, services.now());
    if (!detail) return reply.callNotFound();
    const ctx = await ctxOf(request);
    const when = (iso: string) => formatInstant(new Date(iso), ctx.locale, ctx.district.timeZone);
    const done = request.query.done;
    const notice = done && ['reset_sent', 'activation_sent', 'closed', 'comment_redacted'].includes(done) ? ctx.t(`requests.done.${done}` as MessageKey) : undefined;
    return sendPage(reply, <StaffRequestPage ctx={ctx} detail={detail} when={when} notice={notice} />);
  });

  app.post<{ Params: { id: string } }>('/staff/account-requests/:id/redact-comment', { preHandler: staffOnly }, async (request, reply) => {
    const id = recordId(request.params.id);
    if (id === null) return reply.callNotFound();
    const account = request.session!.account;
    const scope = await officeScope(db, account.staff_id);
    const result = await redactRequestComment(db, { scope, actorAccountId: account.id, requestId: id, ip: clientIp(request) }, services.now());
    if (result === 'missing') return reply.callNotFound();
    if (result === 'none') {
      const ctx = await ctxOf(request);
      const detail = await openAccountRequest(db, scope, id);
      if (!detail) return reply.callNotFound();
      const when = (iso: string) => formatInstant(new Date(iso), ctx.locale, ctx.district.timeZone);
      return sendPage(reply, <StaffRequestPage ctx={ctx} detail={detail} when={when} problem={ctx.t('requests.noComment')} />, 409);
    }
    return reply.redirect(`/staff/account-requests/${id}?done=comment_redacted`, 303);
  });

  app.post<{ Params: { id: string } }>('/staff/account-requests/:id', { preHandler: staffOnly }, async (request, reply) => {
    const id = recordId(request.params.id);
    if (id === null) return reply.callNotFound();
    const ctx = await ctxOf(request);
    const account = request.session!.account;
    const scope = await officeScope(db, account.staff_id);
    const when = (iso: string) => formatInstant(new Date(iso), ctx.locale, ctx.district.timeZone);
    const again = async (status: number, extra: { problem?: string; errors?: ReturnType<typeof fromFieldErrors> }) => {
      const detail = await openAccountRequest(db, scope, id);
      if (!detail) return reply.callNotFound();
      return sendPage(reply, <StaffRequestPage ctx={ctx} detail={detail} when={when} {...extra} />, status);
    };
    const parsed = parseInput(requestActionInput, request.body);
    if (!parsed.ok) return again(400, { errors: fromFieldErrors(parsed.errors) });
    const result = await actOnAccountRequest(
      db,
      {
        scope,
        actorAccountId: account.id,
        requestId: id,
        action: parsed.data,
        baseUrl: services.config.baseUrl,
        district: ctx.district,
        keyDays: ctx.district.settings.activationKeyDays,
        ip: clientIp(request),
      },
      services.now(),
    );
    if (result.kind === 'missing') return reply.callNotFound();
    if (result.kind === 'problem') {
      const status = result.problem === 'notFound' ? 404 : result.problem === 'notAllowed' ? 403 : 409;
      return again(status, { problem: ctx.t(`requests.problem.${result.problem}`) });
    }
    if (result.key) {
      return sendPage(
        reply.header('cache-control', 'no-store'),
        <KeyIssuedPage ctx={ctx} requestId={id} issued={result.key} notified={result.notified} when={formatInstant(result.key.expiresAt, ctx.locale, ctx.district.timeZone)} />,
      );
    }
    const done = result.outcome.startsWith('closed_') ? 'closed' : result.outcome;
    return reply.redirect(`/staff/account-requests/${id}?done=${done}`, 303);
  });
}
