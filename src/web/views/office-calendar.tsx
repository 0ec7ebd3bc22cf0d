/** Office staff: the school calendar — events from today on, a form to add one, a page to change one, and the question before removing one. */
import { DAY_KINDS, type DayKind, type OfficeDayLine } from '../../domain/calendar/days.js';
import type { OfficeEventLine } from '../../domain/calendar/events.js';
import { formatList } from '../../i18n/format.js';
import type { Locale, MessageKey, Translate } from '../../i18n/index.js';
import type { PageContext } from './context.js';
import { formatDay, formatTime } from './format.js';
import { Alert, Csrf, describedBy, ErrorSummary, Field, TableScroll, type FieldMessage, type Messages } from './forms.js';
import { Layout } from './layout.js';
import { ConfirmPage, ItemInput, ItemsTable, type School } from './office-items.js';

/** The event form's values as typed (strings: what the form sends back). */
export type EventValues = Partial<Record<'place' | 'titleEn' | 'titleEs' | 'locationEn' | 'locationEs' | 'start' | 'end' | 'startTime' | 'endTime' | 'school' | 'date' | 'kind' | 'note' | 'noteEs', string>> & {
  /** the grade levels ticked */
  grades?: string[];
};

/** Every grade any of these schools teaches, lowest first. */
function gradesTaught(schools: School[]): number[] {
  const grades = new Set<number>();
  for (const s of schools) if (s.gradeLow !== undefined && s.gradeHigh !== undefined) for (let g = s.gradeLow; g <= s.gradeHigh; g++) grades.add(g);
  return [...grades].sort((a, b) => a - b);
}

/**
 * Grade levels as people write them: each run of two or more as a range, the rest one by one, in the
 * reader's "and"-list: [9, 10, 12] is "9–10 and 12" / "9–10 y 12"; [9] is "9".
 */
function gradeLevels(grades: number[], locale: Locale): string {
  const sorted = [...new Set(grades)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j > i ? `${sorted[i]}–${sorted[j]}` : String(sorted[i]));
    i = j + 1;
  }
  return formatList(parts, locale);
}

/** Where an event is shown, with its grade levels when it has some: "Cedar Ridge High School, grade 9" or "…, grades 9–10". */
export function audienceText(ctx: Pick<PageContext, 't' | 'locale'>, schools: School[], line: { schoolId: number | null; grades: number[] }): string {
  const { t, locale } = ctx;
  const where = schoolName(t, schools, line.schoolId);
  const count = new Set(line.grades).size;
  return count === 0 ? where : t('officeCalendar.forGrades', { where, count, grades: gradeLevels(line.grades, locale) });
}

/** The grade levels an event is for: a checkbox per grade taught; none ticked is the whole school (or district). */
function GradeFields({ t, schools, values, error }: { t: Translate; schools: School[]; values: EventValues; error: FieldMessage | undefined }) {
  const ticked = new Set(values.grades ?? []);
  return (
    <div class={`usa-form-group${error ? ' usa-form-group--error' : ''}`}>
      <fieldset class="usa-fieldset" id="grades" aria-describedby={describedBy('grades', true, Boolean(error))}>
        <legend class="usa-legend">{t('officeCalendar.grades')}</legend>
        <p class="usa-hint" id="grades-hint">
          {t('officeCalendar.gradesHint')}
        </p>
        {error ? (
          <span class="usa-error-message" id="grades-error" role="alert">
            {t(error.key, error.params)}
          </span>
        ) : null}
        {gradesTaught(schools).map((g) => (
          <div class="usa-checkbox" key={g}>
            <input class="usa-checkbox__input" id={`grade-${g}`} type="checkbox" name="grades" value={String(g)} checked={ticked.has(String(g))} />
            <label class="usa-checkbox__label" for={`grade-${g}`}>
              {t('officeCalendar.grade', { grade: String(g) })}
            </label>
          </div>
        ))}
      </fieldset>
    </div>
  );
}

export function schoolName(t: Translate, schools: School[], schoolId: number | null): string {
  return schoolId === null ? t('officeCalendar.wholeDistrict') : (schools.find((s) => s.id === schoolId)?.name ?? '');
}

