/**
 * Teachers: My classes (the sections meeting on a day) and taking a section's attendance; office staff:
 * the sections of their schools that have not taken it. The domain (attendance/taking.ts) decides who
 * may see and write what; these routes parse and render.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { officeScope, teacherScope } from '../../domain/access/staff.js';
import { myClassesOn, rosterFor, sectionsNotTaken, takeAttendance, type Roster } from '../../domain/attendance/taking.js';
import { localDate } from '../../domain/calendar/dates.js';
import { recordId } from '../../domain/forms.js';
import { contextFor } from '../context.js';
import { officeStaff, redirectToSignIn, requireSignedIn, requireStaff } from '../guards.js';
import { clientIp } from '../plugins/session.js';
import { sendPage } from '../render.js';
import { MessagePage } from '../views/pages.js';
import { MyClassesPage, NotTakenPage, RosterPage } from '../views/teaching.js';

/** A calendar day as the date input sends it; anything else is refused (400). */
const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d));

export async function teachingRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;
  const ctxOf = (request: FastifyRequest) => contextFor(app, request);

  const todayFor = async (request: FastifyRequest) => localDate(services.now(), (await ctxOf(request)).district.timeZone);
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
    const today = await todayFor(request);
    const scope = await teacherOf(request, reply, today);
    if (!scope) return reply;
    const date = dayOf(request.query.date, today);
    if (!date) return badDay(request, reply);
    const ctx = await ctxOf(request);
    return sendPage(reply, <MyClassesPage ctx={ctx} date={date} today={today} classes={await myClassesOn(db, scope, date)} />);
  });

  const showRoster = async (request: FastifyRequest, reply: FastifyReply, roster: Roster, extra: Partial<Parameters<typeof RosterPage>[0]> = {}, status = 200) =>
    sendPage(reply, <RosterPage ctx={await ctxOf(request)} roster={roster} {...extra} />, status);

  app.get<{ Params: { sectionId: string }; Querystring: { date?: string; saved?: string } }>(
    '/staff/classes/:sectionId/attendance',
    { preHandler: requireSignedIn },
    async (request, reply) => {
      const today = await todayFor(request);
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
    const today = await todayFor(request);
    const scope = await teacherOf(request, reply, today);
    if (!scope) return reply;
    const ctx = await ctxOf(request);
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
        return roster ? showRoster(request, reply, roster, { problem: ctx.t('teaching.closed') }, 409) : reply.callNotFound();
      }
      case 'stale':
        return showRoster(request, reply, result.roster, { problem: ctx.t('teaching.stale') }, 409);
      case 'invalid': {
        const roster = await rosterFor(db, scope, sectionId, date, today);
        if (!roster) return reply.callNotFound();
        return showRoster(request, reply, roster, { problem: ctx.t('teaching.badMarks'), marks, invalid: [...new Set([...result.studentIds, ...unreadable])] }, 400);
      }
    }
  });

  app.get<{ Querystring: { date?: string } }>('/staff/attendance/not-taken', { preHandler: requireStaff(app, officeStaff) }, async (request, reply) => {
    if (redirectToSignIn(request, reply)) return reply;
    const today = await todayFor(request);
    const date = dayOf(request.query.date, today);
    if (!date) return badDay(request, reply);
    const ctx = await ctxOf(request);
    const scope = await officeScope(db, request.session!.account.staff_id);
    return sendPage(reply, <NotTakenPage ctx={ctx} date={date} sections={await sectionsNotTaken(db, scope, date)} />);
  });
}
