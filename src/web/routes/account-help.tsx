/**
 * Office staff: account help — a student or parent of their schools who cannot sign in: why, and a
 * lock lifted, a reset link, an Activation Key for the account, or a student's new first password.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { clearSignInLock, findAccountForHelp, issueHelpKey, sendResetLinkForHolder } from '../../domain/accounts/account-help.js';
import { reissueFirstPassword, studentsWithFirstPasswords } from '../../domain/accounts/first-passwords.js';
import { parseInput, recordId } from '../../domain/forms.js';
import { officeScope } from '../../domain/access/staff.js';
import { contextFor } from '../context.js';
import { officeStaff, requireStaff } from '../guards.js';
import { clientIp } from '../plugins/session.js';
import { sendPage } from '../render.js';
import type { Messages } from '../views/forms.js';
import { AccountHelpPage, type AccountHelpProps } from '../views/account-help.js';

const query = z.object({
  number: z
    .string()
    .trim()
    .max(64, 'accountHelp.numberInvalid')
    .regex(/^[0-9A-Za-z._@-]*$/, 'accountHelp.numberInvalid')
    .optional(),
});

export async function accountHelpRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;
  const staffOnly = requireStaff(app, officeStaff);

  /** The page: the students' first passwords, and one account when a number or username was asked for. */
  const show = async (request: FastifyRequest, reply: FastifyReply, number: string, extra: Partial<AccountHelpProps> = {}, status = 200) => {
    const ctx = await contextFor(app, request);
    const scope = await officeScope(db, request.session!.account.staff_id);
    const now = services.now();
    const days = ctx.district.settings.initialPasswordDays;
    const { lines, total } = await studentsWithFirstPasswords(db, scope, { days, page: 1 }, now);
    const found = number ? await findAccountForHelp(db, scope, { query: number, days }, now) : undefined;
    const errors: Messages = number && !found && !extra.errors ? { number: { key: 'accountHelp.notFound' } } : (extra.errors ?? {});
    return sendPage(
      reply,
      <AccountHelpPage ctx={ctx} lines={lines} total={total} number={number} status={found} {...extra} errors={errors} />,
      number && !found ? 404 : status,
    );
  };

  app.get('/staff/account-help', { preHandler: staffOnly }, async (request, reply) => {
    const parsed = parseInput(query, request.query);
    if (!parsed.ok) return show(request, reply, '', { errors: { number: { key: 'accountHelp.numberInvalid' } } }, 400);
    return show(request, reply, parsed.data.number ?? '');
  });

  /** A staff action on one record: its id from the form, the staff member's scope, who acts. */
  const act = async (request: FastifyRequest, field: 'studentId' | 'accountId') => {
    const account = request.session!.account;
    return {
      id: recordId((request.body as Record<string, unknown> | undefined)?.[field]),
      scope: await officeScope(db, account.staff_id),
      actorAccountId: account.id,
      ip: clientIp(request),
      ctx: await contextFor(app, request),
    };
  };

  app.post('/staff/account-help/reissue', { preHandler: staffOnly }, async (request, reply) => {
    const { id, scope, actorAccountId, ip, ctx } = await act(request, 'studentId');
    const { settings } = ctx.district;
    const result =
      id === null
        ? ({ kind: 'missing' } as const)
        : await reissueFirstPassword(db, { scope, actorAccountId, studentId: id, policy: settings.initialStudentPassword, days: settings.initialPasswordDays, ip }, services.now());
    if (result.kind === 'missing') return show(request, reply, '', { problem: ctx.t('accountHelp.missing') }, 404);
    if (result.kind === 'noRule') return show(request, reply, '', { problem: ctx.t('accountHelp.useKey') }, 409);
    // The password is in this answer only: it must not be kept by the browser's cache.
    reply.header('cache-control', 'no-store');
    return show(request, reply, result.studentNumber, {
      issued: { name: result.name, studentNumber: result.studentNumber, password: result.password, endsAt: result.endsAt.toISOString() },
    });
  });

  app.post('/staff/account-help/unlock', { preHandler: staffOnly }, async (request, reply) => {
    const { id, scope, actorAccountId, ip, ctx } = await act(request, 'accountId');
    const done = id !== null && (await clearSignInLock(db, { scope, actorAccountId, accountId: id, ip }, services.now()));
    if (!done) return show(request, reply, '', { problem: ctx.t('accountHelp.missing') }, 404);
    return show(request, reply, '', { notice: ctx.t('accountHelp.unlocked') });
  });

  app.post('/staff/account-help/reset-link', { preHandler: staffOnly }, async (request, reply) => {
    const { id, scope, actorAccountId, ip, ctx } = await act(request, 'accountId');
    const result =
      id === null
        ? ({ kind: 'missing' } as const)
        : await sendResetLinkForHolder(db, { scope, actorAccountId, accountId: id, ip, baseUrl: services.config.baseUrl, district: ctx.district }, services.now());
    if (result.kind === 'missing') return show(request, reply, '', { problem: ctx.t('accountHelp.missing') }, 404);
    if (result.kind === 'noRecoveryEmail') return show(request, reply, '', { problem: ctx.t('accountHelp.noRecovery') }, 409);
    return show(request, reply, '', { notice: ctx.t('accountHelp.resetSent', { email: result.to }) });
  });

  app.post('/staff/account-help/key', { preHandler: staffOnly }, async (request, reply) => {
    const { id, scope, actorAccountId, ip, ctx } = await act(request, 'accountId');
    const issued = id === null ? null : await issueHelpKey(db, { scope, actorAccountId, accountId: id, days: ctx.district.settings.activationKeyDays, ip }, services.now());
    if (!issued) return show(request, reply, '', { problem: ctx.t('accountHelp.missing') }, 404);
    if (issued.kind === 'hasRecoveryEmail') return show(request, reply, '', { problem: ctx.t('accountHelp.keyNotWithEmail') }, 409);
    // The key is in this answer only: it must not be kept by the browser's cache.
    reply.header('cache-control', 'no-store');
    return show(request, reply, '', { key: { username: issued.username, key: issued.key, expiresAt: issued.expiresAt.toISOString() } });
  });
}