function EventFields({ ctx, schools, district, values, errors }: { ctx: PageContext; schools: School[]; district: boolean; values: EventValues; errors: Messages }) {
  const { t } = ctx;
  return (
    <>
      <Field t={t} id="place" label={t('officeCalendar.place')} error={errors.place}>
        <select class="usa-select" id="place" name="place" aria-describedby={describedBy('place', false, Boolean(errors.place))}>
          {schools.map((s) => (
            <option key={s.id} value={String(s.id)} selected={values.place === String(s.id)}>
              {s.name}
            </option>
          ))}
          {district ? (
            <option value="district" selected={values.place === 'district'}>
              {t('officeCalendar.wholeDistrict')}
            </option>
          ) : null}
        </select>
      </Field>
      <GradeFields t={t} schools={schools} values={values} error={errors.grades} />
      <Field t={t} id="titleEn" label={t('officeCalendar.titleEn')} error={errors.titleEn}>
        <ItemInput id="titleEn" value={values.titleEn} error={errors.titleEn} required max={120} />
      </Field>
      <Field t={t} id="titleEs" label={t('officeCalendar.titleEs')} error={errors.titleEs}>
        <ItemInput id="titleEs" value={values.titleEs} error={errors.titleEs} required max={120} />
      </Field>
      <Field t={t} id="locationEn" label={t('officeCalendar.locationEn')} error={errors.locationEn}>
        <ItemInput id="locationEn" value={values.locationEn} error={errors.locationEn} max={120} />
      </Field>
      <Field t={t} id="locationEs" label={t('officeCalendar.locationEs')} error={errors.locationEs}>
        <ItemInput id="locationEs" value={values.locationEs} error={errors.locationEs} max={120} />
      </Field>
      <Field t={t} id="start" label={t('officeCalendar.start')} hint={t('officeCalendar.dateHint')} error={errors.start}>
        <ItemInput id="start" type="date" value={values.start} error={errors.start} hint required max={10} />
      </Field>
      <Field t={t} id="end" label={t('officeCalendar.end')} hint={t('officeCalendar.endHint')} error={errors.end}>
        <ItemInput id="end" type="date" value={values.end} error={errors.end} hint max={10} />
      </Field>
      <Field t={t} id="startTime" label={t('officeCalendar.startTime')} hint={t('officeCalendar.timeHint')} error={errors.startTime}>
        <ItemInput id="startTime" type="time" value={values.startTime} error={errors.startTime} hint max={5} />
      </Field>
      <Field t={t} id="endTime" label={t('officeCalendar.endTime')} error={errors.endTime}>
        <ItemInput id="endTime" type="time" value={values.endTime} error={errors.endTime} max={5} />
      </Field>
    </>
  );
}

function labelsOf(t: Translate): Record<string, string> {
  return {
    place: t('officeCalendar.place'),
    grades: t('officeCalendar.grades'),
    titleEn: t('officeCalendar.titleEn'),
    titleEs: t('officeCalendar.titleEs'),
    locationEn: t('officeCalendar.locationEn'),
    locationEs: t('officeCalendar.locationEs'),
    start: t('officeCalendar.start'),
    end: t('officeCalendar.end'),
    startTime: t('officeCalendar.startTime'),
    endTime: t('officeCalendar.endTime'),
    school: t('officeCalendar.daySchool'),
    date: t('officeCalendar.dayDate'),
    kind: t('officeCalendar.dayKind'),
    note: t('officeCalendar.dayNote'),
    noteEs: t('officeCalendar.dayNoteEs'),
  };
}

const KIND_LABEL: Record<DayKind, MessageKey> = {
  school: 'officeCalendar.kind.school',
  holiday: 'officeCalendar.kind.holiday',
  break: 'officeCalendar.kind.break',
  teacher_workday: 'officeCalendar.kind.teacher_workday',
};

