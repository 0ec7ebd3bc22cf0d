/** Account Settings: the private calendar feed's page (make, replace or turn off the address). */
import type { VisibleStudent } from '../../domain/people/visibility.js';
import type { PageContext } from './context.js';
import { Alert, Csrf } from './forms.js';
import { formatList } from '../../i18n/format.js';
import { Layout } from './layout.js';

export function CalendarFeedPage({
  ctx,
  students,
  status,
  madeUrl,
  notice,
}: {
  ctx: PageContext;
  students: VisibleStudent[];
  status: { createdAt: string; lastUsedAt: string | null } | null;
  /** the feed's address, only in the answer that made it */
  madeUrl?: string;
  notice?: string;
}) {
  const { t, locale } = ctx;
  const names = formatList(students.map((s) => s.firstName), locale);
  return (
    <Layout ctx={ctx} title={t('feed.title')}>
      <Alert type="success" text={notice} />
      <p>
        <a href="/account">{t('nav.account')}</a>
      </p>
      <h1>{t('feed.title')}</h1>
      <p>{students.length > 0 ? t('feed.intro', { names }) : t('feed.introNone')}</p>
      <p>
        <strong>{t('feed.private')}</strong>
      </p>
      {madeUrl ? (
        <>
          <Alert type="success" text={t('feed.made')} />
          <label class="usa-label" for="feed-url">
            {t('feed.address')}
          </label>
          <input class="usa-input hr-feed-url" id="feed-url" type="text" readOnly value={madeUrl} autocomplete="off" spellcheck={false} />
          <p>
            <a href={madeUrl.replace(/^https?:/, 'webcal:')}>{t('feed.open')}</a>
          </p>
        </>
      ) : null}
      <p>{status ? t('feed.statusOn', { created: status.createdAt, used: status.lastUsedAt ?? t('feed.neverUsed') }) : t('feed.statusOff')}</p>
      <form method="post" action="/account/calendar">
        <Csrf token={ctx.csrf} />
        <input type="hidden" name="action" value="make" />
        <button class="usa-button" type="submit" aria-describedby={status ? 'replace-hint' : undefined}>
          {status ? t('feed.replace') : t('feed.create')}
        </button>
        {status ? (
          <p class="usa-hint" id="replace-hint">
            {t('feed.replaceHint')}
          </p>
        ) : null}
      </form>
      {status ? (
        <form method="post" action="/account/calendar">
          <Csrf token={ctx.csrf} />
          <input type="hidden" name="action" value="off" />
          <button class="usa-button usa-button--secondary" type="submit">
            {t('feed.turnOff')}
          </button>
        </form>
      ) : null}
      <h2>{t('feed.how')}</h2>
      <ul class="usa-list">
        <li>{t('feed.howGoogle')}</li>
        <li>{t('feed.howApple')}</li>
        <li>{t('feed.howOutlook')}</li>
      </ul>
    </Layout>
  );
}
