/** Unofficial Transcript: every completed course by year, the credits toward graduation, and the GPA. */
import type { TranscriptView } from '../../../domain/gradebook/transcript.js';
import { toolUrl } from '../../../domain/portal/tools.js';
import type { VisibleStudent } from '../../../domain/people/visibility.js';
import type { PageContext } from '../context.js';
import type { Locale } from '../../../i18n/index.js';
import { cached, formatPoints } from '../format.js';
import { localeTag } from '../../../i18n/format.js';
import { PortalLayout } from './layout.js';

function formatGpa(n: number | null, locale: Locale): string {
  if (n === null) return '—';
  return cached(`gpa:${locale}`, () => new Intl.NumberFormat(localeTag(locale), { minimumFractionDigits: 3, maximumFractionDigits: 3 })).format(n);
}

export function TranscriptPage({ ctx, student, transcript }: { ctx: PageContext; student: VisibleStudent; transcript: TranscriptView }) {
  return (
    <PortalLayout ctx={ctx} student={student} tool="transcript" title={ctx.t('portal.transcript')}>
      <TranscriptBody ctx={ctx} transcript={transcript} pdfHref={`${toolUrl(student.id, 'transcript')}.pdf`} />
    </PortalLayout>
  );
}

/** The transcript's years, credits and GPA: the portal's (with its PDF) and a counselor's. */
export function TranscriptBody({ ctx, transcript, pdfHref }: { ctx: PageContext; transcript: TranscriptView; pdfHref: string | null }) {
  const { t, locale, district } = ctx;
  return (
    <>
      <p class="hr-unofficial">{t('portal.unofficial', { district: district.name })}</p>
      {transcript.years.length === 0 ? (
        <p>{t('portal.noTranscript')}</p>
      ) : (
        <>
          {pdfHref ? (
            <p>
              <a href={pdfHref}>{t('portal.transcriptPdf')}</a>
            </p>
          ) : null}
          <dl class="hr-settings">
            <div>
              <dt>{t('portal.creditsEarned')}</dt>
              <dd>{t('portal.creditsOf', { earned: formatPoints(transcript.earned, locale), required: formatPoints(transcript.requiredCredits, locale) })}</dd>
            </div>
            <div>
              <dt>{t('portal.gpaUnweighted')}</dt>
              <dd>{formatGpa(transcript.gpa, locale)}</dd>
            </div>
            <div>
              <dt>{t('portal.gpaWeighted')}</dt>
              <dd>{formatGpa(transcript.weightedGpa, locale)}</dd>
            </div>
          </dl>
          {transcript.years.map((year) => (
            <section key={year.schoolYear} aria-labelledby={`year-${year.schoolYear}`}>
              <h2 id={`year-${year.schoolYear}`}>{t('portal.schoolYear', { from: year.schoolYear - 1, to: year.schoolYear, grade: year.gradeLevel })}</h2>
              <p class="hr-muted">{year.school}</p>
              <div class="hr-stacked">
                <table class="usa-table usa-table--borderless usa-table--stacked">
                  <caption>{t('portal.coursesOf', { from: year.schoolYear - 1, to: year.schoolYear })}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('portal.term')}</th>
                      <th scope="col">{t('portal.course')}</th>
                      <th scope="col">{t('portal.mark')}</th>
                      <th scope="col">{t('portal.attempted')}</th>
                      <th scope="col">{t('portal.earned')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {year.courses.map((c, i) => (
                      <tr key={`${c.code}-${c.term}-${i}`}>
                        <td data-label={t('portal.term')}>{t(`portal.termName.${c.term}`)}</td>
                        <th scope="row" data-label={t('portal.course')}>
                          {c.title}
                          <span class="hr-muted">{c.gpaBonus > 0 ? `${c.code} · ${t('portal.weighted')}` : c.code}</span>
                        </th>
                        <td data-label={t('portal.mark')}>{c.letter}</td>
                        <td data-label={t('portal.attempted')}>{formatPoints(c.attempted, locale)}</td>
                        <td data-label={t('portal.earned')}>{formatPoints(c.earned, locale)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <p>{t('portal.yearCredits', { attempted: formatPoints(year.attempted, locale), earned: formatPoints(year.earned, locale) })}</p>
            </section>
          ))}
        </>
      )}
    </>
  );
}
