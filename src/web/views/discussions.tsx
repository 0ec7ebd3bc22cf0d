/** Discussions for teachers: a section's topics with the form to open one, and one topic with its posts to hide and the lock. */
import type { PostView, TopicSummary, TopicView } from '../../domain/discussions/service.js';
import { PROMPT_MAX, REASON_MAX, TITLE_MAX } from '../../domain/discussions/service.js';
import type { PageContext } from './context.js';
import { Alert, Csrf, ErrorSummary, Field, TextInput, describedBy, type Messages } from './forms.js';
import { Layout } from './layout.js';
import { PlainText } from './plain-text.js';
import { topicState } from './tools/discussions.js';
import { formatInstant } from '../../email/templates.js';

export interface TopicFormValues {
  title: string;
  prompt: string;
  opensOn: string;
  closesOn: string;
}

export function SectionTopicsPage({
  ctx,
  sectionId,
  section,
  topics,
  values,
  errors = {},
}: {
  ctx: PageContext;
  sectionId: number;
  section: { course: string; sectionCode: string };
  topics: TopicSummary[];
  values: TopicFormValues;
  errors?: Messages;
}) {
  const { t } = ctx;
  const name = `${section.course} · ${section.sectionCode}`;
  const labels = { title: t('discussions.topicTitle'), prompt: t('discussions.prompt'), opensOn: t('discussions.opensOn'), closesOn: t('discussions.closesOn') };
  return (
    <Layout ctx={ctx} title={`${t('discussions.title')}: ${name}`}>
      <p>
        <a href="/staff/classes">{t('teaching.myClasses')}</a>
      </p>
      <h1>
        {t('discussions.title')}
        <span class="hr-subtitle">{name}</span>
      </h1>
      {topics.length === 0 ? (
        <p>{t('discussions.noneTeacher')}</p>
      ) : (
        <ul class="usa-list usa-list--unstyled">
          {topics.map((topic) => (
            <li key={topic.id} class="margin-bottom-2">
              <a href={`/staff/discussions/${topic.id}`}>{topic.title}</a>
              <p class="hr-post__meta">{`${topicState(ctx, topic)} · ${t('discussions.postCount', { count: topic.posts })}`}</p>
            </li>
          ))}
        </ul>
      )}
      <h2 id="new-topic">{t('discussions.newTopic')}</h2>
      <form method="post" action={`/staff/classes/${sectionId}/discussions`} class="usa-form maxw-full" aria-labelledby="new-topic">
        <Csrf token={ctx.csrf} />
        <ErrorSummary t={t} errors={errors} labels={labels} />
        <Field t={t} id="title" label={labels.title} error={errors.title}>
          <TextInput id="title" autocomplete="off" autocapitalize="words" error={Boolean(errors.title)} value={values.title} maxLength={TITLE_MAX} />
        </Field>
        <Field t={t} id="prompt" label={labels.prompt} hint={t('discussions.promptHint')} error={errors.prompt}>
          <textarea class={`usa-textarea${errors.prompt ? ' usa-input--error' : ''}`} id="prompt" name="prompt" rows={5} maxLength={PROMPT_MAX} required aria-describedby={describedBy('prompt', true, Boolean(errors.prompt))} aria-invalid={errors.prompt ? 'true' : undefined}>
            {values.prompt}
          </textarea>
        </Field>
        <Field t={t} id="opensOn" label={labels.opensOn} hint={t('discussions.datesHint', { zone: ctx.district.timeZone })} error={errors.opensOn}>
          <TextInput id="opensOn" type="date" autocomplete="off" hint error={Boolean(errors.opensOn)} value={values.opensOn} />
        </Field>
        <Field t={t} id="closesOn" label={labels.closesOn} error={errors.closesOn}>
          <TextInput id="closesOn" type="date" autocomplete="off" error={Boolean(errors.closesOn)} value={values.closesOn} />
        </Field>
        <button class="usa-button" type="submit">
          {t('discussions.openTopic')}
        </button>
      </form>
    </Layout>
  );
}

function TeacherPost({ ctx, post, errorFor, reasonError }: { ctx: PageContext; post: PostView; errorFor: number | null; reasonError: Messages[string] | undefined }) {
  const { t } = ctx;
  const id = `reason-${post.id}`;
  const error = errorFor === post.id ? reasonError : undefined;
  return (
    <li class="hr-post" id={`post-${post.id}`}>
      <p class="hr-post__meta">
        <strong>{post.author}</strong>
        {` · ${formatInstant(new Date(post.createdAt), ctx.locale, ctx.district.timeZone)}`}
        {post.hidden ? ` · ${t('discussions.hiddenMark')}` : ''}
      </p>
      <PlainText text={post.body ?? ''} />
      {post.hidden ? null : (
        <details open={error ? true : undefined}>
          <summary>{t('discussions.hide', { name: post.author })}</summary>
          <form method="post" action={`/staff/discussions/posts/${post.id}/hide`} class="usa-form">
            <Csrf token={ctx.csrf} />
            <Field t={t} id={id} label={t('discussions.hideReason')} hint={t('discussions.hideReasonHint')} error={error}>
              <TextInput id={id} autocomplete="off" hint error={Boolean(error)} maxLength={REASON_MAX} />
            </Field>
            <button class="usa-button usa-button--secondary" type="submit">
              {t('discussions.hideButton')}
            </button>
          </form>
        </details>
      )}
      {post.replies.length > 0 ? (
        <ul class="hr-posts" aria-label={t('discussions.repliesTo', { name: post.author })}>
          {post.replies.map((r) => (
            <TeacherPost key={r.id} ctx={ctx} post={r} errorFor={errorFor} reasonError={reasonError} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}

export function TeacherTopicPage({ ctx, topic, notice, errorFor = null, reasonError }: { ctx: PageContext; topic: TopicView; notice?: string | undefined; errorFor?: number | null; reasonError?: Messages[string] }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={topic.title}>
      <p>
        <a href={`/staff/classes/${topic.sectionId}/discussions`}>{t('discussions.backTeacher', { section: `${topic.course} · ${topic.sectionCode}` })}</a>
      </p>
      <h1>
        {topic.title}
        <span class="hr-subtitle">{`${topic.course} · ${topic.sectionCode}`}</span>
      </h1>
      <Alert type="success" text={notice} />
      {reasonError ? <Alert type="error" text={t('discussions.hideProblem')} /> : null}
      <p class="hr-post__meta">{topicState(ctx, topic)}</p>
      <PlainText text={topic.prompt} />
      <form method="post" action={`/staff/discussions/${topic.id}/lock`}>
        <Csrf token={ctx.csrf} />
        <input type="hidden" name="locked" value={topic.state === 'locked' ? '0' : '1'} />
        <button class="usa-button usa-button--outline" type="submit">
          {topic.state === 'locked' ? t('discussions.unlock') : t('discussions.lock')}
        </button>
      </form>
      <h2>{t('discussions.posts')}</h2>
      {topic.thread.length === 0 ? (
        <p>{t('discussions.noPosts')}</p>
      ) : (
        <ul class="hr-posts">
          {topic.thread.map((p) => (
            <TeacherPost key={p.id} ctx={ctx} post={p} errorFor={errorFor} reasonError={reasonError} />
          ))}
        </ul>
      )}
    </Layout>
  );
}
