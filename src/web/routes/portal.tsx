/** The portal tools of one student: /students/:id/schedule, grades, grades/:section, assignments, attendance. */
import { recordId } from '../../domain/forms.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { localDate, localTime } from '../../domain/calendar/dates.js';
import { adultCutoff, type PortalTool } from '../../domain/district/settings.js';
import { readableStudent, StudentNotFound } from '../../domain/portal/access.js';
import { attendanceOf } from '../../domain/portal/attendance.js';
import { gradesOf } from '../../domain/portal/grades.js';
import { scheduleOf } from '../../domain/portal/schedule.js';
import { todayOf } from '../../domain/portal/today.js';
import { transcriptOf } from '../../domain/portal/transcript.js';
import { reportCardsOf } from '../../domain/portal/report-cards.js';
import { reportCardPdf } from '../../documents/report-card.js';
import { transcriptPdf } from '../../documents/transcript.js';
import { calendarOf, parseCalendarRequest } from '../../domain/portal/calendar.js';
import { birthDateOf } from '../../domain/portal/transcript.js';
import { CalendarPage } from '../views/calendar.js';
import { documentHref, DocumentsPage, type DocumentLink } from '../views/documents.js';
import { formatInstant } from '../../email/templates.js';
import { gradeTrend, whatIf } from '../../domain/portal/what-if.js';
import { parseWhatIf } from '../../domain/portal/what-if-input.js';
import { immunizationsOf } from '../../domain/health/immunizations.js';
import type { VisibleStudent } from '../../domain/people/visibility.js';
import { contextFor } from '../context.js';
import { requireSignedIn } from '../guards.js';
import { sendPage } from '../render.js';
import { fromFieldErrors } from '../views/forms.js';
import type { PageContext } from '../views/context.js';
import { AssignmentsPage, AttendancePage, ClassGradePage, formatDay, GradesPage, ImmunizationsPage, ReportCardsPage, SchedulePage, TodayPage, TranscriptPage, WhatIfPage, type AssignmentFilter } from '../views/portal.js';

const toId = (raw: string | undefined) => recordId(raw);

