/** The nurse's health records: the student lookup, a student's immunization record, a dose's correction, the compliance list. */
import type { ComplianceLine, DoseLine, HealthRecord } from '../../domain/health/records.js';
import { DOSE_SOURCES, EXEMPTION_KINDS } from '../../domain/health/records.js';
import type { DoseSource } from '../../db/schema.js';
import type { Locale, MessageKey, Translate } from '../../i18n/index.js';
import { localName, type LocalName } from '../../i18n/format.js';
import type { PageContext } from './context.js';
import { formatDay } from './format.js';
import { Alert, Csrf, ErrorSummary, Field, TableScroll, TextInput, describedBy, type Messages } from './forms.js';
import { Layout } from './layout.js';

/** A select wired to its hint and error, the first option empty. */
function Select({
  id,
  value,
  error,
  hint = false,
  empty,
  options,
}: {
  id: string;
  value: string;
  error: boolean;
  hint?: boolean;
  empty?: string;
  options: { value: string; label: string }[];
}) {
  return (
    <select
      class={`usa-select${error ? ' usa-input--error' : ''}`}
      id={id}
      name={id}
      aria-describedby={describedBy(id, hint, error)}
      aria-invalid={error ? 'true' : undefined}
    >
      {empty !== undefined ? <option value="">{empty}</option> : null}
      {options.map((o) => (
        <option key={o.value} value={o.value} selected={o.value === value}>
          {o.label}
        </option>
      ))}
    </select>
  );
}

function DateInput({ id, value, error, hint = false, required = true }: { id: string; value: string; error: boolean; hint?: boolean; required?: boolean }) {
  return <TextInput id={id} type="date" autocomplete="off" error={error} hint={hint} value={value} required={required} small />;
}

const SOURCE_NAMES: Record<DoseSource, MessageKey> = {
  school_clinic: 'health.sourceNames.school_clinic',
  provider_record: 'health.sourceNames.provider_record',
  state_registry: 'health.sourceNames.state_registry',
};
const KIND_NAMES: Record<(typeof EXEMPTION_KINDS)[number], MessageKey> = { medical: 'health.kinds.medical', religious: 'health.kinds.religious', personal: 'health.kinds.personal' };

const sourceName = (t: Translate, source: DoseLine['source']) => (source ? t(SOURCE_NAMES[source]) : t('health.sourceUnknown'));

/** The dose fields, for recording and for correcting. */
function DoseFields({ t, locale, vaccines, values, errors }: { t: Translate; locale: Locale; vaccines: { id: number; name: LocalName }[]; values: Record<string, string>; errors: Messages }) {
  return (
    <>
      <Field t={t} id="vaccine" label={t('health.vaccine')} error={errors.vaccine}>
        <Select id="vaccine" value={values.vaccine ?? ''} error={Boolean(errors.vaccine)} empty={t('health.chooseVaccine')} options={vaccines.map((v) => ({ value: String(v.id), label: localName(locale, v.name) }))} />
      </Field>
      <Field t={t} id="date" label={t('health.date')} error={errors.date}>
        <DateInput id="date" value={values.date ?? ''} error={Boolean(errors.date)} />
      </Field>
      <Field t={t} id="source" label={t('health.source')} error={errors.source}>
        <Select
          id="source"
          value={values.source ?? ''}
          error={Boolean(errors.source)}
          empty={t('health.chooseSource')}
          options={DOSE_SOURCES.map((s) => ({ value: s, label: t(SOURCE_NAMES[s]) }))}
        />
      </Field>
    </>
  );
}

function Lookup({ ctx, number, errors }: { ctx: PageContext; number: string; errors: Messages }) {
  const { t } = ctx;
  return (
    <form class="usa-form" method="get" action="/staff/health" novalidate>
      <Field t={t} id="number" label={t('health.number')} hint={t('health.numberHint')} error={errors.number}>
        <TextInput id="number" autocomplete="off" error={Boolean(errors.number)} hint value={number} inputmode="numeric" />
      </Field>
      <button class="usa-button" type="submit">
        {t('health.find')}
      </button>
    </form>
  );
}

