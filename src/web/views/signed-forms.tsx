/** The office's forms: the list, the editor (English and Spanish side by side), and who signed. */
import type { MessageKey } from '../../i18n/index.js';
import { FIELD_KINDS, inLocale, type FieldKind, MAX_BODY, MAX_FIELDS, MAX_TITLE } from '../../domain/signed-forms/fields.js';
import type { FormSummary, SignedForm, StatusRow } from '../../domain/signed-forms/service.js';
import { formatInstant } from '../../email/templates.js';
import type { PageContext } from './context.js';
import { formatDay } from './format.js';
import { Alert, Csrf, describedBy, ErrorSummary, TableScroll, type Messages } from './forms.js';
import { Layout } from './layout.js';

const signaturePdf = (formId: number, signatureId: number) => ['', 'staff', 'forms', formId, 'signatures', `${signatureId}.pdf`].join('/');

const KIND_LABEL: Record<FieldKind, MessageKey> = { checkbox: 'forms.kind.checkbox', text: 'forms.kind.text', choice: 'forms.kind.choice' };

const audienceText = (ctx: PageContext, school: string, grade: number | null) =>
  grade === null ? ctx.t('forms.audience.school', { school }) : ctx.t('forms.audience.grade', { school, grade });

export function StaffFormsPage({ ctx, forms }: { ctx: PageContext; forms: FormSummary[] }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('forms.staff.title')}>
      <h1>{t('forms.staff.title')}</h1>
      <p>
        <a class="usa-button" href="/staff/forms/new">
          {t('forms.staff.new')}
        </a>
      </p>
      {forms.length === 0 ? (
        <p>{t('forms.staff.none')}</p>
      ) : (
        <TableScroll label={t('forms.staff.title')}>
          <table class="usa-table usa-table--borderless">
            <caption class="usa-sr-only">{t('forms.staff.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('forms.staff.form')}</th>
                <th scope="col">{t('forms.staff.audience')}</th>
                <th scope="col">{t('forms.staff.status')}</th>
                <th scope="col">{t('forms.staff.signedCount')}</th>
              </tr>
            </thead>
            <tbody>
              {forms.map((f) => (
                <tr key={f.id}>
                  <th scope="row">
                    <a href={`/staff/forms/${f.id}`}>{inLocale(f.title, ctx.locale)}</a>
                  </th>
                  <td>{audienceText(ctx, f.school, f.gradeLevel)}</td>
                  <td>{t(f.status === 'draft' ? 'forms.staff.draft' : 'forms.staff.published')}</td>
                  <td>{t('forms.staff.ofStudents', { signed: f.signed, students: f.students })}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </Layout>
  );
}

export type EditorValues = Record<string, string | undefined>;

function TextBox({ ctx, id, label, value, errors, max, long = false }: { ctx: PageContext; id: string; label: string; value: string | undefined; errors: Messages; max: number; long?: boolean }) {
  const error = errors[id];
  return (
    <div class={`usa-form-group${error ? ' usa-form-group--error' : ''}`}>
      <label class={`usa-label${error ? ' usa-label--error' : ''}`} for={id}>
        {label}
      </label>
      {error ? (
        <span class="usa-error-message" id={`${id}-error`} role="alert">
          {ctx.t(error.key, error.params)}
        </span>
      ) : null}
      {long ? (
        <textarea class="usa-textarea" id={id} name={id} rows={8} maxLength={max} aria-describedby={describedBy(id, false, Boolean(error))} aria-invalid={error ? 'true' : undefined}>
          {value ?? ''}
        </textarea>
      ) : (
        <input class="usa-input" id={id} name={id} type="text" maxLength={max} value={value ?? ''} aria-describedby={describedBy(id, false, Boolean(error))} aria-invalid={error ? 'true' : undefined} />
      )}
    </div>
  );
}

export function FormEditorPage({
  ctx,
  form,
  schools,
  values,
  errors = {},
}: {
  ctx: PageContext;
  /** null: a new form */
  form: SignedForm | null;
  schools: { id: number; name: string; grade_low: number; grade_high: number }[];
  values: EditorValues;
  errors?: Messages;
}) {
  const { t } = ctx;
  const title = form ? t('forms.staff.edit') : t('forms.staff.new');
  const locked = form?.status === 'published';
  const labels: Record<string, string> = {
    titleEn: t('forms.field.titleEn'),
    titleEs: t('forms.field.titleEs'),
    bodyEn: t('forms.field.bodyEn'),
    bodyEs: t('forms.field.bodyEs'),
    dueDate: t('forms.field.dueDate'),
    schoolId: t('forms.field.school'),
    gradeLevel: t('forms.field.grade'),
  };
  for (let n = 1; n <= MAX_FIELDS; n++) {
    labels[`field${n}.kind`] = t('forms.field.kind', { n });
    labels[`field${n}.labelEn`] = t('forms.field.labelEn', { n });
    labels[`field${n}.labelEs`] = t('forms.field.labelEs', { n });
    labels[`field${n}.options`] = t('forms.field.options', { n });
  }
  const grades = [...new Set(schools.flatMap((s) => Array.from({ length: s.grade_high - s.grade_low + 1 }, (_, i) => s.grade_low + i)))].sort((a, b) => a - b);
  return (
    <Layout ctx={ctx} title={title}>
      <p>
        <a href={form ? `/staff/forms/${form.id}` : '/staff/forms'}>{t('forms.staff.back')}</a>
      </p>
      <h1>{title}</h1>
      <ErrorSummary t={t} errors={errors} labels={labels} />
      {locked ? <p>{t('forms.staff.versionNote')}</p> : null}
      <form method="post" action={form ? `/staff/forms/${form.id}/edit` : '/staff/forms/new'} class="usa-form usa-form--large hr-form-wide" novalidate>
        <Csrf token={ctx.csrf} />
        {locked && form ? (
          <p>{audienceText(ctx, form.school, form.gradeLevel)}</p>
        ) : (
          <>
            <div class={`usa-form-group${errors.schoolId ? ' usa-form-group--error' : ''}`}>
              <label class="usa-label" for="schoolId">
                {labels.schoolId}
              </label>
              {errors.schoolId ? (
                <span class="usa-error-message" id="schoolId-error" role="alert">
                  {t(errors.schoolId.key)}
                </span>
              ) : null}
              <select class="usa-select" id="schoolId" name="schoolId" aria-describedby={describedBy('schoolId', false, Boolean(errors.schoolId))}>
                {schools.map((s) => (
                  <option key={s.id} value={String(s.id)} selected={values.schoolId === String(s.id)}>
                    {s.name}
                  </option>
                ))}
              </select>
            </div>
            <div class={`usa-form-group${errors.gradeLevel ? ' usa-form-group--error' : ''}`}>
              <label class="usa-label" for="gradeLevel">
                {labels.gradeLevel}
              </label>
              {errors.gradeLevel ? (
                <span class="usa-error-message" id="gradeLevel-error" role="alert">
                  {t(errors.gradeLevel.key)}
                </span>
              ) : null}
              <select class="usa-select" id="gradeLevel" name="gradeLevel" aria-describedby={describedBy('gradeLevel', false, Boolean(errors.gradeLevel))}>
                <option value="">{t('forms.field.allGrades')}</option>
                {grades.map((g) => (
                  <option key={g} value={String(g)} selected={values.gradeLevel === String(g)}>
                    {t('home.gradeN', { grade: g })}
                  </option>
                ))}
              </select>
            </div>
          </>
        )}
        <div class="grid-row grid-gap">
          <div class="tablet:grid-col-6">
            <TextBox ctx={ctx} id="titleEn" label={labels.titleEn!} value={values.titleEn} errors={errors} max={MAX_TITLE} />
            <TextBox ctx={ctx} id="bodyEn" label={labels.bodyEn!} value={values.bodyEn} errors={errors} max={MAX_BODY} long />
          </div>
          <div class="tablet:grid-col-6">
            <TextBox ctx={ctx} id="titleEs" label={labels.titleEs!} value={values.titleEs} errors={errors} max={MAX_TITLE} />
            <TextBox ctx={ctx} id="bodyEs" label={labels.bodyEs!} value={values.bodyEs} errors={errors} max={MAX_BODY} long />
          </div>
        </div>
        <div class={`usa-form-group${errors.dueDate ? ' usa-form-group--error' : ''}`}>
          <label class="usa-label" for="dueDate">
            {labels.dueDate}
          </label>
          <div class="usa-hint" id="dueDate-hint">
            {t('forms.field.dueDateHint')}
          </div>
          {errors.dueDate ? (
            <span class="usa-error-message" id="dueDate-error" role="alert">
              {t(errors.dueDate.key)}
            </span>
          ) : null}
          <input class="usa-input usa-input--medium" id="dueDate" name="dueDate" type="date" value={values.dueDate ?? ''} aria-describedby={describedBy('dueDate', true, Boolean(errors.dueDate))} />
        </div>
        <h2>{t('forms.field.heading')}</h2>
        <p>{t('forms.field.intro')}</p>
        {Array.from({ length: MAX_FIELDS }, (_, i) => i + 1).map((n) => {
          const p = `field${n}.`;
          return (
            <fieldset class="usa-fieldset hr-field-row" key={n}>
              <legend class="usa-legend">{t('forms.field.legend', { n })}</legend>
              <div class={`usa-form-group${errors[`${p}kind`] ? ' usa-form-group--error' : ''}`}>
                <label class="usa-label" for={`${p}kind`}>
                  {t('forms.field.kindLabel')}
                </label>
                <select class="usa-select" id={`${p}kind`} name={`${p}kind`}>
                  <option value="">{t('forms.kind.none')}</option>
                  {FIELD_KINDS.map((k) => (
                    <option key={k} value={k} selected={values[`${p}kind`] === k}>
                      {t(KIND_LABEL[k])}
                    </option>
                  ))}
                </select>
              </div>
              <div class="grid-row grid-gap">
                <div class="tablet:grid-col-6">
                  <TextBox ctx={ctx} id={`${p}labelEn`} label={t('forms.field.labelEnShort')} value={values[`${p}labelEn`]} errors={errors} max={300} />
                </div>
                <div class="tablet:grid-col-6">
                  <TextBox ctx={ctx} id={`${p}labelEs`} label={t('forms.field.labelEsShort')} value={values[`${p}labelEs`]} errors={errors} max={300} />
                </div>
              </div>
              <div class={`usa-form-group${errors[`${p}options`] ? ' usa-form-group--error' : ''}`}>
                <label class="usa-label" for={`${p}options`}>
                  {t('forms.field.optionsLabel')}
                </label>
                <div class="usa-hint" id={`${p}options-hint`}>
                  {t('forms.field.optionsHint')}
                </div>
                {errors[`${p}options`] ? (
                  <span class="usa-error-message" id={`${p}options-error`} role="alert">
                    {t(errors[`${p}options`]!.key)}
                  </span>
                ) : null}
                <textarea class="usa-textarea" id={`${p}options`} name={`${p}options`} rows={3} maxLength={2000} aria-describedby={describedBy(`${p}options`, true, Boolean(errors[`${p}options`]))}>
                  {values[`${p}options`] ?? ''}
                </textarea>
              </div>
              <div class="usa-checkbox">
                <input class="usa-checkbox__input" id={`${p}required`} name={`${p}required`} type="checkbox" checked={values[`${p}required`] === 'on'} />
                <label class="usa-checkbox__label" for={`${p}required`}>
                  {t('forms.field.required')}
                </label>
              </div>
            </fieldset>
          );
        })}
        <button type="submit" class="usa-button">
          {t('forms.staff.save')}
        </button>
      </form>
    </Layout>
  );
}

export function FormStatusPage({ ctx, form, rows, notice, problem }: { ctx: PageContext; form: SignedForm; rows: StatusRow[]; notice?: string | undefined; problem?: string | undefined }) {
  const { t } = ctx;
  const title = inLocale(form.title, ctx.locale);
  const signed = rows.filter((r) => r.signature).length;
  return (
    <Layout ctx={ctx} title={title}>
      <p>
        <a href="/staff/forms">{t('forms.staff.back')}</a>
      </p>
      <h1>{title}</h1>
      <Alert type="success" text={notice} />
      <Alert type="error" text={problem} />
      <p>
        {audienceText(ctx, form.school, form.gradeLevel)} · {form.dueDate ? t('forms.dueOn', { date: formatDay(form.dueDate, ctx.locale, true) }) : t('forms.noDue')} ·{' '}
        {t(form.status === 'draft' ? 'forms.staff.draft' : 'forms.staff.published')} · {t('forms.staff.versionN', { version: form.current.version })}
      </p>
      <ul class="hr-actions">
        <li>
          <a class="usa-button usa-button--outline" href={`/staff/forms/${form.id}/edit`}>
            {t('forms.staff.edit')}
          </a>
        </li>
        {form.status === 'draft' ? (
          <li>
            <form method="post" action={`/staff/forms/${form.id}/publish`}>
              <Csrf token={ctx.csrf} />
              <button type="submit" class="usa-button">
                {t('forms.staff.publish')}
              </button>
            </form>
          </li>
        ) : (
          <>
            <li>
              <a class="usa-button usa-button--outline" href={`/staff/forms/${form.id}/signatures.csv`}>
                {t('forms.staff.csv')}
              </a>
            </li>
            <li>
              <form method="post" action={`/staff/forms/${form.id}/remind`}>
                <Csrf token={ctx.csrf} />
                <button type="submit" class="usa-button usa-button--secondary">
                  {t('forms.staff.remind')}
                </button>
              </form>
            </li>
          </>
        )}
      </ul>
      {form.remindedAt ? <p>{t('forms.staff.remindedAt', { when: formatInstant(new Date(form.remindedAt), ctx.locale, ctx.district.timeZone) })}</p> : null}
      <h2>{t('forms.staff.signedCountHeading', { signed, students: rows.length })}</h2>
      {rows.length === 0 ? (
        <p>{t('forms.staff.noStudents')}</p>
      ) : (
        <TableScroll label={t('forms.staff.whoSigned')}>
          <table class="usa-table usa-table--borderless">
            <caption class="usa-sr-only">{t('forms.staff.whoSigned')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('forms.staff.student')}</th>
                <th scope="col">{t('forms.staff.guardians')}</th>
                <th scope="col">{t('forms.staff.signature')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.studentId}>
                  <th scope="row">{`${r.student} (${r.studentNumber})`}</th>
                  <td>{r.guardians.length === 0 ? t('forms.staff.noGuardians') : r.guardians.map((g) => g.name).join(', ')}</td>
                  <td>
                    {r.signature ? (
                      <>
                        {t('forms.signedBy', { name: r.signature.signer, when: formatInstant(new Date(r.signature.signedAt), ctx.locale, ctx.district.timeZone) })}
                        {r.signature.late ? ` · ${t('forms.late')}` : ''} ·{' '}
                        <a href={signaturePdf(form.id, r.signature.id)}>{t('forms.staff.pdf', { student: r.student })}</a>
                      </>
                    ) : (
                      t('forms.staff.notSigned')
                    )}
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
