/**
 * The teacher's gradebook (issue 19), under /staff/classes/:sectionId/gradebook (?period=ID, default the
 * grading period today falls in): the score grid, a column (one assignment), a row (one student), bulk
 * actions on a column, and the setup of categories and assignments. The domain (gradebook/scores.ts and
 * gradebook/setup.ts) decides who may read and write (a teacher or co-teacher of the section; another
 * teacher gets 404) and checks every value; like the other teaching pages, a staff member who teaches no
 * section today gets 403. These routes read the form and render.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import { teacherScope } from '../../domain/access/staff.js';
import { localDate } from '../../domain/calendar/dates.js';
import { hasForbiddenCharacters, recordId } from '../../domain/forms.js';
import {
  FLAGS,
  bulkAction,
  cellKey,
  gradebookFor,
  gradebookFromSis,
  gradebookHead,
  largestScore,
  saveScores,
  type CellEdit,
  type CellProblem,
  type CellValue,
  type Gradebook,
} from '../../domain/gradebook/scores.js';
import { deleteAssignment, readNumber, removeCategory, saveAssignment, saveCategory, type AssignmentForm, type CategoryForm } from '../../domain/gradebook/setup.js';
import type { MessageKey } from '../../i18n/index.js';
import { contextFor, withUnreadMessages } from '../context.js';
import { CELL_MESSAGES, DONE, gradebookUrl } from '../gradebook-paths.js';
import { requireSignedIn, WHOLE_CLASS_FORM_BYTES } from '../guards.js';
import { clientIp } from '../plugins/session.js';
import { sendPage } from '../render.js';
import { formatPoints } from '../views/format.js';
import { MessagePage } from '../views/pages.js';
import {
  AssignmentFormPage,
  ColumnPage,
  decodeGridRows,
  decodeOriginal,
  DeleteAssignmentPage,
  GridPage,
  RowPage,
  SetupPage,
  type AssignmentValues,
  type Entered,
  type GridCells,
  type Original,
  type Redisplay,
} from '../views/gradebook.js';

/**
 * The grid's save opens only the gradebook's head (the section and the period): the save reads the
 * cells it writes, and a page shown again after a refusal reads the whole gradebook then.
 */
const HEAD = 'head';

const SCRIPT = fs.readFileSync(path.resolve(import.meta.dirname, '../assets/gradebook.js'));

type Params = { sectionId: string; assignmentId?: string; studentId?: string; categoryId?: string };
type Req = FastifyRequest<{ Params: Params; Querystring: { period?: string; saved?: string; done?: string; at?: string } }>;

/** A cell's key as the forms and addresses write it: `<student>_<assignment>`. */
const CELL_KEY = /^[1-9]\d{0,9}_[1-9]\d{0,9}$/;

/**
 * Where a save comes back to (ADR 0060): the cell that had focus when the form was sent (the grid's
 * `at`, set by gradebook.js), when the form carried that cell; otherwise the last cell the save changed
 * (a teacher types down a column or along a row and sends from the last one). Null when neither.
 */
function cameBackTo(body: Record<string, unknown>, form: ReadForm): string | null {
  const asked = body.at;
  if (typeof asked === 'string' && CELL_KEY.test(asked) && form.entered.has(asked)) return asked;
  const last = form.edits.at(-1);
  return last ? cellKey(last.studentId, last.assignmentId) : null;
}

/** The address a save answers 303 with: the page, how many scores were saved, and the cell to come back to. */
function afterSave(back: string, changed: number, at: string | null): string {
  return at === null ? `${back}&saved=${changed}` : `${back}&saved=${changed}&at=${at}#p_${at}`;
}

/** The `at` of a page's address, when it names a cell. */
const atOf = (request: Req) => (typeof request.query.at === 'string' && CELL_KEY.test(request.query.at) ? request.query.at : undefined);
type Flag = (typeof FLAGS)[number];

/** What a score form sent: the changed cells, and everything needed to show it again. */
interface ReadForm {
  listed: number[];
  edits: CellEdit[];
  entered: Map<string, Entered>;
  originals: Map<string, string>;
  problems: Redisplay['problems'];
}

