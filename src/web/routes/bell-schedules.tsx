/** District administrators: each school's bell schedule (/admin/bell-schedules). */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bellsOf, saveBells, schoolsWithBells, type BellPeriodRow, type BellProblem, type SchoolBells } from '../../domain/scheduling/bell-schedules.js';
import { contextFor } from '../context.js';
import { districtAdmin, requireStaff } from '../guards.js';
import { clientIp } from '../plugins/session.js';
import { sendPage } from '../render.js';
import { BellSchedulePage, BellSchoolsPage, type BellFormRow } from '../views/bell-schedules.js';

type Body = Record<string, unknown>;

/** Blank rows offered for new periods, and the most rows a form may hold. */
const BLANK_ROWS = 3;
const MAX_ROWS = 40;

const blank = (): BellFormRow => ({ id: null, name: '', start: '', end: '', instructional: true, remove: false, sections: 0, records: 0 });

function rowsOf(bells: SchoolBells): BellFormRow[] {
  return bells.periods.map((p) => ({ ...p, remove: false }));
}

/** The form's rows as typed (text only, bounded); rows left wholly blank are not periods. */
interface ReadRows {
  rows: BellFormRow[];
  kept: BellPeriodRow[];
  remove: number[];
  /** the form's row of each kept period */
  index: number[];
}

function readRows(body: Body, bells: SchoolBells): ReadRows | undefined {
  const count = Number(body.rows);
  if (!Number.isInteger(count) || count < 0 || count > MAX_ROWS) return undefined;
  const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string).slice(0, 200) : '');
  const rows: BellFormRow[] = [];
  const kept: BellPeriodRow[] = [];
  const remove: number[] = [];
  const index: number[] = [];
  for (let i = 0; i < count; i++) {
    const rawId = text(`id-${i}`);
    const id = rawId === '' ? null : /^\d{1,9}$/.test(rawId) ? Number(rawId) : NaN;
    if (Number.isNaN(id)) return undefined;
    const known = id === null ? undefined : bells.periods.find((p) => p.id === id);
    const row: BellFormRow = {
      id,
      name: text(`name-${i}`),
      start: text(`start-${i}`).trim(),
      end: text(`end-${i}`).trim(),
      instructional: body[`instructional-${i}`] !== undefined,
      remove: id !== null && body[`remove-${i}`] !== undefined,
      sections: known?.sections ?? 0,
      records: known?.records ?? 0,
    };
    rows.push(row);
    if (row.remove) remove.push(id!);
    else if (id !== null || row.name.trim() !== '' || row.start !== '' || row.end !== '') {
      kept.push({ id, name: row.name, start: row.start, end: row.end, instructional: row.instructional });
      index.push(i);
    }
  }
  return { rows, kept, remove, index };
}

export async function bellScheduleRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;
  const ctxOf = (request: FastifyRequest) => contextFor(app, request);

  app.addHook('preHandler', requireStaff(app, districtAdmin));

  app.get('/admin/bell-schedules', async (request, reply) => sendPage(reply, <BellSchoolsPage ctx={await ctxOf(request)} schools={await schoolsWithBells(db)} />));

  const others = async (schoolId: number) => (await schoolsWithBells(db)).filter((s) => s.id !== schoolId && s.periods > 0).map(({ id, name }) => ({ id, name }));

  app.get<{ Params: { school: string }; Querystring: { saved?: string; copy?: string } }>('/admin/bell-schedules/:school', async (request, reply) => {
    const schoolId = /^\d{1,9}$/.test(request.params.school) ? Number(request.params.school) : NaN;
    const bells = Number.isNaN(schoolId) ? null : await bellsOf(db, schoolId);
    if (!bells) return reply.callNotFound();
    const ctx = await ctxOf(request);
    let rows = rowsOf(bells);
    let notice: string | undefined = request.query.saved === '1' ? ctx.t('bells.saved') : request.query.saved === '0' ? ctx.t('bells.unchanged') : undefined;
    if (request.query.copy !== undefined) {
      const from = /^\d{1,9}$/.test(request.query.copy) ? await bellsOf(db, Number(request.query.copy)) : null;
      if (!from || from.schoolId === schoolId) return reply.callNotFound();
      // The other school's periods as new rows, and this school's own ones ticked for removal where unused.
      rows = [
        ...rows.map((r) => ({ ...r, remove: r.sections === 0 && r.records === 0 })),
        ...from.periods.map((p) => ({ ...blank(), name: p.name, start: p.start, end: p.end, instructional: p.instructional })),
      ];
      notice = ctx.t('bells.copied', { school: from.school });
    }
    rows = [...rows, ...Array.from({ length: BLANK_ROWS }, blank)].slice(0, MAX_ROWS);
    return sendPage(
      reply,
      <BellSchedulePage ctx={ctx} school={bells.school} schoolId={schoolId} rows={rows} notice={notice} others={await others(schoolId)} sectionsWithoutPeriod={bells.sectionsWithoutPeriod} />,
    );
  });

  app.post<{ Params: { school: string } }>('/admin/bell-schedules/:school', async (request, reply) => {
    const schoolId = /^\d{1,9}$/.test(request.params.school) ? Number(request.params.school) : NaN;
    const bells = Number.isNaN(schoolId) ? null : await bellsOf(db, schoolId);
    if (!bells) return reply.callNotFound();
    const body = (request.body ?? {}) as Body;
    const ctx = await ctxOf(request);
    const read = readRows(body, bells);
    const show = async (status: number, rows: BellFormRow[], problems: BellProblem[] = []) =>
      sendPage(
        reply,
        <BellSchedulePage ctx={ctx} school={bells.school} schoolId={schoolId} rows={rows} problems={problems} others={await others(schoolId)} sectionsWithoutPeriod={bells.sectionsWithoutPeriod} />,
        status,
      );
    if (!read) return show(400, [...rowsOf(bells), ...Array.from({ length: BLANK_ROWS }, blank)], [{ row: null, field: null, key: 'bells.problem.unknown' }]);
    if (body.action === 'more') return show(200, [...read.rows, ...Array.from({ length: BLANK_ROWS }, blank)].slice(0, MAX_ROWS));
    const result = await saveBells(db, { schoolId, rows: read.kept, remove: read.remove, actorAccountId: request.session!.account.id, ip: clientIp(request) }, services.now());
    if (result.kind === 'notFound') return reply.callNotFound();
    if (result.kind === 'refused') {
      // Problems name rows of the kept list: point them at the form's rows.
      const problems = result.problems.map((p) => (p.row === null ? p : { ...p, row: read.index[p.row] ?? p.row }));
      return show(400, read.rows, problems);
    }
    return reply.redirect(`/admin/bell-schedules/${schoolId}?saved=${result.changed ? 1 : 0}`, 303);
  });
}
