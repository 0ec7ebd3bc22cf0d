/**
 * The Message Center's pages: every signed-in person's inbox and messages; the composer (with its
 * preview) and the sent messages for staff whose roles may send. Routes parse and render; who may read,
 * send or answer what is decided in domain/messages.
 */
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { currentAnnouncements } from '../../domain/announcements/service.js';
import { localDate } from '../../domain/calendar/dates.js';
import { parseInput, recordId } from '../../domain/forms.js';
import { attachmentHeaders, checkAttachments, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, type AttachmentCheck, type Upload } from '../../domain/messages/attachments.js';
import { draftFiles, draftKey, keepDraftFiles } from '../../domain/messages/drafts.js';
import { threadsBySection } from '../../domain/messages/threads.js';
import { adultChoiceOf, answerAdultChoice } from '../../domain/messages/adult.js';
import { composerChoices, kindsFor, maySend, senderRights, type SenderRights } from '../../domain/messages/audience.js';
import {
  checkCompose,
  composeInput,
  DraftFilesGone,
  inboxOf,
  inboxQuery,
  markArchived,
  markRead,
  openAttachment,
  openMessage,
  replyInput,
  replyTo,
  sendMessage,
  sentBy,
  sentMessage,
  type MessageReader,
} from '../../domain/messages/service.js';
import type { MessageKey } from '../../i18n/index.js';
import { contextFor, hasHeaderCounts, messageReaderOf, notificationsAsk, withCounts, withHeaderCounts } from '../context.js';
import { requireSignedIn } from '../guards.js';
import { clientIp } from '../plugins/session.js';
import { sendPage } from '../render.js';
import type { PageContext } from '../views/context.js';
import { fromFieldErrors, type Messages } from '../views/forms.js';
import { ComposePage, InboxPage, MessagePageView, PreviewPage, SentMessagePage, SentPage, ThreadsPage, type AttachedFiles, type ComposeValues } from '../views/messages.js';

/** What the person typed in the composer, to show again: strings only, bounded. */
function typedValues(body: unknown): ComposeValues {
  const b = (body ?? {}) as Record<string, unknown>;
  const str = (name: string, max: number) => (typeof b[name] === 'string' ? (b[name] as string).slice(0, max) : undefined);
  const ids = Array.isArray(b.sectionIds) ? b.sectionIds : b.sectionIds === undefined ? [] : [b.sectionIds];
  return {
    kind: str('kind', 20),
    readers: str('readers', 20),
    sectionIds: ids.filter((x): x is string => typeof x === 'string').slice(0, 200).map((x) => x.slice(0, 12)),
    studentNumbers: str('studentNumbers', 20_000),
    schoolId: str('schoolId', 12),
    grade: str('grade', 3),
    subjectEn: str('subjectEn', 150),
    bodyEn: str('bodyEn', 10_000),
    subjectEs: str('subjectEs', 150),
    bodyEs: str('bodyEs', 10_000),
    sendDate: str('sendDate', 10),
    sendTime: str('sendTime', 5),
    asksReply: str('asksReply', 3),
  };
}

/** A form as the handler reads it: its fields (a name sent twice is a list, as in a plain form) and its files. */
interface FormBody {
  fields: Record<string, string | string[]>;
  uploads: Upload[];
  /** more files than a message may carry were sent */
  more: boolean;
}

/**
 * Reads a form: a plain one as parsed, a multipart one (a form with files) part by part, each file kept
 * in memory up to the limit and marked when cut there (at most 3 × 5 MB per request). Null: a multipart
 * body that was not a form of ours (too many fields or parts, cut short).
 */
async function formBody(request: FastifyRequest): Promise<FormBody | null> {
  if (!request.isMultipart()) {
    const body = (request.body ?? {}) as Record<string, string | string[]>;
    return { fields: body, uploads: [], more: false };
  }
  const out: FormBody = { fields: {}, uploads: [], more: false };
  const add = (name: string, value: string) => {
    const had = out.fields[name];
    out.fields[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
  };
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        const chunks: Buffer[] = [];
        for await (const chunk of part.file) chunks.push(chunk as Buffer);
        if (part.fieldname === 'attachments') out.uploads.push({ fileName: part.filename ?? '', data: Buffer.concat(chunks), truncated: part.file.truncated });
      } else if (typeof part.value === 'string') {
        add(part.fieldname, part.value);
      }
    }
  } catch (error) {
    if ((error as { code?: string }).code === 'FST_FILES_LIMIT') return { ...out, more: true };
    request.log.info({ err: error }, 'message form refused');
    return null;
  }
  return out;
}

