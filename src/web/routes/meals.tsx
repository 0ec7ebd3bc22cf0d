/**
 * Food service (issue 24): the families' meal-account pages (/payments/meals, each readable child's
 * account at /payments/meals/:studentId, the guardian's low-balance threshold), and the office's pages
 * (/staff/meals: a student's account with a deposit or an adjustment; /staff/meals/import: the
 * point-of-sale file). Every decision is the domain's (domain/meals); a student the reader may not see
 * answers 404 like one that does not exist.
 */
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readableStudent, StudentNotFound } from '../../domain/access/portal.js';
import { localDate } from '../../domain/calendar/dates.js';
import { adultCutoff } from '../../domain/district/settings.js';
import { recordId } from '../../domain/forms.js';
import { districtThresholdCents, mealAccountFor, mealBalancesFor, setThreshold, thresholdOf } from '../../domain/meals/family.js';
import { importMeals, MEAL_PROBLEMS, type MealImportReport } from '../../domain/meals/import.js';
import { findMealStudent, officeMealAccount, readOfficeEntryForm, recordOfficeEntry } from '../../domain/meals/office.js';
import { describeProblem } from '../../domain/oneroster/read/describe.js';
import type { MessageKey } from '../../i18n/index.js';
import { contextFor } from '../context.js';
import { officeActor, officeStaff, requireSignedIn, requireStaff } from '../guards.js';
import { sendPage } from '../render.js';
import { fromFieldErrors, type Messages } from '../views/forms.js';
import { MealAccountPage, MealImportPage, MealsPage, MEALS_PATH, OfficeMealAccountPage, OfficeMealSearchPage } from '../views/meals.js';
import { MessagePage } from '../views/pages.js';

/** The largest point-of-sale file the page takes: a day of 150,000 transactions is about 8 MB. */
const MAX_FILE_MB = 50;

export async function mealFamilyRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;
  app.addHook('preHandler', requireSignedIn);

  /** The page context of a student or guardian, when the district shows Payments; null (404) otherwise. */
  const familyContext = async (request: FastifyRequest) => {
    const ctx = await contextFor(app, request);
    if (!ctx.students || !ctx.district.settings.tools.payments) return null;
    return ctx;
  };

  const listPage = async (request: FastifyRequest, reply: FastifyReply, extra: { notice?: string; value?: string; error?: Messages['threshold'] } = {}, status = 200) => {
    const ctx = await familyContext(request);
    if (!ctx) return reply.callNotFound();
    const account = request.session!.account;
    const districtCents = districtThresholdCents(ctx.district.settings);
    const [accounts, threshold] = await Promise.all([
      mealBalancesFor(db, ctx.students!),
      account.person_kind === 'guardian' && account.guardian_id ? thresholdOf(db, account.guardian_id, districtCents) : Promise.resolve(null),
    ]);
    return sendPage(reply, <MealsPage ctx={ctx} accounts={accounts} threshold={threshold} districtCents={districtCents} {...extra} />, status);
  };

  app.get<{ Querystring: { saved?: unknown } }>(MEALS_PATH, async (request, reply) => {
    const ctx = await contextFor(app, request);
    return listPage(request, reply, request.query.saved === '1' ? { notice: ctx.t('meals.threshold.saved') } : {});
  });

  app.post(`${MEALS_PATH}/threshold`, async (request, reply) => {
    const ctx = await familyContext(request);
    const account = request.session!.account;
    if (!ctx || account.person_kind !== 'guardian' || !account.guardian_id) return reply.callNotFound();
    const raw = ((request.body ?? {}) as Record<string, unknown>).threshold;
    const result = await setThreshold(db, account.guardian_id, raw, services.now());
    if (result.ok) return reply.redirect(`${MEALS_PATH}?saved=1`, 303);
    return listPage(request, reply, { value: typeof raw === 'string' ? raw.slice(0, 20) : '', error: { key: result.error } }, 400);
  });

  app.get<{ Params: { studentId: string } }>(`${MEALS_PATH}/:studentId`, async (request, reply) => {
    const ctx = await familyContext(request);
    const id = recordId(request.params.studentId);
    if (!ctx || id === null) return reply.callNotFound();
    const today = localDate(services.now(), ctx.district.timeZone);
    try {
      const student = await readableStudent(db, request.session!.account, id, adultCutoff(ctx.district.settings, today), ctx.students);
      ctx.student = student;
      const view = await mealAccountFor(db, student, services.now());
      return sendPage(reply, <MealAccountPage ctx={ctx} student={student} balanceCents={view.balanceCents} lines={view.lines} />);
    } catch (error) {
      if (!(error instanceof StudentNotFound)) throw error;
      return reply.callNotFound();
    }
  });
}

type IdParams = { Params: { id: string } };

const fieldsOf = (body: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries((body ?? {}) as Record<string, unknown>).filter(([k, v]) => k !== '_csrf' && typeof v === 'string').map(([k, v]) => [k, (v as string).slice(0, 200)]));

