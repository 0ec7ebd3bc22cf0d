/**
 * District administrators' OneRoster imports: the upload form and the runs the log keeps, an upload
 * being imported (the page reloads itself every few seconds, which the reader can stop), and one run's
 * report — what was created, updated and deactivated per kind, each file's rows, and every problem.
 */
import type { ImportReport, LoadKind } from '../../domain/oneroster/load/index.js';
import { LOAD_KINDS } from '../../domain/oneroster/load/index.js';
import type { RunSummary, UploadState } from '../../domain/oneroster/uploads.js';
import type { MessageKey } from '../../i18n/index.js';
import type { PageContext } from './context.js';
import { Alert, TableScroll } from './forms.js';
import { Layout } from './layout.js';

const KIND_LABELS: Record<LoadKind, MessageKey> = {
  schools: 'imports.kind.schools',
  sessions: 'imports.kind.sessions',
  courses: 'imports.kind.courses',
  sections: 'imports.kind.sections',
  students: 'imports.kind.students',
  staff: 'imports.kind.staff',
  guardians: 'imports.kind.guardians',
  links: 'imports.kind.links',
  enrollments: 'imports.kind.enrollments',
  teachers: 'imports.kind.teachers',
  categories: 'imports.kind.categories',
  assignments: 'imports.kind.assignments',
  scores: 'imports.kind.scores',
  attendance: 'imports.kind.attendance',
};

function statusText(ctx: PageContext, run: Pick<RunSummary, 'status' | 'dryRun' | 'report'>): string {
  const { t } = ctx;
  if (run.status === 'running') return t('imports.status.running');
  if (run.status === 'failed' || !run.report?.ok) return t('imports.status.failed');
  return run.dryRun ? t('imports.status.dryRunOk') : t('imports.status.done');
}

