/** Pages of a signed-in person: Home, Account Settings, and the password form. */
import type { VisibleStudent } from '../../domain/people/visibility.js';
import type { PageContext } from './context.js';
import { Csrf, describedBy, ErrorSummary, Field, type Messages } from './forms.js';
import { Layout } from './layout.js';

function Notice({ text }: { text?: string }) {
  if (!text) return null;
  return (
    <div class="usa-alert usa-alert--success usa-alert--slim" role="status">
      <div class="usa-alert__body">
        <p class="usa-alert__text">{text}</p>
      </div>
    </div>
  );
}

export function HomePage({
  ctx,
  students,
  roles,
  notice,
}: {
  ctx: PageContext;
  students: VisibleStudent[];
  roles: { role: string; school: string | null }[];
  notice?: string;
}) {
  const { t, district, account } = ctx;
  return (
    <Layout ctx={ctx} title={t('home.title')}>
      <Notice text={notice} />
      <h1>{t('home.welcome', { name: account?.name ?? '' })}</h1>
      {account?.kind === 'staff' ? (
        <section aria-labelledby="roles-heading">
          <h2 id="roles-heading">{t('home.roles')}</h2>
          <ul class="usa-list">
            {roles.map((r) => (
              <li key={`${r.role}-${r.school ?? ''}`}>
                {t(`role.${r.role}` as 'role.teacher')}
                {r.school ? ` — ${r.school}` : ` — ${district.name}`}
              </li>
            ))}
          </ul>
        </section>
      ) : (
        <section aria-labelledby="students-heading">
          <h2 id="students-heading">{account?.kind === 'student' ? t('home.yourSchool') : t('home.students')}</h2>
          {students.length === 0 ? (
            <p>{t('home.noStudents')}</p>
          ) : (
            <table class="usa-table usa-table--borderless">
              <thead>
                <tr>
                  <th scope="col">{t('home.student')}</th>
                  <th scope="col">{t('home.school')}</th>
                  <th scope="col">{t('home.grade')}</th>
                </tr>
              </thead>
              <tbody>
                {students.map((s) => (
                  <tr key={s.id}>
                    <th scope="row">{`${s.firstName} ${s.lastName}`}</th>
                    <td>{s.school}</td>
                    <td>{s.grade}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}
      <p>{t('home.comingSoon', { portal: district.portalName })}</p>
    </Layout>
  );
}

export interface SessionView {
  current: boolean;
  createdAt: string;
  lastSeenAt: string;
  device: { browser: string; os: string } | null;
}

export function AccountSettingsPage({
  ctx,
  securityEmail,
  emailConfirmed,
  hasPin,
  pinEnabled,
  sessions,
  notice,
}: {
  ctx: PageContext;
  securityEmail: string | null;
  emailConfirmed: boolean;
  hasPin: boolean;
  pinEnabled: boolean;
  sessions: SessionView[];
  notice?: string;
}) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('account.title')}>
      <Notice text={notice} />
      <h1>{t('account.title')}</h1>
      <dl class="hr-settings">
        <dt>{t('account.securityEmail')}</dt>
        <dd>
          {securityEmail && emailConfirmed ? securityEmail : t('account.noEmail')}{' '}
          <a href="/account/security-email" aria-label={t('account.editSecurityEmail')}>
            {t('account.edit')}
          </a>
        </dd>
        <dt>{t('account.password')}</dt>
        <dd>
          <span aria-hidden="true">*****</span>{' '}
          <a href="/account/password" aria-label={t('account.editPassword')}>
            {t('account.edit')}
          </a>
        </dd>
        <dt>{t('account.pin')}</dt>
        <dd>
          {hasPin ? t('account.pinSet') : t('account.pinNone')}
          {pinEnabled ? null : ` (${t('account.pinNotUsed')})`}{' '}
          <a href="/account/pin" aria-label={hasPin ? t('account.pinChange') : t('account.pinAdd')}>
            {hasPin ? t('account.edit') : t('account.pinAdd')}
          </a>
        </dd>
      </dl>
      <section aria-labelledby="sessions-heading">
        <h2 id="sessions-heading">{t('account.sessions')}</h2>
        <ul class="usa-list">
          {sessions.map((s) => (
            <li key={s.createdAt}>
              {s.current ? <strong>{t('account.thisDevice')}: </strong> : null}
              {s.device ? t('account.device', s.device) : t('account.unknownDevice')} — {t('account.signedInAt', { when: s.createdAt })},{' '}
              {t('account.lastSeen', { when: s.lastSeenAt })}
            </li>
          ))}
        </ul>
        {sessions.length > 1 ? (
          <form method="post" action="/account/sessions/end-others">
            <Csrf token={ctx.csrf} />
            <button class="usa-button usa-button--outline" type="submit">
              {t('account.signOutOthers')}
            </button>
          </form>
        ) : null}
      </section>
    </Layout>
  );
}

export function PasswordPage({
  ctx,
  forced,
  minLength,
  errors = {},
}: {
  ctx: PageContext;
  forced: boolean;
  minLength: number;
  errors?: Messages;
}) {
  const { t } = ctx;
  const labels = { current: t('password.current'), password: t('password.new'), confirm: t('password.confirm') };
  const title = forced ? t('password.firstTitle') : t('password.title');
  return (
    <Layout ctx={ctx} title={title}>
      <h1>{title}</h1>
      {forced ? <p>{t('password.firstIntro')}</p> : null}
      <ErrorSummary t={t} errors={errors} labels={labels} />
      <form class="usa-form" method="post" action="/account/password" novalidate>
        <Csrf token={ctx.csrf} />
        {/* The username lets password managers file the new password under the right account. */}
        <input type="text" name="username" autocomplete="username" value={ctx.account?.username ?? ''} hidden />
        {forced ? null : (
          <Field t={t} id="current" label={labels.current} error={errors.current}>
            <input
              class={`usa-input${errors.current ? ' usa-input--error' : ''}`}
              id="current"
              name="current"
              type="password"
              autocomplete="current-password"
              required
              aria-describedby={describedBy('current', false, Boolean(errors.current))}
              aria-invalid={errors.current ? 'true' : undefined}
            />
          </Field>
        )}
        <Field t={t} id="password" label={labels.password} hint={t('password.newHint', { min: minLength })} error={errors.password}>
          <input
            class={`usa-input${errors.password ? ' usa-input--error' : ''}`}
            id="password"
            name="password"
            type="password"
            autocomplete="new-password"
            required
            minLength={minLength}
            maxLength={128}
            aria-describedby={describedBy('password', true, Boolean(errors.password))}
            aria-invalid={errors.password ? 'true' : undefined}
          />
        </Field>
        <Field t={t} id="confirm" label={labels.confirm} error={errors.confirm}>
          <input
            class={`usa-input${errors.confirm ? ' usa-input--error' : ''}`}
            id="confirm"
            name="confirm"
            type="password"
            autocomplete="new-password"
            required
            aria-describedby={describedBy('confirm', false, Boolean(errors.confirm))}
            aria-invalid={errors.confirm ? 'true' : undefined}
          />
        </Field>
        <button class="usa-button hr-primary" type="submit">
          {t('password.submit')}
        </button>
      </form>
    </Layout>
  );
}

export function PinPage({ ctx, hasPin, pinEnabled, errors = {} }: { ctx: PageContext; hasPin: boolean; pinEnabled: boolean; errors?: Messages }) {
  const { t } = ctx;
  const labels = { pin: t('pin.label'), confirm: t('pin.confirm'), password: t('securityEmail.passwordLabel') };
  const input = (id: string, autocomplete: string, type = 'password', extra: Record<string, unknown> = {}) => (
    <input
      class={`usa-input usa-input--small${errors[id] ? ' usa-input--error' : ''}`}
      id={id}
      name={id}
      type={type}
      autocomplete={autocomplete}
      required
      aria-describedby={describedBy(id, id === 'pin', Boolean(errors[id]))}
      aria-invalid={errors[id] ? 'true' : undefined}
      {...extra}
    />
  );
  return (
    <Layout ctx={ctx} title={t('pin.title')}>
      <div class="hr-narrow">
        <h1>{t('pin.title')}</h1>
        <p>{t('pin.intro')}</p>
        {pinEnabled ? null : <p>{t('account.pinNotUsed')}</p>}
        <ErrorSummary t={t} errors={errors} labels={labels} />
        <form class="usa-form" method="post" action="/account/pin" novalidate>
          <Csrf token={ctx.csrf} />
          <input type="hidden" name="action" value="save" />
          <Field t={t} id="pin" label={labels.pin} hint={t('pin.hint')} error={errors.pin}>
            {input('pin', 'off', 'password', { inputmode: 'numeric', pattern: '[0-9]{4,8}', maxLength: 8 })}
          </Field>
          <Field t={t} id="confirm" label={labels.confirm} error={errors.confirm}>
            {input('confirm', 'off', 'password', { inputmode: 'numeric', maxLength: 8 })}
          </Field>
          <Field t={t} id="password" label={labels.password} hint={t('securityEmail.passwordHint')} error={errors.password}>
            {input('password', 'current-password')}
          </Field>
          <button class="usa-button hr-primary" type="submit">
            {t('pin.save')}
          </button>
        </form>
        {hasPin ? (
          <form class="usa-form" method="post" action="/account/pin">
            <Csrf token={ctx.csrf} />
            <input type="hidden" name="action" value="remove" />
            <label class="usa-label" for="remove-password">
              {labels.password}
            </label>
            <input class="usa-input" id="remove-password" name="password" type="password" autocomplete="current-password" required />
            <button class="usa-button usa-button--secondary" type="submit">
              {t('pin.remove')}
            </button>
          </form>
        ) : null}
        <p>
          <a href="/account">{t('nav.account')}</a>
        </p>
      </div>
    </Layout>
  );
}
