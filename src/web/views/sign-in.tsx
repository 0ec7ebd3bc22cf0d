import type { Announcement } from '../../domain/district/service.js';
import type { PageContext } from './context.js';
import { Alert, Csrf, ErrorSummary, Field, TextInput, type Messages } from './forms.js';
import { Layout } from './layout.js';

export interface SignInProps {
  ctx: PageContext;
  announcements: Announcement[];
  /** an info message shown above the form */
  notice?: string;
  /** a problem with the whole sign-in (wrong password, throttled) */
  problem?: string;
  errors?: Messages;
  username?: string;
  remember?: boolean;
  next?: string;
  /** offer an emailed sign-in code (the username is slowed down or locked) */
  offerCode?: boolean;
  /** this browser asked for a code: the form has a field for it */
  askCode?: boolean;
}

export function SignInPage({ ctx, announcements, notice, problem, errors = {}, username, remember, next, offerCode, askCode }: SignInProps) {
  const { t, district } = ctx;
  const labels = { username: t('signIn.username'), password: t('signIn.password'), code: t('signIn.code') };
  const portal = district.portalName;
  const demo = ctx.demoMode ? district.settings.demo : undefined;
  return (
    <Layout ctx={ctx} title={t('signIn.title')}>
      <div class="grid-row grid-gap-lg">
        <div class="tablet:grid-col-6">
          <h1>{t('signIn.heading', { portal })}</h1>
          <p class="hr-subtitle">{district.name}</p>
          <Alert type="info" text={notice} />
          <Alert type="error" text={problem} />
          <ErrorSummary t={t} errors={errors} labels={labels} />
          {offerCode && username ? (
            <form class="usa-form hr-code-offer" method="post" action="/sign-in/code">
              <Csrf token={ctx.csrf} />
              <input type="hidden" name="username" value={username} />
              {next ? <input type="hidden" name="next" value={next} /> : null}
              <p>{t('signIn.codeOffer')}</p>
              <button class="usa-button usa-button--outline" type="submit">
                {t('signIn.codeAsk')}
              </button>
            </form>
          ) : null}
          <form class="usa-form hr-signin" method="post" action="/sign-in" novalidate>
            <Csrf token={ctx.csrf} />
            {next ? <input type="hidden" name="next" value={next} /> : null}
            <Field t={t} id="username" label={labels.username} hint={t('signIn.studentHint')} error={errors.username}>
              <TextInput id="username" autocomplete="username" error={Boolean(errors.username)} hint value={username ?? ''} />
            </Field>
            <Field t={t} id="password" label={labels.password} error={errors.password}>
              <TextInput id="password" type="password" autocomplete="current-password" error={Boolean(errors.password)} />
            </Field>
            {askCode || errors.code ? (
              <Field t={t} id="code" label={labels.code} hint={t('signIn.codeHint')} error={errors.code}>
                <TextInput id="code" autocomplete="one-time-code" inputmode="numeric" error={Boolean(errors.code)} hint />
              </Field>
            ) : null}
            <div class="usa-checkbox hr-remember">
              <input class="usa-checkbox__input" id="remember" name="remember" type="checkbox" checked={remember} aria-describedby="remember-hint" />
              <label class="usa-checkbox__label" for="remember">
                {t('signIn.remember')}
              </label>
              <div class="usa-hint" id="remember-hint">
                {t('signIn.rememberHint')}
              </div>
            </div>
            <button class="usa-button hr-primary" type="submit">
              {t('signIn.submit')}
            </button>
          </form>
          <nav class="hr-help-links" aria-label={t('signIn.helpLinks')}>
            <p>
              <a href="/forgot-password">{t('signIn.forgotPassword')}</a> |{' '}
              <a href="/forgot-username">{t('signIn.forgotUsername')}</a> |{' '}
              <a href="/help/sign-in">{t('signIn.problems')}</a>
            </p>
          </nav>
          <p>
            {t('signIn.activation.have', { portal })}{' '}
            <a href="/activate">
              {t('signIn.activation.clickHere')}
              <span class="usa-sr-only"> ({t('signIn.activation.haveLink')})</span>
            </a>
            <br />
            {t('signIn.activation.haveNot')}{' '}
            <a href="/request-account">
              {t('signIn.activation.clickHere')}
              <span class="usa-sr-only"> ({t('signIn.activation.haveNotLink')})</span>
            </a>
          </p>
          <p>
            <a href="/help/parents#getting-started">
              {t('resources.tellMeMore')}
              <span class="usa-sr-only"> ({t('resources.tellMeMoreAbout')})</span>
            </a>
          </p>
        </div>
        <div class="tablet:grid-col-6">
          <section aria-labelledby="announcements-heading">
            <h2 id="announcements-heading">{t('signIn.announcements')}</h2>
            {announcements.length === 0 ? <p>{t('signIn.noAnnouncements')}</p> : null}
            {announcements.map((a) => (
              <article key={a.id} class="hr-panel" lang={a.locale === ctx.locale ? undefined : a.locale}>
                <h3>{a.title}</h3>
                <p>{a.body}</p>
              </article>
            ))}
          </section>
          {district.settings.resources.length > 0 ? (
            <section aria-labelledby="resources-heading">
              <h2 id="resources-heading">{t('signIn.resources')}</h2>
              <p>{t('signIn.resourcesIntro')}</p>
              <ul class="usa-list">
                {district.settings.resources.map((r) => (
                  <li key={r.url}>
                    <a href={r.url}>{r.label[ctx.locale]}</a>
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
        </div>
      </div>
      {demo && demo.accounts.length > 0 ? (
        <section class="hr-demo" aria-labelledby="demo-heading">
          <h2 id="demo-heading">{t('demo.heading')}</h2>
          <p>{t('demo.intro')}</p>
          <div class="usa-table-container--scrollable" tabindex={0} aria-labelledby="demo-heading">
            <table class="usa-table usa-table--striped usa-table--stacked">
              <thead>
                <tr>
                  <th scope="col">{t('demo.role')}</th>
                  <th scope="col">{t('demo.name')}</th>
                  <th scope="col">{t('demo.username')}</th>
                  <th scope="col">{t('demo.password')}</th>
                  <th scope="col">{t('demo.sees')}</th>
                </tr>
              </thead>
              <tbody>
                {demo.accounts.map((a) => (
                  <tr key={a.username}>
                    <th scope="row" data-label={t('demo.role')}>
                      {t(`role.${a.role}`)}
                    </th>
                    <td data-label={t('demo.name')}>
                      {a.name}
                      {a.locale === 'es' ? ` (${t('demo.spanish')})` : ''}
                    </td>
                    <td data-label={t('demo.username')}>
                      <code>{a.username}</code>
                    </td>
                    <td data-label={t('demo.password')}>
                      <code>{a.password}</code>
                    </td>
                    <td data-label={t('demo.sees')}>{a.detail}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p class="usa-hint">{t('demo.studentNote')}</p>
        </section>
      ) : null}
    </Layout>
  );
}