/**
 * Reads a score form: every cell it carried with what the cell was when the page was read — on the grid
 * a field per student row (`o_<student>`, in the order of its `assignments` field: decodeGridRows), on
 * the column and row pages a field per cell (`o_<student>_<assignment>`) —, its points (`p_…`) and, on
 * the column and row pages, its flags (`f_…`) and comment (`c_…`). Only cells whose value differs from
 * what the page showed become edits. On the grid a cell whose points field was not sent is not one:
 * gradebook.js leaves out every cell still as stored (a column's save sends 35 cells' points, not 2,100).
 * On the column and row pages every cell must be there. Null when the form itself is malformed.
 */
function readScoreForm(body: Record<string, unknown>, full: boolean, keep: (studentId: number, assignmentId: number) => boolean): ReadForm | null {
  const listed = ([] as unknown[]).concat(body.student ?? []).map(recordId);
  if (listed.some((id) => id === null) || listed.length > 500) return null;
  const form: ReadForm = { listed: listed as number[], edits: [], entered: new Map(), originals: new Map(), problems: new Map() };
  const carried = full ? decodeCells(body) : decodeGridRows(body);
  if (!carried) return null;
  for (const [key, { text, original }] of carried) {
    const [studentId, assignmentId] = key.split('_').map(Number) as [number, number];
    if (!keep(studentId, assignmentId)) continue;
    const pointsRaw = body[`p_${key}`];
    if (pointsRaw === undefined && !full) continue;
    if (typeof pointsRaw !== 'string') return null;
    form.originals.set(key, text);
    const entered: Entered = { points: pointsRaw.slice(0, 40) };
    let points: number | null = null;
    const typed = pointsRaw.trim();
    if (typed !== '') {
      const n = readNumber(typed);
      if ('problem' in n) form.problems.set(key, { key: CELL_MESSAGES[n.problem] });
      else points = n.value;
    }
    const set: Partial<CellValue> = { points };
    let changed = points !== original.points;
    if (full) {
      const flags = ([] as unknown[]).concat(body[`f_${key}`] ?? []);
      if (!flags.every((f) => FLAGS.includes(f as Flag))) return null;
      const commentRaw = body[`c_${key}`];
      if (commentRaw !== undefined && typeof commentRaw !== 'string') return null;
      const comment = (commentRaw ?? '').trim();
      entered.flags = flags as Flag[];
      entered.comment = (commentRaw ?? '').slice(0, 600);
      if (comment.length > 500 || hasForbiddenCharacters(comment)) form.problems.set(key, { key: 'gradebook.cell.badComment' });
      for (const f of FLAGS) set[f] = flags.includes(f);
      set.comment = comment === '' ? null : comment;
      changed ||= set.comment !== original.comment || FLAGS.some((f) => set[f] !== original.flags.includes(f));
    }
    form.entered.set(key, entered);
    if (changed || form.problems.has(key)) form.edits.push({ studentId, assignmentId, version: original.version, set });
  }
  return form;
}

/** The column and row pages' originals, a field per cell (`o_<student>_<assignment>`, decodeOriginal); null when one is not one. */
function decodeCells(body: Record<string, unknown>): GridCells | null {
  const keys = Object.keys(body).filter((k) => k.startsWith('o_'));
  if (keys.length > 20_000) return null;
  const out = new Map<string, { text: string; original: Original }>();
  for (const k of keys) {
    const m = /^o_(\d{1,10})_(\d{1,10})$/.exec(k);
    const original = decodeOriginal(body[k]);
    if (!m || !original) return null;
    out.set(cellKey(Number(m[1]), Number(m[2])), { text: body[k] as string, original });
  }
  return out;
}

