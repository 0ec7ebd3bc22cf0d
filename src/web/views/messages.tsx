/** The Message Center: the inbox, one message with its private thread, the composer with its preview, and what a sender sent. */
import type { CurrentAnnouncement } from '../../domain/announcements/service.js';
import type { Audience, AudienceKind } from '../../domain/messages/audience.js';
import type { Draft, InboxLine, InboxQuery, OpenedMessage, SentLine, ThreadMessage } from '../../domain/messages/service.js';
import type { MessageSenderRole } from '../../db/schema.js';
import type { AttachmentLine } from '../../domain/messages/attachments.js';
import type { DraftFile } from '../../domain/messages/drafts.js';
import type { SectionThreads } from '../../domain/messages/threads.js';
import type { AdultChoice } from '../../domain/messages/adult.js';
import { formatFileSize, formatInstant } from '../../i18n/format.js';
import type { MessageKey, Translate } from '../../i18n/index.js';
import type { PageContext } from './context.js';
import { fileHref } from './format.js';
import { Alert, Csrf, describedBy, ErrorSummary, Field, Pager, type FieldMessage, type Messages } from './forms.js';
import { Layout } from './layout.js';

const when = (ctx: PageContext, iso: string) => (iso ? formatInstant(new Date(iso), ctx.locale, ctx.district.timeZone) : '');
const ROLE_LABEL: Record<MessageSenderRole | 'staff', MessageKey> = {
  teacher: 'messages.role.teacher',
  office: 'messages.role.office',
  counselor: 'messages.role.counselor',
  district_admin: 'messages.role.district_admin',
  guardian: 'messages.role.guardian',
  student: 'messages.role.student',
  staff: 'messages.role.staff',
};
const KIND_LABEL: Record<AudienceKind, MessageKey> = {
  sections: 'messages.kind.sections',
  students: 'messages.kind.students',
  grade: 'messages.kind.grade',
  school: 'messages.kind.school',
  families: 'messages.kind.families',
  district: 'messages.kind.district',
};
const READERS_LABEL: Record<Audience['readers'], MessageKey> = { guardians: 'messages.readers.guardians', students: 'messages.readers.students', both: 'messages.readers.both' };
const PREVIEW_IN: Record<'en' | 'es', MessageKey> = { en: 'messages.previewIn.en', es: 'messages.previewIn.es' };
const roleName = (t: Translate, role: MessageSenderRole | 'staff') => t(ROLE_LABEL[role]);

/** Plain text as the sender typed it: paragraphs and lines kept, web addresses made links; never the sender's HTML. */
export function PlainText({ text }: { text: string }) {
  return (
    <>
      {text.split(/\n{2,}/).map((para, i) => (
        <p key={i}>
          {para.split('\n').map((line, j) => (
            <>
              {j > 0 ? <br /> : null}
              {withLinks(line)}
            </>
          ))}
        </p>
      ))}
    </>
  );
}

const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"']+/gi;

/** Splits a line into text and links: only http(s) addresses that parse become links, opened without the portal's referrer. */
function withLinks(line: string) {
  const parts: (string | { href: string; text: string })[] = [];
  let last = 0;
  for (const match of line.matchAll(URL_IN_TEXT)) {
    // A sentence's full stop or closing bracket is not part of the address.
    const text = match[0].replace(/[.,;:!?)\]]+$/, '');
    let href: string | null = null;
    try {
      const url = new URL(text);
      if (url.protocol === 'http:' || url.protocol === 'https:') href = url.href;
    } catch {
      href = null;
    }
    if (!href) continue;
    parts.push(line.slice(last, match.index), { href, text });
    last = match.index + text.length;
  }
  parts.push(line.slice(last));
  return parts.map((p, i) =>
    typeof p === 'string' ? (
      p
    ) : (
      <a key={i} href={p.href} rel="noopener noreferrer nofollow" class="hr-break-anywhere">
        {p.text}
      </a>
    ),
  );
}

function inboxHref(query: InboxQuery, page: number): string {
  const p = new URLSearchParams();
  if (query.view === 'archived') p.set('view', 'archived');
  if (query.q) p.set('q', query.q);
  if (page > 1) p.set('page', String(page));
  const s = p.toString();
  return `/messages${s ? `?${s}` : ''}`;
}

