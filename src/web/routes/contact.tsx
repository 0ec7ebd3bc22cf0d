/** A parent's contact information and change requests; the office's review of them. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseInput, recordId } from '../../domain/forms.js';
import { officeScope } from '../../domain/access/staff.js';
import { MAX_EMERGENCY_CONTACTS } from '../../domain/people/contact-people.js';
import {
  contactInfo,
  decideChangeRequest,
  FORM_NAMES,
  listChangeRequests,
  openChangeRequest,
  viewChangeRequest,
  requestContactChanges,
  withdrawContactChanges,
  type ContactField,
} from '../../domain/requests/contact-changes.js';
import { changeDecisionInput, contactChangeInput } from '../../domain/requests/schemas.js';
import { formatInstant } from '../../email/templates.js';
import { contextFor } from '../context.js';
import { officeStaff, redirectToSignIn, requireStaff } from '../guards.js';
import { clientIp } from '../plugins/session.js';
import { sendPage } from '../render.js';
import { ContactPage, StaffChangePage, StaffChangesPage } from '../views/contact.js';
import { fromFieldErrors } from '../views/forms.js';

export async function contactRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;
  const ctxOf = (request: FastifyRequest) => contextFor(app, request);
  const whenFor = (ctx: Awaited<ReturnType<typeof ctxOf>>) => (iso: string) => formatInstant(new Date(iso), ctx.locale, ctx.district.timeZone);

  /** Only parents and guardians have contact data here; anyone else gets the not-found page. */
  const guardianOnly = async (request: FastifyRequest, reply: FastifyReply) => {
    if (redirectToSignIn(request, reply)) return reply;
    if (!request.session!.account.guardian_id) return reply.callNotFound();
  };

  app.get<{ Querystring: { sent?: string } }>('/account/contact', { preHandler: guardianOnly }, async (request, reply) => {
    const ctx = await ctxOf(request);
    const info = await contactInfo(db, request.session!.account.guardian_id!);
    if (!info) return reply.callNotFound();
    const sent = request.query.sent;
    const notice = sent === 'updated' ? ctx.t('changes.sentNotice') : sent === 'withdrawn' ? ctx.t('changes.withdrawnNotice') : sent === 'none' ? ctx.t('changes.noChanges') : undefined;
    return sendPage(reply, <ContactPage ctx={ctx} info={info} when={whenFor(ctx)} notice={notice} />);
  });

  app.post('/account/contact', { preHandler: guardianOnly }, async (request, reply) => {
    const account = request.session!.account;
    const parsed = parseInput(contactChangeInput, request.body);
    if (!parsed.ok) {
      const ctx = await ctxOf(request);
      const info = await contactInfo(db, account.guardian_id!);
      if (!info) return reply.callNotFound();
      const body = (request.body ?? {}) as Record<string, unknown>;
      const values = Object.fromEntries(
        (Object.entries(FORM_NAMES) as [ContactField, string][]).map(([field, name]) => [field, typeof body[name] === 'string' ? (body[name] as string).slice(0, 254) : '']),
      );
      return sendPage(reply, <ContactPage ctx={ctx} info={info} when={whenFor(ctx)} errors={fromFieldErrors(parsed.errors)} values={values} />, 400);
    }
    const result = await requestContactChanges(db, { accountId: account.id, guardianId: account.guardian_id!, values: parsed.data, ip: clientIp(request) }, services.now());
    if (result.kind === 'missing') return reply.callNotFound();
    const sent = result.kind === 'submitted' ? 'updated' : result.kind === 'withdrawn' ? 'withdrawn' : 'none';
    return reply.redirect(`/account/contact?sent=${sent}`, 303);
  });

  app.post('/account/contact/withdraw', { preHandler: guardianOnly }, async (request, reply) => {
    const account = request.session!.account;
    await withdrawContactChanges(db, { accountId: account.id, guardianId: account.guardian_id!, ip: clientIp(request) }, services.now());
    return reply.redirect('/account/contact?sent=withdrawn', 303);
  });

  // ── staff ──────────────────────────────────────────────────────────────────────────────────────────
  const staffOnly = requireStaff(app, officeStaff);

  app.get<{ Querystring: { status?: string } }>('/staff/change-requests', { preHandler: staffOnly }, async (request, reply) => {
    const ctx = await ctxOf(request);
    const status = request.query.status === 'decided' ? 'decided' : 'pending';
    const items = await listChangeRequests(db, await officeScope(db, request.session!.account.staff_id), status);
    return sendPage(reply, <StaffChangesPage ctx={ctx} items={items} status={status} when={whenFor(ctx)} />);
  });

  app.get<{ Params: { id: string }; Querystring: { done?: string } }>('/staff/change-requests/:id', { preHandler: staffOnly }, async (request, reply) => {
    const id = recordId(request.params.id);
    if (id === null) return reply.callNotFound();
    const account = request.session!.account;
    const detail = await viewChangeRequest(db, { scope: await officeScope(db, account.staff_id), actorAccountId: account.id, ip: clientIp(request) }, id, services.now());
    if (!detail) return reply.callNotFound();
    const ctx = await ctxOf(request);
    const notice = request.query.done === '1' ? ctx.t('changes.decided') : undefined;
    return sendPage(reply, <StaffChangePage ctx={ctx} detail={detail} when={whenFor(ctx)} notice={notice} />);
  });

  app.post<{ Params: { id: string } }>('/staff/change-requests/:id', { preHandler: staffOnly }, async (request, reply) => {
    const id = recordId(request.params.id);
    if (id === null) return reply.callNotFound();
    const ctx = await ctxOf(request);
    const account = request.session!.account;
    const scope = await officeScope(db, account.staff_id);
    const again = async (status: number, extra: { errors?: ReturnType<typeof fromFieldErrors>; problem?: string }) => {
      const detail = await openChangeRequest(db, scope, id);
      if (!detail) return reply.callNotFound();
      return sendPage(reply, <StaffChangePage ctx={ctx} detail={detail} when={whenFor(ctx)} {...extra} />, status);
    };
    const parsed = parseInput(changeDecisionInput, request.body);
    if (!parsed.ok) return again(400, { errors: fromFieldErrors(parsed.errors) });
    const result = await decideChangeRequest(
      db,
      { scope, actorAccountId: account.id, requestId: id, decisions: parsed.data.decisions, note: parsed.data.note, district: ctx.district, ip: clientIp(request) },
      services.now(),
    );
    if (result.kind === 'missing') return reply.callNotFound();
    if (result.kind === 'notPending') return again(409, { problem: ctx.t('changes.alreadyDecided') });
    if (result.kind === 'gone') return again(409, { problem: ctx.t('contacts.gone', { name: (await openChangeRequest(db, scope, id))?.about?.name ?? '' }) });
    if (result.kind === 'tooMany') return again(409, { problem: ctx.t('contacts.problem.tooMany', { max: MAX_EMERGENCY_CONTACTS }) });
    if (result.kind === 'undecided') {
      return again(400, { errors: Object.fromEntries(result.fieldIds.map((f) => [`decision-${f}`, { key: 'changes.decide' as const }])) });
    }
    return reply.redirect(`/staff/change-requests/${id}?done=1`, 303);
  });
}
