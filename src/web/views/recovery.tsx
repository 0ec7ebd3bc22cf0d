/** Self-serve recovery, the security email, the sign-in help page and the demo mailbox. */
import type { ComponentChildren } from 'preact';
import type { PageContext } from './context.js';
import { Alert, Csrf, ErrorSummary, Field, NewPasswordFields, Pager, TextInput, type Messages } from './forms.js';
import { Layout } from './layout.js';

function Page({ ctx, title, children }: { ctx: PageContext; title: string; children: ComponentChildren }) {
  return (
    <Layout ctx={ctx} title={title}>
      <div class="hr-narrow">
        <h1>{title}</h1>
        {children}
      </div>
    </Layout>
  );
}

/** One field, one button, and the same answer afterwards whatever was typed. */
function RecoveryFormPage({
  ctx,
  title,
  intro,
  action,
  sentText,
  sent,
  errors = {},
  problem,
  field,
}: {
  ctx: PageContext;
  title: string;
  intro: string;
  action: string;
  sentText: string;
  sent?: boolean;
  errors?: Messages;
  problem?: string;
  field: { id: string; label: string; hint?: string; type: string; autocomplete: string; value?: string };
}) {
  const { t } = ctx;
  return (
    <Page ctx={ctx} title={title}>
      {sent ? (
        <>
          <Alert type="success" text={sentText} />
          <p>{t('recover.noEmailHelp')}</p>
          <p>
            <a href="/help/sign-in">{t('signIn.problems')}</a>
          </p>
        </>
      ) : (
        <>
          <p>{intro}</p>
          <Alert type="error" text={problem} />
          <ErrorSummary t={t} errors={errors} labels={{ [field.id]: field.label }} />
          <form class="usa-form" method="post" action={action} novalidate>
            <Csrf token={ctx.csrf} />
            <Field t={t} id={field.id} label={field.label} hint={field.hint} error={errors[field.id]}>
              <TextInput
                id={field.id}
                type={field.type}
                autocomplete={field.autocomplete}
                error={Boolean(errors[field.id])}
                hint={Boolean(field.hint)}
                value={field.value}
              />
            </Field>
            <button class="usa-button hr-primary" type="submit">
              {t('recover.next')}
            </button>
          </form>
        </>
      )}
      <p>
        <a href="/sign-in">{t('soon.back')}</a>
      </p>
    </Page>
  );
}

type RecoveryProps = { ctx: PageContext; sent?: boolean; errors?: Messages; problem?: string };

export function ForgotPasswordPage({ username, ...props }: RecoveryProps & { username?: string }) {
  const { t } = props.ctx;
  return (
    <RecoveryFormPage
      {...props}
      title={t('recover.passwordTitle')}
      intro={t('recover.passwordIntro')}
      action="/forgot-password"
      sentText={t('recover.passwordSent')}
      field={{ id: 'username', label: t('signIn.username'), hint: t('signIn.studentHint'), type: 'text', autocomplete: 'username', value: username }}
    />
  );
}

export function ForgotUsernamePage({ email, ...props }: RecoveryProps & { email?: string }) {
  const { t } = props.ctx;
  return (
    <RecoveryFormPage
      {...props}
      title={t('recover.usernameTitle')}
      intro={t('recover.usernameIntro')}
      action="/forgot-username"
      sentText={t('recover.usernameSent')}
      field={{ id: 'email', label: t('email.label'), type: 'email', autocomplete: 'email', value: email }}
    />
  );
}

export function InvalidLinkPage({ ctx, retryHref }: { ctx: PageContext; retryHref: string }) {
  const { t } = ctx;
  return (
    <Page ctx={ctx} title={t('token.invalidTitle')}>
      <p>{t('token.invalidBody')}</p>
      <p>
        <a href={retryHref}>{t('recover.next')}</a>
      </p>
    </Page>
  );
}

/** A page reached by a single-use link: choose a password for the account it names. */
function ChoosePasswordPage({
  ctx,
  title,
  intro,
  action,
  token,
  username,
  minLength,
  errors = {},
}: {
  ctx: PageContext;
  title: string;
  intro: string;
  action: string;
  token: string;
  username: string;
  minLength: number;
  errors?: Messages;
}) {
  const { t } = ctx;
  return (
    <Page ctx={ctx} title={title}>
      <p>{intro}</p>
      <ErrorSummary t={t} errors={errors} labels={{ password: t('password.new'), confirm: t('password.confirm') }} />
      <form class="usa-form" method="post" action={action} novalidate>
        <Csrf token={ctx.csrf} />
        <input type="hidden" name="token" value={token} />
        <input type="text" name="username" autocomplete="username" value={username} hidden />
        <NewPasswordFields t={t} minLength={minLength} errors={errors} />
        <button class="usa-button hr-primary" type="submit">
          {t('password.submit')}
        </button>
      </form>
    </Page>
  );
}

