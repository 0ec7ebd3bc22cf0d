/**
 * Staff: find a student (every staff role, within its reach), the student's page, and a counselor's
 * reads of the student's grades, attendance and transcript. The domain decides who is in reach and
 * audits every open (domain/staff/students.ts, access/portal.ts readableByStaff).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StudentNotFound, type ReadableStudent } from '../../domain/access/portal.js';
import { counselorScope, officeScope, reachesStudents, staffReach, nurseScope } from '../../domain/access/staff.js';
import { attendanceOf } from '../../domain/attendance/attendance.js';
import { localDate } from '../../domain/calendar/dates.js';
import { parseInput, recordId } from '../../domain/forms.js';
import { gradesOf } from '../../domain/gradebook/grades.js';
import { transcriptOf } from '../../domain/gradebook/transcript.js';
import { counselorReads, searchStudents, staffStudentPage, studentSearchInput } from '../../domain/staff/students.js';
import { contextFor } from '../context.js';
import { requireStaffWith } from '../guards.js';
import { clientIp } from '../plugins/session.js';
import { sendPage } from '../render.js';
import { fromFieldErrors } from '../views/forms.js';
import type { PageContext } from '../views/context.js';
import { CounselorReadPage, StaffStudentPage, StudentSearchPage, TransferCreditPage, studentPath, type CounselorRead } from '../views/staff-students.js';
import { addTransferCredit, parseTransferCourse, transferLetters, transferYears } from '../../domain/staff/transfer-credit.js';

type StudentRoute = { Params: { id: string }; Querystring: Record<string, unknown> };
type StudentRequest = FastifyRequest<StudentRoute>;

export async function staffStudentRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;

  const todayFor = (ctx: PageContext) => localDate(services.now(), ctx.district.timeZone);
  const reachOf = async (request: FastifyRequest, staffId: number | null) => staffReach(db, staffId, todayFor(await contextFor(app, request)));
  const anyReach = requireStaffWith(app, reachOf, reachesStudents, 'students.forbidden.body');
  const counselors = requireStaffWith(app, (_request, staffId) => counselorScope(db, staffId), (scope) => scope.schools.size > 0, 'students.counselorOnly.body');

  /** Who acts, for the domain and the audit log. */
  const actorOf = (request: FastifyRequest) => ({ actorAccountId: request.session!.account.id, ip: clientIp(request) });
  const termOf = (request: StudentRequest) => recordId(request.query.term);

  app.get('/staff/students', { preHandler: anyReach }, async (request, reply) => {
    const ctx = await contextFor(app, request);
    const parsed = parseInput(studentSearchInput, request.query);
    const typed = (request.query as Record<string, unknown>).q;
    if (!parsed.ok) {
      const shown = typeof typed === 'string' ? typed.slice(0, 200) : '';
      return sendPage(reply, <StudentSearchPage ctx={ctx} q={shown} result={null} errors={fromFieldErrors(parsed.errors)} />, 400);
    }
    const { q, page } = parsed.data;
    const result = q === '' ? null : await searchStudents(db, await reachOf(request, request.session!.account.staff_id), { q, page }, todayFor(ctx));
    return sendPage(reply, <StudentSearchPage ctx={ctx} q={q} result={result} />);
  });

  /** The student, or a 404 for an id that names nobody in the staff member's reach. */
  const notFound = (reply: FastifyReply, error: unknown) => {
    if (!(error instanceof StudentNotFound)) throw error;
    return reply.callNotFound();
  };

  app.get<StudentRoute>('/staff/students/:id', { preHandler: anyReach }, async (request, reply) => {
    const id = recordId(request.params.id);
    if (id === null) return reply.callNotFound();
    const ctx = await contextFor(app, request);
    const staffId = request.session!.account.staff_id;
    const today = todayFor(ctx);
    try {
      const reach = await staffReach(db, staffId, today);
      const view = await staffStudentPage(
        db,
        { reach, counselor: await counselorScope(db, staffId), office: await officeScope(db, staffId), nurse: await nurseScope(db, staffId), ...actorOf(request) },
        id,
        today,
        services.now(),
      );
      return sendPage(reply, <StaffStudentPage ctx={ctx} view={view} termId={termOf(request)} records={reach.district} />);
    } catch (error) {
      return notFound(reply, error);
    }
  });

  /** A counselor's page of one of the student's records: the proof (audited), then the portal's read. */
  const counselorPage = (purpose: 'grades' | 'attendance' | 'transcript', render: (ctx: PageContext, student: ReadableStudent, today: string, request: StudentRequest) => Promise<CounselorRead>) =>
    async (request: StudentRequest, reply: FastifyReply) => {
      const id = recordId(request.params.id);
      if (id === null) return reply.callNotFound();
      const ctx = await contextFor(app, request);
      const today = todayFor(ctx);
      let student: ReadableStudent;
      try {
        student = await counselorReads(db, { counselor: await counselorScope(db, request.session!.account.staff_id), ...actorOf(request) }, id, purpose, today, services.now());
      } catch (error) {
        return notFound(reply, error);
      }
      const notice = purpose === 'transcript' && request.query.added === '1' ? ctx.t('transfer.added') : undefined;
      return sendPage(reply, <CounselorReadPage ctx={ctx} student={student} read={await render(ctx, student, today, request)} notice={notice} />);
    };

  app.get<StudentRoute>(
    '/staff/students/:id/grades',
    { preHandler: counselors },
    counselorPage('grades', async (_ctx, student, today) => ({ kind: 'grades', grades: await gradesOf(db, student, today) })),
  );
  app.get<StudentRoute>(
    '/staff/students/:id/attendance',
    { preHandler: counselors },
    counselorPage('attendance', async (_ctx, student, today, request) => ({ kind: 'attendance', attendance: await attendanceOf(db, student, today), termId: termOf(request) })),
  );
  app.get<StudentRoute>(
    '/staff/students/:id/transcript',
    { preHandler: counselors },
    counselorPage('transcript', async (ctx, student) => ({ kind: 'transcript', transcript: await transcriptOf(db, student, ctx.district.settings.graduationCredits) })),
  );

  // Transfer credit: the form (a counselor of the student's school), and the course added.
  app.get<StudentRoute>('/staff/students/:id/transfer-credit', { preHandler: counselors }, async (request, reply) => {
    const id = recordId(request.params.id);
    if (id === null) return reply.callNotFound();
    const ctx = await contextFor(app, request);
    const today = todayFor(ctx);
    try {
      const student = await counselorReads(db, { counselor: await counselorScope(db, request.session!.account.staff_id), ...actorOf(request) }, id, 'transcript', today, services.now());
      const letters = (await transferLetters(db)).map((l) => l.letter);
      return sendPage(reply, <TransferCreditPage ctx={ctx} student={student} letters={letters} years={transferYears(today)} />);
    } catch (error) {
      return notFound(reply, error);
    }
  });

  app.post<StudentRoute>('/staff/students/:id/transfer-credit', { preHandler: counselors }, async (request, reply) => {
    const id = recordId(request.params.id);
    if (id === null) return reply.callNotFound();
    const ctx = await contextFor(app, request);
    const today = todayFor(ctx);
    const counselor = await counselorScope(db, request.session!.account.staff_id);
    const letters = (await transferLetters(db)).map((l) => l.letter);
    const parsed = parseTransferCourse(request.body, letters, today);
    try {
      if (!parsed.ok) {
        // The student is checked (and the open audited) before the form is shown again.
        const student = await counselorReads(db, { counselor, ...actorOf(request) }, id, 'transcript', today, services.now());
        return sendPage(reply, <TransferCreditPage ctx={ctx} student={student} letters={letters} years={transferYears(today)} values={parsed.values} errors={fromFieldErrors(parsed.errors)} />, 400);
      }
      const result = await addTransferCredit(db, { counselor, ...actorOf(request) }, id, parsed.data, today, services.now());
      if (result.kind === 'duplicate') {
        const student = await counselorReads(db, { counselor, ...actorOf(request) }, id, 'transcript', today, services.now());
        return sendPage(reply, <TransferCreditPage ctx={ctx} student={student} letters={letters} years={transferYears(today)} values={parsed.values} errors={{ code: { key: 'transfer.duplicate' } }} />, 409);
      }
      return reply.redirect(`${studentPath(id, 'transcript')}?added=1`, 303);
    } catch (error) {
      return notFound(reply, error);
    }
  });
}
