/**
 * A family's records on request (FERPA; issue 25, ADR 0037): a district administrator, from the staff
 * student page, chooses the family's language, says why, and downloads one zip. Others: the 403 page.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { StudentNotFound } from '../../domain/access/portal.js';
import { staffReach } from '../../domain/access/staff.js';
import { localDate } from '../../domain/calendar/dates.js';
import { parseInput, recordId } from '../../domain/forms.js';
import { familyLanguage, familyRecordsInput, familyRecordsOf, recordsStudent } from '../../domain/staff/family-records.js';
import { contextFor } from '../context.js';
import { familyRecordsZip } from '../family-records-zip.js';
import { requireStaffWith } from '../guards.js';
import { clientIp } from '../plugins/session.js';
import { sendPage } from '../render.js';
import { FamilyRecordsPage } from '../views/family-records.js';
import { fromFieldErrors } from '../views/forms.js';

type Route = { Params: { id: string } };

export async function familyRecordsRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;
  const today = async (request: FastifyRequest) => localDate(services.now(), (await contextFor(app, request)).district.timeZone);
  const reachOf = async (request: FastifyRequest, staffId: number | null) => staffReach(db, staffId, await today(request));
  const districtAdmins = requireStaffWith(app, reachOf, (reach) => reach.district, 'records.forbidden');

  const studentOr404 = async (request: FastifyRequest<Route>) => {
    const id = recordId(request.params.id);
    if (id === null) return null;
    try {
      return await recordsStudent(db, await reachOf(request, request.session!.account.staff_id), id);
    } catch (error) {
      if (error instanceof StudentNotFound) return null;
      throw error;
    }
  };

  app.get<Route>('/staff/students/:id/records', { preHandler: districtAdmins }, async (request, reply) => {
    const student = await studentOr404(request);
    if (!student) return reply.callNotFound();
    const ctx = await contextFor(app, request);
    const locale = await familyLanguage(db, student.id, ctx.district.locale === 'es' ? 'es' : 'en');
    return sendPage(reply, <FamilyRecordsPage ctx={ctx} student={student} values={{ locale, reason: '' }} />);
  });

  app.post<Route>('/staff/students/:id/records', { preHandler: districtAdmins }, async (request, reply) => {
    const student = await studentOr404(request);
    if (!student) return reply.callNotFound();
    const ctx = await contextFor(app, request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const parsed = parseInput(familyRecordsInput, body);
    if (!parsed.ok) {
      const values = { locale: typeof body.locale === 'string' ? body.locale : '', reason: typeof body.reason === 'string' ? body.reason.slice(0, 600) : '' };
      return sendPage(reply, <FamilyRecordsPage ctx={ctx} student={student} values={values} errors={fromFieldErrors(parsed.errors, { 'records.error.reasonLong': { max: 500 } })} />, 400);
    }
    const now = services.now();
    const day = localDate(now, ctx.district.timeZone);
    const asker = { reach: await reachOf(request, request.session!.account.staff_id), actorAccountId: request.session!.account.id, ip: clientIp(request) };
    const records = await familyRecordsOf(
      db,
      asker,
      student.id,
      { ...parsed.data, today: day, graduationCredits: ctx.district.settings.graduationCredits },
      now,
    );
    const zip = await familyRecordsZip({ records, locale: parsed.data.locale, district: { name: ctx.district.name, portalName: ctx.district.portalName, timeZone: ctx.district.timeZone }, today: day, now });
    return reply
      .header('content-type', 'application/zip')
      .header('content-disposition', `attachment; filename="records-${student.studentNumber.replace(/[^A-Za-z0-9-]/g, '')}-${day}.zip"`)
      .header('cache-control', 'no-store')
      .send(zip.bytes);
  });
}
