/**
 * Teachers: My classes (the sections meeting on a day) and taking a section's attendance; office staff:
 * the attendance office (a day's records, excusing, whole-day absences) and the sections of their
 * schools that have not taken attendance. The domain (attendance/taking.ts) decides who
 * may see and write what; these routes parse and render.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { officeScope, teacherScope } from '../../domain/access/staff.js';
import { excuseRecord, officeCodes, recordsOn, recordWholeDay, removeWholeDay, type OfficeProblem } from '../../domain/attendance/office.js';
import { myClassesOn, rosterFor, sectionsNotTaken, takeAttendance, type Roster } from '../../domain/attendance/taking.js';
import { localDate } from '../../domain/calendar/dates.js';
import { hasForbiddenCharacters, recordId } from '../../domain/forms.js';
import type { MessageKey } from '../../i18n/index.js';
import { contextFor } from '../context.js';
import { officeStaff, requireSignedIn, requireStaff } from '../guards.js';
import { clientIp } from '../plugins/session.js';
import { sendPage } from '../render.js';
import { MessagePage } from '../views/pages.js';
import type { PageContext } from '../views/context.js';
import type { Messages } from '../views/forms.js';
import { AttendanceOfficePage, MyClassesPage, NotTakenPage, RosterPage, type OfficeDayProps } from '../views/teaching.js';

/** A calendar day as the date input sends it; anything else is refused (400). */
const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d));