export function HealthSearchPage({ ctx, number = '', errors = {} }: { ctx: PageContext; number?: string; errors?: Messages }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('health.title')}>
      <h1>{t('health.title')}</h1>
      <p>{t('health.intro')}</p>
      <ErrorSummary t={t} errors={errors} labels={{ number: t('health.number') }} />
      <Lookup ctx={ctx} number={number} errors={errors} />
      <p>
        <a href="/staff/health/compliance">{t('health.complianceLink')}</a>
      </p>
    </Layout>
  );
}

export interface HealthRecordProps {
  ctx: PageContext;
  record: HealthRecord;
  notice?: string | undefined;
  problem?: string | undefined;
  /** what was typed in a form that came back with errors */
  values?: Record<string, string>;
  errors?: Messages;
}

export function HealthRecordPage({ ctx, record, notice, problem, values = {}, errors = {} }: HealthRecordProps) {
  const { t, locale } = ctx;
  const { student, status } = record;
  const day = (d: string) => formatDay(d, locale, true);
  const base = `/staff/health/students/${student.id}`;
  const labels = {
    vaccine: t('health.vaccine'),
    date: t('health.date'),
    source: t('health.source'),
    exemptionVaccine: t('health.vaccine'),
    kind: t('health.kind'),
    granted: t('health.granted'),
    expires: t('health.expires'),
  };
  const removeButton = (action: string, what: string) => (
    <form method="post" action={action} class="hr-inline-form">
      <Csrf token={ctx.csrf} />
      <button class="usa-button usa-button--unstyled" type="submit">
        {t('health.remove')}
        <span class="usa-sr-only">{` ${what}`}</span>
      </button>
    </form>
  );
  return (
    <Layout ctx={ctx} title={t('health.studentHeading', { name: student.name, number: student.number })}>
      <p>
        <a href="/staff/health">{t('health.backToSearch')}</a>
      </p>
      <h1>{t('health.studentHeading', { name: student.name, number: student.number })}</h1>
      <p>{t('health.studentFacts', { grade: student.grade, school: student.school, birth: day(student.birthDate) })}</p>
      <Alert type="success" text={notice} />
      <Alert type="error" text={problem} />
      <ErrorSummary t={t} errors={errors} labels={labels} />
      <Alert type={status.compliant ? 'info' : 'warning'} text={status.compliant ? t('health.compliant') : t('health.notCompliant')} />

      <TableScroll label={t('health.requirements')}>
        <table class="usa-table usa-table--borderless">
          <caption>{t('health.requirements')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('health.vaccine')}</th>
              <th scope="col">{t('health.required')}</th>
              <th scope="col">{t('health.counted')}</th>
              <th scope="col">{t('health.status')}</th>
            </tr>
          </thead>
          <tbody>
            {status.vaccines.map((v) => (
              <tr key={v.code}>
                <th scope="row">{localName(locale, v.name)}</th>
                <td>{v.required === null ? t('portal.notRequired') : String(v.required)}</td>
                <td>{String(v.doses.length)}</td>
                <td>
                  {t(`portal.vax.${v.status}`)}
                  {v.status === 'incomplete' ? ` · ${t('health.missingDoses', { count: v.missing })}` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>

      <h2>{t('health.doses')}</h2>
      {record.doses.length === 0 ? (
        <p>{t('health.noDoses')}</p>
      ) : (
        <TableScroll label={t('health.doses')}>
          <table class="usa-table usa-table--borderless">
            <caption class="usa-sr-only">{t('health.doses')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('health.vaccine')}</th>
                <th scope="col">{t('health.date')}</th>
                <th scope="col">{t('health.source')}</th>
                <th scope="col">{t('health.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {record.doses.map((d) => {
                const what = t('health.doseOf', { vaccine: localName(locale, d.vaccine), date: day(d.date) });
                return (
                  <tr key={d.id}>
                    <th scope="row">{localName(locale, d.vaccine)}</th>
                    <td>{day(d.date)}</td>
                    <td>{sourceName(t, d.source)}</td>
                    <td>
                      <a href={`/staff/health/doses/${d.id}`}>
                        {t('health.correct')}
                        <span class="usa-sr-only">{` ${what}`}</span>
                      </a>{' '}
                      {removeButton(`/staff/health/doses/${d.id}/remove`, what)}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableScroll>
      )}

      <h2>{t('health.exemptions')}</h2>
      {record.exemptions.length === 0 ? (
        <p>{t('health.noExemptions')}</p>
      ) : (
        <TableScroll label={t('health.exemptions')}>
          <table class="usa-table usa-table--borderless">
            <caption class="usa-sr-only">{t('health.exemptions')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('health.vaccine')}</th>
                <th scope="col">{t('health.kind')}</th>
                <th scope="col">{t('health.granted')}</th>
                <th scope="col">{t('health.expires')}</th>
                <th scope="col">{t('health.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {record.exemptions.map((e) => (
                <tr key={e.id}>
                  <th scope="row">{localName(locale, e.vaccine)}</th>
                  <td>{t(KIND_NAMES[e.kind])}</td>
                  <td>{day(e.granted)}</td>
                  <td>{e.expires ? day(e.expires) : t('health.noEnd')}</td>
                  <td>{removeButton(`/staff/health/exemptions/${e.id}/remove`, t('health.doseOf', { vaccine: localName(locale, e.vaccine), date: day(e.granted) }))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}

      <h2 id="record-dose">{t('health.recordDose')}</h2>
      <form class="usa-form" method="post" action={`${base}/doses`} novalidate aria-labelledby="record-dose">
        <Csrf token={ctx.csrf} />
        <DoseFields t={t} locale={locale} vaccines={record.vaccines} values={values} errors={errors} />
        <button class="usa-button" type="submit">
          {t('health.saveDose')}
        </button>
      </form>

      <h2 id="record-exemption">{t('health.recordExemption')}</h2>
      <form class="usa-form" method="post" action={`${base}/exemptions`} novalidate aria-labelledby="record-exemption">
        <Csrf token={ctx.csrf} />
        <Field t={t} id="exemptionVaccine" label={t('health.vaccine')} error={errors.exemptionVaccine}>
          <Select
            id="exemptionVaccine"
            value={values.exemptionVaccine ?? ''}
            error={Boolean(errors.exemptionVaccine)}
            empty={t('health.chooseVaccine')}
            options={record.vaccines.map((v) => ({ value: String(v.id), label: localName(locale, v.name) }))}
          />
        </Field>
        <Field t={t} id="kind" label={t('health.kind')} error={errors.kind}>
          <Select
            id="kind"
            value={values.kind ?? ''}
            error={Boolean(errors.kind)}
            empty={t('health.chooseKind')}
            options={EXEMPTION_KINDS.map((k) => ({ value: k, label: t(KIND_NAMES[k]) }))}
          />
        </Field>
        <Field t={t} id="granted" label={t('health.granted')} error={errors.granted}>
          <DateInput id="granted" value={values.granted ?? ''} error={Boolean(errors.granted)} />
        </Field>
        <Field t={t} id="expires" label={t('health.expires')} hint={t('health.expiresHint')} error={errors.expires}>
          <DateInput id="expires" value={values.expires ?? ''} error={Boolean(errors.expires)} hint required={false} />
        </Field>
        <button class="usa-button" type="submit">
          {t('health.saveExemption')}
        </button>
      </form>
    </Layout>
  );
}

export function CorrectDosePage({
  ctx,
  dose,
  vaccines,
  values,
  errors = {},
}: {
  ctx: PageContext;
  dose: DoseLine & { student: { id: number; name: string } };
  vaccines: { id: number; name: LocalName }[];
  values: Record<string, string>;
  errors?: Messages;
}) {
  const { t, locale } = ctx;
  const labels = { vaccine: t('health.vaccine'), date: t('health.date'), source: t('health.source') };
  return (
    <Layout ctx={ctx} title={t('health.correctTitle')}>
      <p>
        <a href={`/staff/health/students/${dose.student.id}`}>{t('health.back', { name: dose.student.name })}</a>
      </p>
      <h1>{t('health.correctTitle')}</h1>
      <p>{t('health.correctIntro', { name: dose.student.name })}</p>
      <ErrorSummary t={t} errors={errors} labels={labels} />
      <form class="usa-form" method="post" action={`/staff/health/doses/${dose.id}`} novalidate>
        <Csrf token={ctx.csrf} />
        <DoseFields t={t} locale={locale} vaccines={vaccines} values={values} errors={errors} />
        <button class="usa-button" type="submit">
          {t('health.saveCorrection')}
        </button>
      </form>
    </Layout>
  );
}

export interface CompliancePageProps {
  ctx: PageContext;
  lines: ComplianceLine[];
  schools: { id: number; name: string }[];
  grades: number[];
  filter: { grade: string; school: string };
  errors?: Messages;
}

export function CompliancePage({ ctx, lines, schools, grades, filter, errors = {} }: CompliancePageProps) {
  const { t, locale } = ctx;
  const query = new URLSearchParams(Object.entries(filter).filter(([, v]) => v !== '')).toString();
  return (
    <Layout ctx={ctx} title={t('health.compliance.title')}>
      <p>
        <a href="/staff/health">{t('health.backToSearch')}</a>
      </p>
      <h1>{t('health.compliance.title')}</h1>
      <p>{t('health.compliance.intro')}</p>
      <ErrorSummary t={t} errors={errors} labels={{ grade: t('health.grade'), school: t('health.school') }} />
      <form class="usa-form" method="get" action="/staff/health/compliance" novalidate>
        <Field t={t} id="grade" label={t('health.grade')} error={errors.grade}>
          <Select
            id="grade"
            value={filter.grade}
            error={Boolean(errors.grade)}
            empty={t('health.allGrades')}
            options={grades.map((g) => ({ value: String(g), label: t('health.gradeName', { grade: g }) }))}
          />
        </Field>
        <Field t={t} id="school" label={t('health.school')} error={errors.school}>
          <Select id="school" value={filter.school} error={Boolean(errors.school)} empty={t('health.allSchools')} options={schools.map((s) => ({ value: String(s.id), label: s.name }))} />
        </Field>
        <button class="usa-button" type="submit">
          {t('health.filter')}
        </button>
      </form>
      {Object.keys(errors).length > 0 ? null : (
        <>
          <p role="status">{lines.length === 0 ? t('health.none') : t('health.count', { count: lines.length })}</p>
          {lines.length > 0 ? (
            <>
              <p>
                <a class="usa-button usa-button--outline" href={`/staff/health/compliance.csv${query ? `?${query}` : ''}`}>
                  {t('health.download')}
                </a>
              </p>
              <TableScroll label={t('health.compliance.title')}>
                <table class="usa-table usa-table--borderless">
                  <caption class="usa-sr-only">{t('health.compliance.title')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('health.student')}</th>
                      <th scope="col">{t('health.studentNumber')}</th>
                      <th scope="col">{t('health.grade')}</th>
                      <th scope="col">{t('health.school')}</th>
                      <th scope="col">{t('health.missingVaccines')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {lines.map((l) => (
                      <tr key={l.studentId}>
                        <th scope="row">
                          <a href={`/staff/health/students/${l.studentId}`}>{l.name}</a>
                        </th>
                        <td>{l.number}</td>
                        <td>{String(l.grade)}</td>
                        <td>{l.school}</td>
                        <td>
                          <ul class="usa-list usa-list--unstyled">
                            {l.missing.map((m) => (
                              <li key={m.vaccine.base}>{t('health.missingLine', { vaccine: localName(locale, m.vaccine), count: m.doses })}</li>
                            ))}
                          </ul>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableScroll>
            </>
          ) : null}
        </>
      )}
    </Layout>
  );
}
