/**
 * Staff accounts and roles (issue 25): district administrators for every staff member, school
 * administrators for their schools' staff. Routes parse and render; domain/staff/accounts.ts decides.
 */
import { hasSecondFactor, resetSecondFactor } from '../../domain/accounts/second-factor.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { managesStaff, staffAdminScope, type StaffAdminScope } from '../../domain/access/staff.js';
import { newStaffInput, sisStaffDetailsInput, staffDetailsInput, staffListFilters, grantValue } from '../../domain/staff/account-schemas.js';
import { createStaff, listStaff, schoolsFor, sendStaffWelcome, setStaffActive, staffMember, updateStaff, type StaffAdminActor, type StaffMember } from '../../domain/staff/accounts.js';
import { parseInput, recordId } from '../../domain/forms.js';
import { contextFor } from '../context.js';
import { requireStaffWith } from '../guards.js';
import { clientIp } from '../plugins/session.js';
import { sendPage } from '../render.js';
import { fromFieldErrors, type Messages } from '../views/forms.js';
import { MessagePage } from '../views/pages.js';
import { NewStaffPage, StaffListPage, StaffPage, type StaffFormValues } from '../views/staff-accounts.js';

const DONE = {
  welcome: 'staffAccounts.done.welcome',
  deactivate: 'staffAccounts.done.deactivate',
  reactivate: 'staffAccounts.done.reactivate',
  secondFactor: 'twoFactor.reset.done',
} as const;

type R = { Params: { id: string }; Querystring: Record<string, string | undefined> };

/** What a form sent, as typed, to show it again with its messages. */
function typed(body: unknown): StaffFormValues {
  const b = (body ?? {}) as Record<string, unknown>;
  const text = (name: string) => (typeof b[name] === 'string' ? (b[name] as string).slice(0, 254) : '');
  const roles = Array.isArray(b.roles) ? b.roles.filter((r): r is string => typeof r === 'string').slice(0, 500) : typeof b.roles === 'string' ? [b.roles] : [];
  return { firstName: text('firstName'), lastName: text('lastName'), email: text('email'), username: text('username'), staffNumber: text('staffNumber'), roles };
}

