/** Discussions for families: a student's topics, one topic with its posts, and (for the student) the forms to post and reply. */
import type { PostView, TopicState, TopicSummary, TopicView } from '../../../domain/discussions/service.js';
import { POST_MAX } from '../../../domain/discussions/service.js';
import { toolUrl } from '../../../domain/portal/tools.js';
import type { VisibleStudent } from '../../../domain/people/visibility.js';
import type { MessageKey } from '../../../i18n/index.js';
import type { PageContext } from '../context.js';
import { formatDay } from '../format.js';
import { Alert, Csrf, ErrorSummary, Field, describedBy, type Messages } from '../forms.js';
import { PlainText } from '../plain-text.js';
import { PortalLayout } from './layout.js';
import { formatInstant } from '../../../email/templates.js';

const STATE: Record<TopicState, MessageKey> = {
  upcoming: 'discussions.state.upcoming',
  open: 'discussions.state.open',
  closed: 'discussions.state.closed',
  locked: 'discussions.state.locked',
};

export function topicState(ctx: PageContext, topic: TopicSummary): string {
  const { t, locale } = ctx;
  if (topic.state === 'upcoming') return t(STATE.upcoming, { day: formatDay(topic.opensOn, locale, true) });
  if (topic.state === 'open') return t(STATE.open, { day: formatDay(topic.closesOn, locale, true) });
  return t(STATE[topic.state]);
}

export function DiscussionsPage({ ctx, student, topics, guardian }: { ctx: PageContext; student: VisibleStudent; topics: TopicSummary[]; guardian: boolean }) {
  const { t } = ctx;
  return (
    <PortalLayout ctx={ctx} student={student} tool="discussions" title={t('discussions.title')}>
      <p>{guardian ? t('discussions.guardianIntro', { name: student.firstName }) : t('discussions.intro')}</p>
      {topics.length === 0 ? (
        <p>{t('discussions.none')}</p>
      ) : (
        <ul class="usa-list usa-list--unstyled">
          {topics.map((topic) => (
            <li key={topic.id} class="margin-bottom-2">
              <a href={toolUrl(student.id, 'discussions', topic.id)}>{topic.title}</a>
              <p class="hr-post__meta">{`${topic.course} · ${topicState(ctx, topic)} · ${t('discussions.postCount', { count: topic.posts })}`}</p>
            </li>
          ))}
        </ul>
      )}
    </PortalLayout>
  );
}

export interface PostFormState {
  /** the post the form replies to; null for a new post */
  parentId: number | null;
  body: string;
  errors: Messages;
}

function PostForm({ ctx, action, parent, state }: { ctx: PageContext; action: string; parent: PostView | null; state: PostFormState | undefined }) {
  const { t } = ctx;
  const id = parent ? `reply-${parent.id}` : 'body';
  const mine = state && state.parentId === (parent?.id ?? null) ? state : undefined;
  const error = mine?.errors.body;
  const label = parent ? t('discussions.replyTo', { name: parent.author }) : t('discussions.yourPost');
  return (
    <form method="post" action={action} class="usa-form maxw-full">
      <Csrf token={ctx.csrf} />
      {parent ? <input type="hidden" name="parent" value={String(parent.id)} /> : null}
      {mine && !parent ? <ErrorSummary t={t} errors={mine.errors} labels={{ body: label }} /> : null}
      <Field t={t} id={id} label={label} hint={t('discussions.postHint', { max: POST_MAX })} error={error}>
        <textarea class={`usa-textarea${error ? ' usa-input--error' : ''}`} id={id} name="body" rows={parent ? 3 : 5} maxLength={POST_MAX} required aria-describedby={describedBy(id, true, Boolean(error))} aria-invalid={error ? 'true' : undefined}>
          {mine?.body ?? ''}
        </textarea>
      </Field>
      <button class="usa-button" type="submit">
        {parent ? t('discussions.sendReply') : t('discussions.send')}
      </button>
    </form>
  );
}

function Post({ ctx, post, action, canReply, state }: { ctx: PageContext; post: PostView; action: string | null; canReply: boolean; state: PostFormState | undefined }) {
  const { t } = ctx;
  return (
    <li class="hr-post" id={`post-${post.id}`}>
      <p class="hr-post__meta">
        <strong>{post.author}</strong>
        {post.mine ? ` (${t('discussions.you')})` : ''}
        {` · ${formatInstant(new Date(post.createdAt), ctx.locale, ctx.district.timeZone)}`}
      </p>
      {post.hidden ? <p>{t('discussions.hiddenByTeacher')}</p> : <PlainText text={post.body ?? ''} />}
      {post.replies.length > 0 ? (
        <ul class="hr-posts" aria-label={t('discussions.repliesTo', { name: post.author })}>
          {post.replies.map((r) => (
            <Post key={r.id} ctx={ctx} post={r} action={null} canReply={false} state={undefined} />
          ))}
        </ul>
      ) : null}
      {canReply && action && !post.hidden ? (
        <details open={state?.parentId === post.id ? true : undefined}>
          <summary>{t('discussions.reply')}</summary>
          <PostForm ctx={ctx} action={action} parent={post} state={state} />
        </details>
      ) : null}
    </li>
  );
}

export function TopicPage({
  ctx,
  student,
  topic,
  state,
  notice,
  problem,
}: {
  ctx: PageContext;
  student: VisibleStudent;
  topic: TopicView;
  state?: PostFormState;
  notice?: string | undefined;
  problem?: string | undefined;
}) {
  const { t } = ctx;
  const action = toolUrl(student.id, 'discussions', topic.id);
  return (
    <PortalLayout ctx={ctx} student={student} tool="discussions" title={topic.title}>
      <p>
        <a href={toolUrl(student.id, 'discussions')}>{t('discussions.back')}</a>
      </p>
      <Alert type="success" text={notice} />
      <Alert type="error" text={problem} />
      <p class="hr-post__meta">{`${topic.course} · ${topicState(ctx, topic)}`}</p>
      <PlainText text={topic.prompt} />
      <h2>{t('discussions.posts')}</h2>
      {topic.thread.length === 0 ? (
        <p>{t('discussions.noPosts')}</p>
      ) : (
        <ul class="hr-posts">
          {topic.thread.map((p) => (
            <Post key={p.id} ctx={ctx} post={p} action={action} canReply={topic.canPost} state={state} />
          ))}
        </ul>
      )}
      {topic.canPost ? (
        <>
          <h2>{t('discussions.newPost')}</h2>
          <PostForm ctx={ctx} action={action} parent={null} state={state} />
        </>
      ) : (
        <p>{topic.state === 'open' ? t('discussions.readOnlyGuardian') : t('discussions.readOnly')}</p>
      )}
    </PortalLayout>
  );
}