export async function portalRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;

  app.addHook('preHandler', requireSignedIn);

  /** The page context, today's date in the district, and the student — or a 404 for anyone else's. */
  async function open(request: FastifyRequest<{ Params: { studentId: string } }>, reply: FastifyReply, tool: PortalTool) {
    const ctx = await contextFor(app, request);
    const id = toId(request.params.studentId);
    if (id === null || !ctx.district.settings.tools[tool]) {
      void reply.callNotFound();
      return null;
    }
    const today = localDate(services.now(), ctx.district.timeZone);
    try {
      const student = await readableStudent(db, request.session!.account, id, adultCutoff(ctx.district.settings, today), ctx.students);
      // The switcher follows the student whose page is open.
      ctx.student = student;
      return { ctx, today, student };
    } catch (error) {
      if (!(error instanceof StudentNotFound)) throw error;
      void reply.callNotFound();
      return null;
    }
  }

  const termParam = (request: FastifyRequest) => toId((request.query as Record<string, string | undefined>).term);

  app.get<{ Params: { studentId: string } }>('/students/:studentId/today', async (request, reply) => {
    const opened = await open(request, reply, 'today');
    if (!opened) return reply;
    const { ctx, today, student } = opened;
    const time = localTime(services.now(), ctx.district.timeZone);
    const view = await todayOf(db, {
      studentId: student.id,
      schoolId: student.schoolId,
      date: today,
      time,
      locale: ctx.locale,
      districtLocale: ctx.district.locale,
      audience: request.session!.account.person_kind === 'student' ? 'students' : 'guardians',
    });
    return sendPage(reply, <TodayPage ctx={ctx} student={student} today={view} />);
  });

  app.get<{ Params: { studentId: string } }>('/students/:studentId/schedule', async (request, reply) => {
    const opened = await open(request, reply, 'schedule');
    if (!opened) return reply;
    const { ctx, today, student } = opened;
    return sendPage(reply, <SchedulePage ctx={ctx} student={student} schedule={await scheduleOf(db, student.id, today)} termId={termParam(request)} />);
  });

  app.get<{ Params: { studentId: string } }>('/students/:studentId/grades', async (request, reply) => {
    const opened = await open(request, reply, 'grades');
    if (!opened) return reply;
    const { ctx, today, student } = opened;
    return sendPage(reply, <GradesPage ctx={ctx} student={student} grades={await gradesOf(db, student.id, today)} />);
  });

  app.get<{ Params: { studentId: string; sectionId: string } }>('/students/:studentId/grades/:sectionId', async (request, reply) => {
    const opened = await open(request, reply, 'grades');
    if (!opened) return reply;
    const { ctx, today, student } = opened;
    const sectionId = toId(request.params.sectionId);
    const grades = await gradesOf(db, student.id, today);
    const one = grades.classes.find((c) => c.class.sectionId === sectionId);
    if (!one) return reply.callNotFound();
    return sendPage(reply, <ClassGradePage ctx={ctx} student={student} grades={one} periodId={termParam(request)} trend={(periodId) => gradeTrend(one, periodId, today)} />);
  });

  // What-if: a GET form (nothing is saved, so nothing to protect), answered with the grade it would make.
  app.get<{ Params: { studentId: string; sectionId: string }; Querystring: Record<string, string | string[] | undefined> }>(
    '/students/:studentId/grades/:sectionId/what-if',
    async (request, reply) => {
      const opened = await open(request, reply, 'grades');
      if (!opened) return reply;
      const { ctx, today, student } = opened;
      const grades = await gradesOf(db, student.id, today);
      const one = grades.classes.find((c) => c.class.sectionId === toId(request.params.sectionId));
      if (!one) return reply.callNotFound();
      const periodId = termParam(request) ?? one.currentPeriodId;
      if (periodId === null || !one.periods.some((p) => p.period.id === periodId)) return reply.callNotFound();
      const query = request.query;
      const parsed = parseWhatIf(query, one.assignments.filter((a) => a.periodId === periodId).map((a) => a.id));
      const values = Object.fromEntries(Object.entries(query).filter((e): e is [string, string] => typeof e[1] === 'string').map(([k, v]) => [k, v.slice(0, 20)]));
      const errors = fromFieldErrors(parsed.errors);
      const asked = Object.keys(query).some((k) => /^a\d+$/.test(k) || k === 'pts');
      const result = asked && parsed.ok ? whatIf(one, periodId, today, parsed.value) : null;
      return sendPage(
        reply,
        <WhatIfPage ctx={ctx} student={student} grades={one} periodId={periodId} result={result} values={values} errors={errors} />,
        parsed.ok ? 200 : 400,
      );
    },
  );

  app.get<{ Params: { studentId: string }; Querystring: { filter?: string; view?: string } }>('/students/:studentId/assignments', async (request, reply) => {
    const opened = await open(request, reply, 'assignments');
    if (!opened) return reply;
    const { ctx, today, student } = opened;
    const filters: AssignmentFilter[] = ['all', 'missing', 'late', 'upcoming'];
    const filter = filters.find((f) => f === request.query.filter) ?? 'all';
    const view = request.query.view === 'date' ? 'date' : 'class';
    return sendPage(reply, <AssignmentsPage ctx={ctx} student={student} grades={await gradesOf(db, student.id, today)} filter={filter} view={view} />);
  });

  app.get<{ Params: { studentId: string } }>('/students/:studentId/attendance', async (request, reply) => {
    const opened = await open(request, reply, 'attendance');
    if (!opened) return reply;
    const { ctx, today, student } = opened;
    return sendPage(reply, <AttendancePage ctx={ctx} student={student} attendance={await attendanceOf(db, student.id, today)} termId={termParam(request)} />);
  });

  app.get<{ Params: { studentId: string } }>('/students/:studentId/report-cards', async (request, reply) => {
    const opened = await open(request, reply, 'reportCards');
    if (!opened) return reply;
    const { ctx, today, student } = opened;
    return sendPage(reply, <ReportCardsPage ctx={ctx} student={student} cards={reportCardsOf(await gradesOf(db, student.id, today))} />);
  });

  app.get<{ Params: { studentId: string; file: string } }>('/students/:studentId/report-cards/:file', async (request, reply) => {
    const opened = await open(request, reply, 'reportCards');
    if (!opened) return reply;
    const { ctx, today, student } = opened;
    const termId = request.params.file.endsWith('.pdf') ? recordId(request.params.file.slice(0, -4)) : null;
    const card = reportCardsOf(await gradesOf(db, student.id, today)).find((c) => c.term.id === termId);
    if (!card) return reply.callNotFound();
    const pdf = await reportCardPdf(card, {
      locale: ctx.locale,
      district: ctx.district,
      student: { name: `${student.firstName} ${student.lastName}`, number: student.studentNumber, school: student.school, grade: student.grade },
    });
    return reply
      .header('content-type', 'application/pdf')
      .header('content-disposition', `inline; filename="report-card-${student.studentNumber}-${card.term.id}.pdf"`)
      .header('cache-control', 'no-store')
      .send(pdf);
  });

  app.get<{ Params: { studentId: string } }>('/students/:studentId/transcript', async (request, reply) => {
    const opened = await open(request, reply, 'transcript');
    if (!opened) return reply;
    const { ctx, student } = opened;
    const transcript = await transcriptOf(db, student.id, ctx.district.settings.graduationCredits);
    return sendPage(reply, <TranscriptPage ctx={ctx} student={student} transcript={transcript} />);
  });

  app.get<{ Params: { studentId: string } }>('/students/:studentId/transcript.pdf', async (request, reply) => {
    const opened = await open(request, reply, 'transcript');
    if (!opened) return reply;
    const { ctx, today, student } = opened;
    const [transcript, birthDate] = await Promise.all([transcriptOf(db, student.id, ctx.district.settings.graduationCredits), birthDateOf(db, student.id)]);
    const pdf = await transcriptPdf(transcript, {
      locale: ctx.locale,
      district: ctx.district,
      student: { name: `${student.firstName} ${student.lastName}`, number: student.studentNumber, school: student.school, grade: student.grade, birthDate },
      printedOn: today,
    });
    return reply
      .header('content-type', 'application/pdf')
      .header('content-disposition', `inline; filename="unofficial-transcript-${student.studentNumber}.pdf"`)
      .header('cache-control', 'no-store')
      .send(pdf);
  });

  app.get<{ Params: { studentId: string }; Querystring: Record<string, unknown> }>('/students/:studentId/calendar', async (request, reply) => {
    const opened = await open(request, reply, 'calendar');
    if (!opened) return reply;
    const { ctx, today, student } = opened;
    const asked = parseCalendarRequest(request.query, today);
    if (!asked) return reply.callNotFound();
    const calendar = await calendarOf(db, { studentId: student.id, schoolId: student.schoolId, today, locale: ctx.locale, districtLocale: ctx.district.locale, request: asked });
    return sendPage(reply, <CalendarPage ctx={ctx} student={student} calendar={calendar} today={today} />);
  });

  // Documents: what the family can open as PDF, each only while its own tool is turned on.
  app.get<{ Params: { studentId: string } }>('/students/:studentId/documents', async (request, reply) => {
    const opened = await open(request, reply, 'documents');
    if (!opened) return reply;
    const { ctx, today, student } = opened;
    const { tools } = ctx.district.settings;
    const documents: DocumentLink[] = [];
    if (tools.reportCards) {
      const cards = reportCardsOf(await gradesOf(db, student.id, today));
      for (const card of [...cards].reverse()) {
        documents.push({
          kind: 'reportCard',
          title: ctx.t('reportCard.heading', { period: card.term.title }),
          href: documentHref.reportCard(student.id, card.term.id),
          asOf: card.postedAt ? formatInstant(new Date(card.postedAt), ctx.locale, ctx.district.timeZone) : null,
        });
      }
    }
    if (tools.transcript) {
      const transcript = await transcriptOf(db, student.id, ctx.district.settings.graduationCredits);
      if (transcript.years.length > 0) documents.unshift({ kind: 'transcript', title: ctx.t('portal.transcript'), href: documentHref.transcript(student.id), asOf: formatDay(today, ctx.locale, true) });
    }
    return sendPage(reply, <DocumentsPage ctx={ctx} student={student} documents={documents} />);
  });

  app.get<{ Params: { studentId: string } }>('/students/:studentId/immunizations', async (request, reply) => {
    const opened = await open(request, reply, 'immunizations');
    if (!opened) return reply;
    const { ctx, today, student } = opened;
    return sendPage(reply, <ImmunizationsPage ctx={ctx} student={student} record={await immunizationsOf(db, student, today)} />);
  });

  // Short addresses for the student shown now (the switcher's choice, or the student themself).
  for (const tool of ['today', 'calendar', 'schedule', 'grades', 'assignments', 'attendance', 'transcript', 'immunizations', 'documents'] as const) {
    app.get(`/${tool}`, async (request, reply) => {
      const ctx: PageContext = await contextFor(app, request);
      const student: VisibleStudent | undefined = ctx.student;
      if (!student) return reply.callNotFound();
      return reply.redirect(`/students/${student.id}/${tool}`, 303);
    });
  }
}
