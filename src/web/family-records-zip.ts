/**
 * A family's records as one zip (ADR 0037): a CSV per kind of record, with its header and values in the
 * family's language (spreadsheet-safe, web/csv.ts) — among them the fees, their payments (this student's
 * part, with the receipt number) and the payments started online (ADR 0056), amounts as the portal
 * writes them — the report cards and the unofficial transcript as the
 * same PDFs the portal gives the family, and a README listing the files. Made in memory.
 */
import { ZipFile } from 'yazl';
import { reportCardPdf } from '../documents/report-card.js';
import { transcriptPdf } from '../documents/transcript.js';
import { commentTexts } from '../domain/gradebook/report-cards.js';
import type { FamilyRecords } from '../domain/staff/family-records.js';
import { formatInstant, formatMoney } from '../i18n/format.js';
import { translate, type Locale, type MessageKey } from '../i18n/index.js';
import { csvOf } from './csv.js';
import { METHOD_LABEL, STATUS_LABEL } from './views/fee-parts.js';
import { localName } from '../i18n/format.js';

export interface RecordsZipInput {
  records: FamilyRecords;
  locale: Locale;
  district: { name: string; portalName: string; timeZone: string };
  today: string;
  now: Date;
}

const CHECKOUT_STATUS = { pending: 'records.checkout.pending', paid: 'records.checkout.paid', failed: 'records.checkout.failed' } as const satisfies Record<FamilyRecords['checkouts'][number]['status'], MessageKey>;

const flag = (t: (k: MessageKey) => string, on: boolean) => t(on ? 'records.yes' : 'records.no');