export function ImportsPage({
  ctx,
  runs,
  when,
  nightly,
  problem,
}: {
  ctx: PageContext;
  runs: RunSummary[];
  when: (iso: string) => string;
  /** the nightly pickup's hour, or null without an import folder */
  nightly: string | null;
  problem?: string | undefined;
}) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('imports.title')}>
      <h1>{t('imports.title')}</h1>
      <p>{t('imports.intro')}</p>
      <p>{nightly ? t('imports.nightly', { time: nightly }) : t('imports.noNightly')}</p>
      <Alert type="error" text={problem} />
      <h2>{t('imports.uploadHeading')}</h2>
      {/* The form's token is in its address: the package is read by the handler after the token is checked. */}
      <form method="post" action={`/admin/imports?_csrf=${encodeURIComponent(ctx.csrf)}`} enctype="multipart/form-data" class="usa-form usa-form--large">
        <div class="usa-form-group">
          <label class="usa-label" for="package">
            {t('imports.file')}
          </label>
          <span class="usa-hint" id="package-hint">
            {t('imports.fileHint')}
          </span>
          <input class="hr-file" id="package" name="package" type="file" accept=".zip,application/zip" aria-describedby="package-hint" required />
        </div>
        <div class="usa-checkbox">
          <input class="usa-checkbox__input" id="dry-run" type="checkbox" name="dryRun" value="1" checked />
          <label class="usa-checkbox__label" for="dry-run">
            {t('imports.dryRun')}
            <span class="usa-checkbox__label-description">{t('imports.dryRunHint')}</span>
          </label>
        </div>
        <button class="usa-button hr-primary" type="submit">
          {t('imports.upload')}
        </button>
      </form>
      <h2>{t('imports.runsHeading')}</h2>
      {runs.length === 0 ? (
        <p>{t('imports.noRuns')}</p>
      ) : (
        <TableScroll label={t('imports.runsHeading')}>
          <table class="usa-table usa-table--striped">
            <thead>
              <tr>
                <th scope="col">{t('imports.when')}</th>
                <th scope="col">{t('imports.package')}</th>
                <th scope="col">{t('imports.status')}</th>
                <th scope="col">{t('imports.problems')}</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => (
                <tr key={r.id}>
                  <th scope="row">
                    <a href={`/admin/imports/runs/${r.id}`}>{when(r.startedAt)}</a>
                  </th>
                  <td>
                    {r.source ?? '—'}
                    {/* not a grey hint: on the table's striped rows it would lack contrast */}
                    <div>{r.startedBy ? t('imports.by', { who: r.startedBy }) : t('imports.byNight')}</div>
                  </td>
                  <td>{statusText(ctx, r)}</td>
                  <td>{t('imports.problemCount', { errors: r.errors, warnings: r.warnings })}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </Layout>
  );
}

export function UploadPage({ ctx, state, self, refreshing }: { ctx: PageContext; state: UploadState; self: string; refreshing: boolean }) {
  const { t } = ctx;
  const title = state.status === 'failed' ? t('imports.couldNotRun') : state.status === 'queued' ? t('imports.queued') : t('imports.running');
  return (
    <Layout ctx={ctx} title={title}>
      <h1>{title}</h1>
      <p>{t(state.dryRun ? 'imports.uploadDryRun' : 'imports.uploadReal', { name: state.name })}</p>
      {state.progress ? (
        <>
          <label class="usa-label" for="progress">
            {t('imports.progress', { file: state.progress.file, rows: state.progress.rows })}
          </label>
          <progress id="progress" max={100} value={state.progress.percent}>
            {`${state.progress.percent} %`}
          </progress>
        </>
      ) : null}
      {state.status === 'failed' ? (
        <p>{t('imports.couldNotRunBody')}</p>
      ) : (
        <p>{refreshing ? t('imports.refreshing', { seconds: 5 }) : t('imports.notRefreshing')}</p>
      )}
      <ul class="usa-list">
        {state.status === 'failed' ? null : (
          <>
            <li>
              <a href={refreshing ? self : `${self}?auto=0`}>{t('imports.refreshNow')}</a>
            </li>
            <li>{refreshing ? <a href={`${self}?auto=0`}>{t('imports.stopRefreshing')}</a> : <a href={self}>{t('imports.startRefreshing')}</a>}</li>
          </>
        )}
        <li>
          <a href="/admin/imports">{t('imports.back')}</a>
        </li>
      </ul>
    </Layout>
  );
}

function Counts({ ctx, report }: { ctx: PageContext; report: ImportReport }) {
  const { t } = ctx;
  const columns = [
    ['created', 'imports.count.created'],
    ['updated', 'imports.count.updated'],
    ['deactivated', 'imports.count.deactivated'],
    ['reactivated', 'imports.count.reactivated'],
    ['unchanged', 'imports.count.unchanged'],
  ] as const;
  return (
    <TableScroll label={t('imports.countsHeading')}>
      <table class="usa-table usa-table--striped">
        <caption>{t('imports.countsHeading')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('imports.kind')}</th>
            {columns.map(([c, label]) => (
              <th key={c} scope="col">
                {t(label)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {LOAD_KINDS.map((k) => (
            <tr key={k}>
              <th scope="row">{t(KIND_LABELS[k])}</th>
              {columns.map(([c]) => (
                <td key={c}>{report.counts[k][c].toLocaleString(ctx.locale)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

export function RunPage({ ctx, run, when, problems }: { ctx: PageContext; run: RunSummary; when: (iso: string) => string; problems: { severity: 'error' | 'warning'; text: string }[] }) {
  const { t } = ctx;
  const report = run.report;
  const title = t('imports.runTitle', { when: when(run.startedAt) });
  return (
    <Layout ctx={ctx} title={title}>
      <h1>{title}</h1>
      <p>
        <a href="/admin/imports">{t('imports.back')}</a>
      </p>
      <dl class="hr-settings">
        <dt>{t('imports.package')}</dt>
        <dd>{run.source ?? '—'}</dd>
        <dt>{t('imports.status')}</dt>
        <dd>{statusText(ctx, run)}</dd>
        {report ? (
          <>
            <dt>{t('imports.version')}</dt>
            <dd>{report.version}</dd>
          </>
        ) : null}
      </dl>
      {!report ? (
        <p>{run.status === 'running' ? t('imports.stillRunning') : t('imports.noReport')}</p>
      ) : (
        <>
          <Alert
            type={report.ok ? 'success' : 'error'}
            text={report.ok ? (report.dryRun ? t('imports.verdict.dryRun') : t('imports.verdict.done')) : t('imports.verdict.failed')}
          />
          {report.firstImport ? <p>{t('imports.firstImport')}</p> : null}
          <Counts ctx={ctx} report={report} />
          {report.files.length > 0 ? (
            <TableScroll label={t('imports.filesHeading')}>
              <table class="usa-table usa-table--striped">
                <caption>{t('imports.filesHeading')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('imports.file.name')}</th>
                    <th scope="col">{t('imports.file.rows')}</th>
                    <th scope="col">{t('imports.file.rate')}</th>
                  </tr>
                </thead>
                <tbody>
                  {report.files.map((f) => (
                    <tr key={f.file}>
                      <th scope="row">{f.file}</th>
                      <td>{f.rows.toLocaleString(ctx.locale)}</td>
                      <td>{f.rowsPerSecond.toLocaleString(ctx.locale)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          ) : null}
          <h2>{t('imports.problemsHeading', { errors: report.errors, warnings: report.warnings })}</h2>
          {problems.length === 0 ? (
            <p>{t('imports.noProblems')}</p>
          ) : (
            <ul class="usa-list hr-problems">
              {problems.map((p, i) => (
                <li key={i}>
                  <strong>{p.severity === 'error' ? t('imports.error') : t('imports.warning')}</strong> {p.text}
                </li>
              ))}
            </ul>
          )}
          {report.omitted > 0 ? <p>{t('imports.omitted', { count: report.omitted })}</p> : null}
        </>
      )}
    </Layout>
  );
}
