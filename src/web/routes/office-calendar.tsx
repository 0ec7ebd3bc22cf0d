/**
 * Office staff: the school calendar (events of their schools; district administrators also the
 * district's) and announcements (a school's portal; district administrators also the whole district
 * and the sign-in page), with a preview before publishing. The domain decides who may write where: an
 * event or announcement outside the staff member's scope answers 404 and nothing is written.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { announcementForm, announcementForOffice, announcementsForOffice, checkAnnouncement, endAnnouncement, publishAnnouncement, updateAnnouncement } from '../../domain/announcements/service.js';
import { localDate } from '../../domain/calendar/dates.js';
import { dayForm, daysForOffice, setSchoolDay } from '../../domain/calendar/days.js';
import { createEvent, eventForm, eventForOffice, eventsForOffice, removeEvent, schoolsOf, updateEvent } from '../../domain/calendar/events.js';
import { parseInput, recordId, type FieldErrors } from '../../domain/forms.js';
import { contextFor } from '../context.js';
import { officeActor, officeStaff, requireStaff } from '../guards.js';
import { sendPage } from '../render.js';
import { fromFieldErrors } from '../views/forms.js';
import { EditEventPage, OfficeCalendarPage, RemoveEventPage, type EventValues } from '../views/office-calendar.js';
import { ANNOUNCEMENT_FIELDS, EditAnnouncementPage, EndAnnouncementPage, OfficeAnnouncementsPage, type AnnouncementValues } from '../views/office-announcements.js';
import { MessagePage } from '../views/pages.js';

type Body = Record<string, unknown>;

/** The grade levels ticked on the event form, to show again. */
function gradesTyped(body: unknown): string[] {
  const v = ((body ?? {}) as Body).grades;
  return (Array.isArray(v) ? v : [v]).filter((g): g is string => typeof g === 'string').slice(0, 20);
}

/** The typed values of a form, to show again: strings only, anything else left out. */
function valuesOf<K extends string>(body: unknown, keys: readonly K[]): Partial<Record<K, string>> {
  const b = (body ?? {}) as Body;
  return Object.fromEntries(keys.flatMap((k) => (typeof b[k] === 'string' ? [[k, b[k] as string]] : []))) as Partial<Record<K, string>>;
}

const EVENT_KEYS = ['place', 'titleEn', 'titleEs', 'locationEn', 'locationEs', 'start', 'end', 'startTime', 'endTime'] as const;
const DAY_KEYS = ['school', 'date', 'kind', 'note', 'noteEs'] as const;
const ANNOUNCEMENT_KEYS = ANNOUNCEMENT_FIELDS;

/**
 * What a write did, told by the page it redirects to (`?done=`): every write answers 303, so that
 * reloading the page or going back and forward never sends the form again (a second event, a second
 * announcement published).
 */
const CALENDAR_DONE = { created: 'officeCalendar.created', updated: 'officeCalendar.updated', removed: 'officeCalendar.removed', day: 'officeCalendar.daySaved' } as const;
const ANNOUNCEMENT_DONE = { published: 'officeAnnouncements.published', updated: 'officeAnnouncements.updated', ended: 'officeAnnouncements.ended' } as const;

/** The message key a `done` query names, if it names one of these. */
function doneOf<T extends Record<string, string>>(query: unknown, done: T): T[keyof T] | undefined {
  const v = ((query ?? {}) as Body).done;
  return typeof v === 'string' && Object.hasOwn(done, v) ? done[v as keyof T] : undefined;
}