type LinkPageProps = { ctx: PageContext; token: string; username: string; minLength: number; errors?: Messages };

export function ResetPasswordPage(props: LinkPageProps) {
  const { t } = props.ctx;
  return <ChoosePasswordPage {...props} title={t('recover.resetTitle')} intro={t('recover.resetIntro', { username: props.username })} action="/reset-password" />;
}

export function SecurityEmailPage({
  ctx,
  setup,
  askPassword,
  current,
  pending,
  sentTo,
  errors = {},
  email,
}: {
  ctx: PageContext;
  /** the first-sign-in setup: a skip button */
  setup: boolean;
  /** the password field (not in the setup shortly after signing in: setupWithoutPassword) */
  askPassword: boolean;
  current: string | null;
  pending: string | null;
  sentTo?: string;
  errors?: Messages;
  email?: string;
}) {
  const { t } = ctx;
  const labels = { email: t('email.label'), password: t('securityEmail.passwordLabel') };
  return (
    <Page ctx={ctx} title={setup ? t('securityEmail.setupTitle') : t('securityEmail.title')}>
      <Alert type="success" text={sentTo ? t('securityEmail.sent', { email: sentTo }) : undefined} />
      {current ? <p>{`${t('securityEmail.title')}: ${current}`}</p> : null}
      {pending && !sentTo ? <p>{t('securityEmail.pending', { email: pending })}</p> : null}
      <p>{setup ? t('securityEmail.setupIntro') : t('securityEmail.intro')}</p>
      <ErrorSummary t={t} errors={errors} labels={labels} />
      <form class="usa-form" method="post" action={setup ? '/account/security-setup' : '/account/security-email'} novalidate>
        <Csrf token={ctx.csrf} />
        <Field t={t} id="email" label={labels.email} error={errors.email}>
          <TextInput id="email" type="email" autocomplete="email" error={Boolean(errors.email)} value={email} />
        </Field>
        {askPassword ? (
          <Field t={t} id="password" label={labels.password} hint={t('securityEmail.passwordHint')} error={errors.password}>
            <TextInput id="password" type="password" autocomplete="current-password" error={Boolean(errors.password)} hint />
          </Field>
        ) : null}
        <button class="usa-button hr-primary" type="submit">
          {t('securityEmail.submit')}
        </button>
      </form>
      {setup ? (
        <form class="usa-form" method="post" action="/account/security-setup/skip">
          <Csrf token={ctx.csrf} />
          <div class="usa-alert usa-alert--warning usa-alert--slim">
            <div class="usa-alert__body">
              <p class="usa-alert__text">{t('securityEmail.skipWarning')}</p>
            </div>
          </div>
          <button class="usa-button usa-button--outline" type="submit">
            {t('securityEmail.skip')}
          </button>
        </form>
      ) : (
        <p>
          <a href="/account">{t('nav.account')}</a>
        </p>
      )}
    </Page>
  );
}

export function ConfirmEmailPage({ ctx, token, email, username, done }: { ctx: PageContext; token: string; email: string; username: string; done?: boolean }) {
  const { t } = ctx;
  return (
    <Page ctx={ctx} title={t('securityEmail.confirmTitle')}>
      {done ? (
        <>
          <Alert type="success" text={t('securityEmail.confirmed', { email })} />
          <p>
            <a href={ctx.account ? '/account' : '/sign-in'}>{ctx.account ? t('nav.account') : t('soon.back')}</a>
          </p>
        </>
      ) : (
        <>
          <p>{t('securityEmail.confirmBody', { email, username })}</p>
          <form method="post" action="/confirm-email">
            <Csrf token={ctx.csrf} />
            <input type="hidden" name="token" value={token} />
            <button class="usa-button hr-primary" type="submit">
              {t('securityEmail.confirmButton')}
            </button>
          </form>
        </>
      )}
    </Page>
  );
}

