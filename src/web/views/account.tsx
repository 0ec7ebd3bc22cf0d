/** Pages of a signed-in person: Home, Account Settings, and the password form. */
import type { VisibleStudent } from '../../domain/people/visibility.js';
import type { staffToolsFor } from '../../domain/staff/tools.js';
import type { ChildCard } from '../../domain/portal/home.js';
import { toolUrl } from '../../domain/portal/tools.js';
import type { PageContext } from './context.js';
import { formatPercent } from './format.js';
import { ToolNav } from './tools/layout.js';
import { Alert, Csrf, ErrorSummary, Field, NewPasswordFields, TextInput, type Messages } from './forms.js';
import { Layout } from './layout.js';
import { localName } from '../../i18n/format.js';

export function HomePage({
  ctx,
  students,
  children = [],
  roles,
  tools = [],
  notice,
  unread,
}: {
  ctx: PageContext;
  students: VisibleStudent[];
  /** a parent's children, each as a card (domain/portal/home.ts) */
  children?: ChildCard[];
  roles: { role: string; school: string | null }[];
  /** a staff member's tools, by group (domain/staff/tools.ts) */
  tools?: ReturnType<typeof staffToolsFor>;
  notice?: string;
  /** a parent's unread messages per child (domain/messages) */
  unread?: ReadonlyMap<number, number>;
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
      ) : account?.kind === 'guardian' ? (
        <section aria-labelledby="students-heading">
          <h2 id="students-heading">{t('home.students')}</h2>
          {children.length === 0 ? <p>{t('home.noStudents')}</p> : null}
          <ul class="usa-list usa-list--unstyled hr-children">
            {children.map((card) => (
              <ChildCardView key={card.student.id} ctx={ctx} card={card} current={children.length > 1 && ctx.student?.id === card.student.id} unread={unread?.get(card.student.id) ?? 0} />
            ))}
          </ul>
        </section>
      ) : (
        <section aria-labelledby="students-heading">
          <h2 id="students-heading">{t('home.yourSchool')}</h2>
          {students.length === 0 ? (
            <p>{t('home.noStudents')}</p>
          ) : (
            <>
              <ul class="usa-list usa-list--unstyled hr-students">
                {students.map((s) => (
                  <li key={s.id}>{`${s.school} · ${t('home.gradeN', { grade: s.grade })}`}</li>
                ))}
              </ul>
              {students[0] ? <ToolNav ctx={ctx} student={students[0]} /> : null}
            </>
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

/** One child on a parent's Home: grades now, today's attendance, what needs attention, the child's tools. */
function ChildCardView({ ctx, card, current, unread }: { ctx: PageContext; card: ChildCard; current: boolean; unread: number }) {
  const { t, locale } = ctx;
  const { student } = card;
  const shows = ctx.district.settings.tools;
  const name = `${student.firstName} ${student.lastName}`;
  const headingId = `child-${student.id}`;
  return (
    <li class="hr-card hr-child">
      <h3 id={headingId} class="hr-card__title">
        {shows.today ? <a href={toolUrl(student.id, 'today')}>{name}</a> : name}
        {current ? <span class="usa-tag hr-tag--strong hr-tag--inline">{t('home.current')}</span> : null}
      </h3>
      <p class="hr-muted">{`${student.school} · ${t('home.gradeN', { grade: student.grade })}`}</p>
      {unread > 0 ? (
        <p>
          <a href="/messages" class="hr-attention-count">
            {t('messages.unreadCount', { count: unread })}
          </a>
        </p>
      ) : null}
      {shows.today ? (
        <p>
          <a href={`${toolUrl(student.id, 'today')}#attention-heading`} class={card.needsAttention > 0 ? 'hr-attention-count' : undefined}>
            {card.needsAttention > 0 ? t('home.child.attention', { count: card.needsAttention }) : t('home.child.noAttention')}
          </a>
        </p>
      ) : null}
      {shows.attendance ? (
        <p>
          <strong>{`${t('home.child.attendanceToday')}: `}</strong>
          {!card.schoolDay
            ? card.noSchoolNote
              ? t('portal.noSchoolBecause', { note: localName(ctx.locale, card.noSchoolNote) })
              : t('portal.noSchool')
            : card.attendanceToday.length === 0
              ? t('home.child.noAbsences')
              : card.attendanceToday.map((e) => `${t(`portal.kind.${e.kind}`)}: ${e.course ?? t('portal.allDay')} (${t(`portal.excuse.${e.excuse}`)})`).join('; ')}
        </p>
      ) : null}
      {shows.grades ? (
        card.classes.length === 0 ? (
          <p>{t('home.child.noClasses')}</p>
        ) : (
          <table class="usa-table usa-table--borderless usa-table--compact hr-glance">
            <caption>{t('home.child.gradesOf', { period: [...new Set(card.classes.map((c) => localName(ctx.locale, c.periodTitle)))].join(', ') })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('portal.course')}</th>
                <th scope="col">{t('home.child.grade')}</th>
              </tr>
            </thead>
            <tbody>
              {card.classes.map((c) => (
                <tr key={c.sectionId}>
                  <th scope="row">
                    <a href={toolUrl(student.id, 'grades', c.sectionId)}>{c.course}</a>
                  </th>
                  <td>
                    {c.percent === null ? (
                      t('portal.noGradeYet')
                    ) : (
                      <>
                        <strong class="hr-grade">{c.letter ?? ''}</strong> {formatPercent(c.percent, locale)}
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : null}
      <ToolNav ctx={ctx} student={student} label={t('home.child.tools', { name })} />
    </li>
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
  secondFactor = null,
  notice,
}: {
  ctx: PageContext;
  /** whether a staff member has a second factor; null for families (ADR 0037) */
  secondFactor?: boolean | null;
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
        <dt>{t('push.devices.link')}</dt>
        <dd>
          <a href="/account/notifications/devices" aria-label={t('push.devices.edit')}>
            {t('account.edit')}
          </a>
        </dd>
        {secondFactor === null ? null : (
          <>
            <dt>{t('twoFactor.account.label')}</dt>
            <dd>
              {secondFactor ? t('twoFactor.account.on') : t('twoFactor.account.off')}{' '}
              <a href="/account/second-factor" aria-label={t('twoFactor.account.manage')}>
                {secondFactor ? t('account.edit') : t('twoFactor.account.setUp')}
              </a>
            </dd>
          </>
        )}
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