export async function officeCalendarRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;
  const staffOnly = requireStaff(app, officeStaff);

  const actorOf = (request: FastifyRequest) => officeActor(app, request);
  const todayOf = (timeZone: string) => localDate(services.now(), timeZone);
  /**
   * 404, with the message's title and, when given, a longer text (the same for an unknown and another
   * school's record), and the way back to the list the stale link came from.
   */
  const notFound = async (request: FastifyRequest, reply: FastifyReply, key: 'officeCalendar.missing' | 'officeAnnouncements.missing', body: 'officeCalendar.missingRemove' | typeof key = key) => {
    const ctx = await contextFor(app, request);
    const back = key === 'officeCalendar.missing' ? { href: '/staff/calendar', label: ctx.t('officeCalendar.back') } : { href: '/staff/announcements', label: ctx.t('officeAnnouncements.back') };
    return sendPage(reply, <MessagePage ctx={ctx} title={ctx.t(key)} body={ctx.t(body)} back={back} />, 404);
  };

  // ── school calendar ──────────────────────────────────────────────────────────────────────────────

  const showCalendar = async (request: FastifyRequest, reply: FastifyReply, extra: { values?: EventValues; errors?: FieldErrors; notice?: string; problem?: string } = {}, status = 200) => {
    const ctx = await contextFor(app, request);
    const { scope } = await actorOf(request);
    const today = todayOf(ctx.district.timeZone);
    const [events, days, schools] = await Promise.all([eventsForOffice(db, scope, today, ctx.locale), daysForOffice(db, scope, today), schoolsOf(db, scope)]);
    return sendPage(
      reply,
      <OfficeCalendarPage ctx={ctx} events={events} days={days} schools={schools} district={scope.district} values={extra.values} errors={fromFieldErrors(extra.errors ?? {})} notice={extra.notice} problem={extra.problem} />,
      status,
    );
  };

  app.get('/staff/calendar', { preHandler: staffOnly }, async (request, reply) => {
    const done = doneOf(request.query, CALENDAR_DONE);
    return showCalendar(request, reply, done ? { notice: (await contextFor(app, request)).t(done) } : {});
  });

  app.post('/staff/calendar', { preHandler: staffOnly }, async (request, reply) => {
    const values = { ...valuesOf(request.body, EVENT_KEYS), grades: gradesTyped(request.body) };
    const parsed = parseInput(eventForm, request.body);
    if (!parsed.ok) return showCalendar(request, reply, { values, errors: parsed.errors }, 400);
    const result = await createEvent(db, await actorOf(request), parsed.data, services.now());
    if (result.kind === 'missing') return notFound(request, reply, 'officeCalendar.missing');
    if (result.kind === 'invalid') return showCalendar(request, reply, { values, errors: result.errors }, 400);
    return reply.redirect('/staff/calendar?done=created', 303);
  });

  app.post('/staff/calendar/days', { preHandler: staffOnly }, async (request, reply) => {
    const values = valuesOf(request.body, DAY_KEYS);
    const parsed = parseInput(dayForm, request.body);
    if (!parsed.ok) return showCalendar(request, reply, { values, errors: parsed.errors }, 400);
    const result = await setSchoolDay(db, await actorOf(request), parsed.data, services.now());
    if (result.kind === 'missing') return notFound(request, reply, 'officeCalendar.missing');
    if (result.kind === 'invalid') return showCalendar(request, reply, { values, errors: result.errors }, 400);
    return reply.redirect('/staff/calendar?done=day', 303);
  });

  const showEvent = async (request: FastifyRequest, reply: FastifyReply, id: number, values: EventValues, errors: FieldErrors = {}, status = 200) => {
    const ctx = await contextFor(app, request);
    const { scope } = await actorOf(request);
    const schools = await schoolsOf(db, scope);
    return sendPage(reply, <EditEventPage ctx={ctx} id={id} schools={schools} district={scope.district} values={values} errors={fromFieldErrors(errors)} />, status);
  };

  app.get('/staff/calendar/:id', { preHandler: staffOnly }, async (request, reply) => {
    const id = recordId((request.params as Body).id);
    const { scope } = await actorOf(request);
    const event = id === null ? null : await eventForOffice(db, scope, id);
    if (!event || id === null) return notFound(request, reply, 'officeCalendar.missing');
    return showEvent(request, reply, id, {
      place: event.schoolId === null ? 'district' : String(event.schoolId),
      titleEn: event.titleEn,
      titleEs: event.titleEs,
      locationEn: event.locationEn ?? '',
      locationEs: event.locationEs ?? '',
      start: event.start,
      end: event.end === event.start ? '' : event.end,
      startTime: event.startTime ?? '',
      endTime: event.endTime ?? '',
      grades: event.grades.map(String),
    });
  });

  app.post('/staff/calendar/:id', { preHandler: staffOnly }, async (request, reply) => {
    const id = recordId((request.params as Body).id);
    const actor = await actorOf(request);
    if (id === null || !(await eventForOffice(db, actor.scope, id))) return notFound(request, reply, 'officeCalendar.missing');
    const values = { ...valuesOf(request.body, EVENT_KEYS), grades: gradesTyped(request.body) };
    const parsed = parseInput(eventForm, request.body);
    if (!parsed.ok) return showEvent(request, reply, id, values, parsed.errors, 400);
    const result = await updateEvent(db, actor, id, parsed.data, services.now());
    if (result.kind === 'missing') return notFound(request, reply, 'officeCalendar.missing');
    if (result.kind === 'invalid') return showEvent(request, reply, id, values, result.errors, 400);
    return reply.redirect('/staff/calendar?done=updated', 303);
  });

  /**
   * "Remove" asks first: its link opens this page, which names the event, and whose button posts the
   * confirmation. A post without it (an old page's button, a stray request) is answered with the
   * question, and nothing is removed. Unknown, another school's or already removed: 404.
   */
  const askToRemove = async (request: FastifyRequest, reply: FastifyReply, status: number) => {
    const id = recordId((request.params as Body).id);
    const { scope } = await actorOf(request);
    const event = id === null ? null : await eventForOffice(db, scope, id);
    if (!event || id === null) return notFound(request, reply, 'officeCalendar.missing', 'officeCalendar.missingRemove');
    const [ctx, schools] = await Promise.all([contextFor(app, request), schoolsOf(db, scope)]);
    return sendPage(reply, <RemoveEventPage ctx={ctx} id={id} schools={schools} event={event} />, status);
  };

  app.get('/staff/calendar/:id/remove', { preHandler: staffOnly }, (request, reply) => askToRemove(request, reply, 200));

  app.post('/staff/calendar/:id/remove', { preHandler: staffOnly }, async (request, reply) => {
    if (((request.body ?? {}) as Body).confirm !== 'yes') return askToRemove(request, reply, 400);
    const id = recordId((request.params as Body).id);
    const done = id !== null && (await removeEvent(db, await actorOf(request), id, services.now()));
    if (!done) return notFound(request, reply, 'officeCalendar.missing', 'officeCalendar.missingRemove');
    return reply.redirect('/staff/calendar?done=removed', 303);
  });

  // ── announcements ────────────────────────────────────────────────────────────────────────────────

  const showAnnouncements = async (
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { values?: AnnouncementValues; errors?: FieldErrors; preview?: { titleEn: string; bodyEn: string; titleEs: string; bodyEs: string }; notice?: string } = {},
    status = 200,
  ) => {
    const ctx = await contextFor(app, request);
    const { scope } = await actorOf(request);
    const [lines, schools] = await Promise.all([announcementsForOffice(db, scope, todayOf(ctx.district.timeZone), ctx.locale), schoolsOf(db, scope)]);
    return sendPage(
      reply,
      <OfficeAnnouncementsPage ctx={ctx} lines={lines} schools={schools} district={scope.district} values={extra.values} errors={fromFieldErrors(extra.errors ?? {})} preview={extra.preview} notice={extra.notice} />,
      status,
    );
  };

  app.get('/staff/announcements', { preHandler: staffOnly }, async (request, reply) => {
    const done = doneOf(request.query, ANNOUNCEMENT_DONE);
    return showAnnouncements(request, reply, done ? { notice: (await contextFor(app, request)).t(done) } : {});
  });

  /**
   * What an announcement form asks: a preview (the default), to publish, or — from a preview — to change
   * what was previewed (the form again, filled in, nothing checked or written). A preview shows the text
   * read-only with the values in hidden fields, so Publish publishes exactly what was previewed.
   */
  const intentOf = (body: unknown) => {
    const intent = (body as Body | undefined)?.intent;
    return intent === 'publish' || intent === 'edit' ? intent : 'preview';
  };

  app.post('/staff/announcements', { preHandler: staffOnly }, async (request, reply) => {
    const values = valuesOf(request.body, ANNOUNCEMENT_KEYS);
    if (intentOf(request.body) === 'edit') return showAnnouncements(request, reply, { values });
    const parsed = parseInput(announcementForm, request.body);
    if (!parsed.ok) return showAnnouncements(request, reply, { values, errors: parsed.errors }, 400);
    const actor = await actorOf(request);
    if (intentOf(request.body) === 'preview') {
      // Checked as publishing would, and shown as families will see it: nothing is written.
      const checked = await checkAnnouncement(db, actor.scope, parsed.data);
      if (!checked.ok && 'outside' in checked) return notFound(request, reply, 'officeAnnouncements.missing');
      if (!checked.ok) return showAnnouncements(request, reply, { values, errors: checked.errors }, 400);
      return showAnnouncements(request, reply, { values, preview: checked.row });
    }
    const result = await publishAnnouncement(db, actor, parsed.data, services.now());
    if (result.kind === 'missing') return notFound(request, reply, 'officeAnnouncements.missing');
    if (result.kind === 'invalid') return showAnnouncements(request, reply, { values, errors: result.errors }, 400);
    return reply.redirect('/staff/announcements?done=published', 303);
  });

  const showAnnouncement = async (
    request: FastifyRequest,
    reply: FastifyReply,
    id: number,
    values: AnnouncementValues,
    extra: { errors?: FieldErrors; preview?: { titleEn: string; bodyEn: string; titleEs: string; bodyEs: string } } = {},
    status = 200,
  ) => {
    const ctx = await contextFor(app, request);
    const { scope } = await actorOf(request);
    const schools = await schoolsOf(db, scope);
    return sendPage(
      reply,
      <EditAnnouncementPage ctx={ctx} id={id} schools={schools} district={scope.district} values={values} errors={fromFieldErrors(extra.errors ?? {})} preview={extra.preview} />,
      status,
    );
  };

  app.get('/staff/announcements/:id', { preHandler: staffOnly }, async (request, reply) => {
    const id = recordId((request.params as Body).id);
    const { scope } = await actorOf(request);
    const a = id === null ? null : await announcementForOffice(db, scope, id);
    if (!a || id === null) return notFound(request, reply, 'officeAnnouncements.missing');
    return showAnnouncement(request, reply, id, { target: a.target, titleEn: a.titleEn, bodyEn: a.bodyEn, titleEs: a.titleEs, bodyEs: a.bodyEs, start: a.start, end: a.end, condition: a.condition ?? '' });
  });

  app.post('/staff/announcements/:id', { preHandler: staffOnly }, async (request, reply) => {
    const id = recordId((request.params as Body).id);
    const actor = await actorOf(request);
    if (id === null || !(await announcementForOffice(db, actor.scope, id))) return notFound(request, reply, 'officeAnnouncements.missing');
    const values = valuesOf(request.body, ANNOUNCEMENT_KEYS);
    if (intentOf(request.body) === 'edit') return showAnnouncement(request, reply, id, values);
    const parsed = parseInput(announcementForm, request.body);
    if (!parsed.ok) return showAnnouncement(request, reply, id, values, { errors: parsed.errors }, 400);
    if (intentOf(request.body) === 'preview') {
      const checked = await checkAnnouncement(db, actor.scope, parsed.data);
      if (!checked.ok && 'outside' in checked) return notFound(request, reply, 'officeAnnouncements.missing');
      if (!checked.ok) return showAnnouncement(request, reply, id, values, { errors: checked.errors }, 400);
      return showAnnouncement(request, reply, id, values, { preview: checked.row });
    }
    const result = await updateAnnouncement(db, actor, id, parsed.data, services.now());
    if (result.kind === 'missing') return notFound(request, reply, 'officeAnnouncements.missing');
    if (result.kind === 'invalid') return showAnnouncement(request, reply, id, values, { errors: result.errors }, 400);
    return reply.redirect('/staff/announcements?done=updated', 303);
  });

  /**
   * "End now" asks first: its link opens this page, whose button posts the confirmation. A post without
   * it (an old page's button, a stray request) is answered with the question, and nothing is ended.
   */
  const askToEnd = async (request: FastifyRequest, reply: FastifyReply, status: number) => {
    const id = recordId((request.params as Body).id);
    const { scope } = await actorOf(request);
    const a = id === null ? null : await announcementForOffice(db, scope, id);
    if (!a || id === null) return notFound(request, reply, 'officeAnnouncements.missing');
    const [ctx, schools] = await Promise.all([contextFor(app, request), schoolsOf(db, scope)]);
    return sendPage(reply, <EndAnnouncementPage ctx={ctx} id={id} schools={schools} announcement={a} />, status);
  };

  app.get('/staff/announcements/:id/end', { preHandler: staffOnly }, (request, reply) => askToEnd(request, reply, 200));

  app.post('/staff/announcements/:id/end', { preHandler: staffOnly }, async (request, reply) => {
    if (((request.body ?? {}) as Body).confirm !== 'yes') return askToEnd(request, reply, 400);
    const id = recordId((request.params as Body).id);
    const ctx = await contextFor(app, request);
    const done = id !== null && (await endAnnouncement(db, await actorOf(request), id, todayOf(ctx.district.timeZone), services.now()));
    if (!done) return notFound(request, reply, 'officeAnnouncements.missing');
    return reply.redirect('/staff/announcements?done=ended', 303);
  });
}
