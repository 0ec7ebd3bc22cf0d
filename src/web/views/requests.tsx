/** The account reset / new account request form (second seed) and the staff queue behind it. */
import type { IssuedKey } from '../../domain/accounts/activation.js';
import type { GuardianMatch, Quality, RequestDetail, RequestListItem, StudentMatch, Wants } from '../../domain/requests/account-requests.js';
import { CLOSE_REASONS, closedOutcome } from '../../domain/requests/schemas.js';
import type { MessageKey, Translate } from '../../i18n/index.js';
import type { PageContext } from './context.js';
import { Alert, Csrf, describedBy, ErrorSummary, Field, TableScroll, TextInput, type Messages } from './forms.js';
import { formatBirthDate, sentence } from './format.js';
import { Layout } from './layout.js';

export interface RequestFormValues {
  studentFirstName?: string;
  studentLastName?: string;
  studentNumber?: string;
  studentEmail?: string;
  resetFor?: string[];
  newFor?: string[];
  parentFirstName?: string;
  parentLastName?: string;
  parentEmail?: string;
  comments?: string;
}

const TEXT_FIELDS = [
  ['studentFirstName', 'request.studentFirstName', 'given-name', true],
  ['studentLastName', 'request.studentLastName', 'family-name', true],
  ['studentNumber', 'request.studentNumber', 'off', false],
  ['studentEmail', 'request.studentEmail', 'off', false],
] as const;

const PARENT_FIELDS = [
  ['parentFirstName', 'request.parentFirstName', 'given-name'],
  ['parentLastName', 'request.parentLastName', 'family-name'],
  ['parentEmail', 'request.parentEmail', 'email'],
] as const;

function Checkboxes({ t, name, legend, values, error }: { t: Translate; name: 'resetFor' | 'newFor'; legend: string; values: string[]; error?: Messages[string] }) {
  return (
    <div class={`usa-form-group${error ? ' usa-form-group--error' : ''}`}>
      <fieldset class="usa-fieldset" id={name} aria-describedby={error ? `${name}-error` : undefined}>
        <legend class="usa-legend">{legend}</legend>
        {error ? (
          <span class="usa-error-message" id={`${name}-error`} role="alert">
            {t(error.key, error.params)}
          </span>
        ) : null}
        {(['student', 'parent'] as const).map((who) => (
          <div class="usa-checkbox" key={who}>
            <input class="usa-checkbox__input" id={`${name}-${who}`} type="checkbox" name={name} value={who} checked={values.includes(who)} />
            <label class="usa-checkbox__label" for={`${name}-${who}`}>
              {t(`request.for.${who}`)}
            </label>
          </div>
        ))}
      </fieldset>
    </div>
  );
}

