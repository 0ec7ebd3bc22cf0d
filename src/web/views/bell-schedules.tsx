/** District administrators: each school's bell schedule (its periods and their times). */
import type { BellProblem } from '../../domain/scheduling/bell-schedules.js';
import type { PageContext } from './context.js';
import { Alert, Csrf, ErrorSummary, Field, TableScroll, TextInput, type Messages } from './forms.js';
import { Layout } from './layout.js';

export function BellSchoolsPage({ ctx, schools }: { ctx: PageContext; schools: { id: number; name: string; periods: number; sectionsWithoutPeriod: number }[] }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('bells.title')}>
      <p>
        <a href="/admin/settings">{t('settings.title')}</a>
      </p>
      <h1>{t('bells.title')}</h1>
      <p>{t('bells.intro')}</p>
      <TableScroll label={t('bells.title')}>
        <table class="usa-table usa-table--borderless hr-table">
          <thead>
            <tr>
              <th scope="col">{t('bells.school')}</th>
              <th scope="col">{t('bells.periods')}</th>
              <th scope="col">{t('bells.withoutPeriod')}</th>
            </tr>
          </thead>
          <tbody>
            {schools.map((s) => (
              <tr key={s.id}>
                <th scope="row">
                  <a href={`/admin/bell-schedules/${s.id}`}>{s.name}</a>
                </th>
                <td>{s.periods === 0 ? t('bells.none') : t('bells.periodCount', { n: s.periods })}</td>
                <td>{t('bells.sectionCount', { n: s.sectionsWithoutPeriod })}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </Layout>
  );
}

/** One row of the form: an existing period (with its id and use) or a new one. */
export interface BellFormRow {
  id: number | null;
  name: string;
  start: string;
  end: string;
  instructional: boolean;
  remove: boolean;
  sections: number;
  records: number;
}

export function BellSchedulePage({
  ctx,
  school,
  schoolId,
  rows,
  problems = [],
  notice,
  others,
  sectionsWithoutPeriod,
}: {
  ctx: PageContext;
  school: string;
  schoolId: number;
  rows: BellFormRow[];
  problems?: BellProblem[];
  notice?: string | undefined;
  /** the other schools that have periods, to copy from */
  others: { id: number; name: string }[];
  sectionsWithoutPeriod: number;
}) {
  const { t } = ctx;
  const title = t('bells.schoolTitle', { school });
  const errors: Messages = {};
  const labels: Record<string, string> = {};
  const general: string[] = [];
  for (const p of problems) {
    if (p.row === null || p.field === null || p.field === 'remove') {
      general.push(t(p.key, p.params));
      continue;
    }
    const id = `${p.field}-${p.row}`;
    if (errors[id]) continue;
    errors[id] = { key: p.key, ...(p.params ? { params: p.params } : {}) };
    labels[id] = `${t('bells.periodN', { n: p.row + 1 })}, ${t(`bells.${p.field}`)}`;
  }
  return (
    <Layout ctx={ctx} title={title}>
      <p>
        <a href="/admin/bell-schedules">{t('bells.title')}</a>
      </p>
      <h1>{title}</h1>
      <Alert type="success" text={notice} />
      {general.length > 0 ? (
        <div class="usa-alert usa-alert--error" role="alert">
          <div class="usa-alert__body">
            <ul class="usa-list hr-error-list">
              {general.map((g) => (
                <li key={g}>{g}</li>
              ))}
            </ul>
          </div>
        </div>
      ) : null}
      <ErrorSummary t={t} errors={errors} labels={labels} />
      <p>{t('bells.explain')}</p>
      {sectionsWithoutPeriod > 0 ? <Alert type="info" text={t('bells.withoutPeriodNote', { n: sectionsWithoutPeriod })} /> : null}
      {others.length > 0 ? (
        <form method="get" action={`/admin/bell-schedules/${schoolId}`} class="usa-form">
          <label class="usa-label" for="copy">
            {t('bells.copyFrom')}
          </label>
          <select class="usa-select" id="copy" name="copy">
            {others.map((o) => (
              <option key={o.id} value={String(o.id)}>
                {o.name}
              </option>
            ))}
          </select>
          <button class="usa-button usa-button--outline" type="submit">
            {t('bells.copy')}
          </button>
        </form>
      ) : null}
      <form class="usa-form usa-form--large" method="post" action={`/admin/bell-schedules/${schoolId}`} novalidate>
        <Csrf token={ctx.csrf} />
        <input type="hidden" name="rows" value={String(rows.length)} />
        {rows.map((row, i) => {
          const e = (field: string) => errors[`${field}-${i}`];
          return (
            <fieldset class="usa-fieldset hr-panel" key={i}>
              <legend class="usa-legend">{row.id === null && !row.name ? t('bells.newPeriod', { n: i + 1 }) : t('bells.periodN', { n: i + 1 })}</legend>
              {row.id !== null ? <input type="hidden" name={`id-${i}`} value={String(row.id)} /> : null}
              <Field t={t} id={`name-${i}`} label={t('bells.name')} error={e('name')}>
                <TextInput id={`name-${i}`} autocomplete="off" autocapitalize="words" error={Boolean(e('name'))} value={row.name} required={false} maxLength={80} />
              </Field>
              <Field t={t} id={`start-${i}`} label={t('bells.start')} error={e('start')}>
                <TextInput id={`start-${i}`} type="time" autocomplete="off" small error={Boolean(e('start'))} value={row.start} required={false} />
              </Field>
              <Field t={t} id={`end-${i}`} label={t('bells.end')} error={e('end')}>
                <TextInput id={`end-${i}`} type="time" autocomplete="off" small error={Boolean(e('end'))} value={row.end} required={false} />
              </Field>
              <div class="usa-checkbox">
                <input class="usa-checkbox__input" type="checkbox" id={`instructional-${i}`} name={`instructional-${i}`} value="1" checked={row.instructional} />
                <label class="usa-checkbox__label" for={`instructional-${i}`}>
                  {t('bells.instructional')}
                </label>
              </div>
              {row.id !== null ? (
                <div class="usa-checkbox">
                  <input class="usa-checkbox__input" type="checkbox" id={`remove-${i}`} name={`remove-${i}`} value="1" checked={row.remove} />
                  <label class="usa-checkbox__label" for={`remove-${i}`}>
                    {t('bells.remove')}
                    {row.sections > 0 || row.records > 0 ? (
                      <span class="usa-checkbox__label-description">{t('bells.inUse', { sections: row.sections, records: row.records })}</span>
                    ) : null}
                  </label>
                </div>
              ) : null}
            </fieldset>
          );
        })}
        <div class="hr-actions">
          <button class="usa-button hr-primary" type="submit" name="action" value="save">
            {t('bells.save')}
          </button>
          <button class="usa-button usa-button--outline" type="submit" name="action" value="more">
            {t('bells.more')}
          </button>
        </div>
      </form>
    </Layout>
  );
}