function DaysSection({ ctx, days, schools, values, errors }: { ctx: PageContext; days: OfficeDayLine[]; schools: School[]; values: EventValues; errors: Messages }) {
  const { t, locale } = ctx;
  return (
    <>
      <h2 id="days-heading">{t('officeCalendar.days')}</h2>
      {days.length === 0 ? (
        <p>{t('officeCalendar.daysNone')}</p>
      ) : (
        <TableScroll label={t('officeCalendar.days')}>
          {/* on a phone each day is a block, as the events above (hr-items): nothing scrolls sideways */}
          <table class="usa-table usa-table--borderless hr-items">
            <caption class="usa-sr-only">{t('officeCalendar.days')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('officeCalendar.colDay')}</th>
                <th scope="col">{t('officeCalendar.colSchool')}</th>
                <th scope="col">{t('officeCalendar.colKind')}</th>
                <th scope="col">{t('officeCalendar.colNote')}</th>
                <th scope="col">{t('officeCalendar.colNoteEs')}</th>
              </tr>
            </thead>
            <tbody>
              {days.map((d) => (
                <tr key={`${d.schoolId}-${d.date}`}>
                  <th scope="row">{formatDay(d.date, locale, true)}</th>
                  <td>{schoolName(t, schools, d.schoolId)}</td>
                  <td>{t(KIND_LABEL[d.kind])}</td>
                  <td>{d.note ?? ''}</td>
                  <td lang="es">{d.noteEs ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      <h3 id="set-day-heading">{t('officeCalendar.setDay')}</h3>
      <p>{t('officeCalendar.setDayIntro')}</p>
      <form method="post" action="/staff/calendar/days" class="usa-form usa-form--large" novalidate>
        <Csrf token={ctx.csrf} />
        <Field t={t} id="school" label={t('officeCalendar.daySchool')} error={errors.school}>
          <select class="usa-select" id="school" name="school" aria-describedby={describedBy('school', false, Boolean(errors.school))}>
            {schools.map((s) => (
              <option key={s.id} value={String(s.id)} selected={values.school === String(s.id)}>
                {s.name}
              </option>
            ))}
          </select>
        </Field>
        <Field t={t} id="date" label={t('officeCalendar.dayDate')} hint={t('officeCalendar.dateHint')} error={errors.date}>
          <ItemInput id="date" type="date" value={values.date} error={errors.date} hint required max={10} />
        </Field>
        <Field t={t} id="kind" label={t('officeCalendar.dayKind')} error={errors.kind}>
          <select class="usa-select" id="kind" name="kind" aria-describedby={describedBy('kind', false, Boolean(errors.kind))}>
            {DAY_KINDS.map((k) => (
              <option key={k} value={k} selected={values.kind === k}>
                {t(KIND_LABEL[k])}
              </option>
            ))}
          </select>
        </Field>
        <Field t={t} id="note" label={t('officeCalendar.dayNote')} hint={t('officeCalendar.dayNoteHint')} error={errors.note}>
          <ItemInput id="note" value={values.note} error={errors.note} hint max={80} />
        </Field>
        <Field t={t} id="noteEs" label={t('officeCalendar.dayNoteEs')} hint={t('officeCalendar.dayNoteEsHint')} error={errors.noteEs}>
          <ItemInput id="noteEs" value={values.noteEs} error={errors.noteEs} hint max={80} />
        </Field>
        <button class="usa-button hr-primary" type="submit">
          {t('officeCalendar.saveDay')}
        </button>
      </form>
    </>
  );
}

export function whenText(ctx: PageContext, line: { start: string; end: string; startTime: string | null; endTime: string | null }): string {
  const { locale, t } = ctx;
  const days = line.start === line.end ? formatDay(line.start, locale, true) : `${formatDay(line.start, locale, true)} – ${formatDay(line.end, locale, true)}`;
  const time = line.startTime && line.endTime ? `${formatTime(line.startTime, locale)} – ${formatTime(line.endTime, locale)}` : t('officeCalendar.allDay');
  return `${days}, ${time}`;
}

export interface OfficeCalendarProps {
  ctx: PageContext;
  events: OfficeEventLine[];
  days: OfficeDayLine[];
  schools: School[];
  district: boolean;
  values?: EventValues;
  errors?: Messages;
  notice?: string;
  problem?: string;
}

export function OfficeCalendarPage({ ctx, events, days, schools, district, values = {}, errors = {}, notice, problem }: OfficeCalendarProps) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('officeCalendar.title')}>
      <h1>{t('officeCalendar.title')}</h1>
      <p>{t('officeCalendar.intro')}</p>
      <Alert type="success" text={notice} />
      <Alert type="error" text={problem} />
      <ErrorSummary t={t} errors={errors} labels={labelsOf(t)} />
      <h2 id="events-heading">{t('officeCalendar.upcoming')}</h2>
      {events.length === 0 ? (
        <p>{t('officeCalendar.none')}</p>
      ) : (
        <ItemsTable
          csrf={ctx.csrf}
          caption={t('officeCalendar.upcoming')}
          headings={[t('officeCalendar.colTitle'), t('officeCalendar.colWhere'), t('officeCalendar.colWhen'), t('officeCalendar.colActions')]}
          rows={events.map((e) => ({ id: e.id, title: e.title, where: audienceText(ctx, schools, e), when: whenText(ctx, e) }))}
          base="/staff/calendar"
          editLabel={t('officeCalendar.edit')}
          action={{ path: 'remove', label: t('officeCalendar.remove'), confirm: true }}
        />
      )}
      <h2 id="add-heading">{t('officeCalendar.add')}</h2>
      <form method="post" action="/staff/calendar" class="usa-form usa-form--large" novalidate>
        <Csrf token={ctx.csrf} />
        <EventFields ctx={ctx} schools={schools} district={district} values={values} errors={errors} />
        <button class="usa-button hr-primary" type="submit">
          {t('officeCalendar.create')}
        </button>
      </form>
      <DaysSection ctx={ctx} days={days} schools={schools} values={values} errors={errors} />
    </Layout>
  );
}

export interface EditEventProps {
  ctx: PageContext;
  id: number;
  schools: School[];
  district: boolean;
  values: EventValues;
  errors?: Messages;
}

export function EditEventPage({ ctx, id, schools, district, values, errors = {} }: EditEventProps) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('officeCalendar.editTitle')}>
      <p>
        <a href="/staff/calendar">{t('officeCalendar.back')}</a>
      </p>
      <h1>{t('officeCalendar.editTitle')}</h1>
      <ErrorSummary t={t} errors={errors} labels={labelsOf(t)} />
      <form method="post" action={`/staff/calendar/${id}`} class="usa-form usa-form--large" novalidate>
        <Csrf token={ctx.csrf} />
        <EventFields ctx={ctx} schools={schools} district={district} values={values} errors={errors} />
        <button class="usa-button hr-primary" type="submit">
          {t('officeCalendar.save')}
        </button>
      </form>
    </Layout>
  );
}

