/** District administrators' pages. */
import type { PageContext } from './context.js';
import { Alert, Csrf } from './forms.js';
import { Layout } from './layout.js';
import { TableScroll } from './forms.js';
import type { MailCounts, MailProblem } from '../../domain/system/mail-status.js';

export interface RunView {
  id: number;
  startedAt: string;
  status: 'running' | 'done' | 'failed' | 'interrupted';
  /** when the interrupted run this one resumed had started */
  resumedFrom: string | null;
  created: number;
  hasAccount: number;
  noEmail: number;
  sharedEmail: number;
  noPortal: number;
  usernameTaken: number;
}

export function ParentRunsPage({ ctx, runs, notice, info }: { ctx: PageContext; runs: RunView[]; notice?: string | undefined; info?: string | undefined }) {
  const { t, district } = ctx;
  const columns: [keyof RunView, string][] = [
    ['created', t('parentRuns.created')],
    ['hasAccount', t('parentRuns.hasAccount')],
    ['noEmail', t('parentRuns.noEmail')],
    ['sharedEmail', t('parentRuns.sharedEmail')],
    ['noPortal', t('parentRuns.noPortal')],
    ['usernameTaken', t('parentRuns.usernameTaken')],
  ];
  return (
    <Layout ctx={ctx} title={t('parentRuns.title')}>
      <h1>{t('parentRuns.title')}</h1>
      <Alert type="success" text={notice} />
      <Alert type="info" text={info} />
      <p>{t('parentRuns.intro', { time: district.settings.parentAccountsAt })}</p>
      <form method="post" action="/admin/parent-accounts/run">
        <Csrf token={ctx.csrf} />
        <button class="usa-button hr-primary" type="submit">
          {t('parentRuns.runNow')}
        </button>
      </form>
      {runs.length === 0 ? (
        <p>{t('parentRuns.none')}</p>
      ) : (
        <div class="usa-table-container--scrollable" tabindex={0} aria-label={t('parentRuns.title')}>
          <table class="usa-table usa-table--striped">
            <thead>
              <tr>
                <th scope="col">{t('parentRuns.when')}</th>
                <th scope="col">{t('parentRuns.status')}</th>
                {columns.map(([key, label]) => (
                  <th key={key} scope="col">
                    {label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => (
                <tr key={r.id}>
                  <th scope="row">{r.startedAt}</th>
                  <td>
                    {t(`parentRuns.status.${r.status}`)}
                    {r.resumedFrom ? <div class="usa-hint">{t('parentRuns.resumed', { time: r.resumedFrom })}</div> : null}
                  </td>
                  {columns.map(([key]) => (
                    <td key={key}>{String(r[key])}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p>{t('parentRuns.keysHint')}</p>
      <ul class="usa-list">
        <li>
          <a href="/admin/parent-accounts/need-keys.csv">{t('parentRuns.needKeysCsv')}</a>
        </li>
        <li>
          <a href="/staff/activation-keys">{t('nav.staffKeys')}</a>
        </li>
      </ul>
    </Layout>
  );
}

/** Email delivery: what waits, fails or was given up, with the last error and "retry now". */
export function MailPage({
  ctx,
  counts,
  problems,
  notice,
  problem,
  when,
}: {
  ctx: PageContext;
  counts: MailCounts;
  problems: MailProblem[];
  notice?: string | undefined;
  problem?: string | undefined;
  when: (iso: string) => string;
}) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('mail.title')}>
      <h1>{t('mail.title')}</h1>
      <p>{t('mail.intro')}</p>
      <Alert type="success" text={notice} />
      <Alert type="error" text={problem} />
      <ul class="usa-list">
        <li>{t('mail.queued', { count: counts.queued })}</li>
        <li>{t('mail.failing', { count: counts.failing })}</li>
        <li>{t('mail.gaveUp', { count: counts.gaveUp })}</li>
        <li>{t('mail.sentToday', { count: counts.sentToday })}</li>
      </ul>
      <h2 id="problems-heading">{t('mail.problemsHeading')}</h2>
      {problems.length === 0 ? (
        <p>{t('mail.noProblems')}</p>
      ) : (
        <TableScroll label={t('mail.problemsHeading')}>
          <table class="usa-table usa-table--striped usa-table--stacked">
            <thead>
              <tr>
                <th scope="col">{t('mail.written')}</th>
                <th scope="col">{t('mail.to')}</th>
                <th scope="col">{t('mail.subject')}</th>
                <th scope="col">{t('mail.state')}</th>
                <th scope="col">{t('mail.lastError')}</th>
                <th scope="col">{t('mail.action')}</th>
              </tr>
            </thead>
            <tbody>
              {problems.map((m) => (
                <tr key={m.id}>
                  <th scope="row" data-label={t('mail.written')}>
                    {when(m.createdAt)}
                  </th>
                  <td data-label={t('mail.to')}>{m.to}</td>
                  <td data-label={t('mail.subject')}>{m.subject}</td>
                  <td data-label={t('mail.state')}>{m.gaveUp ? t('mail.stateGaveUp', { attempts: m.attempts }) : t('mail.stateFailing', { attempts: m.attempts })}</td>
                  <td data-label={t('mail.lastError')}>{m.lastError ?? ''}</td>
                  <td data-label={t('mail.action')}>
                    <form method="post" action="/admin/mail/retry">
                      <Csrf token={ctx.csrf} />
                      <input type="hidden" name="id" value={String(m.id)} />
                      <button class="usa-button usa-button--outline" type="submit">
                        {t('mail.retry')}
                      </button>
                    </form>
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
