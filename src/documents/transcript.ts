/**
 * The unofficial transcript as a PDF (pdfkit): the district, an UNOFFICIAL mark, the student, every
 * year's courses in aligned columns with the year's credit totals, then the credits toward graduation
 * and the cumulative GPAs. Every page's footer repeats the mark, with the page number. Tagged: headings,
 * each year's courses as a table with header cells, the summary as a table of labelled values; rules,
 * boxes, footers and the headings repeated on a continuation page are page furniture.
 */
import type { TranscriptCourse, TranscriptView } from '../domain/gradebook/transcript.js';
import { translate, type Locale } from '../i18n/index.js';
import { artifact, bytesOf, tag, taggedDocument, type Doc } from './tagged.js';
import { localeTag } from '../i18n/format.js';

const MARGIN = 54;
const FOOTER_GAP = 18; // from the bottom margin's top edge to the footer's baseline area
const ROW_GAP = 3;
const BODY = 9;

interface Column {
  x: number;
  width: number;
  align: 'left' | 'right';
}

export function transcriptPdf(
  view: TranscriptView,
  input: {
    locale: Locale;
    district: { name: string; portalName: string };
    student: { name: string; number: string; school: string; grade: number; birthDate: string };
    printedOn: string;
  },
): Promise<Buffer> {
  const { locale, district, student, printedOn } = input;
  const t = (key: Parameters<typeof translate>[1], params: Record<string, string | number> = {}) =>
    translate(locale, key, { portal: district.portalName, district: district.name, ...params });
  const intl = localeTag(locale);
  const credits = new Intl.NumberFormat(intl, { maximumFractionDigits: 2 });
  const gpaFormat = new Intl.NumberFormat(intl, { minimumFractionDigits: 3, maximumFractionDigits: 3 });
  const dateFormat = new Intl.DateTimeFormat(intl, { dateStyle: 'long', timeZone: 'UTC' });
  const day = (date: string) => dateFormat.format(new Date(`${date}T12:00:00Z`));
  const gpa = (n: number | null) => (n === null ? t('transcriptPdf.noGpa') : gpaFormat.format(n));
  const years = (schoolYear: number) => `${schoolYear - 1}–${String(schoolYear % 100).padStart(2, '0')}`;

  const { doc, root } = taggedDocument({ title: t('transcriptPdf.title', { name: student.name }), author: district.name, locale, margin: MARGIN, bufferPages: true });
  const done = bytesOf(doc);
  type Element = ReturnType<Doc['struct']>;

  const left = doc.page.margins.left;
  const contentWidth = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  const bottom = () => doc.page.height - doc.page.margins.bottom;

  // Term, code, title, grade, credits attempted, credits earned: fixed x per column on every page.
  const widths = [60, 64, 0, 56, 52, 52];
  const gap = 8;
  widths[2] = contentWidth - widths.reduce((s, w) => s + w, 0) - gap * (widths.length - 1);
  const columns: Column[] = [];
  let x = left;
  for (const [i, width] of widths.entries()) {
    columns.push({ x, width, align: i >= 4 ? 'right' : 'left' });
    x += width + gap;
  }

  const rowHeight = (cells: string[]) => Math.max(...cells.map((c, i) => doc.heightOfString(c, { width: columns[i]!.width })));
  /** A row of cells; in `table` as a TR of `cell` elements, or as page furniture when `table` is null. */
  const drawRow = (cells: string[], height: number, table: Element | null, cell: 'TH' | 'TD' = 'TD') => {
    const y = doc.y;
    const draw = (c: string, i: number) => {
      const col = columns[i]!;
      doc.text(c, col.x, y, { width: col.width, align: col.align });
    };
    if (table) {
      const row = tag(doc, table, 'TR');
      cells.forEach((c, i) => tag(doc, row, cell, () => draw(c, i), cell === 'TH' ? { scope: 'Column' } : {}));
      row.end();
    } else {
      artifact(doc, () => cells.forEach(draw), 'Pagination');
    }
    doc.x = left;
    doc.y = y + height + ROW_GAP;
  };
  const rule = (weight = 0.5) => {
    artifact(doc, () => doc.save().lineWidth(weight).strokeColor('#888888').moveTo(left, doc.y).lineTo(left + contentWidth, doc.y).stroke().restore());
  };
  const header = [t('portal.term'), t('transcriptPdf.code'), t('transcriptPdf.course'), t('portal.mark'), t('portal.attempted'), t('portal.earned')];
  const drawHeader = (table: Element | null) => {
    doc.font('Helvetica-Bold').fontSize(8);
    drawRow(header, rowHeight(header), table, 'TH');
    rule();
    doc.y += ROW_GAP;
    doc.font('Helvetica').fontSize(BODY);
  };
  /**
   * A year's heading and its table's header row: the first time in the year's section, its table added
   * after the heading; on a continuation page (no `first`) both are page furniture.
   */
  const yearHeading = (year: TranscriptView['years'][number], first: { section: Element; table: Element } | null) => {
    const heading = t('transcriptPdf.year', { years: years(year.schoolYear), grade: year.gradeLevel, school: year.school });
    const draw = () => doc.font('Helvetica-Bold').fontSize(11).text(first ? heading : t('transcriptPdf.continued', { heading }), left, doc.y, { width: contentWidth });
    if (first) {
      tag(doc, first.section, 'H2', draw);
      first.section.add(first.table);
    } else {
      artifact(doc, draw, 'Pagination');
    }
    doc.moveDown(0.3);
    drawHeader(first?.table ?? null);
  };
  /** Starts a new page unless `height` more points fit above the bottom margin. */
  const fits = (height: number) => doc.y + height <= bottom();

  // ── Top: district, the UNOFFICIAL mark and what it means, the student ──
  tag(doc, root, 'H1', () => doc.font('Helvetica-Bold').fontSize(16).text(district.name, left, doc.y, { width: contentWidth }));
  doc.moveDown(0.4);
  const markTop = doc.y;
  const pad = 8;
  doc.y += pad;
  tag(doc, root, 'P', () =>
    doc.font('Helvetica-Bold').fontSize(18).fillColor('#8b0000').text(t('transcriptPdf.mark'), left + pad, doc.y, { width: contentWidth - 2 * pad, align: 'center' }),
  );
  doc.moveDown(0.2);
  tag(doc, root, 'P', () =>
    doc.font('Helvetica').fontSize(BODY).fillColor('black').text(t('portal.unofficial', { district: district.name }), left + pad, doc.y, { width: contentWidth - 2 * pad, align: 'center' }),
  );
  doc.y += pad;
  artifact(doc, () => doc.save().lineWidth(1.5).strokeColor('#8b0000').rect(left, markTop, contentWidth, doc.y - markTop).stroke().restore());
  doc.x = left;
  doc.moveDown(1);

  tag(doc, root, 'H2', () => doc.font('Helvetica-Bold').fontSize(13).text(student.name, left, doc.y, { width: contentWidth }));
  doc.font('Helvetica').fontSize(10);
  tag(doc, root, 'P', () => doc.text(`${t('reportCard.number', { number: student.number })} · ${t('reportCard.grade', { grade: student.grade })}`, { width: contentWidth }));
  tag(doc, root, 'P', () => doc.text(student.school, { width: contentWidth }));
  tag(doc, root, 'P', () => doc.text(t('transcriptPdf.birthDate', { date: day(student.birthDate) }), { width: contentWidth }));
  doc.moveDown(1);

  // ── Years and their courses ──
  const cells = (c: TranscriptCourse) => [
    t(`portal.termName.${c.term}`),
    c.code,
    c.gpaBonus > 0 ? `${c.title} †` : c.title,
    c.letter,
    credits.format(c.attempted),
    credits.format(c.earned),
  ];
  if (view.years.length === 0) {
    tag(doc, root, 'P', () => doc.font('Helvetica').fontSize(10).text(t('portal.noTranscript'), left, doc.y, { width: contentWidth }));
    doc.moveDown(1);
  }
  for (const year of view.years) {
    // The heading, the column header and at least the first course together.
    doc.font('Helvetica').fontSize(BODY);
    const first = year.courses[0];
    if (!fits(60 + (first ? rowHeight(cells(first)) : 0))) doc.addPage();
    const section = tag(doc, root, 'Sect');
    const table = doc.struct('Table');
    yearHeading(year, { section, table });
    for (const course of year.courses) {
      const row = cells(course);
      doc.font('Helvetica').fontSize(BODY);
      const height = rowHeight(row);
      if (!fits(height)) {
        doc.addPage();
        yearHeading(year, null);
      }
      drawRow(row, height, table);
    }
    const total = ['', '', t('transcriptPdf.yearTotal', { years: years(year.schoolYear) }), '', credits.format(year.attempted), credits.format(year.earned)];
    doc.font('Helvetica-Bold').fontSize(BODY);
    const height = rowHeight(total);
    if (!fits(height + 2 * ROW_GAP)) {
      doc.addPage();
      yearHeading(year, null);
      doc.font('Helvetica-Bold').fontSize(BODY);
    }
    rule();
    doc.y += ROW_GAP;
    drawRow(total, height, table);
    table.end();
    section.end();
    doc.moveDown(1.2);
  }

  // ── Summary ──
  const weighted = view.years.some((y) => y.courses.some((c) => c.gpaBonus > 0));
  const summary: [string, string][] = [
    [t('portal.creditsEarned'), t('portal.creditsOf', { earned: credits.format(view.earned), required: credits.format(view.requiredCredits) })],
    [t('transcriptPdf.creditsAttempted'), credits.format(view.attempted)],
    [t('portal.gpaUnweighted'), gpa(view.gpa)],
    [t('portal.gpaWeighted'), gpa(view.weightedGpa)],
  ];
  const labelWidth = 260;
  doc.font('Helvetica').fontSize(10);
  const summaryHeight =
    40 +
    summary.reduce((s, [label]) => s + doc.heightOfString(label, { width: labelWidth }) + ROW_GAP, 0) +
    (weighted ? doc.heightOfString(t('transcriptPdf.weightedNote'), { width: contentWidth }) + 10 : 0) +
    30;
  if (!fits(summaryHeight)) doc.addPage();
  const summarySection = tag(doc, root, 'Sect');
  tag(doc, summarySection, 'H2', () => doc.font('Helvetica-Bold').fontSize(11).text(t('transcriptPdf.summary'), left, doc.y, { width: contentWidth }));
  doc.moveDown(0.3);
  rule();
  doc.y += 2 * ROW_GAP;
  const summaryTable = tag(doc, summarySection, 'Table');
  for (const [label, value] of summary) {
    const y = doc.y;
    doc.font('Helvetica').fontSize(10);
    const height = Math.max(doc.heightOfString(label, { width: labelWidth }), doc.heightOfString(value, { width: contentWidth - labelWidth - gap }));
    const row = tag(doc, summaryTable, 'TR');
    tag(doc, row, 'TH', () => doc.text(label, left, y, { width: labelWidth }), { scope: 'Row' });
    tag(doc, row, 'TD', () => doc.font('Helvetica-Bold').text(value, left + labelWidth + gap, y, { width: contentWidth - labelWidth - gap }));
    row.end();
    doc.x = left;
    doc.y = y + height + ROW_GAP;
  }
  summaryTable.end();
  if (weighted) {
    doc.moveDown(0.5);
    tag(doc, summarySection, 'P', () => doc.font('Helvetica').fontSize(8).text(t('transcriptPdf.weightedNote'), left, doc.y, { width: contentWidth }));
  }
  summarySection.end();
  doc.moveDown(1);
  tag(doc, root, 'P', () => doc.font('Helvetica').fontSize(9).text(t('transcriptPdf.printedOn', { date: day(printedOn) }), left, doc.y, { width: contentWidth }));
  root.end();

  // ── Footer on every page: the mark, whose transcript, the page number ──
  const range = doc.bufferedPageRange();
  const pages = range.count;
  const who = `${t('transcriptPdf.mark')} · ${student.name} · ${t('reportCard.number', { number: student.number })}`;
  for (let i = range.start; i < range.start + pages; i++) {
    doc.switchToPage(i);
    // Writing below the bottom margin would make pdfkit start a new page: lift the margin meanwhile.
    const margin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    const y = doc.page.height - margin + FOOTER_GAP;
    const pageLabel = t('transcriptPdf.page', { page: i - range.start + 1, pages });
    doc.font('Helvetica').fontSize(8);
    const pageWidth = doc.widthOfString(pageLabel) + 4;
    artifact(doc, () => {
      doc.save().lineWidth(0.5).strokeColor('#888888').moveTo(left, y - 6).lineTo(left + contentWidth, y - 6).stroke().restore();
      doc.font('Helvetica-Bold').text(who, left, y, { width: contentWidth - pageWidth - gap, height: doc.currentLineHeight(), ellipsis: true, lineBreak: true });
      doc.font('Helvetica').text(pageLabel, left + contentWidth - pageWidth, y, { width: pageWidth, align: 'right', lineBreak: false });
    }, 'Pagination');
    doc.page.margins.bottom = margin;
  }
  doc.end();
  return done;
}
