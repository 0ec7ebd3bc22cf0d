/**
 * Teachers post a section's term grades for a grading period, with report-card comment codes and a
 * comment per student, and read one grade's history. The domain (gradebook/posting.ts) decides who may
 * see and post what; these routes parse and render.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { teacherScope } from '../../domain/access/staff.js';
import { localDate } from '../../domain/calendar/dates.js';
import { optionalLongText, recordId } from '../../domain/forms.js';
import { gradeHistory, MAX_COMMENT, postGrades, postingClasses, postingSheet, type EntryProblem, type PostingEntry, type PostingSheet } from '../../domain/gradebook/posting.js';
import type { MessageKey } from '../../i18n/index.js';
import { contextFor } from '../context.js';
import { requireSignedIn, WHOLE_CLASS_FORM_BYTES } from '../guards.js';
import { clientIp } from '../plugins/session.js';
import { sendPage } from '../render.js';
import type { Messages } from '../views/forms.js';
import { MessagePage } from '../views/pages.js';
import { GradeHistoryPage, PostingClassesPage, PostingPage, type PostingPageProps } from '../views/posting.js';

const PROBLEMS: Record<EntryProblem, MessageKey> = {
  unknownLetter: 'posting.problem.unknownLetter',
  cannotWithdraw: 'posting.problem.cannotWithdraw',
  unknownCode: 'posting.problem.unknownCode',
  tooManyCodes: 'posting.problem.tooManyCodes',
  sameCodeTwice: 'posting.problem.sameCodeTwice',
  tooLong: 'posting.problem.tooLong',
  badCharacters: 'posting.problem.badCharacters',
};

/** The field id each entry field's message is shown at. */
const fieldId = (studentId: number, field: 'letter' | 'codes' | 'comment') => (field === 'codes' ? `code-${studentId}-1` : `${field}-${studentId}`);

const commentText = optionalLongText(MAX_COMMENT);