export async function familyRecordsZip(input: RecordsZipInput): Promise<{ bytes: Buffer; files: string[] }> {
  const { records, locale, district } = input;
  const t = (key: MessageKey, params: Record<string, string | number> = {}) => translate(locale, key, params);
  const when = (iso: string | null) => (iso ? formatInstant(new Date(iso), locale, district.timeZone) : '');
  const files: { name: string; bytes: Buffer }[] = [];
  /** A CSV whose columns are named by their catalog keys. */
  const csv = (name: string, keys: readonly MessageKey[], rows: (string | number)[][]) => {
    const columns = keys.map((k) => t(k));
    const text = csvOf(columns, rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i] ?? '']))));
    files.push({ name, bytes: Buffer.from(text, 'utf8') });
  };
  const s = records.student;

  csv(
    'schedule.csv',
    ['records.col.term', 'records.col.period', 'records.col.course', 'records.col.section', 'records.col.teacher', 'records.col.room', 'records.col.start', 'records.col.end'],
    records.schedule.terms.flatMap((term) => term.classes.map((c) => [localName(locale, term.title), c.period, c.courseTitle, c.sectionCode, c.teacher ?? '', c.room ?? '', c.start, c.end])),
  );
  csv(
    'grades.csv',
    ['records.col.course', 'records.col.gradingPeriod', 'records.col.letter', 'records.col.percent', 'records.col.posted', 'records.col.comment'],
    records.grades.classes.flatMap((c) =>
      c.periods.map((p) => {
        const letter = p.posted ? p.posted.letter : p.grade.letter;
        const percent = p.posted ? p.posted.percent : p.grade.percent;
        return [c.class.courseTitle, localName(locale, p.period.title), letter ?? '', percent === null ? '' : percent.toFixed(2), flag(t, p.posted !== null), p.posted ? commentTexts(p.posted, locale).join(' ') : ''];
      }),
    ),
  );
  csv(
    'assignments.csv',
    ['records.col.course', 'records.col.assignment', 'records.col.category', 'records.col.due', 'records.col.points', 'records.col.possible', 'records.col.missing', 'records.col.late', 'records.col.exempt', 'records.col.comment'],
    records.grades.classes.flatMap((c) =>
      c.assignments.map((a) => [c.class.courseTitle, a.title, a.category, a.due, a.points ?? '', a.pointsPossible, flag(t, a.missing), flag(t, a.late), flag(t, a.exempt), a.comment ?? '']),
    ),
  );
  csv(
    'attendance.csv',
    ['records.col.date', 'records.col.course', 'records.col.period', 'records.col.code', 'records.col.description', 'records.col.comment'],
    records.attendance.terms.flatMap((term) => term.events.map((e) => [e.date, e.course ?? t('records.wholeDay'), e.period ?? '', e.code, localName(locale, e.description), e.comment ?? ''])),
  );
  csv(
    'immunizations.csv',
    ['records.col.vaccine', 'records.col.required', 'records.col.doses', 'records.col.exemption'],
    records.immunizations.map((v) => [localName(locale, v.name), v.required ?? '', v.doses.join(' '), v.exemption ? `${v.exemption.kind} ${v.exemption.granted}` : '']),
  );
  csv(
    'accounts.csv',
    ['records.col.person', 'records.col.kind', 'records.col.username', 'records.col.status', 'records.col.created', 'records.col.securityEmail'],
    records.accounts.map((a) => [a.person, t(a.kind === 'student' ? 'records.kind.student' : 'records.kind.guardian'), a.username, a.status, when(a.createdAt), a.securityEmail ?? '']),
  );
  const money = (cents: number) => formatMoney(cents, locale);
  csv(
    'fees.csv',
    ['records.col.fee', 'records.col.schoolYear', 'records.col.feeDue', 'records.col.feeRequired', 'records.col.charged', 'records.col.paid', 'records.col.waived', 'records.col.balance', 'records.col.status'],
    records.fees.map((f) => [f.description[locale], `${f.schoolYear - 1}–${f.schoolYear}`, f.dueDate ?? '', flag(t, f.required), money(f.chargedCents), money(f.paidCents), money(f.waivedCents), money(f.balanceCents), t(STATUS_LABEL[f.status])]),
  );
  csv(
    'payments.csv',
    ['records.col.receipt', 'records.col.when', 'records.col.method', 'records.col.checkNumber', 'records.col.reference', 'records.col.amount', 'records.col.refunded'],
    records.payments.map((p) => [p.id, when(p.recordedAt), t(METHOD_LABEL[p.method]), p.checkNumber ?? '', p.reference ?? '', money(p.cents), p.refundedCents > 0 ? money(p.refundedCents) : '']),
  );
  csv(
    'online-payments.csv',
    ['records.col.started', 'records.col.guardian', 'records.col.status', 'records.col.amount', 'records.col.checkoutTotal', 'records.col.givenBack', 'records.col.receipt', 'records.col.reference'],
    records.checkouts.map((c) => [when(c.startedAt), c.guardian, t(CHECKOUT_STATUS[c.status]), money(c.cents), money(c.totalCents), c.excessCents > 0 ? money(c.excessCents) : '', c.paymentId ?? '', c.reference ?? '']),
  );
  const auditKeys = ['records.col.when', 'records.col.username', 'records.col.action', 'records.col.ip', 'records.col.details'] as const;
  csv('sign-ins.csv', auditKeys, records.signIns.map((r) => [when(r.at), r.username, r.action, r.ip ?? '', r.details ?? '']));
  csv('account-changes.csv', auditKeys, records.accountEvents.map((r) => [when(r.at), r.username, r.action, r.ip ?? '', r.details ?? '']));
  csv(
    'requests.csv',
    ['records.col.submitted', 'records.col.guardian', 'records.col.status', 'records.col.decided', 'records.col.field', 'records.col.oldValue', 'records.col.newValue'],
    records.requests.map((r) => [when(r.submittedAt), r.guardian, r.status, when(r.decidedAt), r.field, r.oldValue ?? '', r.newValue ?? '']),
  );

  const who = { name: `${s.firstName} ${s.lastName}`, number: s.studentNumber, school: s.school, grade: s.grade };
  for (const card of records.reportCards) {
    files.push({ name: `report-card-${card.term.id}.pdf`, bytes: await reportCardPdf(card, { locale, district, student: who }) });
  }
  if (records.transcript.years.length > 0) {
    files.push({ name: 'unofficial-transcript.pdf', bytes: await transcriptPdf(records.transcript, { locale, district, student: { ...who, birthDate: s.birthDate }, printedOn: input.today }) });
  }
  const readme = [
    t('records.readme.title', { name: who.name, number: who.number }),
    t('records.readme.made', { district: district.name, when: when(input.now.toISOString()) }),
    '',
    ...files.map((f) => f.name),
    '',
  ].join('\n');
  files.unshift({ name: 'README.txt', bytes: Buffer.from(readme, 'utf8') });

  const zip = new ZipFile();
  for (const f of files) zip.addBuffer(f.bytes, f.name, { mtime: input.now });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return { bytes: Buffer.concat(chunks), files: files.map((f) => f.name) };
}