export function RequestAccountPage({ ctx, errors = {}, values = {}, passwordWarning = false }: { ctx: PageContext; errors?: Messages; values?: RequestFormValues; passwordWarning?: boolean }) {
  const { t, district } = ctx;
  const labels: Record<string, string> = {
    ...Object.fromEntries([...TEXT_FIELDS, ...PARENT_FIELDS].map(([name, key]) => [name, t(key)])),
    resetFor: t('request.resetFor'),
    newFor: t('request.newFor'),
    comments: t('request.comments'),
  };
  // Parent fields are needed only for a request for a parent (their fieldset says so): not marked optional.
  const text = (name: keyof RequestFormValues, label: MessageKey, autocomplete: string, required: boolean, hint?: string) => (
    <Field t={t} id={name} label={`${t(label)}${required || name.startsWith('parent') ? '' : ` ${t('form.optional')}`}`} hint={hint} error={errors[name]}>
      <TextInput
        id={name}
        type={name.endsWith('Email') ? 'email' : 'text'}
        autocomplete={autocomplete}
        autocapitalize={name.endsWith('Name') ? 'words' : 'none'}
        required={required}
        error={Boolean(errors[name])}
        hint={Boolean(hint)}
        value={values[name] as string | undefined}
        maxLength={name.endsWith('Email') ? 254 : name === 'studentNumber' ? 20 : 100}
      />
    </Field>
  );
  return (
    <Layout ctx={ctx} title={t('request.title')}>
      <div class="hr-narrow">
        <h1>{t('request.title')}</h1>
        <div class="usa-prose">
          <p>{t('request.intro.nightly')}</p>
          <p>{t('request.intro.selfServe', { portal: district.portalName })}</p>
          <p>
            <a href="/forgot-password">{t('signIn.forgotPassword')}</a>
            {' | '}
            <a href="/forgot-username">{t('signIn.forgotUsername')}</a>
          </p>
          <p>{t('request.intro.form')}</p>
        </div>
        <div class="usa-alert usa-alert--warning usa-alert--slim">
          <div class="usa-alert__body">
            <p class="usa-alert__text">
              <strong>{t('request.noPasswords')}</strong>
            </p>
          </div>
        </div>
        <ErrorSummary t={t} errors={errors} labels={labels} />
        {passwordWarning ? (
          <div class="usa-alert usa-alert--warning" role="alert" id="password-warning" tabindex={-1}>
            <div class="usa-alert__body">
              <h2 class="usa-alert__heading">{t('request.passwordWarning.title')}</h2>
              <p class="usa-alert__text">{t('request.passwordWarning.body')}</p>
              <p class="usa-alert__text">
                <a href="#comments">{t('request.passwordWarning.edit')}</a>
              </p>
            </div>
          </div>
        ) : null}
        <form class="usa-form usa-form--large" method="post" action="/request-account" novalidate>
          <Csrf token={ctx.csrf} />
          <fieldset class="usa-fieldset">
            <legend class="usa-legend usa-legend--large">{t('request.studentHeading')}</legend>
            {TEXT_FIELDS.map(([name, label, autocomplete, required]) =>
              text(name, label, autocomplete, required, name === 'studentNumber' ? t('request.studentNumberHint') : undefined),
            )}
          </fieldset>
          <Checkboxes t={t} name="resetFor" legend={t('request.resetFor')} values={values.resetFor ?? []} error={errors.resetFor} />
          <Checkboxes t={t} name="newFor" legend={t('request.newFor')} values={values.newFor ?? []} error={errors.newFor} />
          <fieldset class="usa-fieldset">
            <legend class="usa-legend usa-legend--large">{t('request.parentHeading')}</legend>
            <p class="usa-hint">{t('request.parentHint')}</p>
            {PARENT_FIELDS.map(([name, label, autocomplete]) =>
              text(name, label, autocomplete, false, name === 'parentEmail' ? t('request.parentEmailHint') : undefined),
            )}
          </fieldset>
          <Field t={t} id="comments" label={`${t('request.comments')} ${t('form.optional')}`} hint={t('request.commentsHint')} error={errors.comments}>
            <textarea
              class={`usa-textarea${errors.comments ? ' usa-input--error' : ''}`}
              id="comments"
              name="comments"
              maxLength={2000}
              rows={5}
              aria-describedby={describedBy('comments', true, Boolean(errors.comments))}
              aria-invalid={errors.comments ? 'true' : undefined}
            >
              {values.comments ?? ''}
            </textarea>
          </Field>
          <div class="hr-hp" aria-hidden="true">
            <label for="website">{t('request.honeypot')}</label>
            <input id="website" name="website" type="text" tabindex={-1} autocomplete="off" />
          </div>
          <button class="usa-button hr-primary" type="submit">
            {t('request.submit')}
          </button>
          {passwordWarning ? (
            <button class="usa-button usa-button--outline" type="submit" name="sendAnyway" value="yes">
              {t('request.passwordWarning.sendAnyway')}
            </button>
          ) : null}
          <p>
            <strong>{t('request.noPasswords')}</strong>
          </p>
        </form>
      </div>
    </Layout>
  );
}

export function RequestReceivedPage({ ctx }: { ctx: PageContext }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('request.received.title')}>
      <div class="hr-narrow usa-prose">
        <h1>{t('request.received.title')}</h1>
        <p>{t('request.received.body')}</p>
        <p>{t('request.received.noReply')}</p>
        <p>
          <a href="/sign-in">{t('soon.back')}</a>
        </p>
      </div>
    </Layout>
  );
}

// ── staff ────────────────────────────────────────────────────────────────────────────────────────────

export function wantsText(t: Translate, w: Wants): string {
  return [
    w.resetStudent ? t('requests.wants.resetStudent') : null,
    w.resetParent ? t('requests.wants.resetParent') : null,
    w.newStudent ? t('requests.wants.newStudent') : null,
    w.newParent ? t('requests.wants.newParent') : null,
  ]
    .filter(Boolean)
    .join(', ');
}

function outcomeText(t: Translate, outcome: string | null): string {
  const known = ['reset_sent', 'activation_sent', 'key_issued', ...CLOSE_REASONS.map(closedOutcome)];
  return outcome && known.includes(outcome) ? t(`requests.outcome.${outcome}` as MessageKey) : '';
}

