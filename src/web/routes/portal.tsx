/**
 * The portal tools of one student: for each row of the tool registry (src/domain/portal/tools.ts), its
 * page under the student (/students/:id/grades), the pages inside it (/students/:id/grades/:section),
 * and its short address for the student shown now (/grades). Every page is opened through `open()`,
 * which answers 404 for a tool the district turned off and for a student the reader may not see.
 */
import { recordId } from '../../domain/forms.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { localDate } from '../../domain/calendar/dates.js';
import type { DateString } from '../../db/schema.js';
import { adultCutoff } from '../../domain/district/settings.js';
import { readableStudent, StudentNotFound, type ReadableStudent } from '../../domain/access/portal.js';
import { attendanceOf } from '../../domain/attendance/attendance.js';
import { assignmentList, parseAssignmentsQuery } from '../../domain/gradebook/assignments.js';
import { gradesOf } from '../../domain/gradebook/grades.js';
import { scheduleOf } from '../../domain/scheduling/schedule.js';
import { documentsOf } from '../../domain/portal/documents.js';
import { todayOf } from '../../domain/portal/today.js';
import { districtThresholdCents, lowMealBalances } from '../../domain/meals/family.js';
import { addPost, newInDiscussions, openTopic, topicsForStudent, TopicNotFound, type DiscussionReader, type PostResult } from '../../domain/discussions/service.js';
import type { MessageKey } from '../../i18n/index.js';
import { todoListOf } from '../../domain/todo/registry.js';
import { DiscussionsPage, TopicPage, type PostFormState } from '../views/tools/discussions.js';
import { TodoAllPage, TodoPage } from '../views/tools/todo.js';
import { PORTAL_TOOLS, toolUrl, type PortalTool } from '../../domain/portal/tools.js';
import { birthDateOf, transcriptOf } from '../../domain/gradebook/transcript.js';
import { reportCardsOf } from '../../domain/gradebook/report-cards.js';
import { reportCardPdf } from '../../documents/report-card.js';
import { transcriptPdf } from '../../documents/transcript.js';
import { calendarOf, parseCalendarRequest } from '../../domain/calendar/calendar.js';
import { gradeTrend, whatIf } from '../../domain/gradebook/what-if.js';
import { parseWhatIf } from '../../domain/gradebook/what-if-input.js';
import { immunizationsOf } from '../../domain/health/immunizations.js';
import type { VisibleStudent } from '../../domain/people/visibility.js';
import { contextFor, messageReaderOf } from '../context.js';
import { todayInput } from '../today-input.js';
import { requireSignedIn } from '../guards.js';
import { sendPage } from '../render.js';
import type { Messages } from '../views/forms.js';
import { formatPoints } from '../views/format.js';
import type { PageContext } from '../views/context.js';
import { AssignmentsPage } from '../views/tools/assignments.js';
import { AttendancePage } from '../views/tools/attendance.js';
import { CalendarPage } from '../views/tools/calendar.js';
import { DocumentsPage } from '../views/tools/documents.js';
import { formsToolRoutes, signingRoute } from './signed-forms-family.js';
import { paymentsToolRoutes } from './payments-family.js';
import { waitingCount } from '../../domain/signed-forms/service.js';
import { ClassGradePage, GradesPage } from '../views/tools/grades.js';
import { ImmunizationsPage } from '../views/tools/immunizations.js';
import { ReportCardsPage } from '../views/tools/report-cards.js';
import { SchedulePage } from '../views/tools/schedule.js';
import { TodayPage } from '../views/tools/today.js';
import { TranscriptPage } from '../views/tools/transcript.js';
import { WhatIfPage } from '../views/tools/what-if.js';

const toId = (raw: string | undefined) => recordId(raw);

/** Why a post was refused, as the student reads it. */
const REFUSED: Record<Extract<PostResult, { kind: 'refused' }>['why'], MessageKey> = {
  closed: 'discussions.refused.closed',
  locked: 'discussions.refused.locked',
  notStudent: 'discussions.refused.notStudent',
  hiddenParent: 'discussions.refused.hiddenParent',
};

export type ToolRequest = FastifyRequest<{
  Params: { studentId: string; sectionId?: string; file?: string };
  Querystring: Record<string, string | string[] | undefined>;
}>;
/** What every page of a tool starts from: the page context, today in the district, and the student. */
export interface Opened {
  ctx: PageContext;
  today: DateString;
  /** the proof that the reader may see this student, which every portal read asks for */
  student: ReadableStudent;
}
type ToolPage = (opened: Opened, request: ToolRequest, reply: FastifyReply) => Promise<unknown>;