export async function gradebookRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;
  const ctxOf = (request: FastifyRequest) => contextFor(app, request);
  const actor = (request: FastifyRequest) => ({ actorAccountId: request.session!.account.id, ip: clientIp(request) });

  app.get('/assets/gradebook.js', async (_request, reply) =>
    reply.header('content-type', 'text/javascript; charset=utf-8').header('cache-control', 'public, max-age=86400').send(SCRIPT),
  );

  /**
   * The gradebook the address names. 'forbidden' for a staff member who teaches no section today (the
   * teaching pages' guard: 403), null when the section is not theirs or the address names nothing (404).
   */
  const open = async (request: Req, head?: typeof HEAD) => {
    const today = localDate(services.now(), (await services.districts.get()).timeZone);
    // The page's context (with the header's count) and the sections the teacher teaches are asked at
    // once: two round trips side by side, not one after the other. A form's context leaves out the
    // header's unread count until it shows a page (send): most saves redirect.
    const [ctx, scope] = await Promise.all([
      contextFor(app, request, { unreadMessages: request.method === 'GET' }),
      teacherScope(db, request.session!.account.staff_id, today),
    ]);
    if (scope.sections.size === 0) return 'forbidden' as const;
    const sectionId = recordId(request.params.sectionId);
    const period = request.query.period;
    const periodId = period === undefined || period === '' ? null : recordId(period);
    if (sectionId === null || (period !== undefined && period !== '' && periodId === null)) return null;
    const book: Gradebook | null =
      head === HEAD
        ? await gradebookHead(db, scope, sectionId, periodId, today).then((h) => h && { ...h, categories: [], assignments: [], rows: [] })
        : await gradebookFor(db, scope, sectionId, periodId, today);
    return book ? { ctx, request, today, scope, book, maxMultiple: ctx.district.settings.maxScoreMultiple } : null;
  };
  type Opened = Exclude<NonNullable<Awaited<ReturnType<typeof open>>>, 'forbidden'>;
  const savedNotice = (o: Opened, request: Req) => {
    const n = request.query.saved;
    return n !== undefined && /^\d{1,6}$/.test(n) ? o.ctx.t('gradebook.saved', { count: Number(n) }) : undefined;
  };

  // ── scores: the grid, a column, a row ────────────────────────────────────────────────────────────
  type ScoreView = (o: Opened, book: Gradebook, extra: { notice?: string | undefined; problem?: string | undefined; redisplay?: Redisplay; savedAt?: string | undefined }, status: number) => unknown;

  /** Saves a score form; on a refusal shows the page again with each cell's message and nothing saved. */
  const saveForm = async (request: Req, reply: FastifyReply, o: Opened, full: boolean, keep: (s: number, a: number) => boolean, back: string, view: ScoreView) => {
    const { ctx } = o;
    // The grid's save was opened without its cells (HEAD); a page shown again is whole.
    const whole = async () => (await gradebookFor(db, o.scope, o.book.section.sectionId, o.book.period.id, o.today)) ?? o.book;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const form = readScoreForm(body, full, keep);
    if (!form) return view(o, await whole(), { problem: ctx.t('gradebook.badForm') }, 400);
    const redisplay: Redisplay = { entered: form.entered, originals: form.originals, problems: form.problems };
    if (form.problems.size > 0) return view(o, await whole(), { problem: ctx.t('gradebook.fixCells', { count: form.problems.size }), redisplay }, 400);
    const { book } = o;
    const { section, periods, period } = book;
    const result = await saveScores(
      db,
      o.scope,
      { sectionId: section.sectionId, periodId: period.id, listed: form.listed, edits: form.edits, maxMultiple: o.maxMultiple, head: { section, periods, period }, ...actor(request) },
      o.today,
      services.now(),
    );
    switch (result.kind) {
      case 'notFound':
        return reply.callNotFound();
      case 'saved':
        return reply.redirect(afterSave(back, result.changed, cameBackTo(body, form)), 303);
      case 'invalid': {
        const page = await whole();
        const possible = new Map(page.assignments.map((a) => [a.id, a.pointsPossible]));
        for (const [key, problem] of result.cells) {
          const assignmentId = Number(key.split('_')[1]);
          redisplay.problems.set(key, messageOf(problem, largestScore(possible.get(assignmentId) ?? 0, o.maxMultiple), ctx.locale));
        }
        return view(o, page, { problem: ctx.t('gradebook.fixCells', { count: result.cells.size }), redisplay }, 400);
      }
      case 'stale': {
        const fresh = result.gradebook;
        for (const key of result.cells) {
          const [s, a] = key.split('_').map(Number) as [number, number];
          const now = fresh.rows.find((r) => r.studentId === s)?.cells.get(a);
          const yours = redisplay.entered.get(key)?.points.trim() || '—';
          redisplay.entered.delete(key);
          redisplay.originals.delete(key);
          redisplay.problems.set(key, { key: CELL_MESSAGES.stale, params: { now: now?.points === null || now === undefined ? '—' : formatPoints(now.points, ctx.locale), yours } });
        }
        // Students no longer (or newly) on the roster start from what is stored.
        for (const key of [...redisplay.originals.keys()]) {
          const s = Number(key.split('_')[0]);
          if (!fresh.rows.some((r) => r.studentId === s)) {
            redisplay.originals.delete(key);
            redisplay.entered.delete(key);
          }
        }
        return view(o, fresh, { problem: ctx.t(result.roster ? 'gradebook.rosterChanged' : 'gradebook.staleCells'), redisplay }, 409);
      }
    }
  };

  /** Shows a page of an opened gradebook, with the header's unread count (a form's context was made without it). */
  const send = async (o: Opened, page: VNode, status = 200) => {
    await withUnreadMessages(app, o.request, o.ctx);
    return sendPage(reply$(o), page, status);
  };
  const gridView: ScoreView = (o, book, extra, status) => send(o, <GridPage ctx={o.ctx} book={book} fromSis={gradebookFromSis(o.ctx.district.settings)} {...extra} />, status);
  // Each opened gradebook remembers the reply it is answered on, so the views need only the opened one.
  const replies = new WeakMap<Opened, FastifyReply>();
  function reply$(o: Opened): FastifyReply {
    return replies.get(o)!;
  }
  /** The opened gradebook; null when the request has been answered: 403 (not a teacher) or 404. */
  const opened = async (request: Req, reply: FastifyReply, head?: typeof HEAD): Promise<Opened | null> => {
    const o = await open(request, head);
    if (o === 'forbidden') {
      const ctx = await ctxOf(request);
      await sendPage(reply, <MessagePage ctx={ctx} title={ctx.t('staff.forbidden.title')} body={ctx.t('staff.forbidden.body')} />, 403);
      return null;
    }
    if (!o) {
      reply.callNotFound();
      return null;
    }
    // The district's gradebook comes from its SIS (ADR 0027): every change is refused, with the reason.
    replies.set(o, reply);
    if (request.method === 'POST' && gradebookFromSis(o.ctx.district.settings)) {
      await send(o, <MessagePage ctx={o.ctx} title={o.ctx.t('gradebook.fromSis.title')} body={o.ctx.t('gradebook.fromSis.refused')} />, 409);
      return null;
    }
    return o;
  };

  app.get<{ Params: Params; Querystring: { period?: string; saved?: string; at?: string } }>('/staff/classes/:sectionId/gradebook', { preHandler: requireSignedIn }, async (request, reply) => {
    const o = await opened(request, reply);
    if (!o) return reply;
    return gridView(o, o.book, { notice: savedNotice(o, request), savedAt: atOf(request) }, 200);
  });

  // The whole grid comes back, a hidden original beside each cell: about 100 KB for 35 students and
  // 60 assignments, more than the 64 KB other forms may send (app.ts); up to WHOLE_CLASS_FORM_BYTES here.
  app.post<{ Params: Params; Querystring: { period?: string } }>('/staff/classes/:sectionId/gradebook', { preHandler: requireSignedIn, bodyLimit: WHOLE_CLASS_FORM_BYTES }, async (request, reply) => {
    // The section and the period, not the scores: the save reads the cells it writes.
    const o = await opened(request, reply, HEAD);
    if (!o) return reply;
    return saveForm(request, reply, o, false, () => true, gradebookUrl(o.book), gridView);
  });

  const assignmentOf = (o: Opened, request: Req) => {
    const id = recordId(request.params.assignmentId);
    return o.book.assignments.find((a) => a.id === id) ?? null;
  };

  const columnView =
    (assignmentId: number, bulkErrors?: Parameters<typeof ColumnPage>[0]['bulkErrors']): ScoreView =>
    (o, book, extra, status) => {
      const assignment = book.assignments.find((a) => a.id === assignmentId);
      if (!assignment) return reply$(o).callNotFound();
      return send(o, <ColumnPage ctx={o.ctx} book={book} assignment={assignment} today={o.today} {...extra} {...(bulkErrors ? { bulkErrors } : {})} />, status);
    };

  app.get<{ Params: Params; Querystring: { period?: string; saved?: string; done?: string; at?: string } }>(
    '/staff/classes/:sectionId/gradebook/assignments/:assignmentId',
    { preHandler: requireSignedIn },
    async (request, reply) => {
      const o = await opened(request, reply);
      if (!o) return reply;
      const assignment = assignmentOf(o, request);
      if (!assignment) return reply.callNotFound();
      const done = request.query.done;
      const notice = done === 'filled' || done === 'missing' ? o.ctx.t(DONE[done], { count: Number(request.query.saved ?? 0) || 0 }) : savedNotice(o, request);
      return columnView(assignment.id)(o, o.book, { notice, savedAt: atOf(request) }, 200);
    },
  );

  app.post<{ Params: Params; Querystring: { period?: string } }>('/staff/classes/:sectionId/gradebook/assignments/:assignmentId', { preHandler: requireSignedIn, bodyLimit: WHOLE_CLASS_FORM_BYTES }, async (request, reply) => {
    const o = await opened(request, reply);
    if (!o) return reply;
    const assignment = assignmentOf(o, request);
    if (!assignment) return reply.callNotFound();
    return saveForm(request, reply, o, true, (_s, a) => a === assignment.id, gradebookUrl(o.book, 'assignments', assignment.id), columnView(assignment.id));
  });

  const bulk = (action: 'fill' | 'missing') => async (request: Req, reply: FastifyReply) => {
    const o = await opened(request, reply);
    if (!o) return reply;
    const assignment = assignmentOf(o, request);
    if (!assignment) return reply.callNotFound();
    const body = (request.body ?? {}) as Record<string, unknown>;
    let points: number | null = null;
    if (action === 'fill') {
      const n = typeof body.points === 'string' && body.points.trim() !== '' ? readNumber(body.points) : { problem: 'notNumber' as const };
      if ('problem' in n) return columnView(assignment.id, { fill: { key: CELL_MESSAGES[n.problem] } })(o, o.book, {}, 400);
      points = n.value;
    }
    const result = await bulkAction(db, o.scope, { sectionId: o.book.section.sectionId, periodId: o.book.period.id, assignmentId: assignment.id, action, points, maxMultiple: o.maxMultiple, ...actor(request) }, o.today, services.now());
    if (result.kind === 'notFound') return reply.callNotFound();
    if (result.kind === 'busy') return columnView(assignment.id)(o, o.book, { problem: o.ctx.t('gradebook.staleCells') }, 409);
    if (result.kind === 'invalid') {
      if (result.problem === 'notDue') return columnView(assignment.id)(o, o.book, { problem: o.ctx.t('gradebook.notDueYet') }, 400);
      return columnView(assignment.id, { fill: messageOf(result.problem, largestScore(assignment.pointsPossible, o.maxMultiple), o.ctx.locale) })(o, o.book, {}, 400);
    }
    return reply.redirect(`${gradebookUrl(o.book, 'assignments', assignment.id)}&done=${action === 'fill' ? 'filled' : 'missing'}&saved=${result.changed}`, 303);
  };
  app.post<{ Params: Params; Querystring: { period?: string } }>('/staff/classes/:sectionId/gradebook/assignments/:assignmentId/fill', { preHandler: requireSignedIn }, bulk('fill'));
  app.post<{ Params: Params; Querystring: { period?: string } }>('/staff/classes/:sectionId/gradebook/assignments/:assignmentId/missing', { preHandler: requireSignedIn }, bulk('missing'));

  const rowView =
    (studentId: number): ScoreView =>
    (o, book, extra, status) => {
      const row = book.rows.find((r) => r.studentId === studentId);
      if (!row) return send(o, <GridPage ctx={o.ctx} book={book} problem={o.ctx.t('gradebook.rosterChanged')} />, status);
      return send(o, <RowPage ctx={o.ctx} book={book} row={row} {...extra} />, status);
    };
  const studentOf = (o: Opened, request: Req) => {
    const id = recordId(request.params.studentId);
    return o.book.rows.find((r) => r.studentId === id) ?? null;
  };

  app.get<{ Params: Params; Querystring: { period?: string; saved?: string; at?: string } }>('/staff/classes/:sectionId/gradebook/students/:studentId', { preHandler: requireSignedIn }, async (request, reply) => {
    const o = await opened(request, reply);
    if (!o) return reply;
    const row = studentOf(o, request);
    if (!row) return reply.callNotFound();
    return rowView(row.studentId)(o, o.book, { notice: savedNotice(o, request), savedAt: atOf(request) }, 200);
  });

  app.post<{ Params: Params; Querystring: { period?: string } }>('/staff/classes/:sectionId/gradebook/students/:studentId', { preHandler: requireSignedIn, bodyLimit: WHOLE_CLASS_FORM_BYTES }, async (request, reply) => {
    const o = await opened(request, reply);
    if (!o) return reply;
    const row = studentOf(o, request);
    if (!row) return reply.callNotFound();
    return saveForm(request, reply, o, true, (s) => s === row.studentId, gradebookUrl(o.book, 'students', row.studentId), rowView(row.studentId));
  });

  // ── setup: categories and assignments ────────────────────────────────────────────────────────────
  const setupPage = (o: Opened, extra: Partial<Parameters<typeof SetupPage>[0]>, status = 200) => send(o, <SetupPage ctx={o.ctx} book={o.book} {...extra} />, status);

  app.get<{ Params: Params; Querystring: { period?: string; done?: string } }>('/staff/classes/:sectionId/gradebook/setup', { preHandler: requireSignedIn }, async (request, reply) => {
    const o = await opened(request, reply);
    if (!o) return reply;
    const done = request.query.done;
    const known = ['categoryAdded', 'categorySaved', 'categoryRemoved', 'assignmentSaved', 'assignmentDeleted'] as const;
    const which = known.find((k) => k === done);
    return setupPage(o, { notice: which ? o.ctx.t(DONE[which]) : undefined });
  });

  const categoryForm = (body: Record<string, unknown>): CategoryForm => ({
    name: String(typeof body.name === 'string' ? body.name : '').slice(0, 200),
    weight: String(typeof body.weight === 'string' ? body.weight : '').slice(0, 20),
    dropLowest: String(typeof body.dropLowest === 'string' ? body.dropLowest : '').slice(0, 20),
    sequence: String(typeof body.sequence === 'string' ? body.sequence : '').slice(0, 20),
  });

  const categorySave = (adding: boolean) => async (request: Req, reply: FastifyReply) => {
    const o = await opened(request, reply);
    if (!o) return reply;
    const categoryId = adding ? null : recordId(request.params.categoryId);
    if (!adding && categoryId === null) return reply.callNotFound();
    const form = categoryForm((request.body ?? {}) as Record<string, unknown>);
    const result = await saveCategory(db, o.scope, { sectionId: o.book.section.sectionId, categoryId, form, ...actor(request) }, services.now());
    if (result.kind === 'notFound') return reply.callNotFound();
    if (result.kind === 'invalid') return setupPage(o, { categoryErrors: { which: adding ? 'new' : String(categoryId), values: form, errors: result.errors } }, 400);
    return reply.redirect(`${gradebookUrl(o.book, 'setup')}&done=${adding ? 'categoryAdded' : 'categorySaved'}`, 303);
  };
  app.post<{ Params: Params; Querystring: { period?: string } }>('/staff/classes/:sectionId/gradebook/categories', { preHandler: requireSignedIn }, categorySave(true));
  app.post<{ Params: Params; Querystring: { period?: string } }>('/staff/classes/:sectionId/gradebook/categories/:categoryId', { preHandler: requireSignedIn }, categorySave(false));

  app.post<{ Params: Params; Querystring: { period?: string } }>('/staff/classes/:sectionId/gradebook/categories/:categoryId/remove', { preHandler: requireSignedIn }, async (request, reply) => {
    const o = await opened(request, reply);
    if (!o) return reply;
    const categoryId = recordId(request.params.categoryId);
    if (categoryId === null) return reply.callNotFound();
    const result = await removeCategory(db, o.scope, { sectionId: o.book.section.sectionId, categoryId, ...actor(request) }, services.now());
    if (result.kind === 'notFound') return reply.callNotFound();
    if (result.kind === 'invalid') {
      const c = o.book.categories.find((k) => k.id === categoryId)!;
      const values = { name: c.name, weight: c.weight === null ? '' : String(c.weight), dropLowest: String(c.dropLowest), sequence: String(c.sequence) };
      return setupPage(o, { categoryErrors: { which: String(categoryId), values, errors: result.errors } }, 409);
    }
    return reply.redirect(`${gradebookUrl(o.book, 'setup')}&done=categoryRemoved`, 303);
  });

  const assignmentForm = (body: Record<string, unknown>): AssignmentForm => {
    const s = (v: unknown, max: number) => (typeof v === 'string' ? v : '').slice(0, max);
    return {
      title: s(body.title, 400),
      categoryId: s(body.categoryId, 20),
      assigned: s(body.assigned, 20),
      due: s(body.due, 20),
      pointsPossible: s(body.pointsPossible, 20),
      published: body.published === '1',
      description: s(body.description, 4000),
    };
  };
  const formPage = (o: Opened, assignmentId: number | null, values: AssignmentValues, errors = {}, status = 200) =>
    send(o, <AssignmentFormPage ctx={o.ctx} book={o.book} assignment={assignmentId === null ? null : (o.book.assignments.find((a) => a.id === assignmentId) ?? null)} values={values} errors={errors} />, status);

  app.get<{ Params: Params; Querystring: { period?: string } }>('/staff/classes/:sectionId/gradebook/assignments/new', { preHandler: requireSignedIn }, async (request, reply) => {
    const o = await opened(request, reply);
    if (!o) return reply;
    const day = o.today >= o.book.period.start && o.today <= o.book.period.end ? o.today : o.book.period.start;
    return formPage(o, null, { title: '', categoryId: String(o.book.categories[0]?.id ?? ''), assigned: day, due: day, pointsPossible: '', published: true, description: '' });
  });

  app.get<{ Params: Params; Querystring: { period?: string } }>('/staff/classes/:sectionId/gradebook/assignments/:assignmentId/edit', { preHandler: requireSignedIn }, async (request, reply) => {
    const o = await opened(request, reply);
    if (!o) return reply;
    const a = assignmentOf(o, request);
    if (!a) return reply.callNotFound();
    return formPage(o, a.id, { title: a.title, categoryId: String(a.categoryId), assigned: a.assigned, due: a.due, pointsPossible: String(a.pointsPossible), published: a.published, description: a.description ?? '' });
  });

  const assignmentSave = (adding: boolean) => async (request: Req, reply: FastifyReply) => {
    const o = await opened(request, reply);
    if (!o) return reply;
    const existing = adding ? null : assignmentOf(o, request);
    if (!adding && !existing) return reply.callNotFound();
    const form = assignmentForm((request.body ?? {}) as Record<string, unknown>);
    const result = await saveAssignment(db, o.scope, { sectionId: o.book.section.sectionId, periodId: o.book.period.id, assignmentId: existing?.id ?? null, form, ...actor(request) }, o.today, services.now());
    if (result.kind === 'notFound') return reply.callNotFound();
    if (result.kind === 'invalid') return formPage(o, existing?.id ?? null, form, result.errors, 400);
    return reply.redirect(`${gradebookUrl(o.book, 'setup')}&done=assignmentSaved`, 303);
  };
  app.post<{ Params: Params; Querystring: { period?: string } }>('/staff/classes/:sectionId/gradebook/assignments/new', { preHandler: requireSignedIn }, assignmentSave(true));
  app.post<{ Params: Params; Querystring: { period?: string } }>('/staff/classes/:sectionId/gradebook/assignments/:assignmentId/edit', { preHandler: requireSignedIn }, assignmentSave(false));

  app.get<{ Params: Params; Querystring: { period?: string } }>('/staff/classes/:sectionId/gradebook/assignments/:assignmentId/delete', { preHandler: requireSignedIn }, async (request, reply) => {
    const o = await opened(request, reply);
    if (!o) return reply;
    const a = assignmentOf(o, request);
    if (!a) return reply.callNotFound();
    const scores = o.book.rows.filter((r) => (r.cells.get(a.id)?.version ?? 0) > 0).length;
    return send(o, <DeleteAssignmentPage ctx={o.ctx} book={o.book} assignment={a} scores={scores} />);
  });

  app.post<{ Params: Params; Querystring: { period?: string } }>('/staff/classes/:sectionId/gradebook/assignments/:assignmentId/delete', { preHandler: requireSignedIn }, async (request, reply) => {
    const o = await opened(request, reply);
    if (!o) return reply;
    const a = assignmentOf(o, request);
    if (!a) return reply.callNotFound();
    const result = await deleteAssignment(db, o.scope, { sectionId: o.book.section.sectionId, periodId: o.book.period.id, assignmentId: a.id, ...actor(request) }, o.today, services.now());
    if (result.kind === 'notFound') return reply.callNotFound();
    return reply.redirect(`${gradebookUrl(o.book, 'setup')}&done=assignmentDeleted`, 303);
  });
}

/** A cell's message in the teacher's language. */
function messageOf(problem: CellProblem, max: number, locale: 'en' | 'es'): { key: MessageKey; params?: Record<string, string | number> } {
  if (problem === 'aboveMax') return { key: CELL_MESSAGES.aboveMax, params: { max: formatPoints(max, locale) } };
  return { key: CELL_MESSAGES[problem] };
}
