/** Office staff: students' sign-in — first passwords still in use, a new one, a lock lifted. */
import type { FirstPasswordLine, StudentAccountStatus } from '../../domain/accounts/first-passwords.js';
import { formatInstant } from '../../email/templates.js';
import type { PageContext } from './context.js';
import { Alert, Csrf, ErrorSummary, Field, TableScroll, TextInput, type Messages } from './forms.js';
import { Layout } from './layout.js';

export interface StudentAccountsProps {
  ctx: PageContext;
  lines: FirstPasswordLine[];
  total: number;
  status?: StudentAccountStatus | null;
  number?: string;
  notice?: string;
  problem?: string;
  errors?: Messages;
  /** a random first password just issued: shown once, to hand over */
  issued?: { name: string; studentNumber: string; password: string };
}

export function StudentAccountsPage({ ctx, lines, total, status, number, notice, problem, errors = {}, issued }: StudentAccountsProps) {
  const { t } = ctx;
  const when = (iso: string) => formatInstant(new Date(iso), ctx.locale, ctx.district.timeZone);
  const labels = { number: t('studentAccounts.number') };
  const reissue = (studentId: number, label: string) => (
    <form method="post" action="/staff/student-accounts/reissue" class="hr-inline-form">
      <Csrf token={ctx.csrf} />
      <input type="hidden" name="studentId" value={String(studentId)} />
      <button class="usa-button usa-button--outline" type="submit">
        {label}
      </button>
    </form>
  );
  return (
    <Layout ctx={ctx} title={t('studentAccounts.title')}>
      <h1>{t('studentAccounts.title')}</h1>
      <p>{t('studentAccounts.intro', { days: ctx.district.settings.initialPasswordDays })}</p>
      <Alert type="success" text={notice} />
      <Alert type="error" text={problem} />
      {issued ? (
        <div class="usa-alert usa-alert--warning" role="status">
          <div class="usa-alert__body">
            <p class="usa-alert__text">{t('studentAccounts.issuedRandom', { name: issued.name, number: issued.studentNumber })}</p>
            <p class="usa-alert__text">
              <code>{issued.password}</code>
            </p>
          </div>
        </div>
      ) : null}
      <ErrorSummary t={t} errors={errors} labels={labels} />
      <form class="usa-form" method="get" action="/staff/student-accounts" novalidate>
        <Field t={t} id="number" label={labels.number} hint={t('studentAccounts.numberHint')} error={errors.number}>
          <TextInput id="number" autocomplete="off" error={Boolean(errors.number)} hint value={number ?? ''} />
        </Field>
        <button class="usa-button" type="submit">
          {t('studentAccounts.find')}
        </button>
      </form>
      {status ? (
        <section class="hr-panel" aria-labelledby="student-heading">
          <h2 id="student-heading">{`${status.name} · ${status.studentNumber}`}</h2>
          <ul class="usa-list">
            <li>{t('studentAccounts.school', { school: status.school })}</li>
            <li>
              {status.firstPassword
                ? status.firstPassword.expired
                  ? t('studentAccounts.firstExpired', { when: when(status.firstPassword.endsAt) })
                  : t('studentAccounts.firstUntil', { when: when(status.firstPassword.endsAt) })
                : t('studentAccounts.ownPassword')}
            </li>
            <li>{status.hasRecoveryEmail ? t('studentAccounts.hasEmail') : t('studentAccounts.noEmail')}</li>
            <li>
              {status.waitUntil
                ? t(status.locked ? 'studentAccounts.locked' : 'studentAccounts.slowed', { when: when(status.waitUntil) })
                : t('studentAccounts.notLocked')}
            </li>
          </ul>
          {status.waitUntil ? (
            <form method="post" action="/staff/student-accounts/unlock" class="hr-inline-form">
              <Csrf token={ctx.csrf} />
              <input type="hidden" name="studentId" value={String(status.studentId)} />
              <button class="usa-button usa-button--secondary" type="submit">
                {t('studentAccounts.unlock')}
              </button>
            </form>
          ) : null}
          {ctx.district.settings.initialStudentPassword !== 'none' ? reissue(status.studentId, t('studentAccounts.reissue')) : <p>{t('studentAccounts.useKey')}</p>}
          <p>{t('studentAccounts.reissueHint')}</p>
        </section>
      ) : null}
      <h2 id="first-heading">{t('studentAccounts.listHeading', { count: total })}</h2>
      {lines.length === 0 ? (
        <p>{t('studentAccounts.none')}</p>
      ) : (
        <TableScroll label={t('studentAccounts.listHeading', { count: total })}>
          <table class="usa-table usa-table--striped usa-table--stacked">
            <thead>
              <tr>
                <th scope="col">{t('studentAccounts.student')}</th>
                <th scope="col">{t('studentAccounts.number')}</th>
                <th scope="col">{t('studentAccounts.schoolColumn')}</th>
                <th scope="col">{t('studentAccounts.kind')}</th>
                <th scope="col">{t('studentAccounts.works')}</th>
                <th scope="col">{t('studentAccounts.used')}</th>
                <th scope="col">{t('studentAccounts.action')}</th>
              </tr>
            </thead>
            <tbody>
              {lines.map((l) => (
                <tr key={l.accountId}>
                  <th scope="row" data-label={t('studentAccounts.student')}>
                    {l.name}
                  </th>
                  <td data-label={t('studentAccounts.number')}>{l.studentNumber}</td>
                  <td data-label={t('studentAccounts.schoolColumn')}>{`${l.school} · ${t('studentAccounts.grade', { grade: l.grade })}`}</td>
                  <td data-label={t('studentAccounts.kind')}>{t(l.kind === 'formula' ? 'studentAccounts.formula' : 'studentAccounts.random')}</td>
                  <td data-label={t('studentAccounts.works')}>
                    {l.expired ? t('studentAccounts.expiredOn', { when: when(l.endsAt) }) : t('studentAccounts.until', { when: when(l.endsAt) })}
                  </td>
                  <td data-label={t('studentAccounts.used')}>{l.usedAt ? when(l.usedAt) : t('studentAccounts.notUsed')}</td>
                  <td data-label={t('studentAccounts.action')}>
                    {ctx.district.settings.initialStudentPassword !== 'none' ? reissue(l.studentId, t('studentAccounts.reissueFor', { name: l.name })) : null}
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