/** The question to a student of 18 or older: open until answered, then their answer with the form to change it. */
function AdultQuestion({ ctx, adult, error }: { ctx: PageContext; adult: AdultChoice; error: string | undefined }) {
  const { t } = ctx;
  const status = adult.answer === null ? t(adult.districtKeeps ? 'messages.adult.untilKeeps' : 'messages.adult.untilEnds') : t(adult.answer ? 'messages.adult.nowYes' : 'messages.adult.nowNo');
  const form = (
    <form method="post" action="/messages/guardians" class="usa-form">
      <Csrf token={ctx.csrf} />
      <div class={`usa-form-group${error ? ' usa-form-group--error' : ''}`}>
        <fieldset class="usa-fieldset" aria-describedby={error ? 'guardians-error' : undefined}>
          <legend class="usa-legend">{t('messages.adult.question')}</legend>
          {error ? (
            <span class="usa-error-message" id="guardians-error" role="alert">
              {error}
            </span>
          ) : null}
          {(['yes', 'no'] as const).map((v) => (
            <div class="usa-radio" key={v}>
              <input class="usa-radio__input" id={`guardians-${v}`} type="radio" name="guardiansReceive" value={v} checked={adult.answer !== null && adult.answer === (v === 'yes')} />
              <label class="usa-radio__label" for={`guardians-${v}`}>
                {t(v === 'yes' ? 'messages.adult.yes' : 'messages.adult.no')}
              </label>
            </div>
          ))}
        </fieldset>
      </div>
      <button class="usa-button" type="submit">
        {t('messages.adult.save')}
      </button>
    </form>
  );
  return (
    <section class="usa-summary-box" aria-labelledby="adult-heading">
      <div class="usa-summary-box__body">
        <h2 class="usa-summary-box__heading" id="adult-heading">
          {t('messages.adult.heading')}
        </h2>
        <p>{status}</p>
        <p class="usa-hint">{t('messages.adult.onlyMessages')}</p>
        {adult.answer === null || error ? (
          form
        ) : (
          <details>
            <summary>{t('messages.adult.change')}</summary>
            {form}
          </details>
        )}
      </div>
    </section>
  );
}

export function InboxPage({
  ctx,
  query,
  lines,
  more,
  maySend,
  notice,
  announcements = [],
  adult = null,
  adultError,
}: {
  ctx: PageContext;
  query: InboxQuery;
  lines: InboxLine[];
  more: boolean;
  maySend: boolean;
  notice?: string | undefined;
  announcements?: CurrentAnnouncement[];
  /** a student of 18 or older: what they answered about their guardians */
  adult?: AdultChoice | null;
  adultError?: string;
}) {
  const { t } = ctx;
  const archived = query.view === 'archived';
  const title = archived ? t('messages.archived') : t('messages.inbox');
  return (
    <Layout ctx={ctx} title={title}>
      <Alert type="success" text={notice} />
      <h1>{title}</h1>
      {adult ? <AdultQuestion ctx={ctx} adult={adult} error={adultError} /> : null}
      <p>
        <a class="usa-button usa-button--outline" href={archived ? '/messages' : '/messages?view=archived'}>
          {archived ? t('messages.showInbox') : t('messages.showArchived')}
        </a>
        {maySend ? (
          <>
            <a class="usa-button" href="/messages/new">
              {t('messages.compose')}
            </a>
            <a class="usa-button usa-button--outline" href="/messages/sent">
              {t('messages.sent')}
            </a>
            <a class="usa-button usa-button--outline" href="/messages/threads">
              {t('messages.threads.title')}
            </a>
          </>
        ) : null}
      </p>
      <form method="get" action="/messages" role="search" class="usa-form">
        {archived ? <input type="hidden" name="view" value="archived" /> : null}
        <label class="usa-label" for="q">
          {t('messages.search')}
        </label>
        <input class="usa-input" id="q" name="q" type="search" maxLength={100} value={query.q} />
        <button class="usa-button usa-button--outline" type="submit">
          {t('messages.searchButton')}
        </button>
      </form>
      {announcements.length > 0 ? (
        <section aria-labelledby="announcements-heading">
          <h2 id="announcements-heading">{t('messages.announcements')}</h2>
          {announcements.map((a) => (
            <article key={a.id} class="hr-card">
              <h3 class="hr-card__title">{a.title}</h3>
              <PlainText text={a.body} />
            </article>
          ))}
        </section>
      ) : null}
      {announcements.length > 0 ? <h2>{t('messages.yourMessages')}</h2> : null}
      {lines.length === 0 ? (
        <p>{query.q ? t('messages.noneFound') : archived ? t('messages.noneArchived') : t('messages.none')}</p>
      ) : (
        <ul class="usa-list usa-list--unstyled hr-messages">
          {lines.map((m) => (
            <li key={m.id} class={`hr-card hr-message${m.unread ? ' hr-message--unread' : ''}`}>
              <p class="hr-card__title">
                {m.unread ? <span class="usa-tag hr-tag--strong hr-tag--inline">{t('messages.new')}</span> : null}
                <a href={`/messages/${m.id}`}>{m.subject}</a>
              </p>
              <p class="hr-muted">
                {`${m.senderName} (${roleName(t, m.senderRole)}) · ${when(ctx, m.sentAt)}`}
                {m.student ? ` · ${t('messages.about', { student: m.student })}` : ''}
              </p>
            </li>
          ))}
        </ul>
      )}
      <Pager
        label={t('messages.pages')}
        previous={query.page > 1 ? { href: inboxHref(query, query.page - 1), text: t('messages.newer') } : null}
        next={more ? { href: inboxHref(query, query.page + 1), text: t('messages.older') } : null}
      />
    </Layout>
  );
}

