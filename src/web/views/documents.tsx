/** Documents: the PDFs a family can open — report cards of posted grading periods and the unofficial transcript. */
import type { VisibleStudent } from '../../domain/people/visibility.js';
import type { PageContext } from './context.js';
import { PortalLayout } from './portal.js';
import { toolUrl } from '../../domain/portal/tools.js';

export interface DocumentLink {
  kind: 'reportCard' | 'transcript';
  title: string;
  href: string;
  /** when its content was posted (or today, for what is made fresh at each opening), already formatted */
  asOf: string | null;
}

export function DocumentsPage({ ctx, student, documents }: { ctx: PageContext; student: VisibleStudent; documents: DocumentLink[] }) {
  const { t } = ctx;
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

export const documentHref = {
  reportCard: (studentId: number, termId: number) => `${toolUrl(studentId, 'reportCards', termId)}.pdf`,
  transcript: (studentId: number) => `${toolUrl(studentId, 'transcript')}.pdf`,
};
