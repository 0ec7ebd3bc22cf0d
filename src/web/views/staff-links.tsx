/** Office staff: link a parent account to a student, or remove the access. */
import { RELATIONSHIPS } from '../../domain/people/guardian-links.js';
import type { PageContext } from './context.js';
import { Alert, Csrf, ErrorSummary, Field, TextInput, type Messages } from './forms.js';
import { Layout } from './layout.js';


export function GuardianLinksPage({
  ctx,
  notice,
  errors = {},
  action,
  values = {},
}: {
  ctx: PageContext;
  notice?: string;
  errors?: Messages;
  /** which form the errors belong to */
  action?: 'link' | 'unlink';
  values?: { username?: string; studentNumber?: string };
}) {
  const { t } = ctx;
  const labels = { username: t('links.username'), studentNumber: t('links.studentNumber') };
  const form = (kind: 'link' | 'unlink') => {
    const own = action === kind ? errors : {};
    const id = (name: string) => `${kind}-${name}`;
    return (
      <form class="usa-form" method="post" action="/staff/guardian-links" novalidate aria-labelledby={`${kind}-heading`}>
        <Csrf token={ctx.csrf} />
        <input type="hidden" name="action" value={kind} />
        <Field t={t} id={id('username')} label={labels.username} error={own.username}>
          <TextInput id={id('username')} autocomplete="off" error={Boolean(own.username)} value={action === kind ? values.username : undefined} />
        </Field>
        <Field t={t} id={id('studentNumber')} label={labels.studentNumber} error={own.studentNumber}>
          <TextInput id={id('studentNumber')} autocomplete="off" error={Boolean(own.studentNumber)} value={action === kind ? values.studentNumber : undefined} />
        </Field>
        {kind === 'link' ? (
          <>
            <label class="usa-label" for="link-relationship">
              {t('links.relationship')}
            </label>
            <select class="usa-select" id="link-relationship" name="relationship">
              {RELATIONSHIPS.map((r) => (
                <option key={r} value={r} selected={r === 'guardian'}>
                  {t(`links.rel.${r}`)}
                </option>
              ))}
            </select>
          </>
        ) : null}
        <button class={`usa-button${kind === 'link' ? ' hr-primary' : ' usa-button--secondary'}`} type="submit">
          {kind === 'link' ? t('links.link') : t('links.unlink')}
        </button>
      </form>
    );
  };
  // Field names in the forms are prefixed ("link-username"); the summary links to them.
  const summaryErrors = Object.fromEntries(Object.entries(errors).map(([k, v]) => [`${action}-${k}`, v]));
  const summaryLabels = Object.fromEntries(Object.entries(labels).map(([k, v]) => [`${action}-${k}`, v]));
  return (
    <Layout ctx={ctx} title={t('links.title')}>
      <div class="hr-narrow">
        <h1>{t('links.title')}</h1>
        <p>{t('links.intro')}</p>
        <Alert type="success" text={notice} />
        <ErrorSummary t={t} errors={summaryErrors} labels={summaryLabels} />
        <h2 id="link-heading">{t('links.linkHeading')}</h2>
        {form('link')}
        <h2 id="unlink-heading">{t('links.unlinkHeading')}</h2>
        {form('unlink')}
      </div>
    </Layout>
  );
}