export function StaffRequestsPage({
  ctx,
  items,
  total,
  filter,
  when,
}: {
  ctx: PageContext;
  items: RequestListItem[];
  total: number;
  filter: { status: string; q: string; page: number };
  when: (iso: string) => string;
}) {
  const { t } = ctx;
  const pages = Math.max(1, Math.ceil(total / 50));
  const link = (page: number) => `/staff/account-requests?status=${filter.status}&q=${encodeURIComponent(filter.q)}&page=${page}`;
  return (
    <Layout ctx={ctx} title={t('requests.title')}>
      <h1>{t('requests.title')}</h1>
      <p>{t('requests.intro')}</p>
      <form class="usa-form hr-switcher" method="get" action="/staff/account-requests" role="search" aria-label={t('requests.filter')}>
        <div>
          <label class="usa-label" for="status">
            {t('requests.status')}
          </label>
          <select class="usa-select" id="status" name="status">
            {(['open', 'closed', 'all'] as const).map((s) => (
              <option key={s} value={s} selected={filter.status === s}>
                {t(`requests.status.${s}`)}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label class="usa-label" for="q">
            {t('requests.search')}
          </label>
          <input class="usa-input" id="q" name="q" type="search" value={filter.q} maxLength={100} />
        </div>
        <button class="usa-button" type="submit">
          {t('requests.apply')}
        </button>
      </form>
      <p role="status">{t('requests.count', { count: total })}</p>
      {items.length === 0 ? (
        <p>{t('requests.none')}</p>
      ) : (
        <TableScroll label={t('requests.title')}>
          <table class="usa-table usa-table--borderless">
            <caption class="usa-sr-only">{t('requests.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('requests.received')}</th>
                <th scope="col">{t('requests.student')}</th>
                <th scope="col">{t('requests.wants')}</th>
                <th scope="col">{t('requests.school')}</th>
                <th scope="col">{t('requests.state')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr key={r.id}>
                  <td>{when(r.receivedAt)}</td>
                  <th scope="row">
                    <a href={`/staff/account-requests/${r.id}`}>{r.student}</a>
                    {r.studentNumber ? ` (${r.studentNumber})` : ''}
                  </th>
                  <td>{wantsText(t, r.wants)}</td>
                  <td>{r.school ?? (r.acrossSchools ? t('requests.acrossSchools') : t('requests.noSchool'))}</td>
                  <td>{r.status === 'open' ? t('requests.status.open') : outcomeText(t, r.outcome)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {pages > 1 ? (
        <nav aria-label={t('requests.pages')}>
          <p>
            {filter.page > 1 ? <a href={link(filter.page - 1)}>{t('requests.previous')}</a> : null}
            {` ${t('requests.pageOf', { page: filter.page, pages })} `}
            {filter.page < pages ? <a href={link(filter.page + 1)}>{t('requests.next')}</a> : null}
          </p>
        </nav>
      ) : null}
    </Layout>
  );
}

function QualityTag({ t, quality }: { t: Translate; quality: Quality }) {
  return <span class={`usa-tag hr-tag--${quality}`}>{t(`requests.quality.${quality}`)}</span>;
}

function yesNo(t: Translate, v: boolean) {
  return v ? t('requests.matches') : t('requests.differs');
}

/**
 * One action on one person of a request. Several people can have the same action, told apart on screen
 * by the heading above: the person's name is part of each button's accessible name (issue 23), after
 * the visible label so that a voice command with the label still finds it.
 */
function ActionButton({ ctx, id, fields, label, person, secondary }: { ctx: PageContext; id: number; fields: Record<string, string | number>; label: string; person: string; secondary?: boolean }) {
  return (
    <form method="post" action={`/staff/account-requests/${id}`}>
      <Csrf token={ctx.csrf} />
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={String(value)} />
      ))}
      <button class={`usa-button${secondary ? ' usa-button--outline' : ''}`} type="submit">
        {label}
        <span class="usa-sr-only">{` (${person})`}</span>
      </button>
    </form>
  );
}

function AccountLine({ t, account }: { t: Translate; account: StudentMatch['account'] }) {
  if (!account) return <p>{t('requests.noAccount')}</p>;
  return (
    <p>
      {t('requests.account', { username: account.username })}{' '}
      {account.status === 'pending' ? t('requests.accountPending') : account.recoveryEmail ? t('requests.recoveryEmail', { email: account.recoveryEmail }) : t('requests.noRecoveryEmail')}
    </p>
  );
}

function StudentCard({ ctx, requestId, s }: { ctx: PageContext; requestId: number; s: StudentMatch }) {
  const { t } = ctx;
  return (
    <div class="hr-match">
      <h4>
        {`${s.name} (${s.number})`} <QualityTag t={t} quality={s.quality} />
      </h4>
      <ul class="usa-list">
        <li>{t('requests.studentLine', { school: s.school, grade: s.grade, birthDate: formatBirthDate(s.birthDate, ctx.locale) })}</li>
        <li>{`${t('requests.number')}: ${s.numberMatches ? t('requests.matches') : t('requests.differs')}`}</li>
        <li>{`${t('requests.firstName')}: ${yesNo(t, s.firstNameMatches)} · ${t('requests.lastName')}: ${yesNo(t, s.lastNameMatches)}`}</li>
        {s.email ? <li>{`${t('requests.emailOnRecord', { email: s.email })} ${s.emailMatches ? `(${t('requests.matches')})` : ''}`}</li> : null}
      </ul>
      <AccountLine t={t} account={s.account} />
      {s.mayAct ? (
        <div class="hr-actions">
          {s.account?.recoveryEmail && s.account.status === 'active' ? (
            <ActionButton ctx={ctx} id={requestId} fields={{ action: 'reset', accountId: s.account.id }} label={t('requests.action.reset')} person={s.name} />
          ) : null}
          {!s.account || s.account.status === 'pending' ? (
            <ActionButton ctx={ctx} id={requestId} fields={{ action: 'key', person: 'student', personId: s.id }} label={t('requests.action.key')} person={s.name} secondary />
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

function GuardianCard({ ctx, requestId, g }: { ctx: PageContext; requestId: number; g: GuardianMatch }) {
  const { t } = ctx;
  const canInvite = (!g.account || g.account.status === 'pending') && g.linkedTo.length > 0;
  return (
    <div class="hr-match">
      <h4>
        {g.name} <QualityTag t={t} quality={g.quality} />
      </h4>
      <ul class="usa-list">
        <li>{g.linkedTo.length > 0 ? t('requests.linkedTo', { students: g.linkedTo.join(', ') }) : t('requests.notLinked')}</li>
        <li>{`${t('requests.firstName')}: ${yesNo(t, g.firstNameMatches)} · ${t('requests.lastName')}: ${yesNo(t, g.lastNameMatches)}`}</li>
        <li>
          {g.email ? `${t('requests.emailOnRecord', { email: g.email })} ${g.emailMatches ? `(${t('requests.matches')})` : `(${t('requests.differs')})`}` : t('requests.noEmailOnRecord')}
        </li>
      </ul>
      <AccountLine t={t} account={g.account} />
      {!g.mayAct ? (
        <p>{t('requests.noActionHere')}</p>
      ) : (
        <div class="hr-actions">
          {g.account?.recoveryEmail && g.account.status === 'active' ? (
            <ActionButton ctx={ctx} id={requestId} fields={{ action: 'reset', accountId: g.account.id }} label={t('requests.action.reset')} person={g.name} />
          ) : null}
          {canInvite && g.email ? (
            <ActionButton ctx={ctx} id={requestId} fields={{ action: 'activationLink', guardianId: g.id }} label={t('requests.action.activationLink')} person={g.name} />
          ) : null}
          {canInvite ? (
            <ActionButton ctx={ctx} id={requestId} fields={{ action: 'key', person: 'guardian', personId: g.id }} label={t('requests.action.key')} person={g.name} secondary />
          ) : null}
        </div>
      )}
    </div>
  );
}

export function StaffRequestPage({
  ctx,
  detail,
  when,
  notice,
  problem,
  errors = {},
}: {
  ctx: PageContext;
  detail: RequestDetail;
  when: (iso: string) => string;
  notice?: string;
  problem?: string;
  errors?: Messages;
}) {
  const { t } = ctx;
  const r = detail.request;
  const typed: [string, string | null][] = [
    [t('request.studentFirstName'), r.student_first_name],
    [t('request.studentLastName'), r.student_last_name],
    [t('request.studentNumber'), r.student_number],
    [t('request.studentEmail'), r.student_email],
    [t('requests.wants'), wantsText(t, detail.wants)],
    [t('request.parentFirstName'), r.parent_first_name],
    [t('request.parentLastName'), r.parent_last_name],
    [t('request.parentEmail'), r.parent_email],
    [t('request.comments'), r.comments ?? (detail.events.some((e) => e.action === 'comment_redacted') ? t('requests.commentRedacted') : null)],
  ];
  const title = t('requests.one', { student: `${r.student_first_name} ${r.student_last_name}` });
  return (
    <Layout ctx={ctx} title={title}>
      <p>
        <a href="/staff/account-requests">{t('requests.back')}</a>
      </p>
      <h1>{title}</h1>
      <Alert type="success" text={notice} />
      <Alert type="error" text={problem} />
      <ErrorSummary t={t} errors={errors} labels={{ reason: t('requests.reason') }} />
      <p>
        {sentence(t('requests.receivedAt', { when: when(r.received_at) }))} {r.status === 'open' ? t('requests.status.open') : outcomeText(t, r.outcome)}
      </p>
      <h2>{t('requests.typed')}</h2>
      <p>{t('requests.typedHint')}</p>
      <dl class="hr-settings">
        {typed.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd class="hr-typed">{value ?? '—'}</dd>
          </div>
        ))}
      </dl>
      {r.comments !== null ? (
        <form class="usa-form" method="post" action={`/staff/account-requests/${r.id}/redact-comment`}>
          <Csrf token={ctx.csrf} />
          <p class="usa-hint" id="redact-hint">
            {t('requests.redactHint')}
          </p>
          <button class="usa-button usa-button--secondary" type="submit" aria-describedby="redact-hint">
            {t('requests.redact')}
          </button>
        </form>
      ) : null}
      <h2>{t('requests.matchesHeading')}</h2>
      <p>{t('requests.matchesHint')}</p>
      {detail.elsewhere ? (
        <div class="usa-alert usa-alert--info usa-alert--slim">
          <div class="usa-alert__body">
            <p class="usa-alert__text">{t('requests.elsewhere')}</p>
          </div>
        </div>
      ) : detail.acrossSchools ? (
        <p>{t('requests.districtHas')}</p>
      ) : null}
      <h3>{t('requests.students')}</h3>
      {detail.students.length === 0 ? (
        <p>{detail.elsewhere ? t('requests.noStudentMatchHere') : t('requests.noStudentMatch')}</p>
      ) : (
        detail.students.map((s) => <StudentCard key={s.id} ctx={ctx} requestId={r.id} s={s} />)
      )}
      <h3>{t('requests.guardians')}</h3>
      {detail.guardians.length === 0 ? (
        <p>{detail.elsewhere ? t('requests.noGuardianMatchHere') : t('requests.noGuardianMatch')}</p>
      ) : (
        detail.guardians.map((g) => <GuardianCard key={g.id} ctx={ctx} requestId={r.id} g={g} />)
      )}
      <h2>{t('requests.closeHeading')}</h2>
      <p>{detail.replyTo ? t('requests.replyTo', { email: detail.replyTo }) : t('requests.noReplyTo')}</p>
      <form class="usa-form" method="post" action={`/staff/account-requests/${r.id}`} novalidate>
        <Csrf token={ctx.csrf} />
        <input type="hidden" name="action" value="close" />
        <Field t={t} id="reason" label={t('requests.reason')} error={errors.reason}>
          <select class="usa-select" id="reason" name="reason" aria-invalid={errors.reason ? 'true' : undefined}>
            <option value="">{t('requests.reasonChoose')}</option>
            {CLOSE_REASONS.map((reason) => (
              <option key={reason} value={reason}>
                {t(`requests.reason.${reason}`)}
              </option>
            ))}
          </select>
        </Field>
        <button class="usa-button usa-button--secondary" type="submit">
          {t('requests.close')}
        </button>
      </form>
      <h2>{t('requests.history')}</h2>
      <ol class="usa-list">
        {detail.events.map((e, i) => (
          <li key={i}>
            {`${when(e.at)}: ${eventText(t, e.action)}${e.actor ? ` — ${e.actor}` : ''}${e.notified ? ` (${t('requests.told', { email: e.notified })})` : ''}`}
          </li>
        ))}
      </ol>
    </Layout>
  );
}

function eventText(t: Translate, action: string): string {
  if (action === 'received') return t('requests.event.received');
  if (action === 'repeated') return t('requests.event.repeated');
  if (action === 'comment_redacted') return t('requests.event.comment_redacted');
  return outcomeText(t, action) || action;
}

export function KeyIssuedPage({ ctx, requestId, issued, notified, when }: { ctx: PageContext; requestId: number; issued: IssuedKey; notified: string | null; when: string }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('requests.keyTitle')}>
      <div class="hr-narrow">
        <h1>{t('requests.keyTitle')}</h1>
        <p>{t('requests.keyFor', { name: `${issued.recipient.firstName} ${issued.recipient.lastName}`, when })}</p>
        <p class="hr-key">{issued.key}</p>
        <p>{t('requests.keyHint')}</p>
        <p>{notified ? t('requests.told', { email: notified }) : t('requests.noneTold')}</p>
        <p>
          <a href={`/staff/account-requests/${requestId}`}>{t('requests.backToRequest')}</a>
        </p>
      </div>
    </Layout>
  );
}
