/** Office staff: students' sign-in — first passwords still in use, issuing a new one, lifting a lock. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  clearSignInLock,
  reissueFirstPassword,
  studentAccountStatus,
  studentsWithFirstPasswords,
} from '../../domain/accounts/first-passwords.js';
import { parseInput } from '../../domain/forms.js';
import { officeScope } from '../../domain/people/policies.js';
import { contextFor } from '../context.js';
import { officeStaff, requireStaff } from '../guards.js';
import { clientIp } from '../plugins/session.js';
import { sendPage } from '../render.js';
import type { Messages } from '../views/forms.js';
import { StudentAccountsPage, type StudentAccountsProps } from '../views/student-accounts.js';

const numberQuery = z.object({ number: z.string().trim().max(20, 'studentAccounts.numberInvalid').regex(/^[0-9A-Za-z-]*$/, 'studentAccounts.numberInvalid').optional() });
const studentBody = z.object({ studentId: z.string().regex(/^\d{1,10}$/) });

export async function studentAccountRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;
  const staffOnly = requireStaff(app, officeStaff);

  /** The page: the list of first passwords, and one student's account when a number was asked for. */
  const show = async (request: FastifyRequest, reply: FastifyReply, number: string, extra: Partial<StudentAccountsProps> = {}, status = 200) => {
    const ctx = await contextFor(app, request);
    const scope = await officeScope(db, request.session!.account.staff_id);
    const now = services.now();
    const days = ctx.district.settings.initialPasswordDays;
    const { lines, total } = await studentsWithFirstPasswords(db, scope, { days, page: 1 }, now);
    const found = number ? await studentAccountStatus(db, scope, { number, days }, now) : undefined;
    const errors: Messages = number && !found && !extra.errors ? { number: { key: 'studentAccounts.notFound' } } : (extra.errors ?? {});
    return sendPage(
      reply,
      <StudentAccountsPage ctx={ctx} lines={lines} total={total} number={number} status={found} {...extra} errors={errors} />,
      number && !found ? 404 : status,
    );
  };

  app.get('/staff/student-accounts', { preHandler: staffOnly }, async (request, reply) => {
    const parsed = parseInput(numberQuery, request.query);
    if (!parsed.ok) return show(request, reply, '', { errors: { number: { key: 'studentAccounts.numberInvalid' } } }, 400);
    return show(request, reply, parsed.data.number ?? '');
  });

  const studentOf = (request: FastifyRequest) => {
    const parsed = parseInput(studentBody, request.body);
    return parsed.ok ? Number(parsed.data.studentId) : null;
  };

  app.post('/staff/student-accounts/reissue', { preHandler: staffOnly }, async (request, reply) => {
    const studentId = studentOf(request);
    const ctx = await contextFor(app, request);
    const account = request.session!.account;
    const result =
      studentId === null
        ? ({ kind: 'missing' } as const)
        : await reissueFirstPassword(
            db,
            {
              scope: await officeScope(db, account.staff_id),
              actorAccountId: account.id,
              studentId,
              policy: ctx.district.settings.initialStudentPassword,
              days: ctx.district.settings.initialPasswordDays,
              ip: clientIp(request),
            },
            services.now(),
          );
    if (result.kind === 'missing') return show(request, reply, '', { problem: ctx.t('studentAccounts.missing') }, 404);
    if (result.kind === 'noRule') return show(request, reply, '', { problem: ctx.t('studentAccounts.useKey') }, 409);
    const notice = ctx.t('studentAccounts.reissued', { name: result.name, number: result.studentNumber });
    return show(request, reply, result.studentNumber, {
      notice,
      ...(result.password ? { issued: { name: result.name, studentNumber: result.studentNumber, password: result.password } } : {}),
    });
  });

  app.post('/staff/student-accounts/unlock', { preHandler: staffOnly }, async (request, reply) => {
    const studentId = studentOf(request);
    const ctx = await contextFor(app, request);
    const account = request.session!.account;
    const done =
      studentId !== null &&
      (await clearSignInLock(db, { scope: await officeScope(db, account.staff_id), actorAccountId: account.id, studentId, ip: clientIp(request) }, services.now()));
    if (!done) return show(request, reply, '', { problem: ctx.t('studentAccounts.missing') }, 404);
    return show(request, reply, '', { notice: ctx.t('studentAccounts.unlocked') });
  });
}
