/** The audit log (issue 25): district administrators search it and export a search as CSV. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { officeScope } from '../../domain/access/staff.js';
import { auditSearchInput, exportAuditLog, searchAuditLog, type AuditSearch } from '../../domain/audit/search.js';
import { parseInput } from '../../domain/forms.js';
import { formatInstant } from '../../email/templates.js';
import { csvOf } from '../csv.js';
import { contextFor } from '../context.js';
import { districtAdmin, requireStaff } from '../guards.js';
import { clientIp } from '../plugins/session.js';
import { sendPage } from '../render.js';
import { actionText, AuditLogPage, detailLines, personText, subjectText, type AuditFormValues } from '../views/audit-log.js';
import { fromFieldErrors } from '../views/forms.js';

type R = { Querystring: Record<string, unknown> };

const FIELDS = ['person', 'student', 'kind', 'from', 'to'] as const;

function typed(query: Record<string, unknown>): AuditFormValues {
  const text = (name: string) => (typeof query[name] === 'string' ? (query[name] as string).slice(0, 254) : '');
  return { person: text('person'), student: text('student'), kind: text('kind'), from: text('from'), to: text('to') };
}

/** The search as an address query (without the page). */
function queryOf(search: AuditSearch): string {
  const q = new URLSearchParams();
  for (const f of FIELDS) if (search[f]) q.set(f, search[f]);
  return q.toString();
}

export async function auditLogRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;
  app.addHook('preHandler', requireStaff(app, districtAdmin));
  const readerOf = async (request: FastifyRequest) => ({ scope: await officeScope(db, request.session!.account.staff_id), actorAccountId: request.session!.account.id, ip: clientIp(request) });
  const schoolNames = async () => {
    const names = new Map((await db.selectFrom('schools').select(['id', 'name']).execute()).map((s) => [s.id, s.name]));
    return (id: number) => names.get(id) ?? String(id);
  };

  app.get<R>('/admin/audit', async (request, reply) => {
    const ctx = await contextFor(app, request);
    const when = (iso: string) => formatInstant(new Date(iso), ctx.locale, ctx.district.timeZone);
    const schoolName = await schoolNames();
    const values = typed(request.query);
    // The page opened without a search shows the newest entries.
    const parsed = parseInput(auditSearchInput, request.query);
    if (!parsed.ok) {
      return sendPage(reply, <AuditLogPage ctx={ctx} values={values} errors={fromFieldErrors(parsed.errors)} entries={null} page={1} hasMore={false} when={when} schoolName={schoolName} query="" />, 400);
    }
    const result = await searchAuditLog(db, await readerOf(request), parsed.data, ctx.district.timeZone, services.now());
    const query = queryOf(parsed.data);
    if (result.kind === 'nobody') {
      const nobody = ctx.t(result.field === 'person' ? 'auditLog.nobodyPerson' : 'auditLog.nobodyStudent');
      return sendPage(reply, <AuditLogPage ctx={ctx} values={values} entries={null} page={1} hasMore={false} when={when} schoolName={schoolName} nobody={nobody} query={query} />);
    }
    return sendPage(reply, <AuditLogPage ctx={ctx} values={values} entries={result.entries} page={result.page} hasMore={result.hasMore} when={when} schoolName={schoolName} query={query} />);
  });

  app.get<R>('/admin/audit.csv', async (request, reply) => {
    const ctx = await contextFor(app, request);
    const when = (iso: string) => formatInstant(new Date(iso), ctx.locale, ctx.district.timeZone);
    const schoolName = await schoolNames();
    const parsed = parseInput(auditSearchInput, request.query);
    const problem = async (message: string) =>
      sendPage(
        reply,
        <AuditLogPage ctx={ctx} values={typed(request.query)} errors={parsed.ok ? {} : fromFieldErrors(parsed.errors)} entries={null} page={1} hasMore={false} when={when} schoolName={schoolName} nobody={message} query="" />,
        400,
      );
    if (!parsed.ok) return problem(ctx.t('auditLog.fixSearch'));
    const result = await exportAuditLog(db, await readerOf(request), parsed.data, ctx.district.timeZone, services.now());
    if (result.kind === 'tooMany') return problem(ctx.t('auditLog.tooMany'));
    if (result.kind === 'nobody') return problem(ctx.t(result.field === 'person' ? 'auditLog.nobodyPerson' : 'auditLog.nobodyStudent'));
    const t = ctx.t;
    const columns = ['when', 'instant_utc', 'who', 'what', 'action', 'about', 'ip', 'details'] as const;
    const rows = result.entries.map((e) => ({
      when: when(e.at),
      instant_utc: e.at,
      who: personText(t, e.actor),
      what: actionText(t, e.action),
      action: e.action,
      about: subjectText(t, e.subject),
      ip: e.ip ?? '',
      details: detailLines(t, e.details, schoolName).join('\n'),
    }));
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="audit-log.csv"')
      .header('cache-control', 'no-store')
      .send(csvOf(columns, rows));
  });
}
