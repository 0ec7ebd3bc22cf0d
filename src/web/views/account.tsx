/** Pages of a signed-in person: Home, Account Settings, and the password form. */
import type { VisibleStudent } from '../../domain/people/visibility.js';
import type { staffToolsFor } from '../../domain/staff/tools.js';
import type { PageContext } from './context.js';
import { Alert, Csrf, ErrorSummary, Field, NewPasswordFields, TextInput, type Messages } from './forms.js';
import { Layout } from './layout.js';

export function HomePage({
  ctx,
  students,
  roles,
  tools = [],
  notice,
}: {
  ctx: PageContext;
  students: VisibleStudent[];
  roles: { role: string; school: string | null }[];
  /** a staff member's tools, by group (domain/staff/tools.ts) */
  tools?: ReturnType<typeof staffToolsFor>;
  notice?: string;
}) {
  const { t, district, account } = ctx;
  return (
    <Layout ctx={ctx} title={t('home.title')}>
      <Alert type="success" text={notice} />
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
            <ul class="usa-list usa-list--unstyled hr-students">
              {students.map((s) => {
                const current = students.length > 1 && ctx.student?.id === s.id;
                return (
                  <li key={s.id} aria-current={current ? 'true' : undefined}>
                    <strong>
                      {ctx.district.settings.tools.today ? <a href={`/students/${s.id}/today`}>{`${s.firstName} ${s.lastName}`}</a> : `${s.firstName} ${s.lastName}`}
                    </strong>
                    {current ? <span class="usa-tag hr-tag--strong hr-tag--inline">{t('home.current')}</span> : null}
                    <br />
                    {`${s.school} · ${t('home.gradeN', { grade: s.grade })}`}
                  </li>
                );
              })}
            </ul>
          )}
        </section>
      )}
      {account?.kind === 'staff' ? (
        <section aria-labelledby="tools-heading">
          <h2 id="tools-heading">{t('staffTools.heading')}</h2>
          {tools.length === 0 ? <p>{t('staffTools.none')}</p> : null}
          {tools.map(({ group, tools: list }) => (
            <div key={group} class="hr-staff-tools">
              <h3>{t(`staffTools.group.${group}`)}</h3>
              <ul class="usa-list usa-list--unstyled">
                {list.map((tool) => (
                  <li key={tool.key}>
                    <a href={tool.path}>{t(tool.label)}</a>
                    <br />
                    <span class="usa-hint">{t(tool.hint)}</span>
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </section>
      ) : null}
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
  calendarFeed,
  notice,
}: {
  ctx: PageContext;
  securityEmail: string | null;
  emailConfirmed: boolean;
  hasPin: boolean;
  pinEnabled: boolean;
  sessions: SessionView[];
  /** whether the private calendar feed is on; null for accounts without a calendar (staff) */
  calendarFeed: boolean | null;
  notice?: string;
}) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('account.title')}>
      <Alert type="success" text={notice} />
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
        {calendarFeed === null ? null : (
          <>
            <dt>{t('account.calendarFeed')}</dt>
            <dd>
              {calendarFeed ? t('account.feedOn') : t('account.feedOff')}{' '}
              <a href="/account/calendar" aria-label={t('account.feedManage')}>
                {t('account.edit')}
              </a>
            </dd>
          </>
        )}
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
        <form method="post" action="/account/sessions/end-all">
          <Csrf token={ctx.csrf} />
          <button class="usa-button usa-button--outline" type="submit">
            {t('account.signOutEverywhere')}
          </button>
        </form>
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
            <TextInput id="current" type="password" autocomplete="current-password" error={Boolean(errors.current)} />
          </Field>
        )}
        <NewPasswordFields t={t} minLength={minLength} errors={errors} />
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
            <TextInput id="pin" type="password" autocomplete="off" error={Boolean(errors.pin)} hint small inputmode="numeric" pattern="[0-9]{4,8}" maxLength={8} />
          </Field>
          <Field t={t} id="confirm" label={labels.confirm} error={errors.confirm}>
            <TextInput id="confirm" type="password" autocomplete="off" error={Boolean(errors.confirm)} small inputmode="numeric" maxLength={8} />
          </Field>
          <Field t={t} id="password" label={labels.password} hint={t('securityEmail.passwordHint')} error={errors.password}>
            <TextInput id="password" type="password" autocomplete="current-password" error={Boolean(errors.password)} hint />
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