/** The pages of a tool: its own, and those inside it, by the address after the tool's path; and the forms it takes. */
export interface ToolRoutes {
  page: ToolPage;
  inside?: Record<string, ToolPage>;
  posts?: Record<string, ToolPage>;
}

export async function portalRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;

  app.addHook('preHandler', requireSignedIn);

  /** The page context, today's date in the district, and the student — or a 404 for anyone else's. */
  async function open(request: ToolRequest, reply: FastifyReply, tool: PortalTool): Promise<Opened | null> {
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

  const termParam = (request: ToolRequest) => toId(typeof request.query.term === 'string' ? request.query.term : undefined);

  /** One class of the student's grades, or null (404) for a section that is not theirs. */
  const classOf = async ({ student, today }: Opened, request: ToolRequest) => {
    const grades = await gradesOf(db, student, today);
    return grades.classes.find((c) => c.class.sectionId === toId(request.params.sectionId)) ?? null;
  };

  const pdf = (reply: FastifyReply, filename: string, body: Buffer) =>
    reply.header('content-type', 'application/pdf').header('content-disposition', `inline; filename="${filename}"`).header('cache-control', 'no-store').send(body);

  // Every row of the registry has its pages here: a tool without them does not compile.
  const tools: Record<PortalTool, ToolRoutes> = {
    today: {
      page: async ({ ctx, student }, request, reply) => {
        const account = request.session!.account;
        const view = await todayOf(db, todayInput(ctx, services.now(), student, account));
        // New posts in the student's discussions, for the student themself (a guardian reads, and is not told).
        const discussions = account.person_kind === 'student' && ctx.district.settings.tools.discussions ? await newInDiscussions(db, student, localDate(services.now(), ctx.district.timeZone)) : [];
        // A line when a form waits for this guardian's signature for the child.
        const formsWaiting = ctx.district.settings.tools.forms && account.person_kind === 'guardian' ? await waitingCount(db, student) : 0;
        // A line for each of the guardian's children whose meal balance is below the guardian's threshold.
        const mealsLow =
          ctx.district.settings.tools.payments && account.person_kind === 'guardian' && account.guardian_id
            ? await lowMealBalances(db, account.guardian_id, ctx.students ?? [student], districtThresholdCents(ctx.district.settings))
            : [];
        return sendPage(reply, <TodayPage ctx={ctx} student={student} today={view} discussions={discussions} formsWaiting={formsWaiting} mealsLow={mealsLow} />);
      },
    },

    calendar: {
      page: async ({ ctx, today, student }, request, reply) => {
        const asked = parseCalendarRequest(request.query, today);
        if (!asked) return reply.callNotFound();
        const calendar = await calendarOf(db, { student, today, locale: ctx.locale, districtLocale: ctx.district.locale, request: asked });
        return sendPage(reply, <CalendarPage ctx={ctx} student={student} calendar={calendar} today={today} />);
      },
    },

    schedule: {
      page: async ({ ctx, today, student }, request, reply) =>
        sendPage(reply, <SchedulePage ctx={ctx} student={student} schedule={await scheduleOf(db, student, today)} termId={termParam(request)} />),
    },

    assignments: {
      page: async ({ ctx, today, student }, request, reply) => {
        const { filter, view } = parseAssignmentsQuery(request.query);
        const list = assignmentList(await gradesOf(db, student, today), filter);
        return sendPage(reply, <AssignmentsPage ctx={ctx} student={student} list={list} filter={filter} view={view} />);
      },
    },

    grades: {
      page: async ({ ctx, today, student }, _request, reply) => sendPage(reply, <GradesPage ctx={ctx} student={student} grades={await gradesOf(db, student, today)} />),
      inside: {
        '/:sectionId': async (opened, request, reply) => {
          const { ctx, today, student } = opened;
          const one = await classOf(opened, request);
          if (!one) return reply.callNotFound();
          return sendPage(reply, <ClassGradePage ctx={ctx} student={student} grades={one} periodId={termParam(request)} trend={(periodId) => gradeTrend(one, periodId, today)} />);
        },
        // What-if: a GET form (nothing is saved, so nothing to protect), answered with the grade it would make.
        '/:sectionId/what-if': async (opened, request, reply) => {
          const { ctx, today, student } = opened;
          const one = await classOf(opened, request);
          if (!one) return reply.callNotFound();
          const periodId = termParam(request) ?? one.currentPeriodId;
          if (periodId === null || !one.periods.some((p) => p.period.id === periodId)) return reply.callNotFound();
          const query = request.query;
          const parsed = parseWhatIf(
            query,
            one.assignments.filter((a) => a.periodId === periodId),
            ctx.district.settings.maxScoreMultiple,
          );
          const values = Object.fromEntries(Object.entries(query).filter((e): e is [string, string] => typeof e[1] === 'string').map(([k, v]) => [k, v.slice(0, 20)]));
          const errors: Messages = Object.fromEntries(
            Object.entries(parsed.errors).map(([field, p]) => [field, { key: p.key, ...(p.max === undefined ? {} : { params: { max: formatPoints(p.max, ctx.locale) } }) }]),
          );
          const asked = Object.keys(query).some((k) => /^a\d+$/.test(k) || k === 'pts');
          const result = asked && parsed.ok ? whatIf(one, periodId, today, parsed.value) : null;
          return sendPage(
            reply,
            <WhatIfPage ctx={ctx} student={student} grades={one} periodId={periodId} result={result} values={values} errors={errors} />,
            parsed.ok ? 200 : 400,
          );
        },
      },
    },

    attendance: {
      page: async ({ ctx, today, student }, request, reply) =>
        sendPage(reply, <AttendancePage ctx={ctx} student={student} attendance={await attendanceOf(db, student, today)} termId={termParam(request)} />),
    },

    reportCards: {
      page: async ({ ctx, today, student }, _request, reply) => sendPage(reply, <ReportCardsPage ctx={ctx} student={student} cards={reportCardsOf(await gradesOf(db, student, today))} />),
      inside: {
        '/:file': async ({ ctx, today, student }, request, reply) => {
          const file = request.params.file ?? '';
          const termId = file.endsWith('.pdf') ? recordId(file.slice(0, -4)) : null;
          const card = reportCardsOf(await gradesOf(db, student, today)).find((c) => c.term.id === termId);
          if (!card) return reply.callNotFound();
          const body = await reportCardPdf(card, {
            locale: ctx.locale,
            district: ctx.district,
            student: { name: `${student.firstName} ${student.lastName}`, number: student.studentNumber, school: student.school, grade: student.grade },
          });
          return pdf(reply, `report-card-${student.studentNumber}-${card.term.id}.pdf`, body);
        },
      },
    },

    transcript: {
      page: async ({ ctx, student }, _request, reply) => {
        const transcript = await transcriptOf(db, student, ctx.district.settings.graduationCredits);
        return sendPage(reply, <TranscriptPage ctx={ctx} student={student} transcript={transcript} />);
      },
      inside: {
        '.pdf': async ({ ctx, today, student }, _request, reply) => {
          const [transcript, birthDate] = await Promise.all([transcriptOf(db, student, ctx.district.settings.graduationCredits), birthDateOf(db, student)]);
          const body = await transcriptPdf(transcript, {
            locale: ctx.locale,
            district: ctx.district,
            student: { name: `${student.firstName} ${student.lastName}`, number: student.studentNumber, school: student.school, grade: student.grade, birthDate },
            printedOn: today,
          });
          return pdf(reply, `unofficial-transcript-${student.studentNumber}.pdf`, body);
        },
      },
    },

    immunizations: {
      page: async ({ ctx, today, student }, _request, reply) =>
        sendPage(reply, <ImmunizationsPage ctx={ctx} student={student} record={await immunizationsOf(db, student, today)} />),
    },

    documents: {
      page: async ({ ctx, today, student }, _request, reply) => {
        const documents = await documentsOf(db, student, today, ctx.district.settings);
        return sendPage(reply, <DocumentsPage ctx={ctx} student={student} documents={documents} />);
      },
    },

    discussions: {
      page: async ({ ctx, today, student }, request, reply) => {
        const reader = discussionReader(request, student);
        const topics = await topicsForStudent(db, reader, today, ctx.district.settings.guardiansReadDiscussions);
        return sendPage(reply, <DiscussionsPage ctx={ctx} student={student} topics={topics} guardian={reader.kind === 'guardian'} />);
      },
      inside: {
        '/:file': async (opened, request, reply) => showTopic(opened, request, reply),
      },
      posts: {
        '/:file': async (opened, request, reply) => {
          const { ctx, today, student } = opened;
          const topicId = toId(request.params.file);
          if (topicId === null) return reply.callNotFound();
          const body = (request.body ?? {}) as Record<string, unknown>;
          const parentId = body.parent === undefined ? null : toId(typeof body.parent === 'string' ? body.parent : undefined);
          if (body.parent !== undefined && parentId === null) return reply.callNotFound();
          const reader = discussionReader(request, student);
          const result = await addPost(db, reader, { topicId, parentId, body: body.body, actorAccountId: request.session!.account.id }, today, ctx.district.settings.guardiansReadDiscussions, services.now());
          switch (result.kind) {
            case 'notFound':
              return reply.callNotFound();
            case 'posted':
              return reply.redirect(`${toolUrl(student.id, 'discussions', topicId)}?posted=1#post-${result.id}`, 303);
            case 'refused':
              return showTopic(opened, request, reply, { problem: ctx.t(REFUSED[result.why]) }, result.why === 'notStudent' ? 403 : 409);
            case 'invalid': {
              const state: PostFormState = { parentId, body: typeof body.body === 'string' ? body.body.slice(0, 5000) : '', errors: result.problems };
              return showTopic(opened, request, reply, { state }, 400);
            }
          }
        },
      },
    },

    todo: {
      page: async ({ ctx, today, student }, request, reply) => {
        // The request's message reader, the header's: the same messages as its count, and none where the district hides Messages.
        const messages = await messageReaderOf(app, request, ctx);
        // This child's group: the reader's own items (a message about no child) come first in the list and are on the whole list only.
        const groups = await todoListOf(db, { reader: request.session!.account, students: [student], today, messages }, services.now());
        const group = groups.find((g) => g.student?.id === student.id);
        return sendPage(reply, <TodoPage ctx={ctx} student={student} items={group?.items ?? []} />);
      },
    },
    forms: formsToolRoutes(app, pdf),
    payments: paymentsToolRoutes(app, pdf),
  };

  /** Who reads a discussion: the student themself, or a guardian reading for their child. */
  function discussionReader(request: ToolRequest, student: ReadableStudent): Exclude<DiscussionReader, { kind: 'teacher' }> {
    return request.session!.account.person_kind === 'student' ? { kind: 'student', student } : { kind: 'guardian', student };
  }

  async function showTopic({ ctx, today, student }: Opened, request: ToolRequest, reply: FastifyReply, extra: { state?: PostFormState; problem?: string } = {}, status = 200) {
    const topicId = toId(request.params.file);
    if (topicId === null) return reply.callNotFound();
    try {
      const topic = await openTopic(db, discussionReader(request, student), topicId, today, ctx.district.settings.guardiansReadDiscussions);
      const notice = request.query.posted !== undefined && status === 200 ? ctx.t('discussions.posted') : undefined;
      return sendPage(reply, <TopicPage ctx={ctx} student={student} topic={topic} notice={notice} {...extra} />, status);
    } catch (error) {
      if (!(error instanceof TopicNotFound)) throw error;
      return reply.callNotFound();
    }
  }

  for (const row of PORTAL_TOOLS) {
    const { key, path } = row;
    const { page, inside = {}, posts = {} } = tools[key];
    for (const [address, handler] of Object.entries(posts)) {
      app.post(`/students/:studentId/${path}${address}`, async (request: ToolRequest, reply) => {
        const opened = await open(request, reply, key);
        if (!opened) return reply;
        return handler(opened, request, reply);
      });
    }
    for (const [address, handler] of [['', page], ...Object.entries(inside)] as const) {
      app.get(`/students/:studentId/${path}${address}`, async (request: ToolRequest, reply) => {
        const opened = await open(request, reply, key);
        if (!opened) return reply;
        return handler(opened, request, reply);
      });
    }
    if ('acrossStudents' in row) {
      // A page of its own: the reader's list across every student they read (a guardian's children, one after another).
      app.get(`/${path}`, async (request, reply) => {
        const ctx: PageContext = await contextFor(app, request);
        if (!ctx.district.settings.tools[key] || !ctx.students) return reply.callNotFound();
        const account = request.session!.account;
        const today = localDate(services.now(), ctx.district.timeZone);
        // The students the reader may read, as the page context already asked (the proofs of access/portal.ts).
        const groups = await todoListOf(db, { reader: account, students: ctx.students, today, messages: await messageReaderOf(app, request, ctx), acrossStudents: true }, services.now());
        return sendPage(reply, <TodoAllPage ctx={ctx} groups={groups} />);
      });
      continue;
    }
    // The short address, for the student shown now (the switcher's choice, or the student themself).
    app.get(`/${path}`, async (request, reply) => {
      const ctx: PageContext = await contextFor(app, request);
      const student: VisibleStudent | undefined = ctx.student;
      if (!student) return reply.callNotFound();
      return reply.redirect(`/students/${student.id}/${path}`, 303);
    });
  }

  // Signing a form: the one portal page that takes a POST.
  signingRoute(app, (request, reply) => open(request, reply, 'forms'));
}