export interface RemoveEventProps {
  ctx: PageContext;
  id: number;
  schools: School[];
  event: { schoolId: number | null; grades: number[]; titleEn: string; titleEs: string; locationEn: string | null; locationEs: string | null; start: string; end: string; startTime: string | null; endTime: string | null };
}

/** "Remove", asked once more: removing takes the event off every family's Calendar and calendar feed. */
export function RemoveEventPage({ ctx, id, schools, event: e }: RemoveEventProps) {
  const { t, locale } = ctx;
  return (
    <ConfirmPage
      ctx={ctx}
      title={t('officeCalendar.removeTitle')}
      list={{ href: '/staff/calendar', label: t('officeCalendar.back') }}
      facts={[
        [t('officeCalendar.colTitle'), locale === 'es' ? e.titleEs : e.titleEn],
        [t('officeCalendar.colWhen'), whenText(ctx, e)],
        // no place, no line
        [t('officeCalendar.removePlace'), (locale === 'es' ? e.locationEs : e.locationEn) || null],
        [t('officeCalendar.colWhere'), audienceText(ctx, schools, e)],
      ]}
      warning={t('officeCalendar.removeWarning')}
      action={`/staff/calendar/${id}/remove`}
      confirm={t('officeCalendar.removeConfirm')}
      cancel={t('officeCalendar.removeCancel')}
    />
  );
}