export async function staffAccountRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;
  const guard = requireStaffWith(app, (_request, staffId) => staffAdminScope(db, staffId), managesStaff, 'staffAccounts.forbidden');
  const scopeOf = (request: FastifyRequest) => staffAdminScope(db, request.session!.account.staff_id);
  const actorOf = async (request: FastifyRequest): Promise<StaffAdminActor> => ({
    scope: await scopeOf(request),
    actorAccountId: request.session!.account.id,
    actorStaffId: request.session!.account.staff_id,
    ip: clientIp(request),
  });
  const namesOf = async (scope: StaffAdminScope) => {
    const all = await schoolsFor(db, scope);
    const every = scope.district ? all : await db.selectFrom('schools').select(['id', 'name']).execute();
    const names = new Map(every.map((s) => [s.id, s.name]));
    return { schools: all, schoolName: (id: number) => names.get(id) ?? String(id) };
  };
  const notFound = async (request: FastifyRequest, reply: FastifyReply) => {
    const ctx = await contextFor(app, request);
    return sendPage(reply, <MessagePage ctx={ctx} title={ctx.t('staffAccounts.notFoundTitle')} body={ctx.t('staffAccounts.notFound')} />, 404);
  };
  const valuesOf = (m: StaffMember): StaffFormValues => ({ firstName: m.firstName, lastName: m.lastName, email: m.email ?? '', roles: m.roles.map(grantValue) });
  const staffPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    member: StaffMember,
    extra: { values?: StaffFormValues; errors?: Messages; notice?: string; problem?: string; status?: number } = {},
  ) => {
    const ctx = await contextFor(app, request);
    const scope = await scopeOf(request);
    const { schools, schoolName } = await namesOf(scope);
    // A district administrator resets someone else's second factor (ADR 0037).
    const mayReset = scope.district && member.accountId !== null && member.accountId !== request.session!.account.id;
    const secondFactor = mayReset ? await hasSecondFactor(db, member.accountId!) : null;
    return sendPage(
      reply,
      <StaffPage
        secondFactor={secondFactor}
        ctx={ctx}
        member={member}
        values={extra.values ?? valuesOf(member)}
        errors={extra.errors ?? {}}
        schools={schools}
        district={scope.district}
        notice={extra.notice}
        problem={extra.problem}
        schoolName={schoolName}
        welcomeDays={ctx.district.settings.welcomeLinkDays}
      />,
      extra.status ?? 200,
    );
  };

  app.get<R>('/admin/staff', { preHandler: guard }, async (request, reply) => {
    const ctx = await contextFor(app, request);
    const scope = await scopeOf(request);
    const filters = staffListFilters(request.query);
    const found = await listStaff(db, scope, filters);
    const { schools, schoolName } = await namesOf(scope);
    return sendPage(reply, <StaffListPage ctx={ctx} rows={found.rows} schools={schools} filters={filters} total={found.total} page={found.page} pages={found.pages} schoolName={schoolName} />);
  });

  app.get('/admin/staff/new', { preHandler: guard }, async (request, reply) => {
    const ctx = await contextFor(app, request);
    const scope = await scopeOf(request);
    const { schools } = await namesOf(scope);
    return sendPage(reply, <NewStaffPage ctx={ctx} values={{ firstName: '', lastName: '', email: '', username: '', staffNumber: '', roles: [] }} schools={schools} district={scope.district} />);
  });

  app.post('/admin/staff/new', { preHandler: guard }, async (request, reply) => {
    const actor = await actorOf(request);
    const parsed = parseInput(newStaffInput, request.body);
    const result = parsed.ok ? await createStaff(db, actor, parsed.data, services.now()) : ({ kind: 'problems', errors: parsed.errors } as const);
    if (result.kind === 'done') return reply.redirect(`/admin/staff/${result.staffId}?created=1`, 303);
    const ctx = await contextFor(app, request);
    const { schools } = await namesOf(actor.scope);
    const errors = result.kind === 'problems' ? fromFieldErrors(result.errors) : {};
    return sendPage(reply, <NewStaffPage ctx={ctx} values={typed(request.body)} errors={errors} schools={schools} district={actor.scope.district} />, 400);
  });

  app.get<R>('/admin/staff/:id', { preHandler: guard }, async (request, reply) => {
    const id = recordId(request.params.id);
    const member = id === null ? null : await staffMember(db, await scopeOf(request), id);
    if (!member) return notFound(request, reply);
    const ctx = await contextFor(app, request);
    const q = request.query;
    const notice = q.created !== undefined ? ctx.t('staffAccounts.created') : q.saved !== undefined ? ctx.t('staffAccounts.saved') : q.done !== undefined && Object.hasOwn(DONE, q.done) ? ctx.t(DONE[q.done as keyof typeof DONE]) : undefined;
    return staffPage(request, reply, member, notice ? { notice } : {});
  });

  app.post<R>('/admin/staff/:id', { preHandler: guard }, async (request, reply) => {
    const id = recordId(request.params.id);
    const actor = await actorOf(request);
    const member = id === null ? null : await staffMember(db, actor.scope, id);
    if (!member) return notFound(request, reply);
    const parsed = parseInput(member.sis ? sisStaffDetailsInput : staffDetailsInput, request.body);
    const result = parsed.ok ? await updateStaff(db, actor, member.id, parsed.data, services.now()) : ({ kind: 'problems', errors: parsed.errors } as const);
    if (result.kind === 'notFound') return notFound(request, reply);
    if (result.kind === 'done') return reply.redirect(`/admin/staff/${member.id}?saved=1`, 303);
    return staffPage(request, reply, member, { values: { ...typed(request.body), username: '', staffNumber: '' }, errors: fromFieldErrors(result.errors), status: 400 });
  });

  app.post<R>('/admin/staff/:id/second-factor-reset', { preHandler: guard }, async (request, reply) => {
    const id = recordId(request.params.id);
    const actor = await actorOf(request);
    const member = id === null ? null : await staffMember(db, actor.scope, id);
    // Only a district administrator resets a second factor; to anyone else the action does not exist.
    if (!member || !actor.scope.district || member.accountId === null) return notFound(request, reply);
    const result = await resetSecondFactor(db, { actorAccountId: actor.actorAccountId, accountId: member.accountId, ip: actor.ip }, services.now());
    if (result === 'reset') return reply.redirect(`/admin/staff/${member.id}?done=secondFactor`, 303);
    const ctx = await contextFor(app, request);
    return staffPage(request, reply, member, { problem: ctx.t(result === 'self' ? 'twoFactor.reset.self' : 'twoFactor.reset.none'), status: 409 });
  });

  for (const step of ['deactivate', 'reactivate', 'welcome'] as const) {
    app.post<R>(`/admin/staff/:id/${step}`, { preHandler: guard }, async (request, reply) => {
      const id = recordId(request.params.id);
      if (id === null) return notFound(request, reply);
      const actor = await actorOf(request);
      const now = services.now();
      const result = step === 'welcome' ? await sendStaffWelcome(db, actor, id, now) : await setStaffActive(db, actor, id, step === 'reactivate', now);
      if (result.kind === 'notFound') return notFound(request, reply);
      if (result.kind === 'done') return reply.redirect(`/admin/staff/${id}?done=${step}`, 303);
      const member = await staffMember(db, actor.scope, id);
      if (!member) return notFound(request, reply);
      const ctx = await contextFor(app, request);
      return staffPage(request, reply, member, { problem: ctx.t(result.reason), status: 409 });
    });
  }
}
