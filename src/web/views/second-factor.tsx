/** The pages of the staff second factor (ADR 0037): the code step of signing in, and setting one up. */
import type { PageContext } from './context.js';
import { Alert, Csrf, ErrorSummary, Field, TextInput, type Messages } from './forms.js';
import { Layout } from './layout.js';

/** The code step: after the right password, before any session. */
export function CodeStepPage({ ctx, next, errors = {}, problem }: { ctx: PageContext; next?: string | undefined; errors?: Messages; problem?: string | undefined }) {
  const { t } = ctx;
  const labels = { code: t('twoFactor.signIn.code') };
  return (
    <Layout ctx={ctx} title={t('twoFactor.signIn.title')}>
      <div class="hr-narrow">
        <h1>{t('twoFactor.signIn.title')}</h1>
        <p>{t('twoFactor.signIn.intro')}</p>
        <Alert type="error" text={problem} />
        <ErrorSummary t={t} errors={errors} labels={labels} />
        <form class="usa-form" method="post" action="/sign-in/second-factor" novalidate>
          <Csrf token={ctx.csrf} />
          {next ? <input type="hidden" name="next" value={next} /> : null}
          <Field t={t} id="code" label={labels.code} hint={t('twoFactor.signIn.codeHint')} error={errors.code}>
            <TextInput id="code" autocomplete="one-time-code" error={Boolean(errors.code)} hint small maxLength={20} />
          </Field>
          <button class="usa-button hr-primary" type="submit">
            {t('twoFactor.signIn.submit')}
          </button>
        </form>
        <p>
          <a href="/sign-in">{t('twoFactor.signIn.startAgain')}</a>
        </p>
      </div>
    </Layout>
  );
}

/** The recovery codes, shown once: after the setup, after new ones were made. */
function RecoveryCodes({ ctx, codes }: { ctx: PageContext; codes: string[] }) {
  const { t } = ctx;
  return (
    <section aria-labelledby="recovery-heading">
      <h2 id="recovery-heading">{t('twoFactor.recovery.heading')}</h2>
      <p>{t('twoFactor.recovery.intro', { count: codes.length })}</p>
      <ol class="usa-list hr-recovery-codes">
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ol>
      <p>{t('twoFactor.recovery.onlyOnce')}</p>
      <a class="usa-button hr-primary" href="/home">
        {t('twoFactor.recovery.continue')}
      </a>
    </section>
  );
}

export interface SecondFactorPageProps {
  ctx: PageContext;
  /** the setup in progress: the QR code (an SVG of the otpauth address) and the secret to type */
  setup?: { qrSvg: string; secret: string } | null;
  enrolled: boolean;
  required: boolean;
  recoveryCodesLeft: number;
  /** just made: shown once */
  recoveryCodes?: string[];
  /** the district requires one and this person has none yet: sent here before anything else */
  forced?: boolean;
  errors?: Messages;
  notice?: string | undefined;
}

export function SecondFactorPage({ ctx, setup, enrolled, required, recoveryCodesLeft, recoveryCodes, forced, errors = {}, notice }: SecondFactorPageProps) {
  const { t } = ctx;
  const labels = { code: t('twoFactor.setup.code'), renewCode: t('twoFactor.manage.code'), removeCode: t('twoFactor.manage.removeCode') };
  return (
    <Layout ctx={ctx} title={t('twoFactor.title')}>
      <div class="hr-narrow">
        <h1>{t('twoFactor.title')}</h1>
        <Alert type="success" text={notice} />
        <ErrorSummary t={t} errors={errors} labels={labels} />
        {recoveryCodes ? (
          <RecoveryCodes ctx={ctx} codes={recoveryCodes} />
        ) : enrolled ? (
          <>
            <p>{t('twoFactor.manage.on')}</p>
            <p>{t('twoFactor.manage.codesLeft', { count: recoveryCodesLeft })}</p>
            <h2>{t('twoFactor.manage.renewHeading')}</h2>
            <form class="usa-form" method="post" action="/account/second-factor/recovery-codes" novalidate>
              <Csrf token={ctx.csrf} />
              <Field t={t} id="renewCode" label={labels.renewCode} hint={t('twoFactor.manage.codeHint')} error={errors.renewCode}>
                <TextInput id="renewCode" autocomplete="one-time-code" inputmode="numeric" error={Boolean(errors.renewCode)} hint small maxLength={20} />
              </Field>
              <button class="usa-button usa-button--outline" type="submit">
                {t('twoFactor.manage.renew')}
              </button>
            </form>
            <h2>{t(required ? 'twoFactor.manage.replaceHeading' : 'twoFactor.manage.removeHeading')}</h2>
            <form class="usa-form" method="post" action="/account/second-factor/remove" novalidate>
              <Csrf token={ctx.csrf} />
              <Field t={t} id="removeCode" label={labels.removeCode} hint={t(required ? 'twoFactor.manage.replaceHint' : 'twoFactor.manage.removeHint')} error={errors.removeCode}>
                <TextInput id="removeCode" autocomplete="one-time-code" error={Boolean(errors.removeCode)} hint small maxLength={20} />
              </Field>
              <button class="usa-button usa-button--secondary" type="submit">
                {t(required ? 'twoFactor.manage.replace' : 'twoFactor.manage.remove')}
              </button>
            </form>
          </>
        ) : setup ? (
          <>
            <p>{forced ? t('twoFactor.setup.forced') : t('twoFactor.setup.intro')}</p>
            <ol class="usa-process-list">
              <li class="usa-process-list__item">
                <h2 class="usa-process-list__heading">{t('twoFactor.setup.step1')}</h2>
                <p>{t('twoFactor.setup.step1.body')}</p>
              </li>
              <li class="usa-process-list__item">
                <h2 class="usa-process-list__heading">{t('twoFactor.setup.step2')}</h2>
                <figure class="hr-qr" role="img" aria-label={t('twoFactor.setup.qrLabel')} dangerouslySetInnerHTML={{ __html: setup.qrSvg }} />
                <p>{t('twoFactor.setup.manual')}</p>
                <p>
                  <code class="hr-secret" id="secret">
                    {setup.secret}
                  </code>
                </p>
              </li>
              <li class="usa-process-list__item">
                <h2 class="usa-process-list__heading">{t('twoFactor.setup.step3')}</h2>
                <form class="usa-form" method="post" action="/account/second-factor" novalidate>
                  <Csrf token={ctx.csrf} />
                  <Field t={t} id="code" label={labels.code} hint={t('twoFactor.setup.codeHint')} error={errors.code}>
                    <TextInput id="code" autocomplete="one-time-code" inputmode="numeric" error={Boolean(errors.code)} hint small maxLength={20} />
                  </Field>
                  <button class="usa-button hr-primary" type="submit">
                    {t('twoFactor.setup.submit')}
                  </button>
                </form>
              </li>
            </ol>
          </>
        ) : (
          <p>{t('twoFactor.staffOnly')}</p>
        )}
      </div>
    </Layout>
  );
}