const NOTICES: Record<string, MessageKey> = {
  replied: 'messages.replied',
  unread: 'messages.markedUnread',
  archived: 'messages.archivedNotice',
  unarchived: 'messages.unarchivedNotice',
  sent: 'messages.sentNotice',
  answered: 'messages.adult.saved',
};

export async function messageRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;
  // Forms with files (the composer's last step, a reply): parsed here only, after the access and token checks.
  await app.register(multipart, { limits: { fileSize: MAX_ATTACHMENT_BYTES, files: MAX_ATTACHMENTS, fields: 260, parts: 265, fieldSize: 40_000 }, throwFileSizeLimit: false });

  /** The reader of the request, or null when the district turned Messages off for families (the page is then not there). */
  const readerOf = (ctx: PageContext, request: FastifyRequest): Promise<MessageReader | null> => messageReaderOf(app, request, ctx);
  const rightsOf = async (ctx: PageContext, request: FastifyRequest): Promise<SenderRights | null> => {
    const staffId = request.session!.account.staff_id;
    if (!staffId || !ctx.district.settings.tools.messages) return null;
    const rights = await senderRights(db, staffId, localDate(services.now(), ctx.district.timeZone));
    return maySend(rights) ? rights : null;
  };
  const notice = (ctx: PageContext, done: unknown) => (typeof done === 'string' && NOTICES[done] ? ctx.t(NOTICES[done]) : undefined);

  app.get<{ Querystring: Record<string, string> }>('/messages', { preHandler: requireSignedIn }, async (request, reply) => {
    // A family's header counts came with the session (ADR 0070); otherwise they come with the page's rows
    // (one statement, ADR 0058), and an empty page asks for them alone.
    const ctx = await contextFor(app, request, { counts: false });
    const reader = await readerOf(ctx, request);
    if (!reader) return reply.callNotFound();
    const query = inboxQuery.parse(request.query ?? {});
    const known = hasHeaderCounts(ctx);
    const { lines, more, counts } = await inboxOf(db, reader, query, ctx.locale, known ? undefined : { notifications: notificationsAsk(request, ctx) });
    if (counts) withCounts(ctx, counts);
    else if (!known) await withHeaderCounts(app, request, ctx);
    const sends = (await rightsOf(ctx, request)) !== null;
    // A family's current announcements head the first page of the inbox.
    const kind = request.session!.account.person_kind;
    const announcements =
      kind !== 'staff' && query.view === 'inbox' && query.page === 1 && query.q === ''
        ? await currentAnnouncements(db, { schoolIds: [...new Set((ctx.students ?? []).map((s) => s.schoolId))], date: localDate(services.now(), ctx.district.timeZone), audience: kind === 'student' ? 'students' : 'guardians', locale: ctx.locale })
        : [];
    // A student of 18 or older is asked whether their guardians keep receiving messages about them.
    const studentId = request.session!.account.student_id;
    const adult = kind === 'student' && studentId ? await adultChoiceOf(db, studentId, localDate(services.now(), ctx.district.timeZone), ctx.district.settings) : null;
    return sendPage(reply, <InboxPage ctx={ctx} query={query} lines={lines} more={more} maySend={sends} notice={notice(ctx, request.query.done)} announcements={announcements} adult={adult} />);
  });

  app.post('/messages/guardians', { preHandler: requireSignedIn }, async (request, reply) => {
    const account = request.session!.account;
    const ctx = await contextFor(app, request);
    if (account.person_kind !== 'student' || !account.student_id || !ctx.district.settings.tools.messages) return reply.callNotFound();
    const answer = ((request.body ?? {}) as Record<string, unknown>).guardiansReceive;
    const today = localDate(services.now(), ctx.district.timeZone);
    if (answer !== 'yes' && answer !== 'no') {
      const adult = await adultChoiceOf(db, account.student_id, today, ctx.district.settings);
      if (!adult) return reply.callNotFound();
      const reader = (await readerOf(ctx, request))!;
      const query = inboxQuery.parse({});
      const { lines, more } = await inboxOf(db, reader, query, ctx.locale);
      return sendPage(reply, <InboxPage ctx={ctx} query={query} lines={lines} more={more} maySend={false} announcements={[]} adult={adult} adultError={ctx.t('messages.adult.choose')} />, 400);
    }
    const saved = await answerAdultChoice(db, { accountId: account.id, studentId: account.student_id }, answer === 'yes', { today, now: services.now(), ip: clientIp(request), settings: ctx.district.settings });
    if (!saved) return reply.callNotFound();
    return reply.redirect('/messages?done=answered', 303);
  });

  // ── composing (staff) ──
  const composer = async (request: FastifyRequest, reply: FastifyReply, show: (ctx: PageContext, rights: SenderRights) => Promise<FastifyReply>) => {
    const ctx = await contextFor(app, request);
    const rights = await rightsOf(ctx, request);
    if (!rights) return reply.callNotFound();
    return show(ctx, rights);
  };
  const choicesFor = async (rights: SenderRights) => ({ kinds: kindsFor(rights), ...(await composerChoices(db, rights)) });

  app.get('/messages/new', { preHandler: requireSignedIn }, (request, reply) =>
    composer(request, reply, async (ctx, rights) => sendPage(reply, <ComposePage ctx={ctx} choices={await choicesFor(rights)} values={{}} />)),
  );

  app.post('/messages/new', { preHandler: requireSignedIn }, (request, reply) =>
    composer(request, reply, async (ctx, rights) => {
      const form = await formBody(request);
      const body: Record<string, unknown> = form?.fields ?? {};
      const values = typedValues(body);
      const accountId = request.session!.account.id;
      const now = services.now();
      // The files attached while writing wait under the draft's key (ADR 0042 addendum); `keep` lists those still wanted.
      let key = draftKey(body.draft);
      const keep = keptPositions(body.keep);
      const attachedOf = async (): Promise<AttachedFiles> => ({ key, files: (await draftFiles(db, accountId, key, now)).map((f) => ({ ...f, kept: keep.includes(f.position) })) });
      const again = async (status: number, errors = {}, attached?: AttachedFiles) =>
        sendPage(reply, <ComposePage ctx={ctx} choices={await choicesFor(rights)} values={values} errors={errors} attached={attached ?? (await attachedOf())} />, status);
      if (!form) return again(400, { attachments: { key: 'messages.attach.badUpload' } });
      if (body.action === 'edit') return again(200);
      if (body.action !== 'send') {
        // The compose step: its files are checked and kept first, so a mistake in the words does not lose them.
        const added = await checkAttachments(form.uploads, form.more);
        if (!added.ok) return again(fileStatus(added), attachmentError(added));
        const kept = await keepDraftFiles(db, accountId, key, keep, added.files, now);
        if (!kept.ok) return again(400, attachmentError(kept));
        key = kept.key;
        const attached: AttachedFiles = { key, files: kept.files.map((f) => ({ ...f, kept: true })) };
        const parsed = parseInput(composeInput, body);
        if (!parsed.ok) return again(400, fromFieldErrors(parsed.errors), attached);
        const checked = await checkCompose(db, rights, parsed.data, { now, timeZone: ctx.district.timeZone, settings: ctx.district.settings });
        if (!checked.ok) return again(400, fromFieldErrors(checked.errors, checked.params), attached);
        return sendPage(reply, <PreviewPage ctx={ctx} draft={checked.draft} values={values} attached={attached} />);
      }
      const parsed = parseInput(composeInput, body);
      if (!parsed.ok) return again(400, fromFieldErrors(parsed.errors));
      const checked = await checkCompose(db, rights, parsed.data, { now, timeZone: ctx.district.timeZone, settings: ctx.district.settings });
      if (!checked.ok) return again(400, fromFieldErrors(checked.errors, checked.params));
      const waiting = await draftFiles(db, accountId, key, now);
      const preview = (status: number, errors: Messages) =>
        sendPage(reply, <PreviewPage ctx={ctx} draft={checked.draft} values={values} errors={errors} attached={{ key, files: waiting.map((f) => ({ ...f, kept: true })) }} />, status);
      const files = await checkAttachments(form.uploads, form.more);
      if (!files.ok) return preview(fileStatus(files), attachmentError(files));
      // A file the preview showed that is no longer kept (a day passed, or the message was sent in another tab).
      const gone = { attachments: { key: 'messages.attach.expired' as const } };
      if (keep.some((p) => !waiting.some((f) => f.position === p))) return preview(400, gone);
      if (keep.length + files.files.length > MAX_ATTACHMENTS) return preview(400, attachmentError({ ok: false, error: 'messages.attach.tooMany', params: { max: MAX_ATTACHMENTS } }));
      const account = request.session!.account;
      const name = `${account.first_name ?? ''} ${account.last_name ?? ''}`.trim() || account.username;
      const sender = { accountId, name, ip: clientIp(request) };
      const fromDraft = { key, keep };
      let id: number;
      try {
        id = await sendMessage(db, sender, checked.draft, now, files.files, fromDraft);
      } catch (error) {
        if (error instanceof DraftFilesGone) return preview(400, gone);
        throw error;
      }
      return reply.redirect(`/messages/sent/${id}?done=sent`, 303);
    }),
  );

  app.get<{ Querystring: { page?: string } }>('/messages/sent', { preHandler: requireSignedIn }, (request, reply) =>
    composer(request, reply, async (ctx) => {
      const page = Math.max(1, Math.min(99_999, Number(/^\d{1,5}$/.test(request.query.page ?? '') ? request.query.page : 1)));
      const { lines, more } = await sentBy(db, request.session!.account.id, ctx.locale, page);
      return sendPage(reply, <SentPage ctx={ctx} lines={lines} more={more} page={page} />);
    }),
  );

  app.get<{ Params: { id: string }; Querystring: { done?: string } }>('/messages/sent/:id', { preHandler: requireSignedIn }, async (request, reply) => {
    const id = recordId(request.params.id);
    if (id === null) return reply.callNotFound();
    const ctx = await contextFor(app, request);
    const message = await sentMessage(db, request.session!.account.id, id, ctx.locale);
    if (!message) return reply.callNotFound();
    return sendPage(reply, <SentMessagePage ctx={ctx} message={message} notice={notice(ctx, request.query.done)} />);
  });

  // ── a teacher's reply threads, by section ──
  app.get<{ Querystring: { section?: string } }>('/messages/threads', { preHandler: requireSignedIn }, async (request, reply) => {
    const account = request.session!.account;
    if (account.person_kind !== 'staff' || !account.staff_id) return reply.callNotFound();
    const ctx = await contextFor(app, request);
    const groups = await threadsBySection(db, account.staff_id, account.id, ctx.locale);
    const wanted = request.query.section === 'other' ? null : recordId(request.query.section ?? '');
    const chosen = request.query.section === undefined || request.query.section === '' ? undefined : groups.find((g) => g.sectionId === wanted);
    // A section that is not one of the teacher's (or has no threads): the whole list, as for no choice.
    return sendPage(reply, <ThreadsPage ctx={ctx} groups={groups} chosen={chosen?.sectionId} />);
  });

  // ── one message ──
  app.get<{ Params: { id: string }; Querystring: { done?: string } }>('/messages/:id', { preHandler: requireSignedIn }, async (request, reply) => {
    const id = recordId(request.params.id);
    if (id === null) return reply.callNotFound();
    const ctx = await contextFor(app, request);
    const reader = await readerOf(ctx, request);
    if (!reader) return reply.callNotFound();
    const message = await openMessage(db, reader, id, { locale: ctx.locale, settings: ctx.district.settings, now: services.now() });
    if (!message) return reply.callNotFound();
    // Opening it read it: the header's count of unread messages, asked before, no longer counts it.
    if (message.readNow && !message.archived && ctx.unreadMessages) ctx.unreadMessages -= 1;
    return sendPage(reply, <MessagePageView ctx={ctx} message={message} notice={notice(ctx, request.query.done)} />);
  });

  app.post<{ Params: { id: string } }>('/messages/:id/reply', { preHandler: requireSignedIn }, async (request, reply) => {
    const id = recordId(request.params.id);
    if (id === null) return reply.callNotFound();
    const ctx = await contextFor(app, request);
    const reader = await readerOf(ctx, request);
    if (!reader) return reply.callNotFound();
    const now = services.now();
    const form = await formBody(request);
    const body: Record<string, unknown> = form?.fields ?? {};
    const parsed = parseInput(replyInput, body);
    const files: AttachmentCheck = form ? await checkAttachments(form.uploads, form.more) : { ok: false, error: 'messages.attach.badUpload', params: {} };
    if (!parsed.ok || !files.ok) {
      const message = await openMessage(db, reader, id, { locale: ctx.locale, settings: ctx.district.settings, now });
      if (!message) return reply.callNotFound();
      const errors = { ...(parsed.ok ? {} : fromFieldErrors(parsed.errors)), ...(files.ok ? {} : attachmentError(files)) };
      return sendPage(reply, <MessagePageView ctx={ctx} message={message} errors={errors} reply={typeof body.body === 'string' ? body.body.slice(0, 10_000) : ''} />, 400);
    }
    const account = request.session!.account;
    const name = `${account.first_name ?? ''} ${account.last_name ?? ''}`.trim() || account.username;
    const result = await replyTo(db, reader, id, parsed.data.body!, { locale: ctx.locale, name, ip: clientIp(request), settings: ctx.district.settings, now }, files.files);
    if (result.kind === 'missing') return reply.callNotFound();
    if (result.kind === 'closed') {
      const message = await openMessage(db, reader, id, { locale: ctx.locale, settings: ctx.district.settings, now });
      if (!message) return reply.callNotFound();
      return sendPage(reply, <MessagePageView ctx={ctx} message={message} closed />, 403);
    }
    return reply.redirect(`/messages/${id}?done=replied`, 303);
  });

  // A file of a message: to its sender and the people it was delivered to; 404 to anyone else.
  app.get<{ Params: { id: string; n: string } }>('/messages/:id/files/:n', { preHandler: requireSignedIn }, async (request, reply) => {
    const id = recordId(request.params.id);
    const n = /^[1-9]$/.test(request.params.n) ? Number(request.params.n) : null;
    if (id === null || n === null) return reply.callNotFound();
    const ctx = await contextFor(app, request);
    const reader = await readerOf(ctx, request);
    if (!reader && request.session!.account.person_kind !== 'staff') return reply.callNotFound();
    const file = await openAttachment(db, reader, request.session!.account.id, id, n);
    if (!file) return reply.callNotFound();
    return reply.headers(attachmentHeaders(file)).send(file.content);
  });

  app.post<{ Params: { id: string } }>('/messages/:id/read', { preHandler: requireSignedIn }, async (request, reply) => {
    const id = recordId(request.params.id);
    if (id === null) return reply.callNotFound();
    const ctx = await contextFor(app, request, { counts: false }); // answers with a redirect (or the 404 page, which makes its own)
    const reader = await readerOf(ctx, request);
    const read = ((request.body ?? {}) as Record<string, unknown>).read === '1';
    if (!reader || !(await markRead(db, reader, id, read, services.now()))) return reply.callNotFound();
    // Marked unread, the message leaves the page (opening it would read it again): back to the inbox.
    return reply.redirect(read ? `/messages/${id}` : '/messages?done=unread', 303);
  });

  app.post<{ Params: { id: string } }>('/messages/:id/archive', { preHandler: requireSignedIn }, async (request, reply) => {
    const id = recordId(request.params.id);
    if (id === null) return reply.callNotFound();
    const ctx = await contextFor(app, request, { counts: false }); // answers with a redirect (or the 404 page, which makes its own)
    const reader = await readerOf(ctx, request);
    const archived = ((request.body ?? {}) as Record<string, unknown>).archived !== '0';
    if (!reader || !(await markArchived(db, reader, id, archived))) return reply.callNotFound();
    return reply.redirect(archived ? '/messages?done=archived' : '/messages?view=archived&done=unarchived', 303);
  });
}

/** The answer to refused files: 413 for a file over the limit, 400 for the rest. */
function fileStatus(check: Extract<AttachmentCheck, { ok: false }>): number {
  return check.error === 'messages.attach.tooLarge' ? 413 : 400;
}

/** The positions of the draft's files the form still lists (at most a few small numbers). */
function keptPositions(value: unknown): number[] {
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return [...new Set(list.filter((x): x is string => typeof x === 'string' && /^[1-9]\d{0,2}$/.test(x)).map(Number))].slice(0, 10);
}

/** A refused file as the form's field message. */
function attachmentError(check: Extract<AttachmentCheck, { ok: false }>) {
  return { attachments: { key: check.error, params: check.params } };
}
