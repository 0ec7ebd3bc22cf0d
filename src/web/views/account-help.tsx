/** Office staff: account help — why a student or parent cannot sign in, and what staff can do about it. */
import type { AccountHelpStatus } from '../../domain/accounts/account-help.js';
import type { FirstPasswordLine } from '../../domain/accounts/first-passwords.js';
import { formatInstant } from '../../email/templates.js';
import type { PageContext } from './context.js';
import { Alert, Csrf, ErrorSummary, Field, TableScroll, TextInput, type Messages } from './forms.js';
import { Layout } from './layout.js';

export interface AccountHelpProps {
  ctx: PageContext;
  lines: FirstPasswordLine[];
  total: number;
  status?: AccountHelpStatus | null;
  number?: string;
  notice?: string;
  problem?: string;
  errors?: Messages;
  /** a first password just issued: shown once, to hand over */
  issued?: { name: string; studentNumber: string; password: string; endsAt: string };
  /** an Activation Key just issued for an account: shown once */
  key?: { username: string; key: string; expiresAt: string };
}

export function AccountHelpPage({ ctx, lines, total, status, number, notice, problem, errors = {}, issued, key }: AccountHelpProps) {
  const { t } = ctx;
  const when = (iso: string) => formatInstant(new Date(iso), ctx.locale, ctx.district.timeZone);
  const labels = { number: t('accountHelp.number') };
  const action = (path: string, field: 'studentId' | 'accountId', id: number, label: string, style = 'usa-button--outline') => (
    <form method="post" action={`/staff/account-help/${path}`} class="hr-inline-form">
      <Csrf token={ctx.csrf} />
      <input type="hidden" name={field} value={String(id)} />
      <button class={`usa-button ${style}`} type="submit">
        {label}
      </button>
    </form>
  );
  const reissue = (studentId: number, label: string) => action('reissue', 'studentId', studentId, label);
  return (
    <Layout ctx={ctx} title={t('accountHelp.title')}>
      <h1>{t('accountHelp.title')}</h1>
      <p>{t('accountHelp.intro')}</p>
      <Alert type="success" text={notice} />
      <Alert type="error" text={problem} />
      {issued ? (
        <div class="usa-alert usa-alert--warning" role="status">
          <div class="usa-alert__body">
            <p class="usa-alert__text">{t('accountHelp.issuedRandom', { name: issued.name, number: issued.studentNumber, when: when(issued.endsAt) })}</p>
            <p class="usa-alert__text">
              <code>{issued.password}</code>
            </p>
          </div>
        </div>
      ) : null}
      {key ? (
        <div class="usa-alert usa-alert--warning" role="status">
          <div class="usa-alert__body">
            <p class="usa-alert__text">{t('accountHelp.keyIssued', { username: key.username, when: when(key.expiresAt) })}</p>
            <p class="usa-alert__text">
              <code>{key.key}</code>
            </p>
          </div>
        </div>
      ) : null}
      <ErrorSummary t={t} errors={errors} labels={labels} />
      <form class="usa-form" method="get" action="/staff/account-help" novalidate>
        <Field t={t} id="number" label={labels.number} hint={t('accountHelp.numberHint')} error={errors.number}>
          <TextInput id="number" autocomplete="off" error={Boolean(errors.number)} hint value={number ?? ''} />
        </Field>
        <button class="usa-button" type="submit">
          {t('accountHelp.find')}
        </button>
      </form>
      {status ? (
        <section class="hr-panel" aria-labelledby="account-heading">
          <h2 id="account-heading">{status.studentNumber ? `${status.name} · ${status.studentNumber}` : status.name}</h2>
          <ul class="usa-list">
            <li>{status.kind === 'student' ? t('accountHelp.kindStudent') : t('accountHelp.kindParent')}</li>
            <li>{t('accountHelp.username', { username: status.username })}</li>
            <li>{t('accountHelp.school', { school: status.schools.join(', ') })}</li>
            {status.kind === 'student' ? (
              <li>
                {status.firstPassword
                  ? status.firstPassword.expired
                    ? t('accountHelp.firstExpired', { when: when(status.firstPassword.endsAt) })
                    : t('accountHelp.firstUntil', { when: when(status.firstPassword.endsAt) })
                  : t('accountHelp.ownPassword')}
              </li>
            ) : null}
            <li>{status.recoveryEmail ? t('accountHelp.hasEmail', { email: status.recoveryEmail }) : t('accountHelp.noEmail')}</li>
            <li>
              {status.waitUntil
                ? t(status.locked ? 'accountHelp.locked' : 'accountHelp.slowed', { when: when(status.waitUntil) })
                : t('accountHelp.notLocked')}
            </li>
          </ul>
          {status.waitUntil ? action('unlock', 'accountId', status.accountId, t('accountHelp.unlock'), 'usa-button--secondary') : null}
          {status.recoveryEmail ? action('reset-link', 'accountId', status.accountId, t('accountHelp.sendReset', { email: status.recoveryEmail })) : null}
          {status.recoveryEmail ? null : action('key', 'accountId', status.accountId, t('accountHelp.issueKey'))}
          {status.kind === 'student' && status.studentId !== null ? (
            ctx.district.settings.initialStudentPassword !== 'none' ? (
              <>
                {reissue(status.studentId, t('accountHelp.reissue'))}
                <p>{t('accountHelp.reissueHint', { days: ctx.district.settings.initialPasswordDays })}</p>
              </>
            ) : (
              <p>{t('accountHelp.useKey')}</p>
            )
          ) : null}
        </section>
      ) : null}
      <h2 id="first-heading">{t('accountHelp.listHeading', { count: total })}</h2>
      {lines.length === 0 ? (
        <p>{t('accountHelp.none')}</p>
      ) : (
        <TableScroll label={t('accountHelp.listHeading', { count: total })}>
          <table class="usa-table usa-table--striped usa-table--stacked">
            <thead>
              <tr>
                <th scope="col">{t('accountHelp.student')}</th>
                <th scope="col">{t('accountHelp.numberColumn')}</th>
                <th scope="col">{t('accountHelp.schoolColumn')}</th>
                <th scope="col">{t('accountHelp.kind')}</th>
                <th scope="col">{t('accountHelp.works')}</th>
                <th scope="col">{t('accountHelp.used')}</th>
                <th scope="col">{t('accountHelp.action')}</th>
              </tr>
            </thead>
            <tbody>
              {lines.map((l) => (
                <tr key={l.accountId}>
                  <th scope="row" data-label={t('accountHelp.student')}>
                    {l.name}
                  </th>
                  <td data-label={t('accountHelp.numberColumn')}>{l.studentNumber}</td>
                  <td data-label={t('accountHelp.schoolColumn')}>{`${l.school} · ${t('accountHelp.grade', { grade: l.grade })}`}</td>
                  <td data-label={t('accountHelp.kind')}>{t(l.kind === 'formula' ? 'accountHelp.formula' : 'accountHelp.random')}</td>
                  <td data-label={t('accountHelp.works')}>
                    {l.expired ? t('accountHelp.expiredOn', { when: when(l.endsAt) }) : t('accountHelp.until', { when: when(l.endsAt) })}
                  </td>
                  <td data-label={t('accountHelp.used')}>{l.usedAt ? when(l.usedAt) : t('accountHelp.notUsed')}</td>
                  <td data-label={t('accountHelp.action')}>
                    {ctx.district.settings.initialStudentPassword !== 'none' ? reissue(l.studentId, t('accountHelp.reissueFor', { name: l.name })) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </Layout>
  );
}