export function SignInHelpPage({ ctx }: { ctx: PageContext }) {
  const { t, district } = ctx;
  return (
    <Page ctx={ctx} title={t('help.signIn.title')}>
      <div class="usa-prose">
        {(district.settings.signInHelp?.[ctx.locale] ?? '')
          .split(/\n\s*\n/)
          .map((p) => p.trim())
          .filter(Boolean)
          .map((p, i) => (
            <p key={i}>{p}</p>
          ))}
        <ul>
          <li>
            <a href="/forgot-password">{t('signIn.forgotPassword')}</a> {t('help.signIn.forgotPassword')}
          </li>
          <li>
            <a href="/forgot-username">{t('signIn.forgotUsername')}</a> {t('help.signIn.forgotUsername')}
          </li>
        </ul>
        <p>{t('help.signIn.needsEmail')}</p>
        <p>
          <a href="/welcome/resend">{t('welcome.resendLink')}</a>
        </p>
        <p>{t('help.signIn.request')}</p>
        <p>
          <a href="/request-account">{t('help.signIn.requestLink')}</a>
        </p>
        {district.helpEmail ? <p>{t('help.signIn.contact', { email: district.helpEmail })}</p> : null}
        <p>
          <strong>{t('help.signIn.never')}</strong>
        </p>
        <p>
          <a href="/sign-in">{t('soon.back')}</a>
        </p>
      </div>
    </Page>
  );
}

export interface MailView {
  id: number;
  to: string;
  subject: string;
  text: string;
  createdAt: string;
  sent: boolean;
}

/** Text with its http(s) links made clickable; everything else stays text (escaped by Preact). */
function Linked({ text }: { text: string }) {
  const parts = text.split(/(https?:\/\/[^\s]+)/g);
  return <>{parts.map((part, i) => (i % 2 === 1 ? <a key={i} href={part}>{part}</a> : part))}</>;
}

export function MailboxPage({ ctx, mail, to, total, page, pages }: { ctx: PageContext; mail: MailView[]; to: string; total: number; page: number; pages: number }) {
  const { t } = ctx;
  const link = (p: number) => {
    const query = new URLSearchParams({ ...(to ? { to } : {}), page: String(p) });
    return '/demo/mailbox?' + query.toString();
  };
  return (
    <Layout ctx={ctx} title={t('mailbox.title')}>
      <h1>{t('mailbox.title')}</h1>
      <p>{t('mailbox.intro')}</p>
      <form class="usa-form usa-form--large" method="get" action="/demo/mailbox" role="search" aria-label={t('mailbox.searchLabel')}>
        <label class="usa-label" for="mailbox-to">
          {t('mailbox.searchLabel')}
        </label>
        <input class="usa-input" id="mailbox-to" name="to" type="search" value={to} maxLength={200} />
        <button class="usa-button" type="submit">
          {t('mailbox.search')}
        </button>
      </form>
      {to ? <p role="status">{t('mailbox.found', { count: total, to })}</p> : null}
      {mail.length === 0 ? <p>{to ? t('mailbox.noneTo') : t('mailbox.empty')}</p> : null}
      {mail.map((m) => (
        <article key={m.id} class="hr-panel hr-mail" aria-labelledby={`mail-${m.id}`}>
          <h2 id={`mail-${m.id}`}>{m.subject}</h2>
          <p>
            {`${t('mailbox.to')}: ${m.to} · ${m.createdAt} · ${m.sent ? t('mailbox.sent') : t('mailbox.waiting')}`}
          </p>
          <pre class="hr-mail__body">
            <Linked text={m.text} />
          </pre>
        </article>
      ))}
      <Pager
        label={t('mailbox.pages')}
        previous={page > 1 ? { href: link(page - 1), text: t('mailbox.newer') } : null}
        position={pages > 1 ? t('mailbox.pageOf', { page, pages }) : undefined}
        next={page < pages ? { href: link(page + 1), text: t('mailbox.older') } : null}
      />
    </Layout>
  );
}

export function WelcomePage(props: LinkPageProps) {
  const { t, district } = props.ctx;
  return (
    <ChoosePasswordPage
      {...props}
      title={t('welcome.title')}
      intro={t('welcome.intro', { portal: district.portalName, username: props.username })}
      action="/welcome"
    />
  );
}

export function ResendWelcomePage(props: { ctx: PageContext; sent?: boolean; errors?: Messages; problem?: string; email?: string }) {
  const { t } = props.ctx;
  return (
    <RecoveryFormPage
      {...props}
      title={t('welcome.resendTitle')}
      intro={t('welcome.resendIntro')}
      action="/welcome/resend"
      sentText={t('welcome.resendSent')}
      field={{ id: 'email', label: t('email.label'), type: 'email', autocomplete: 'email', value: props.email }}
    />
  );
}
