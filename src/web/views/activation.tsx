/** The Activation Key pages (public) and the staff page that issues keys. */
import type { PageContext } from './context.js';
import { Alert, Csrf, describedBy, ErrorSummary, Field, NewPasswordFields, TextInput, type Messages } from './forms.js';
import { Layout } from './layout.js';

export function ActivateKeyPage({ ctx, errors = {}, problem, key }: { ctx: PageContext; errors?: Messages; problem?: string; key?: string }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('activate.title')}>
      <div class="hr-narrow">
        <h1>{t('activate.title')}</h1>
        <p>{t('activate.intro')}</p>
        <Alert type="error" text={problem} />
        <ErrorSummary t={t} errors={errors} labels={{ key: t('activate.key') }} />
        <form class="usa-form" method="post" action="/activate" novalidate>
          <Csrf token={ctx.csrf} />
          <Field t={t} id="key" label={t('activate.key')} hint={t('activate.keyHint')} error={errors.key}>
            <TextInput id="key" type="text" autocomplete="off" error={Boolean(errors.key)} hint value={key} />
          </Field>
          <button class="usa-button hr-primary" type="submit">
            {t('recover.next')}
          </button>
        </form>
        <p>
          <a href="/sign-in">{t('soon.back')}</a>
        </p>
      </div>
    </Layout>
  );
}

export function CreateAccountPage({
  ctx,
  keyValue,
  name,
  fixedUsername,
  minLength,
  errors = {},
  username,
  email,
  reset = false,
}: {
  ctx: PageContext;
  keyValue: string;
  name: string;
  fixedUsername: string | null;
  minLength: number;
  errors?: Messages;
  username?: string;
  email?: string;
  /** the key is for an account that exists: a new password for it */
  reset?: boolean;
}) {
  const { t } = ctx;
  const labels = { username: t('activate.username'), password: t('password.new'), confirm: t('password.confirm'), email: t('securityEmail.title') };
  const title = reset ? t('activate.resetTitle') : t('activate.createTitle');
  return (
    <Layout ctx={ctx} title={title}>
      <div class="hr-narrow">
        <h1>{title}</h1>
        <p>{t('activate.createIntro', { name })}</p>
        <ErrorSummary t={t} errors={errors} labels={labels} />
        <form class="usa-form" method="post" action="/activate/account" novalidate>
          <Csrf token={ctx.csrf} />
          <input type="hidden" name="key" value={keyValue} />
          {fixedUsername ? (
            <>
              <p>{t(reset ? 'activate.resetUsername' : 'activate.studentUsername', { username: fixedUsername })}</p>
              <input type="text" name="username" autocomplete="username" value={fixedUsername} hidden />
            </>
          ) : (
            <Field t={t} id="username" label={labels.username} hint={t('activate.usernameHint')} error={errors.username}>
              <TextInput id="username" type="text" autocomplete="username" error={Boolean(errors.username)} hint value={username} />
            </Field>
          )}
          <NewPasswordFields t={t} minLength={minLength} errors={errors} />
          <Field t={t} id="email" label={labels.email} hint={t('activate.emailHint')} error={errors.email}>
            <TextInput id="email" type="email" autocomplete="email" error={Boolean(errors.email)} hint value={email} />
          </Field>
          <button class="usa-button hr-primary" type="submit">
            {reset ? t('password.submit') : t('activate.submit')}
          </button>
        </form>
      </div>
    </Layout>
  );
}

export function StaffKeysPage({
  ctx,
  errors = {},
  problem,
  numbers,
  values,
  check,
}: {
  ctx: PageContext;
  errors?: Messages;
  problem?: string;
  numbers?: string;
  /** the choices as sent, kept when the page comes back */
  values?: { include: string; format: string };
  /** nothing made yet: why some numbers or people would be skipped, and how many keys the rest make */
  check?: { reasons: string[]; recipients: number };
}) {
  const { t } = ctx;
  const radio = (name: string, value: string, label: string, checked: boolean) => (
    <div class="usa-radio">
      <input class="usa-radio__input" id={`${name}-${value}`} type="radio" name={name} value={value} checked={checked} />
      <label class="usa-radio__label" for={`${name}-${value}`}>
        {label}
      </label>
    </div>
  );
  return (
    <Layout ctx={ctx} title={t('staffKeys.title')}>
      <div class="hr-narrow">
        <h1>{t('staffKeys.title')}</h1>
        <p>{t('staffKeys.intro')}</p>
        <Alert type="error" text={problem} />
        {check ? (
          <div class="usa-alert usa-alert--warning" role="status">
            <div class="usa-alert__body">
              <h2 class="usa-alert__heading">{t('staffKeys.checkHeading')}</h2>
              <p class="usa-alert__text">{t('staffKeys.checkIntro', { count: check.reasons.length })}</p>
              <ul class="usa-list">
                {check.reasons.map((r, i) => (
                  <li key={i}>{r}</li>
                ))}
              </ul>
              <form method="post" action="/staff/activation-keys">
                <Csrf token={ctx.csrf} />
                <input type="hidden" name="numbers" value={numbers ?? ''} />
                <input type="hidden" name="include" value={values?.include ?? 'students'} />
                <input type="hidden" name="format" value={values?.format ?? 'pdf'} />
                <input type="hidden" name="confirm" value="1" />
                <button class="usa-button" type="submit">
                  {t('staffKeys.confirm', { count: check.recipients })}
                </button>
              </form>
              <p class="usa-alert__text">{t('staffKeys.orChange')}</p>
            </div>
          </div>
        ) : null}
        <ErrorSummary t={t} errors={errors} labels={{ numbers: t('staffKeys.numbers') }} />
        <form class="usa-form" method="post" action="/staff/activation-keys" novalidate>
          <Csrf token={ctx.csrf} />
          <Field t={t} id="numbers" label={t('staffKeys.numbers')} hint={t('staffKeys.numbersHint')} error={errors.numbers}>
            <textarea
              class={`usa-textarea${errors.numbers ? ' usa-input--error' : ''}`}
              id="numbers"
              name="numbers"
              rows={4}
              aria-describedby={describedBy('numbers', true, Boolean(errors.numbers))}
              aria-invalid={errors.numbers ? 'true' : undefined}
            >
              {numbers ?? ''}
            </textarea>
          </Field>
          <fieldset class="usa-fieldset">
            <legend class="usa-legend">{t('staffKeys.for')}</legend>
            {radio('include', 'students', t('staffKeys.forStudents'), (values?.include ?? 'students') === 'students')}
            {radio('include', 'guardians', t('staffKeys.forGuardians'), values?.include === 'guardians')}
            {radio('include', 'both', t('staffKeys.forBoth'), values?.include === 'both')}
          </fieldset>
          <fieldset class="usa-fieldset">
            <legend class="usa-legend">{t('staffKeys.format')}</legend>
            {radio('format', 'pdf', t('staffKeys.formatPdf'), (values?.format ?? 'pdf') === 'pdf')}
            {radio('format', 'csv', t('staffKeys.formatCsv'), values?.format === 'csv')}
          </fieldset>
          <button class="usa-button hr-primary" type="submit">
            {t('staffKeys.submit')}
          </button>
        </form>
      </div>
    </Layout>
  );
}