export async function postingRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;
  const ctxOf = (request: FastifyRequest) => contextFor(app, request);
  const todayFor = async (request: FastifyRequest) => localDate(services.now(), (await ctxOf(request)).district.timeZone);

  /** Teachers only: a staff member who teaches a section today. */
  const teacherOf = async (request: FastifyRequest, reply: FastifyReply, today: string) => {
    const scope = await teacherScope(db, request.session!.account.staff_id, today);
    if (scope.sections.size > 0) return scope;
    const ctx = await ctxOf(request);
    await sendPage(reply, <MessagePage ctx={ctx} title={ctx.t('staff.forbidden.title')} body={ctx.t('staff.forbidden.body')} />, 403);
    return null;
  };
  /** The period asked for: none (the domain picks), an id, or false when it cannot be one. */
  const periodOf = (value: unknown): number | null | false => (value === undefined || value === '' ? null : (recordId(value) ?? false));

  const show = async (request: FastifyRequest, reply: FastifyReply, sheet: PostingSheet, extra: Partial<PostingPageProps> = {}, status = 200) =>
    sendPage(reply, <PostingPage ctx={await ctxOf(request)} sheet={sheet} {...extra} />, status);

  app.get('/staff/post-grades', { preHandler: requireSignedIn }, async (request, reply) => {
    const today = await todayFor(request);
    const scope = await teacherOf(request, reply, today);
    if (!scope) return reply;
    return sendPage(reply, <PostingClassesPage ctx={await ctxOf(request)} classes={await postingClasses(db, scope)} />);
  });

  app.get<{ Params: { sectionId: string }; Querystring: { period?: string; posted?: string } }>(
    '/staff/classes/:sectionId/post-grades',
    { preHandler: requireSignedIn },
    async (request, reply) => {
      const today = await todayFor(request);
      const scope = await teacherOf(request, reply, today);
      if (!scope) return reply;
      const sectionId = recordId(request.params.sectionId);
      const periodId = periodOf(request.query.period);
      const sheet = sectionId === null || periodId === false ? null : await postingSheet(db, scope, sectionId, periodId, today);
      if (!sheet) return reply.callNotFound();
      const ctx = await ctxOf(request);
      const posted = request.query.posted;
      const notice = posted === undefined ? undefined : /^\d{1,4}$/.test(posted) && posted !== '0' ? ctx.t('posting.posted', { count: Number(posted) }) : ctx.t('posting.nothingChanged');
      return show(request, reply, sheet, { notice });
    },
  );

  app.post<{ Params: { sectionId: string }; Querystring: { period?: string } }>('/staff/classes/:sectionId/post-grades', { preHandler: requireSignedIn, bodyLimit: WHOLE_CLASS_FORM_BYTES }, async (request, reply) => {
    const today = await todayFor(request);
    const scope = await teacherOf(request, reply, today);
    if (!scope) return reply;
    const ctx = await ctxOf(request);
    const sectionId = recordId(request.params.sectionId);
    const periodId = periodOf(request.query.period);
    if (sectionId === null || periodId === null || periodId === false) return reply.callNotFound();
    const body = (request.body ?? {}) as Record<string, unknown>;
    const ids = ([] as unknown[]).concat(body.student ?? []).map(recordId);
    // A form that is not ours (no students, an id that is no id): the current sheet, nothing saved.
    const unreadable = ids.length === 0 || ids.length > 500 || ids.some((id) => id === null);
    const listed = unreadable
      ? []
      : (ids as number[]).map((studentId) => ({
          studentId,
          shownPercent: typeof body[`shown_${studentId}`] === 'string' ? (body[`shown_${studentId}`] as string) : '\u0000',
          version: typeof body[`seen_${studentId}`] === 'string' ? (body[`seen_${studentId}`] as string) : '\u0000',
        }));
    // Each student's choices; what cannot be read is refused at its field.
    const entries = new Map<number, PostingEntry>();
    const errors: Messages = {};
    for (const one of listed) {
      const studentId = one.studentId;
      const letter = body[`letter_${studentId}`];
      const codes = ([] as unknown[]).concat(body[`codes_${studentId}`] ?? []).filter((c) => c !== '');
      const codeIds = codes.map(recordId);
      const comment = commentText.safeParse(body[`comment_${studentId}`] ?? '');
      if (typeof letter !== 'string' || letter.length > 8) errors[fieldId(studentId, 'letter')] = { key: PROBLEMS.unknownLetter };
      if (codeIds.some((c) => c === null)) errors[fieldId(studentId, 'codes')] = { key: PROBLEMS.unknownCode };
      if (!comment.success) {
        const raw = body[`comment_${studentId}`];
        errors[fieldId(studentId, 'comment')] = { key: typeof raw === 'string' && raw.length > MAX_COMMENT ? PROBLEMS.tooLong : PROBLEMS.badCharacters };
      }
      entries.set(studentId, {
        letter: typeof letter === 'string' && letter !== '' ? letter : null,
        codes: codeIds.filter((c): c is number => c !== null),
        comment: comment.success ? comment.data : typeof body[`comment_${studentId}`] === 'string' ? (body[`comment_${studentId}`] as string).slice(0, MAX_COMMENT) : null,
      });
    }
    const current = async () => postingSheet(db, scope, sectionId, periodId, today);
    if (Object.keys(errors).length > 0) {
      const sheet = await current();
      if (!sheet) return reply.callNotFound();
      return show(request, reply, sheet, { problem: ctx.t('posting.invalid'), errors, entries }, 400);
    }
    const result = await postGrades(db, scope, { sectionId, periodId, entries, listed, actorAccountId: request.session!.account.id, ip: clientIp(request) }, today, services.now());
    switch (result.kind) {
      case 'notFound':
        return reply.callNotFound();
      case 'posted':
        return reply.redirect(`/staff/classes/${sectionId}/post-grades?period=${periodId}&posted=${result.changed}`, 303);
      case 'notYet':
        return show(request, reply, result.sheet, {}, 409);
      case 'stale':
        return show(request, reply, result.sheet, { problem: ctx.t('posting.stale') }, 409);
      case 'invalid': {
        const sheet = await current();
        if (!sheet) return reply.callNotFound();
        const found: Messages = {};
        for (const [studentId, problems] of result.problems) for (const p of problems) found[fieldId(studentId, p.field)] ??= { key: PROBLEMS[p.problem] };
        return show(request, reply, sheet, { problem: ctx.t('posting.invalid'), errors: found, entries }, 400);
      }
    }
  });

  app.get<{ Params: { sectionId: string; studentId: string }; Querystring: { period?: string } }>(
    '/staff/classes/:sectionId/post-grades/:studentId/history',
    { preHandler: requireSignedIn },
    async (request, reply) => {
      const today = await todayFor(request);
      const scope = await teacherOf(request, reply, today);
      if (!scope) return reply;
      const sectionId = recordId(request.params.sectionId);
      const studentId = recordId(request.params.studentId);
      const periodId = periodOf(request.query.period);
      const history = sectionId === null || studentId === null || periodId === null || periodId === false ? null : await gradeHistory(db, scope, sectionId, periodId, studentId, today);
      if (!history) return reply.callNotFound();
      return sendPage(reply, <GradeHistoryPage ctx={await ctxOf(request)} history={history} />);
    },
  );
}
