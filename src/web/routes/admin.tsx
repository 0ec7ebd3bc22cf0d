/** District administrators: email delivery, and the nightly parent-account runs and running one now. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { stringify } from 'csv-stringify/sync';
import { guardiansNeedingKeys, recentRuns, requestManualRun } from '../../domain/accounts/parent-generation.js';
import { officeScope } from '../../domain/access/staff.js';
import { localDate } from '../../domain/calendar/dates.js';
import { adultCutoff } from '../../domain/district/settings.js';
import { formatInstant } from '../../email/templates.js';
import { contextFor } from '../context.js';
import { clientIp } from '../plugins/session.js';
import { sendPage } from '../render.js';
import { MailPage, ParentRunsPage } from '../views/admin.js';
import { mailCounts, mailProblems, retryMessage } from '../../domain/system/mail-status.js';
import { recordId } from '../../domain/forms.js';
import { districtAdmin, requireStaff } from '../guards.js';

export async function adminRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;
  const ctxOf = (request: FastifyRequest) => contextFor(app, request);

  app.addHook('preHandler', requireStaff(app, districtAdmin));

  // ── email delivery ──────────────────────────────────────────────────────────────────────────────
  const mailPage = async (request: FastifyRequest, extra: { notice?: string; problem?: string } = {}) => {
    const ctx = await ctxOf(request);
    const [counts, problems] = await Promise.all([mailCounts(db, services.now()), mailProblems(db)]);
    const when = (iso: string) => formatInstant(new Date(iso), ctx.locale, ctx.district.timeZone);
    return <MailPage ctx={ctx} counts={counts} problems={problems} when={when} {...extra} />;
  };
  app.get('/admin/mail', async (request, reply) => sendPage(reply, await mailPage(request)));
  app.post('/admin/mail/retry', async (request, reply) => {
    const ctx = await ctxOf(request);
    const id = recordId((request.body as Record<string, unknown> | undefined)?.id);
    const done = id !== null && (await retryMessage(db, { id, actorAccountId: request.session!.account.id, ip: clientIp(request) }, services.now()));
    if (done) services.mailer.kick();
    return sendPage(reply, await mailPage(request, done ? { notice: ctx.t('mail.retried') } : { problem: ctx.t('mail.notRetried') }), done ? 200 : 404);
  });

  const runsPage = async (request: FastifyRequest, notice: { started?: string; info?: string }) => {
    const ctx = await ctxOf(request);
    const runs = (await recentRuns(db, 20)).map((r) => ({
      id: r.id,
      startedAt: formatInstant(new Date(r.started_at), ctx.locale, ctx.district.timeZone),
      status: r.status,
      resumedFrom: r.resumed_started_at ? formatInstant(new Date(r.resumed_started_at), ctx.locale, ctx.district.timeZone) : null,
      created: r.created,
      hasAccount: r.skipped_has_account,
      noEmail: r.skipped_no_email,
      sharedEmail: r.skipped_shared_email,
      noPortal: r.skipped_no_portal_access,
      usernameTaken: r.skipped_username_taken,
    }));
    return <ParentRunsPage ctx={ctx} runs={runs} notice={notice.started} info={notice.info} />;
  };
  app.get<{ Querystring: { started?: string } }>('/admin/parent-accounts', async (request, reply) => {
    const ctx = await ctxOf(request);
    return sendPage(reply, await runsPage(request, request.query.started !== undefined ? { started: ctx.t('parentRuns.started') } : {}));
  });

  app.get('/admin/parent-accounts/need-keys.csv', async (request, reply) => {
    const ctx = await ctxOf(request);
    const cutoff = adultCutoff(ctx.district.settings, localDate(services.now(), ctx.district.timeZone));
    const account = request.session!.account;
    const viewer = { scope: await officeScope(db, account.staff_id), actorAccountId: account.id, ip: clientIp(request) };
    const rows = await guardiansNeedingKeys(db, { viewer, adultBornOnOrBefore: cutoff }, services.now());
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="parents-needing-activation-keys.csv"')
      .header('cache-control', 'no-store')
      .send(
        stringify(
          rows.map((r) => ({
            school: r.school,
            student_number: r.student_number,
            student: `${r.student_first_name} ${r.student_last_name}`,
            guardian_first_name: r.first_name,
            guardian_last_name: r.last_name,
            guardian_email: r.email ?? '',
            reason: r.email ? 'shared email' : 'no email',
          })),
          { header: true, columns: ['school', 'student_number', 'student', 'guardian_first_name', 'guardian_last_name', 'guardian_email', 'reason'] },
        ),
      );
  });

  app.post('/admin/parent-accounts/run', async (request, reply) => {
    const ctx = await ctxOf(request);
    const result = await requestManualRun(db, { actorAccountId: request.session!.account.id, ip: clientIp(request) }, services.now());
    if (result.outcome === 'started') return reply.redirect('/admin/parent-accounts?started=1', 303);
    // Nothing new was started: the page says why, at once (a reload of it starts nothing).
    const time = formatInstant(new Date(result.at), ctx.locale, ctx.district.timeZone);
    const key = ({ running: 'parentRuns.alreadyRunning', queued: 'parentRuns.alreadyQueued', finished: 'parentRuns.justFinished' } as const)[result.outcome];
    return sendPage(reply, await runsPage(request, { info: ctx.t(key, { time }) }));
  });
}