export async function teachingRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;
  // A request's page context, made once: each one asks the database for the header's unread count,
  // and a roster's page asked for it up to four times (BENCHMARKS.md, "Session 17").
  const contexts = new WeakMap<FastifyRequest, Promise<PageContext>>();
  const ctxOf = (request: FastifyRequest) => {
    let ctx = contexts.get(request);
    if (!ctx) contexts.set(request, (ctx = contextFor(app, request)));
    return ctx;
  };

  /** Today in the district's time zone: the district's profile (cached), not a page context, so a save that only redirects makes none. */
  const todayFor = async () => localDate(services.now(), (await services.districts.get()).timeZone);
  /** The day asked for (today when none); null when it is not a day. */
  const dayOf = (value: unknown, today: string): string | null => {
    if (value === undefined || value === '') return today;
    const parsed = day.safeParse(value);
    return parsed.success ? parsed.data : null;
  };
  const badDay = async (request: FastifyRequest, reply: FastifyReply) => {
    const ctx = await ctxOf(request);
    return sendPage(reply, <MessagePage ctx={ctx} title={ctx.t('teaching.badDayTitle')} body={ctx.t('teaching.badDay')} />, 400);
  };
  /** Teachers only: a staff member who teaches a section today. */
  const teacherOf = async (request: FastifyRequest, reply: FastifyReply, today: string) => {
    const scope = await teacherScope(db, request.session!.account.staff_id, today);
    if (scope.sections.size > 0) return scope;
    const ctx = await ctxOf(request);
    await sendPage(reply, <MessagePage ctx={ctx} title={ctx.t('staff.forbidden.title')} body={ctx.t('staff.forbidden.body')} />, 403);
    return null;
  };

  app.get<{ Querystring: { date?: string } }>('/staff/classes', { preHandler: requireSignedIn }, async (request, reply) => {
    const today = await todayFor();
    const scope = await teacherOf(request, reply, today);
    if (!scope) return reply;
    const date = dayOf(request.query.date, today);
    if (!date) return badDay(request, reply);
    const ctx = await ctxOf(request);
    return sendPage(reply, <MyClassesPage ctx={ctx} date={date} today={today} classes={await myClassesOn(db, scope, date)} />);
  });

  const showRoster = async (request: FastifyRequest, reply: FastifyReply, roster: Roster, extra: Partial<Parameters<typeof RosterPage>[0]> = {}, status = 200) =>
    sendPage(reply, <RosterPage ctx={await ctxOf(request)} roster={roster} today={await todayFor()} {...extra} />, status);

  app.get<{ Params: { sectionId: string }; Querystring: { date?: string; saved?: string } }>(
    '/staff/classes/:sectionId/attendance',
    { preHandler: requireSignedIn },
    async (request, reply) => {
      const today = await todayFor();
      const scope = await teacherOf(request, reply, today);
      if (!scope) return reply;
      const date = dayOf(request.query.date, today);
      if (!date) return badDay(request, reply);
      const sectionId = recordId(request.params.sectionId);
      const roster = sectionId === null ? null : await rosterFor(db, scope, sectionId, date, today);
      if (!roster) return reply.callNotFound();
      const ctx = await ctxOf(request);
      return showRoster(request, reply, roster, { notice: request.query.saved !== undefined ? ctx.t('teaching.saved') : undefined });
    },
  );

  app.post<{ Params: { sectionId: string } }>('/staff/classes/:sectionId/attendance', { preHandler: requireSignedIn }, async (request, reply) => {
    const today = await todayFor();
    const scope = await teacherOf(request, reply, today);
    if (!scope) return reply;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const sectionId = recordId(request.params.sectionId);
    const date = typeof body.date === 'string' ? dayOf(body.date, today) : null;
    if (sectionId === null) return reply.callNotFound();
    if (!date) return badDay(request, reply);
    const listed = ([] as unknown[]).concat(body.student ?? []).map(recordId);
    const version = typeof body.version === 'string' && /^\d{1,9}$/.test(body.version) ? Number(body.version) : null;
    if (listed.some((id) => id === null) || listed.length > 500 || version === null) return badDay(request, reply);
    // Each listed student's mark: "present" or a code's id; anything else is refused for that student.
    const marks = new Map<number, number | null>();
    const unreadable: number[] = [];
    for (const id of listed as number[]) {
      const value = body[`mark_${id}`];
      if (value === 'present') marks.set(id, null);
      else if (recordId(value) !== null) marks.set(id, recordId(value));
      else unreadable.push(id);
    }
    const result = await takeAttendance(
      db,
      scope,
      { sectionId, date, marks, listed: listed as number[], version, actorAccountId: request.session!.account.id, ip: clientIp(request) },
      today,
      services.now(),
    );
    switch (result.kind) {
      case 'notFound':
        return reply.callNotFound();
      case 'saved':
        return reply.redirect(`/staff/classes/${sectionId}/attendance?date=${date}&saved=1`, 303);
      case 'closed': {
        const roster = await rosterFor(db, scope, sectionId, date, today);
        const { t } = await ctxOf(request);
        return roster ? showRoster(request, reply, roster, { problem: t(date > today ? 'teaching.notYet' : 'teaching.closed') }, 409) : reply.callNotFound();
      }
      case 'stale':
        return showRoster(request, reply, result.roster, { problem: (await ctxOf(request)).t('teaching.stale') }, 409);
      case 'invalid': {
        const roster = await rosterFor(db, scope, sectionId, date, today);
        if (!roster) return reply.callNotFound();
        const { t } = await ctxOf(request);
        return showRoster(request, reply, roster, { problem: t('teaching.badMarks'), marks, invalid: [...new Set([...result.studentIds, ...unreadable])] }, 400);
      }
    }
  });

  // ── the attendance office ─────────────────────────────────────────────────────────────────────────
  const officeOnly = requireStaff(app, officeStaff);
  const officePage = async (request: FastifyRequest, reply: FastifyReply, date: string, extra: Partial<OfficeDayProps> = {}, status = 200) => {
    const ctx = await ctxOf(request);
    const scope = await officeScope(db, request.session!.account.staff_id);
    const [records, codes] = await Promise.all([recordsOn(db, scope, date), officeCodes(db)]);
    return sendPage(reply, <AttendanceOfficePage ctx={ctx} date={date} records={records} codes={codes} {...extra} />, status);
  };
  const actor = (request: FastifyRequest) => ({ actorAccountId: request.session!.account.id, ip: clientIp(request) });
  const problem = (field: string, key: OfficeProblem | 'badDate' | 'badText'): Messages => ({ [field]: { key: `attendanceOffice.problem.${key}` as MessageKey } });
  const text = z.string().max(200).refine((v) => !hasForbiddenCharacters(v));

  app.get<{ Querystring: { date?: string; done?: string } }>('/staff/attendance', { preHandler: officeOnly }, async (request, reply) => {
    const today = await todayFor();
    const date = dayOf(request.query.date, today);
    if (!date) return badDay(request, reply);
    const ctx = await ctxOf(request);
    const done = request.query.done;
    const notice = done === 'recorded' || done === 'excused' || done === 'removed' ? ctx.t(`attendanceOffice.${done}`) : undefined;
    return officePage(request, reply, date, { notice });
  });

  app.post('/staff/attendance/whole-day', { preHandler: officeOnly }, async (request, reply) => {
    const today = await todayFor();
    const body = (request.body ?? {}) as Record<string, unknown>;
    const form = { number: String(body.number ?? '').slice(0, 40), date: String(body.date ?? '').slice(0, 20), code: String(body.code ?? '').slice(0, 12), comment: String(body.comment ?? '').slice(0, 400) };
    const refuse = (errors: Messages) => officePage(request, reply, today, { errors, form }, 400);
    if (typeof body.number !== 'string' || !/^\s*[0-9A-Za-z-]{1,20}\s*$/.test(body.number)) return refuse(problem('number', 'unknownStudent'));
    const date = typeof body.date === 'string' ? day.safeParse(body.date) : null;
    if (!date?.success) return refuse(problem('wholeDate', 'badDate'));
    const codeId = recordId(body.code);
    if (codeId === null) return refuse(problem('code', 'unknownCode'));
    const comment = text.safeParse(body.comment ?? '');
    if (!comment.success) return refuse(problem('comment', 'badText'));
    const scope = await officeScope(db, request.session!.account.staff_id);
    const result = await recordWholeDay(db, scope, { studentNumber: body.number.trim(), date: date.data, codeId, comment: comment.data.trim() || null, ...actor(request) }, services.now());
    if (result.kind === 'invalid') return refuse(problem(result.field === 'date' ? 'wholeDate' : result.field, result.problem));
    if (result.kind === 'notFound') return reply.callNotFound();
    return reply.redirect(`/staff/attendance?date=${date.data}&done=recorded`, 303);
  });

  const recordAction = async (
    request: FastifyRequest<{ Params: { recordId: string } }>,
    reply: FastifyReply,
    run: (scope: Awaited<ReturnType<typeof officeScope>>, id: number, body: Record<string, unknown>) => Promise<{ kind: string; field?: string; problem?: OfficeProblem } | null>,
    done: string,
  ) => {
    const today = await todayFor();
    const body = (request.body ?? {}) as Record<string, unknown>;
    const date = dayOf(body.date, today) ?? today;
    const id = recordId(request.params.recordId);
    if (id === null) return reply.callNotFound();
    const scope = await officeScope(db, request.session!.account.staff_id);
    const result = await run(scope, id, body);
    if (!result || result.kind === 'notFound') return reply.callNotFound();
    // The message goes to the record's own field (its row), not to the whole-day form's fields of the same name.
    if (result.kind === 'invalid') return officePage(request, reply, date, { errors: problem(`${result.field === 'reason' ? 'reason' : 'excuse'}-${id}`, result.problem ?? 'unknownCode') }, 400);
    return reply.redirect(`/staff/attendance?date=${date}&done=${done}`, 303);
  };

  app.post<{ Params: { recordId: string } }>('/staff/attendance/:recordId/excuse', { preHandler: officeOnly }, (request, reply) =>
    recordAction(
      request,
      reply,
      async (scope, id, body) => {
        const codeId = recordId(body.code);
        const reason = text.safeParse(body.reason ?? '');
        if (codeId === null) return { kind: 'invalid', field: 'code', problem: 'unknownCode' };
        if (!reason.success) return { kind: 'invalid', field: 'reason', problem: 'reasonNeeded' };
        return excuseRecord(db, scope, { recordId: id, codeId, reason: reason.data.trim(), ...actor(request) }, services.now());
      },
      'excused',
    ),
  );

  app.post<{ Params: { recordId: string } }>('/staff/attendance/:recordId/remove', { preHandler: officeOnly }, (request, reply) =>
    recordAction(request, reply, (scope, id) => removeWholeDay(db, scope, { recordId: id, ...actor(request) }, services.now()), 'removed'),
  );

  app.get<{ Querystring: { date?: string } }>('/staff/attendance/not-taken', { preHandler: officeOnly }, async (request, reply) => {
    const today = await todayFor();
    const date = dayOf(request.query.date, today);
    if (!date) return badDay(request, reply);
    const ctx = await ctxOf(request);
    const scope = await officeScope(db, request.session!.account.staff_id);
    return sendPage(reply, <NotTakenPage ctx={ctx} date={date} sections={await sectionsNotTaken(db, scope, date)} />);
  });
}
