/** Immunizations: each vaccine's doses against the district's requirements, and exemptions. */
import type { VaccineRecord } from '../../../domain/health/immunizations.js';
import type { VisibleStudent } from '../../../domain/people/visibility.js';
import type { PageContext } from '../context.js';
import { formatDay } from '../format.js';
import { PortalLayout } from './layout.js';
import { localName } from '../../../i18n/format.js';

export function ImmunizationsPage({ ctx, student, record }: { ctx: PageContext; student: VisibleStudent; record: { vaccines: VaccineRecord[]; compliant: boolean } }) {
  const { t, locale } = ctx;
  return (
    <PortalLayout ctx={ctx} student={student} tool="immunizations" title={t('portal.immunizations')}>
      <div class={`usa-alert usa-alert--slim usa-alert--${record.compliant ? 'success' : 'warning'}`}>
        <div class="usa-alert__body">
          <p class="usa-alert__text">{record.compliant ? t('portal.compliant') : t('portal.notCompliant')}</p>
        </div>
      </div>
      <div class="hr-stacked">
        <table class="usa-table usa-table--borderless usa-table--stacked">
          <caption>{t('portal.vaccines')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('portal.vaccine')}</th>
              <th scope="col">{t('portal.dosesGiven')}</th>
              <th scope="col">{t('portal.required')}</th>
              <th scope="col">{t('portal.state')}</th>
            </tr>
          </thead>
          <tbody>
            {record.vaccines.map((v) => (
              <tr key={v.code}>
                <th scope="row" data-label={t('portal.vaccine')}>
                  {localName(locale, v.name)}
                </th>
                <td data-label={t('portal.dosesGiven')}>{v.doses.length === 0 ? '—' : v.doses.map((d) => formatDay(d, locale, true)).join('; ')}</td>
                <td data-label={t('portal.required')}>{v.required === null ? t('portal.notRequired') : String(v.required)}</td>
                <td data-label={t('portal.state')}>
                  <span class={`usa-tag hr-vax hr-vax--${v.status}`}>{t(`portal.vax.${v.status}`)}</span>
                  {v.status === 'incomplete' ? <span class="hr-muted">{t('portal.dosesMissing', { count: v.missing })}</span> : null}
                  {v.exemption ? <span class="hr-muted">{t(`portal.exemption.${v.exemption.kind}`)}</span> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p>{t('portal.immunizationHelp')}</p>
    </PortalLayout>
  );
}
