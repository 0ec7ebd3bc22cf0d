/** A report card as a PDF (pdfkit): the district, the student, the grading period, every class's posted grade and comment. */
import PDFDocument from 'pdfkit';
import type { ReportCard } from '../domain/portal/report-cards.js';
import { translate, type Locale } from '../i18n/index.js';

export function reportCardPdf(
  card: ReportCard,
  input: { locale: Locale; district: { name: string; portalName: string }; student: { name: string; number: string; school: string; grade: number } },
): Promise<Buffer> {
  const { locale, district, student } = input;
  const t = (key: Parameters<typeof translate>[1], params: Record<string, string | number> = {}) =>
    translate(locale, key, { portal: district.portalName, district: district.name, ...params });
  const title = t('reportCard.pdfTitle', { period: card.term.title, name: student.name });
  const doc = new PDFDocument({ size: 'LETTER', margin: 60, info: { Title: title, Author: district.name } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.font('Helvetica-Bold').fontSize(16).text(district.name);
  doc.font('Helvetica').fontSize(12).text(t('reportCard.heading', { period: card.term.title }));
  doc.moveDown();
  doc.text(`${student.name} · ${t('reportCard.number', { number: student.number })}`);
  doc.text(`${student.school} · ${t('reportCard.grade', { grade: student.grade })}`);
  doc.moveDown();
  for (const line of card.lines) {
    doc.font('Helvetica-Bold').text(`${line.period}. ${line.course}: ${line.letter ?? '—'}${line.percent === null ? '' : ` (${line.percent.toFixed(2)}%)`}`);
    doc.font('Helvetica');
    if (line.teacher) doc.text(t('reportCard.teacher', { teacher: line.teacher }));
    if (line.comment) doc.text(t('reportCard.comment', { comment: line.comment }));
    doc.moveDown(0.5);
  }
  doc.end();
  return done;
}
