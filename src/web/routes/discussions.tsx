/**
 * Discussions for teachers (issue 21): a section's topics and the form to open one, one topic with its
 * posts, hiding a post with a reason, and locking a topic. The domain (discussions/service.ts) decides
 * who may see and do what; a section or topic that is not the teacher's answers 404.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { teacherScope } from '../../domain/access/staff.js';
import { localDate } from '../../domain/calendar/dates.js';
import { createTopic, hidePost, openTopic, setLocked, topicsOfSection, TopicNotFound } from '../../domain/discussions/service.js';
import { recordId } from '../../domain/forms.js';
import type { MessageKey } from '../../i18n/index.js';
import { contextFor } from '../context.js';
import { requireStaffWith } from '../guards.js';
import { clientIp } from '../plugins/session.js';
import { sendPage } from '../render.js';
import type { Messages } from '../views/forms.js';
import { SectionTopicsPage, TeacherTopicPage, type TopicFormValues } from '../views/discussions.js';

type Body = Record<string, unknown>;

/** What the topic page says after a change (`?done=`). */
const DONE = {
  opened: 'discussions.done.opened',
  hidden: 'discussions.done.hidden',
  locked: 'discussions.done.locked',
  unlocked: 'discussions.done.unlocked',
} as const satisfies Record<string, MessageKey>;
const field = (body: Body, name: string) => (typeof body[name] === 'string' ? (body[name] as string).slice(0, 5000) : '');

export async function discussionRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;


  const begin = async (request: FastifyRequest) => {
    const ctx = await contextFor(app, request);
    const today = localDate(services.now(), ctx.district.timeZone);
    const scope = await teacherScope(db, request.session!.account.staff_id, today);
    return { ctx, today, scope, actor: { actorAccountId: request.session!.account.id, ip: clientIp(request) } };
  };
  // The pages are for teachers (a staff member who teaches a section today); anyone else is told so (403).
  const opts = {
    preHandler: requireStaffWith(app, async (_request, staffId) => teacherScope(db, staffId, localDate(services.now(), (await services.districts.get()).timeZone)), (scope) => scope.sections.size > 0, 'staff.forbidden.body'),
  };

  const sectionPage = async (request: FastifyRequest, reply: FastifyReply, sectionId: number | null, values?: TopicFormValues, errors?: Messages) => {
    const { ctx, today, scope } = await begin(request);
    const found = sectionId === null ? null : await topicsOfSection(db, scope, sectionId, today);
    if (!found || sectionId === null) return reply.callNotFound();
    const form = values ?? { title: '', prompt: '', opensOn: today, closesOn: '' };
    return sendPage(reply, <SectionTopicsPage ctx={ctx} sectionId={sectionId} section={found} topics={found.topics} values={form} errors={errors} />, errors ? 400 : 200);
  };

  app.get<{ Params: { sectionId: string } }>('/staff/classes/:sectionId/discussions', opts, (request, reply) => sectionPage(request, reply, recordId(request.params.sectionId)));

  app.post<{ Params: { sectionId: string } }>('/staff/classes/:sectionId/discussions', opts, async (request, reply) => {
    const sectionId = recordId(request.params.sectionId);
    if (sectionId === null) return reply.callNotFound();
    const { today, scope, actor } = await begin(request);
    const body = (request.body ?? {}) as Body;
    const form = { title: body.title, prompt: body.prompt, opensOn: body.opensOn, closesOn: body.closesOn };
    const result = await createTopic(db, scope, { sectionId, form, ...actor }, today, services.now());
    if (result.kind === 'notFound') return reply.callNotFound();
    if (result.kind === 'invalid') {
      const values = { title: field(body, 'title'), prompt: field(body, 'prompt'), opensOn: field(body, 'opensOn'), closesOn: field(body, 'closesOn') };
      return sectionPage(request, reply, sectionId, values, result.problems);
    }
    return reply.redirect(`/staff/discussions/${result.id}?done=opened`, 303);
  });

  const topicPage = async (request: FastifyRequest, reply: FastifyReply, topicId: number | null, extra: { notice?: string; errorFor?: number; reasonError?: Messages[string] } = {}, status = 200) => {
    const { ctx, today, scope } = await begin(request);
    if (topicId === null) return reply.callNotFound();
    try {
      const topic = await openTopic(db, { kind: 'teacher', scope }, topicId, today, true);
      return sendPage(reply, <TeacherTopicPage ctx={ctx} topic={topic} {...extra} />, status);
    } catch (error) {
      if (error instanceof TopicNotFound) return reply.callNotFound();
      throw error;
    }
  };

  app.get<{ Params: { topicId: string }; Querystring: { done?: string } }>('/staff/discussions/:topicId', opts, async (request, reply) => {
    const { ctx } = await begin(request);
    const done = request.query.done;
    const notice = done !== undefined && Object.hasOwn(DONE, done) ? ctx.t(DONE[done as keyof typeof DONE]) : undefined;
    return topicPage(request, reply, recordId(request.params.topicId), { notice });
  });

  app.post<{ Params: { topicId: string } }>('/staff/discussions/:topicId/lock', opts, async (request, reply) => {
    const topicId = recordId(request.params.topicId);
    const body = (request.body ?? {}) as Body;
    if (topicId === null) return reply.callNotFound();
    if (body.locked !== '1' && body.locked !== '0') return reply.code(400).send();
    const { scope, actor } = await begin(request);
    const done = await setLocked(db, scope, { topicId, locked: body.locked === '1', ...actor }, services.now());
    if (!done) return reply.callNotFound();
    return reply.redirect(`/staff/discussions/${topicId}?done=${body.locked === '1' ? 'locked' : 'unlocked'}`, 303);
  });

  app.post<{ Params: { postId: string } }>('/staff/discussions/posts/:postId/hide', opts, async (request, reply) => {
    const postId = recordId(request.params.postId);
    if (postId === null) return reply.callNotFound();
    const { scope, actor } = await begin(request);
    const body = (request.body ?? {}) as Body;
    const result = await hidePost(db, scope, { postId, reason: body[`reason-${postId}`], ...actor }, services.now());
    if (result.kind === 'notFound') return reply.callNotFound();
    if (result.kind === 'invalid') {
      return topicPage(request, reply, result.topicId, { errorFor: postId, reasonError: result.problems.reason }, 400);
    }
    return reply.redirect(`/staff/discussions/${result.topicId}?done=hidden`, 303);
  });
}
