/** Report Cards: each grading period with posted grades, every class's mark and comment, and its PDF. */
import type { ReportCard } from '../../../domain/gradebook/report-cards.js';
import { toolUrl } from '../../../domain/portal/tools.js';
import type { VisibleStudent } from '../../../domain/people/visibility.js';
import type { PageContext } from '../context.js';
import { formatPercent } from '../format.js';
import { PortalLayout } from './layout.js';
import { staffLang } from './parts.js';
import { localName } from '../../../i18n/format.js';

export function ReportCardsPage({ ctx, student, cards }: { ctx: PageContext; student: VisibleStudent; cards: ReportCard[] }) {
  const { t, locale } = ctx;
  return (
    <PortalLayout ctx={ctx} student={student} tool="reportCards" title={t('portal.reportCards')}>
      {cards.length === 0 ? <p>{t('portal.noReportCards')}</p> : null}
      {cards.map((card) => (
        <section key={card.term.id} aria-labelledby={`card-${card.term.id}`}>
          <h2 id={`card-${card.term.id}`}>{localName(ctx.locale, card.term.title)}</h2>
          <p>
            <a href={`${toolUrl(student.id, 'reportCards', card.term.id)}.pdf`}>{t('portal.reportCardPdf', { period: localName(ctx.locale, card.term.title) })}</a>
          </p>
          <div class="hr-stacked">
            <table class="usa-table usa-table--borderless usa-table--stacked">
              <caption class="usa-sr-only">{localName(ctx.locale, card.term.title)}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('portal.course')}</th>
                  <th scope="col">{t('portal.teacher')}</th>
                  <th scope="col">{t('portal.mark')}</th>
                  <th scope="col">{t('portal.percent')}</th>
                  <th scope="col">{t('portal.comment')}</th>
                </tr>
              </thead>
              <tbody>
                {card.lines.map((line, i) => (
                  <tr key={i}>
                    <th scope="row" data-label={t('portal.course')}>{`${line.period} · ${line.course}`}</th>
                    <td data-label={t('portal.teacher')}>{line.teacher ?? '—'}</td>
                    <td data-label={t('portal.mark')}>{line.letter ?? '—'}</td>
                    <td data-label={t('portal.percent')}>{formatPercent(line.percent, locale)}</td>
                    <td data-label={t('portal.comment')}>
                      <Comment codes={line.codes.map((c) => c.text[locale])} comment={line.comment} lang={staffLang(ctx)} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ))}
    </PortalLayout>
  );
}

/** The codes' texts and the teacher's comment (in the teacher's language), one per line; a dash when there is none. */
function Comment({ codes, comment, lang }: { codes: string[]; comment: string | null; lang: string | undefined }) {
  const lines = [...codes.map((text) => ({ text, lang: undefined })), ...(comment ? [{ text: comment, lang }] : [])];
  if (lines.length === 0) return <>—</>;
  if (lines.length === 1) {
    return (
      <span class="hr-comment" lang={lines[0]!.lang}>
        {lines[0]!.text}
      </span>
    );
  }
  return (
    <ul class="usa-list usa-list--unstyled hr-comment">
      {lines.map((l, i) => (
        <li key={i} lang={l.lang}>
          {l.text}
        </li>
      ))}
    </ul>
  );
}
