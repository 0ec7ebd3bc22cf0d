/** Documents: the PDFs a family can open — report cards of posted grading periods and the unofficial transcript. */
import type { FamilyDocument } from '../../../domain/portal/documents.js';
import { toolUrl } from '../../../domain/portal/tools.js';
import type { VisibleStudent } from '../../../domain/people/visibility.js';
import { formatInstant } from '../../../email/templates.js';
import type { PageContext } from '../context.js';
import { formatDay } from '../format.js';
import { PortalLayout } from './layout.js';
import { localName } from '../../../i18n/format.js';

interface DocumentLink {
  kind: FamilyDocument['kind'];
  title: string;
  href: string;
  /** when its content was posted (or today, for what is made fresh at each opening) */
  asOf: string | null;
}

function linkOf(ctx: PageContext, studentId: number, d: FamilyDocument): DocumentLink {
  if (d.kind === 'transcript') return { kind: d.kind, title: ctx.t('portal.transcript'), href: documentHref.transcript(studentId), asOf: formatDay(d.asOf, ctx.locale, true) };
  return {
    kind: d.kind,
    title: ctx.t('reportCard.heading', { period: localName(ctx.locale, d.term.title) }),
    href: documentHref.reportCard(studentId, d.term.id),
    asOf: d.postedAt ? formatInstant(new Date(d.postedAt), ctx.locale, ctx.district.timeZone) : null,
  };
}

export function DocumentsPage({ ctx, student, documents: found }: { ctx: PageContext; student: VisibleStudent; documents: FamilyDocument[] }) {
  const { t } = ctx;
  const documents = found.map((d) => linkOf(ctx, student.id, d));
  return (
    <PortalLayout ctx={ctx} student={student} tool="documents" title={t('portal.documents')}>
      <p>{t('documents.intro', { name: student.firstName })}</p>
      {documents.length === 0 ? (
        <p>{t('documents.none')}</p>
      ) : (
        <div class="hr-stacked">
          <table class="usa-table usa-table--borderless usa-table--stacked">
            <caption class="usa-sr-only">{t('portal.documents')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('documents.document')}</th>
                <th scope="col">{t('documents.kind')}</th>
                <th scope="col">{t('documents.updated')}</th>
              </tr>
            </thead>
            <tbody>
              {documents.map((d) => (
                <tr key={d.href}>
                  <th scope="row" data-label={t('documents.document')}>
                    <a href={d.href}>{t('documents.pdf', { title: d.title })}</a>
                  </th>
                  <td data-label={t('documents.kind')}>{t(d.kind === 'reportCard' ? 'documents.kind.reportCard' : 'documents.kind.transcript')}</td>
                  <td data-label={t('documents.updated')}>{d.asOf ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </PortalLayout>
  );
}

const documentHref = {
  reportCard: (studentId: number, termId: number) => `${toolUrl(studentId, 'reportCards', termId)}.pdf`,
  transcript: (studentId: number) => `${toolUrl(studentId, 'transcript')}.pdf`,
};
