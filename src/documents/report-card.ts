/** A report card as a PDF (pdfkit): the district, the student, the grading period, every class's posted grade and comment. */
import { commentTexts, type ReportCard } from '../domain/gradebook/report-cards.js';
import { translate, type Locale } from '../i18n/index.js';
import { bytesOf, tag, taggedDocument } from './tagged.js';
import { localName } from '../i18n/format.js';

export function reportCardPdf(
  card: ReportCard,
  input: { locale: Locale; district: { name: string; portalName: string }; student: { name: string; number: string; school: string; grade: number } },
): Promise<Buffer> {
  const { locale, district, student } = input;
  const t = (key: Parameters<typeof translate>[1], params: Record<string, string | number> = {}) =>
    translate(locale, key, { portal: district.portalName, district: district.name, ...params });
  const title = t('reportCard.pdfTitle', { period: localName(locale, card.term.title), name: student.name });
  const { doc, root } = taggedDocument({ title, author: district.name, locale, margin: 60 });
  const done = bytesOf(doc);
  tag(doc, root, 'H1', () => doc.font('Helvetica-Bold').fontSize(16).text(district.name));
  tag(doc, root, 'H2', () => doc.font('Helvetica').fontSize(12).text(t('reportCard.heading', { period: localName(locale, card.term.title) })));
  doc.moveDown();
  tag(doc, root, 'P', () => doc.text(`${student.name} · ${t('reportCard.number', { number: student.number })}`));
  tag(doc, root, 'P', () => doc.text(`${student.school} · ${t('reportCard.grade', { grade: student.grade })}`));
  doc.moveDown();
  for (const line of card.lines) {
    const section = tag(doc, root, 'Sect');
    tag(doc, section, 'H3', () =>
      doc.font('Helvetica-Bold').text(`${line.period}. ${line.course}: ${line.letter ?? '—'}${line.percent === null ? '' : ` (${line.percent.toFixed(2)}%)`}`),
    );
    doc.font('Helvetica');
    if (line.teacher) tag(doc, section, 'P', () => doc.text(t('reportCard.teacher', { teacher: line.teacher! })));
    for (const text of commentTexts(line, locale)) tag(doc, section, 'P', () => doc.text(t('reportCard.comment', { comment: text })));
    section.end();
    doc.moveDown(0.5);
  }
  root.end();
  doc.end();
  return done;
}