/** A file's kind and size, as a message lists it: "(PDF, 1.2 MB)". */
function fileKind(ctx: PageContext, f: { mediaType: AttachmentLine['mediaType']; size: number }): string {
  return ` (${ctx.t(f.mediaType === 'application/pdf' ? 'messages.attach.pdf' : 'messages.attach.image', { size: formatFileSize(f.size, ctx.locale) })})`;
}

/** The files attached to a message being written (on the composer or its preview). */
export interface AttachedFiles {
  /** the draft they wait under; null: none yet */
  key: string | null;
  files: (DraftFile & { kept: boolean })[];
}

/** A message's files: each a link (a PDF downloads, a picture opens), with its kind and size. */
function Attachments({ ctx, files }: { ctx: PageContext; files: AttachmentLine[] }) {
  const { t } = ctx;
  if (files.length === 0) return null;
  return (
    <div class="hr-attachments">
      <p class="hr-muted">{t('messages.attach.files')}</p>
      <ul class="usa-list">
        {files.map((f) => (
          <li key={f.position}>
            <a href={fileHref(f)}>{f.fileName}</a>
            {fileKind(ctx, f)}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The file input of a form that sends a message or a reply (the form is multipart, its token in its address). */
function AttachmentInput({ ctx, error }: { ctx: PageContext; error: FieldMessage | undefined }) {
  const { t } = ctx;
  return (
    <div class={`usa-form-group${error ? ' usa-form-group--error' : ''}`}>
      <label class={`usa-label${error ? ' usa-label--error' : ''}`} for="attachments">
        {t('messages.attach.label')}
      </label>
      <span class="usa-hint" id="attachments-hint">
        {t('messages.attach.hint')}
      </span>
      {error ? (
        <span class="usa-error-message" id="attachments-error" role="alert">
          {t(error.key, error.params)}
        </span>
      ) : null}
      <input
        class="hr-file"
        id="attachments"
        name="attachments"
        type="file"
        multiple
        accept=".pdf,.png,.jpg,.jpeg,.gif,.webp,application/pdf,image/png,image/jpeg,image/gif,image/webp"
        aria-describedby={error ? 'attachments-hint attachments-error' : 'attachments-hint'}
        aria-invalid={error ? 'true' : undefined}
      />
    </div>
  );
}

function ThreadEntry({ ctx, m, heading }: { ctx: PageContext; m: ThreadMessage; heading: 'h1' | 'h2' }) {
  const { t } = ctx;
  const H = heading;
  return (
    <article class="hr-card hr-thread-message" lang={undefined}>
      <H class={heading === 'h1' ? undefined : 'hr-card__title'}>{m.subject}</H>
      <p class="hr-muted">{`${m.mine ? t('messages.you') : `${m.senderName} (${roleName(t, m.senderRole)})`} · ${when(ctx, m.sentAt)}`}</p>
      {m.fallback ? <p class="usa-hint">{t('messages.otherLanguage')}</p> : null}
      <div lang={m.fallback ? (ctx.locale === 'es' ? 'en' : 'es') : undefined}>
        <PlainText text={m.body} />
      </div>
      <Attachments ctx={ctx} files={m.attachments} />
    </article>
  );
}

export function MessagePageView({ ctx, message, errors = {}, reply, notice, closed }: { ctx: PageContext; message: OpenedMessage; errors?: Messages; reply?: string; notice?: string | undefined; closed?: boolean }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={message.subject}>
      <Alert type="success" text={notice} />
      <ErrorSummary t={t} errors={errors} labels={{ body: t('messages.replyLabel'), attachments: t('messages.attach.label') }} />
      <p>
        <a href="/messages">{t('messages.backToInbox')}</a>
      </p>
      {message.student ? <p class="usa-intro">{t('messages.about', { student: message.student })}</p> : null}
      {message.asksReply ? <Alert type="info" text={t('messages.asksReplyNote')} /> : null}
      <ThreadEntry ctx={ctx} m={message} heading="h1" />
      {message.replies.length > 0 ? (
        <section aria-labelledby="thread-heading">
          <h2 id="thread-heading">{t('messages.thread')}</h2>
          <p class="usa-hint">{t('messages.threadPrivate')}</p>
          {message.replies.map((m) => (
            <ThreadEntry key={m.id} ctx={ctx} m={m} heading="h2" />
          ))}
        </section>
      ) : null}
      {message.mayReply ? (
        <form method="post" action={`/messages/${message.id}/reply?_csrf=${encodeURIComponent(ctx.csrf)}`} enctype="multipart/form-data" class="usa-form usa-form--large">
          <Field t={t} id="body" label={t('messages.replyLabel')} hint={t('messages.replyHint')} error={errors.body}>
            <textarea class={`usa-textarea${errors.body ? ' usa-input--error' : ''}`} id="body" name="body" rows={5} required maxLength={10000} aria-describedby={describedBy('body', true, Boolean(errors.body))} aria-invalid={errors.body ? 'true' : undefined}>
              {reply ?? ''}
            </textarea>
          </Field>
          <AttachmentInput ctx={ctx} error={errors.attachments} />
          <button class="usa-button" type="submit">
            {t('messages.sendReply')}
          </button>
        </form>
      ) : closed ? (
        <p>{t('messages.repliesClosed')}</p>
      ) : null}
      <div class="usa-button-group hr-message-actions">
        <form method="post" action={`/messages/${message.id}/read`}>
          <Csrf token={ctx.csrf} />
          <input type="hidden" name="read" value="0" />
          <button class="usa-button usa-button--outline" type="submit">
            {t('messages.markUnread')}
          </button>
        </form>
        <form method="post" action={`/messages/${message.id}/archive`}>
          <Csrf token={ctx.csrf} />
          <input type="hidden" name="archived" value={message.archived ? '0' : '1'} />
          <button class="usa-button usa-button--outline" type="submit">
            {message.archived ? t('messages.unarchive') : t('messages.archive')}
          </button>
        </form>
      </div>
    </Layout>
  );
}

export type ComposeValues = Partial<Record<'kind' | 'readers' | 'studentNumbers' | 'schoolId' | 'grade' | 'subjectEn' | 'bodyEn' | 'subjectEs' | 'bodyEs' | 'sendDate' | 'sendTime' | 'asksReply', string>> & { sectionIds?: string[] };

export interface ComposerChoices {
  kinds: AudienceKind[];
  sections: { id: number; label: string }[];
  schools: { id: number; name: string }[];
}

function TextArea({ id, value, error, rows = 6, max }: { id: string; value: string | undefined; error: FieldMessage | undefined; rows?: number; max: number }) {
  return (
    <textarea class={`usa-textarea${error ? ' usa-input--error' : ''}`} id={id} name={id} rows={rows} maxLength={max} aria-describedby={describedBy(id, false, Boolean(error))} aria-invalid={error ? 'true' : undefined}>
      {value ?? ''}
    </textarea>
  );
}

function Input({ id, value, error, type = 'text', max }: { id: string; value: string | undefined; error: FieldMessage | undefined; type?: string; max: number }) {
  return <input class={`usa-input${error ? ' usa-input--error' : ''}`} id={id} name={id} type={type} maxLength={max} value={value ?? ''} aria-describedby={describedBy(id, false, Boolean(error))} aria-invalid={error ? 'true' : undefined} />;
}

export function ComposePage({ ctx, choices, values, errors = {}, attached = { key: null, files: [] } }: { ctx: PageContext; choices: ComposerChoices; values: ComposeValues; errors?: Messages; attached?: AttachedFiles }) {
  const { t } = ctx;
  const kind = values.kind ?? choices.kinds[0];
  const readers = values.readers ?? 'guardians';
  const labels = {
    kind: t('messages.field.kind'),
    sectionIds: t('messages.field.sections'),
    studentNumbers: t('messages.field.studentNumbers'),
    schoolId: t('messages.field.school'),
    grade: t('messages.field.grade'),
    subjectEn: t('messages.field.subjectEn'),
    bodyEn: t('messages.field.bodyEn'),
    subjectEs: t('messages.field.subjectEs'),
    bodyEs: t('messages.field.bodyEs'),
    sendDate: t('messages.field.sendDate'),
    attachments: t('messages.attach.label'),
  };
  return (
    <Layout ctx={ctx} title={t('messages.compose')}>
      <h1>{t('messages.compose')}</h1>
      <ErrorSummary t={t} errors={errors} labels={labels} />
      <form method="post" action={`/messages/new?_csrf=${encodeURIComponent(ctx.csrf)}`} enctype="multipart/form-data" class="usa-form usa-form--large">
        <fieldset class="usa-fieldset">
          <legend class="usa-legend usa-legend--large">{t('messages.to')}</legend>
          <div class={`usa-form-group${errors.kind ? ' usa-form-group--error' : ''}`}>
            <fieldset class="usa-fieldset" aria-describedby={errors.kind ? 'kind-error' : undefined}>
              <legend class="usa-legend" id="kind">
                {labels.kind}
              </legend>
              {errors.kind ? (
                <span class="usa-error-message" id="kind-error" role="alert">
                  {t(errors.kind.key, errors.kind.params)}
                </span>
              ) : null}
              {choices.kinds.map((k) => (
                <div class="usa-radio" key={k}>
                  <input class="usa-radio__input" id={`kind-${k}`} type="radio" name="kind" value={k} checked={k === kind} />
                  <label class="usa-radio__label" for={`kind-${k}`}>
                    {t(KIND_LABEL[k])}
                  </label>
                </div>
              ))}
            </fieldset>
          </div>
          {choices.sections.length > 0 ? (
            <div class={`usa-form-group${errors.sectionIds ? ' usa-form-group--error' : ''}`}>
              <fieldset class="usa-fieldset">
                <legend class="usa-legend" id="sectionIds">
                  {labels.sectionIds}
                </legend>
                <p class="usa-hint">{t('messages.field.sectionsHint')}</p>
                {errors.sectionIds ? (
                  <span class="usa-error-message" role="alert">
                    {t(errors.sectionIds.key, errors.sectionIds.params)}
                  </span>
                ) : null}
                {choices.sections.map((s) => (
                  <div class="usa-checkbox" key={s.id}>
                    <input class="usa-checkbox__input" id={`section-${s.id}`} type="checkbox" name="sectionIds" value={String(s.id)} checked={(values.sectionIds ?? []).includes(String(s.id))} />
                    <label class="usa-checkbox__label" for={`section-${s.id}`}>
                      {s.label}
                    </label>
                  </div>
                ))}
              </fieldset>
            </div>
          ) : null}
          {choices.kinds.includes('students') || choices.kinds.includes('families') ? (
            <Field t={t} id="studentNumbers" label={labels.studentNumbers} hint={t('messages.field.studentNumbersHint')} error={errors.studentNumbers}>
              <TextArea id="studentNumbers" value={values.studentNumbers} error={errors.studentNumbers} rows={3} max={20000} />
            </Field>
          ) : null}
          {choices.schools.length > 0 ? (
            <>
              <Field t={t} id="schoolId" label={labels.schoolId} hint={t('messages.field.schoolHint')} error={errors.schoolId}>
                <select class="usa-select" id="schoolId" name="schoolId" aria-invalid={errors.schoolId ? 'true' : undefined}>
                  {choices.schools.map((s) => (
                    <option key={s.id} value={String(s.id)} selected={values.schoolId === String(s.id)}>
                      {s.name}
                    </option>
                  ))}
                </select>
              </Field>
              <Field t={t} id="grade" label={labels.grade} hint={t('messages.field.gradeHint')} error={errors.grade}>
                <input class={`usa-input usa-input--small${errors.grade ? ' usa-input--error' : ''}`} id="grade" name="grade" type="text" inputMode="numeric" maxLength={3} value={values.grade ?? ''} />
              </Field>
            </>
          ) : null}
          <fieldset class="usa-fieldset">
            <legend class="usa-legend">{t('messages.field.readers')}</legend>
            {(['guardians', 'students', 'both'] as const).map((r) => (
              <div class="usa-radio" key={r}>
                <input class="usa-radio__input" id={`readers-${r}`} type="radio" name="readers" value={r} checked={r === readers} />
                <label class="usa-radio__label" for={`readers-${r}`}>
                  {t(READERS_LABEL[r])}
                </label>
              </div>
            ))}
          </fieldset>
        </fieldset>
        <fieldset class="usa-fieldset">
          <legend class="usa-legend usa-legend--large">{t('messages.words')}</legend>
          <p class="usa-hint">{t('messages.wordsHint')}</p>
          <Field t={t} id="subjectEn" label={labels.subjectEn} error={errors.subjectEn}>
            <Input id="subjectEn" value={values.subjectEn} error={errors.subjectEn} max={150} />
          </Field>
          <Field t={t} id="bodyEn" label={labels.bodyEn} error={errors.bodyEn}>
            <TextArea id="bodyEn" value={values.bodyEn} error={errors.bodyEn} max={10000} />
          </Field>
          <Field t={t} id="subjectEs" label={labels.subjectEs} error={errors.subjectEs}>
            <Input id="subjectEs" value={values.subjectEs} error={errors.subjectEs} max={150} />
          </Field>
          <Field t={t} id="bodyEs" label={labels.bodyEs} error={errors.bodyEs}>
            <TextArea id="bodyEs" value={values.bodyEs} error={errors.bodyEs} max={10000} />
          </Field>
          <div class="usa-checkbox">
            <input class="usa-checkbox__input" id="asksReply" type="checkbox" name="asksReply" value="yes" checked={values.asksReply === 'yes'} />
            <label class="usa-checkbox__label" for="asksReply">
              {t('messages.field.asksReply')}
            </label>
          </div>
        </fieldset>
        <fieldset class="usa-fieldset">
          <legend class="usa-legend usa-legend--large">{t('messages.field.when')}</legend>
          <p class="usa-hint">{t('messages.field.whenHint', { zone: ctx.district.timeZone })}</p>
          <Field t={t} id="sendDate" label={labels.sendDate} error={errors.sendDate}>
            <Input id="sendDate" value={values.sendDate} error={errors.sendDate} type="date" max={10} />
          </Field>
          <Field t={t} id="sendTime" label={t('messages.field.sendTime')}>
            <Input id="sendTime" value={values.sendTime} error={undefined} type="time" max={5} />
          </Field>
        </fieldset>
        <fieldset class="usa-fieldset">
          <legend class="usa-legend usa-legend--large">{t('messages.attach.section')}</legend>
          {attached.key ? <input type="hidden" name="draft" value={attached.key} /> : null}
          {attached.files.length > 0 ? (
            <fieldset class="usa-fieldset">
              <legend class="usa-legend">{t('messages.attach.keptLegend')}</legend>
              {attached.files.map((f) => (
                <div class="usa-checkbox" key={f.position}>
                  <input class="usa-checkbox__input" id={`keep-${f.position}`} type="checkbox" name="keep" value={String(f.position)} checked={f.kept} />
                  <label class="usa-checkbox__label" for={`keep-${f.position}`}>
                    {f.fileName}
                    {fileKind(ctx, f)}
                  </label>
                </div>
              ))}
            </fieldset>
          ) : null}
          <AttachmentInput ctx={ctx} error={errors.attachments} />
        </fieldset>
        <button class="usa-button" type="submit" name="action" value="preview">
          {t('messages.preview')}
        </button>
      </form>
    </Layout>
  );
}

/** The sender checks what goes out: to how many people, in which languages, when; the values ride along hidden. */
export function PreviewPage({ ctx, draft, values, errors = {}, attached = { key: null, files: [] } }: { ctx: PageContext; draft: Draft; values: ComposeValues; errors?: Messages; attached?: AttachedFiles }) {
  const { t } = ctx;
  const hidden = Object.entries(values).flatMap(([name, v]) => (Array.isArray(v) ? v.map((x) => [name, x] as const) : v === undefined ? [] : [[name, v] as const]));
  const words = (lang: 'en' | 'es') => ({ subject: lang === 'en' ? draft.subjectEn : draft.subjectEs, body: lang === 'en' ? draft.bodyEn : draft.bodyEs });
  return (
    <Layout ctx={ctx} title={t('messages.previewTitle')}>
      <h1>{t('messages.previewTitle')}</h1>
      <ErrorSummary t={t} errors={errors} labels={{ attachments: t('messages.attach.label') }} />
      <div class="usa-summary-box" role="region" aria-labelledby="reach-heading">
        <div class="usa-summary-box__body">
          <h2 class="usa-summary-box__heading" id="reach-heading">
            {t('messages.reach', { count: draft.count.total })}
          </h2>
          <p>{t('messages.reachLanguages', { en: draft.count.en, es: draft.count.es })}</p>
          {draft.count.es > 0 && draft.bodyEs === null ? <p>{t('messages.missingEs')}</p> : null}
          {draft.count.en > 0 && draft.bodyEn === null ? <p>{t('messages.missingEn')}</p> : null}
          <p>{draft.sendAt ? t('messages.sendsAt', { when: formatInstant(draft.sendAt, ctx.locale, ctx.district.timeZone) }) : t('messages.sendsNow')}</p>
        </div>
      </div>
      {(['en', 'es'] as const).map((lang) =>
        words(lang).body !== null ? (
          <section key={lang} aria-labelledby={`preview-${lang}`} lang={lang}>
            <h2 id={`preview-${lang}`}>{t(PREVIEW_IN[lang])}</h2>
            <article class="hr-card">
              <p class="hr-card__title">{words(lang).subject}</p>
              <PlainText text={words(lang).body ?? ''} />
            </article>
          </section>
        ) : null,
      )}
      <form method="post" action={`/messages/new?_csrf=${encodeURIComponent(ctx.csrf)}`} enctype="multipart/form-data" class="usa-form">
        {hidden.map(([name, v], i) => (
          <input key={i} type="hidden" name={name} value={v} />
        ))}
        {attached.key ? <input type="hidden" name="draft" value={attached.key} /> : null}
        {attached.files.map((f) => (
          <input key={`keep-${f.position}`} type="hidden" name="keep" value={String(f.position)} />
        ))}
        {attached.files.length > 0 ? (
          <div class="hr-attachments">
            <h2>{t('messages.attach.files')}</h2>
            <ul class="usa-list">
              {attached.files.map((f) => (
                <li key={f.position}>
                  {f.fileName}
                  {fileKind(ctx, f)}
                </li>
              ))}
            </ul>
            <p class="usa-hint">{t('messages.attach.changeHint')}</p>
          </div>
        ) : null}
        <AttachmentInput ctx={ctx} error={errors.attachments} />
        <div class="usa-button-group">
          <button class="usa-button" type="submit" name="action" value="send">
            {t('messages.send')}
          </button>
          <button class="usa-button usa-button--outline" type="submit" name="action" value="edit">
            {t('messages.change')}
          </button>
        </div>
      </form>
    </Layout>
  );
}

export function audienceText(t: Translate, a: Audience): string {
  return `${t(KIND_LABEL[a.kind])} · ${t(READERS_LABEL[a.readers])}`;
}

export function SentPage({ ctx, lines, more, page }: { ctx: PageContext; lines: SentLine[]; more: boolean; page: number }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('messages.sent')}>
      <h1>{t('messages.sent')}</h1>
      <p>
        <a href="/messages/new">{t('messages.compose')}</a>
        {' · '}
        <a href="/messages/threads">{t('messages.threads.title')}</a>
      </p>
      {lines.length === 0 ? <p>{t('messages.noneSent')}</p> : null}
      <ul class="usa-list usa-list--unstyled hr-messages">
        {lines.map((m) => (
          <li key={m.id} class="hr-card hr-message">
            <p class="hr-card__title">
              <a href={`/messages/sent/${m.id}`}>{m.subject}</a>
            </p>
            <p class="hr-muted">{`${audienceText(t, m.audience)} · ${m.status === 'sent' ? t('messages.deliveredTo', { count: m.recipients }) : t('messages.scheduledFor', { when: when(ctx, m.sendAt) })}`}</p>
            {m.threads.length > 0 ? <p>{t('messages.replyCount', { count: m.threads.length })}</p> : null}
          </li>
        ))}
      </ul>
      <Pager
        label={t('messages.pages')}
        previous={page > 1 ? { href: `/messages/sent?page=${page - 1}`, text: t('messages.newer') } : null}
        next={more ? { href: `/messages/sent?page=${page + 1}`, text: t('messages.older') } : null}
      />
    </Layout>
  );
}

/** One sent message: its delivery (a progress line while it waits for its time or the worker) and its threads. */
export function SentMessagePage({ ctx, message, notice }: { ctx: PageContext; message: SentLine & { body: string; fallback: boolean; attachments: AttachmentLine[] }; notice?: string | undefined }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={message.subject}>
      <Alert type="success" text={notice} />
      <p>
        <a href="/messages/sent">{t('messages.sent')}</a>
      </p>
      <h1>{message.subject}</h1>
      <p class="usa-intro" role="status">
        {message.status === 'sent' ? t('messages.deliveredTo', { count: message.recipients }) : t('messages.scheduledFor', { when: when(ctx, message.sendAt) })}
      </p>
      <p class="hr-muted">{audienceText(t, message.audience)}</p>
      <PlainText text={message.body} />
      <Attachments ctx={ctx} files={message.attachments} />
      <section aria-labelledby="threads-heading">
        <h2 id="threads-heading">{t('messages.threads')}</h2>
        {message.threads.length === 0 ? (
          <p>{t('messages.noThreads')}</p>
        ) : (
          <ul class="usa-list">
            {message.threads.map((th) => (
              <li key={`${th.kind}-${th.id}`}>
                <a href={`/messages/${th.messageId}`}>{th.name}</a>
                {` (${roleName(t, th.kind)})`}
                {th.unread ? ` · ${t('messages.new')}` : ''}
              </li>
            ))}
          </ul>
        )}
      </section>
    </Layout>
  );
}

/** A teacher's reply threads by section, with unread counts; a section chosen shows only its threads (links, no script). */
export function ThreadsPage({ ctx, groups, chosen }: { ctx: PageContext; groups: SectionThreads[]; chosen: number | null | undefined }) {
  const { t } = ctx;
  const label = (g: SectionThreads) => g.label ?? t('messages.threads.other');
  const key = (g: SectionThreads) => (g.sectionId === null ? 'other' : String(g.sectionId));
  const shown = chosen === undefined ? groups : groups.filter((g) => g.sectionId === chosen);
  return (
    <Layout ctx={ctx} title={t('messages.threads.title')}>
      <h1>{t('messages.threads.title')}</h1>
      <p class="usa-intro">{t('messages.threads.intro')}</p>
      {groups.length === 0 ? (
        <p>{t('messages.threads.none')}</p>
      ) : (
        <nav aria-label={t('messages.threads.filter')}>
          <ul class="usa-button-group">
            <li class="usa-button-group__item">
              <a class={`usa-button${chosen === undefined ? '' : ' usa-button--outline'}`} href="/messages/threads" aria-current={chosen === undefined ? 'page' : undefined}>
                {t('messages.threads.all')}
              </a>
            </li>
            {groups.map((g) => (
              <li key={key(g)} class="usa-button-group__item">
                <a class={`usa-button${chosen === g.sectionId ? '' : ' usa-button--outline'}`} href={`/messages/threads?section=${key(g)}`} aria-current={chosen === g.sectionId ? 'page' : undefined}>
                  {g.unread > 0 ? `${label(g)} · ${t('messages.threads.unread', { count: g.unread })}` : label(g)}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      )}
      {shown.map((g) => (
        <section key={key(g)} aria-labelledby={`threads-${key(g)}`}>
          <h2 id={`threads-${key(g)}`}>{label(g)}</h2>
          <p class="hr-muted">{t('messages.threads.summary', { threads: g.threads.length, unread: g.unread })}</p>
          <ul class="usa-list usa-list--unstyled hr-messages">
            {g.threads.map((th) => (
              <li key={`${th.rootId}-${th.personKind}-${th.personName}`} class={`hr-card hr-message${th.unread > 0 ? ' hr-message--unread' : ''}`}>
                <p class="hr-card__title">
                  {th.unread > 0 ? <span class="usa-tag hr-tag--strong hr-tag--inline">{t('messages.threads.unread', { count: th.unread })}</span> : null}
                  <a href={`/messages/${th.latestId}`}>{th.subject}</a>
                </p>
                <p class="hr-muted">{`${th.personName} (${roleName(t, th.personKind)}) · ${when(ctx, th.latestAt)}`}</p>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </Layout>
  );
}
