/** What-if: hypothetical scores for a class's assignments, or one more assignment, and the grade they would make. */
import type { ClassGrades } from '../../../domain/gradebook/grades.js';
import type { WhatIfResult } from '../../../domain/gradebook/what-if.js';
import { toolUrl } from '../../../domain/portal/tools.js';
import type { VisibleStudent } from '../../../domain/people/visibility.js';
import type { PageContext } from '../context.js';
import { describedBy, ErrorSummary, type Messages } from '../forms.js';
import { formatDay, formatPoints } from '../format.js';
import { PortalLayout } from './layout.js';
import { GradeValue } from './parts.js';
import { localName } from '../../../i18n/format.js';

export function WhatIfPage({
  ctx,
  student,
  grades,
  periodId,
  result,
  values,
  errors,
}: {
  ctx: PageContext;
  student: VisibleStudent;
  grades: ClassGrades;
  periodId: number;
  result: WhatIfResult | null;
  values: Record<string, string>;
  errors: Messages;
}) {
  const { t, locale } = ctx;
  const c = grades.class;
  const period = grades.periods.find((p) => p.period.id === periodId)!;
  const assignments = grades.assignments.filter((a) => a.periodId === periodId);
  const base = `${toolUrl(student.id, 'grades', c.sectionId)}/what-if`;
  const labels: Record<string, string> = {
    ...Object.fromEntries(assignments.map((a) => [`a${a.id}`, a.title])),
    pts: t('portal.whatIfPoints'),
    of: t('portal.whatIfOutOf'),
  };
  const message = (field: string) => (errors[field] ? t(errors[field].key, errors[field].params) : null);
  return (
    <PortalLayout ctx={ctx} student={student} tool="grades" title={t('portal.whatIf')}>
      <p>
        <a href={`${toolUrl(student.id, 'grades', c.sectionId)}?term=${periodId}`}>{t('portal.backToClass', { course: c.courseTitle })}</a>
      </p>
      <p>{t('portal.whatIfIntro', { course: c.courseTitle, period: localName(ctx.locale, period.period.title) })}</p>
      <ErrorSummary t={t} errors={errors} labels={labels} />
      {result ? (
        <div class="usa-summary-box" role="status">
          <div class="usa-summary-box__body">
            <p class="usa-summary-box__text">
              {`${t('portal.whatIfNow')}: `}
              <GradeValue ctx={ctx} percent={result.now.percent} letter={result.now.letter} />
            </p>
            <p class="usa-summary-box__text">
              <strong>{`${t('portal.whatIfThen')}: `}</strong>
              <GradeValue ctx={ctx} percent={result.hypothetical.percent} letter={result.hypothetical.letter} />
            </p>
            <p class="usa-summary-box__text">{t('portal.whatIfNotSaved')}</p>
          </div>
        </div>
      ) : null}
      <form class="usa-form usa-form--large" method="get" action={base}>
        <input type="hidden" name="term" value={String(periodId)} />
        {assignments.map((a) => {
          const id = `a${a.id}`;
          const hint = `${a.category} · ${formatDay(a.due, locale)} · ${t('portal.outOf', { points: formatPoints(a.pointsPossible, locale) })}${a.missing ? ` · ${t('portal.flag.missing')}` : ''}${a.exempt ? ` · ${t('portal.flag.exempt')}` : ''}`;
          return (
            <div class={`usa-form-group${errors[id] ? ' usa-form-group--error' : ''}`} key={a.id}>
              <label class="usa-label" for={id}>
                {a.title}
              </label>
              <div class="usa-hint" id={`${id}-hint`}>
                {hint}
              </div>
              {errors[id] ? (
                <span class="usa-error-message" id={`${id}-error`}>
                  {message(id)}
                </span>
              ) : null}
              <input
                class={`usa-input usa-input--small${errors[id] ? ' usa-input--error' : ''}`}
                id={id}
                name={id}
                type="text"
                inputmode="decimal"
                autocomplete="off"
                value={values[id] ?? (a.points === null ? '' : String(a.points))}
                aria-describedby={describedBy(id, true, Boolean(errors[id]))}
                aria-invalid={errors[id] ? 'true' : undefined}
              />
            </div>
          );
        })}
        <fieldset class="usa-fieldset">
          <legend class="usa-legend">{t('portal.whatIfExtra')}</legend>
          <label class="usa-label" for="cat">
            {t('portal.category')}
          </label>
          <select class="usa-select" id="cat" name="cat">
            {grades.categories.map((k) => (
              <option key={k.id} value={String(k.id)} selected={values.cat === String(k.id)}>
                {k.name}
              </option>
            ))}
          </select>
          <div class={`usa-form-group${errors.pts ? ' usa-form-group--error' : ''}`}>
            <label class="usa-label" for="pts">
              {t('portal.whatIfPoints')}
            </label>
            {errors.pts ? (
              <span class="usa-error-message" id="pts-error">
                {message('pts')}
              </span>
            ) : null}
            <input class="usa-input usa-input--small" id="pts" name="pts" type="text" inputmode="decimal" autocomplete="off" value={values.pts ?? ''} aria-describedby={errors.pts ? 'pts-error' : undefined} />
          </div>
          <div class={`usa-form-group${errors.of ? ' usa-form-group--error' : ''}`}>
            <label class="usa-label" for="of">
              {t('portal.whatIfOutOf')}
            </label>
            {errors.of ? (
              <span class="usa-error-message" id="of-error">
                {message('of')}
              </span>
            ) : null}
            <input class="usa-input usa-input--small" id="of" name="of" type="text" inputmode="decimal" autocomplete="off" value={values.of ?? ''} aria-describedby={errors.of ? 'of-error' : undefined} />
          </div>
        </fieldset>
        <button class="usa-button hr-primary" type="submit">
          {t('portal.whatIfCalculate')}
        </button>
      </form>
    </PortalLayout>
  );
}