export async function mealStaffRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;
  // Multipart bodies are parsed here only, as a stream: the file is read after the checks.
  await app.register(multipart, { limits: { fileSize: MAX_FILE_MB * 1024 * 1024, files: 1, fields: 3, parts: 4, fieldSize: 100 } });
  app.addHook('preHandler', requireStaff(app, officeStaff));

  const actorOf = (request: FastifyRequest) => officeActor(app, request);
  const notFound = async (request: FastifyRequest, reply: FastifyReply) => {
    const ctx = await contextFor(app, request);
    return sendPage(reply, <MessagePage ctx={ctx} title={ctx.t('meals.office.title')} body={ctx.t('meals.office.missing')} />, 404);
  };

  const showAccount = async (request: FastifyRequest, reply: FastifyReply, studentId: number | null, extra: { notice?: string; values?: Record<string, string>; errors?: Messages } = {}, status = 200) => {
    const ctx = await contextFor(app, request);
    const account = studentId === null ? null : await officeMealAccount(db, await actorOf(request), studentId, services.now());
    if (!account) return notFound(request, reply);
    return sendPage(reply, <OfficeMealAccountPage ctx={ctx} student={account.student} balanceCents={account.balanceCents} lines={account.lines} {...extra} />, status);
  };

  app.get<{ Querystring: { number?: unknown } }>('/staff/meals', async (request, reply) => {
    const ctx = await contextFor(app, request);
    const raw = request.query.number;
    if (raw === undefined) return sendPage(reply, <OfficeMealSearchPage ctx={ctx} />);
    const number = typeof raw === 'string' ? raw.trim() : '';
    let error: MessageKey;
    if (!/^[0-9A-Za-z]{1,32}$/.test(number)) error = 'meals.office.numberInvalid';
    else {
      const id = await findMealStudent(db, await actorOf(request), number);
      if (id !== null) return reply.redirect(`/staff/meals/students/${id}`, 303);
      error = 'meals.office.notFound';
    }
    return sendPage(reply, <OfficeMealSearchPage ctx={ctx} number={number.slice(0, 32)} errors={{ number: { key: error } }} />, error === 'meals.office.notFound' ? 404 : 400);
  });

  app.get<IdParams & { Querystring: { saved?: unknown } }>('/staff/meals/students/:id', async (request, reply) => {
    const ctx = await contextFor(app, request);
    return showAccount(request, reply, recordId(request.params.id), request.query.saved === '1' ? { notice: ctx.t('meals.office.saved') } : {});
  });

  app.post<IdParams>('/staff/meals/students/:id/entries', async (request, reply) => {
    const studentId = recordId(request.params.id);
    if (studentId === null) return notFound(request, reply);
    const form = readOfficeEntryForm(request.body);
    if (!form.ok) return showAccount(request, reply, studentId, { errors: fromFieldErrors(form.errors), values: fieldsOf(request.body) }, 400);
    const result = await recordOfficeEntry(db, await actorOf(request), studentId, form.data, services.now());
    if (result.kind === 'missing') return notFound(request, reply);
    return reply.redirect(`/staff/meals/students/${studentId}?saved=1`, 303);
  });

  const importPage = async (request: FastifyRequest, reply: FastifyReply, extra: { report?: MealImportReport; problem?: string } = {}, status = 200) => {
    const ctx = await contextFor(app, request);
    const describe = (p: MealImportReport['problems'][number]) => describeProblem(p, ctx.t, MEAL_PROBLEMS);
    return sendPage(reply, <MealImportPage ctx={ctx} describe={describe} {...extra} />, status);
  };

  app.get('/staff/meals/import', async (request, reply) => importPage(request, reply));

  app.post('/staff/meals/import', async (request, reply) => {
    const ctx = await contextFor(app, request);
    if (!request.isMultipart()) return importPage(request, reply, { problem: ctx.t('meals.import.noFile') }, 400);
    let content: Buffer | null = null;
    let name = 'meals.csv';
    let dryRun = false;
    try {
      for await (const part of request.parts()) {
        if (part.type === 'file') {
          if (part.fieldname !== 'file' || content !== null) {
            part.file.resume();
            continue;
          }
          name = (part.filename || name).replace(/^.*[\\/]/, '').slice(0, 200);
          content = await part.toBuffer();
        } else if (part.fieldname === 'dryRun') {
          dryRun = part.value === '1';
        }
      }
    } catch (error) {
      if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') return importPage(request, reply, { problem: ctx.t('meals.import.tooLarge', { max: MAX_FILE_MB }) }, 413);
      request.log.info({ err: error }, 'meal upload refused');
      return importPage(request, reply, { problem: ctx.t('meals.import.badUpload') }, 400);
    }
    if (content === null || content.length === 0) return importPage(request, reply, { problem: ctx.t('meals.import.noFile') }, 400);
    const report = await importMeals(db, await actorOf(request), content, { file: name, timeZone: ctx.district.timeZone, dryRun, now: services.now() });
    return importPage(request, reply, { report }, report.ok ? 200 : 422);
  });
}
