/**
 * The point-of-sale import (issue 24, ADR 0040): Homeroom's own small CSV of a day's meal transactions.
 *
 *   transaction_id,student_number,time,amount,item,type
 *   POS-1001,004512,2026-12-04 11:32,3.25,Lunch,purchase
 *   WEB-77,004512,2026-12-04T07:02:00-06:00,20.00,,deposit
 *
 * - transaction_id: the point-of-sale system's id, unique (a file imported twice adds nothing).
 * - student_number: as the SIS writes it (leading zeros optional).
 * - time: ISO 8601 with a zone (Z or ±hh:mm), or without one: then in the district's time zone.
 * - amount: dollars, positive, at most two decimals and $1,000 ("3.25"); the type gives the sign.
 * - item: what was bought (optional, 100 characters at most).
 * - type: purchase (the default when the column is absent or empty) or deposit (money paid in elsewhere).
 *
 * The whole file is checked first; any error and nothing is written. An unknown student number (or a
 * student outside the importer's schools) is a warning and the row is skipped: importing the same file
 * again once the roster knows the student adds just those rows. A run is one transaction, in which the
 * low-balance notices it causes are queued as jobs (written after the commit; a dry run queues none).
 */
import { parse } from 'csv-parse/sync';
import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import type { DB } from '../../db/schema.js';
import type { MessageKey } from '../../i18n/index.js';
import type { StaffActor } from '../access/staff.js';
import { audit } from '../audit/service.js';
import type { Problem } from '../oneroster/records.js';
import { writeMealEntries, type MealEntry } from './ledger.js';

/** The codes this import reports (beyond the reader's notUtf8, csvSyntax, emptyFile) and their messages. */
export const MEAL_PROBLEMS = {
  missingColumn: 'meals.problem.missingColumn',
  unknownColumn: 'meals.problem.unknownColumn',
  missingValue: 'meals.problem.missingValue',
  badAmount: 'meals.problem.badAmount',
  badTime: 'meals.problem.badTime',
  futureTime: 'meals.problem.futureTime',
  badType: 'meals.problem.badType',
  tooLong: 'meals.problem.tooLong',
  duplicateId: 'meals.problem.duplicateId',
  badStudentNumber: 'meals.problem.badStudentNumber',
  unknownStudent: 'meals.problem.unknownStudent',
  tooManyRows: 'meals.problem.tooManyRows',
} as const satisfies Record<string, MessageKey>;

const REQUIRED = ['transaction_id', 'student_number', 'time', 'amount'] as const;
const OPTIONAL = ['item', 'type'] as const;
/** The most rows a file may have: a day of a district far larger than any in the benchmark. */
export const MAX_ROWS = 1_000_000;
/** The largest single transaction, in cents. */
const MAX_CENTS = 100_000;
/** How many problems the report keeps (the counts are still given). */
const KEPT = 200;

export interface MealImportReport {
  ok: boolean;
  dryRun: boolean;
  rows: number;
  /** rows added to the ledger (in a dry run: that would be) */
  added: number;
  /** rows already imported before (same transaction id) */
  alreadyImported: number;
  /** rows skipped: unknown student */
  skipped: number;
  purchasesCents: number;
  depositsCents: number;
  errors: number;
  warnings: number;
  problems: Problem[];
}

interface Row {
  line: number;
  externalId: string;
  studentNumber: string;
  at: string;
  amountCents: number;
  kind: 'purchase' | 'deposit';
  item: string | null;
}

class Problems {
  list: Problem[] = [];
  errors = 0;
  warnings = 0;
  constructor(private readonly file: string) {}
  add(severity: 'error' | 'warning', code: string, line: number | null, column: string | null, value: string | null, expected: string | null, detail?: string) {
    if (severity === 'error') this.errors++;
    else this.warnings++;
    if (this.list.length < KEPT) this.list.push({ severity, code, file: this.file, line, column, value: value === null ? null : value.slice(0, 100), expected, ...(detail ? { detail } : {}) });
  }
}

/** Dollars "3.25" to cents, never through floating point; null when not a positive amount up to the limit. */
function fileCents(text: string): number | null {
  const m = /^(\d{1,7})(?:\.(\d{1,2}))?$/.exec(text);
  if (!m) return null;
  const cents = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  return cents > 0 && cents <= MAX_CENTS ? cents : null;
}

const TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|([+-])(\d{2}):?(\d{2}))?$/;

/**
 * A time as the file writes it, to a UTC instant; null when it is not one. The district's offset is asked
 * of the time-zone database once per local hour (`offsets`): a day's file has a few dozen, not 150,000,
 * and US zones change offset on the hour.
 */
function fileTime(text: string, timeZone: string, offsets: Map<string, number>): string | null {
  const m = TIME.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 59) return null;
  const local = Date.UTC(y, mo - 1, d, h, mi, s, Number((m[7] ?? '').padEnd(3, '0').slice(0, 3)));
  if (new Date(local).getUTCDate() !== d) return null;
  let offset: number;
  if (m[8] === 'Z') offset = 0;
  else if (m[8]) {
    if (Number(m[10]) > 23 || Number(m[11]) > 59) return null;
    offset = (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  } else {
    const key = text.slice(0, 13);
    let known = offsets.get(key);
    if (known === undefined) {
      known = DateTime.fromObject({ year: y, month: mo, day: d, hour: h }, { zone: timeZone }).offset;
      offsets.set(key, known);
    }
    offset = known;
  }
  return new Date(local - offset * 60_000).toISOString();
}

/** Reads and checks the whole file; rows only when there is no error. */
export function readMealFile(content: Buffer, options: { file: string; timeZone: string; now: Date }): { rows: Row[]; problems: Problems } {
  const problems = new Problems(options.file);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch {
    problems.add('error', 'notUtf8', null, null, null, null);
    return { rows: [], problems };
  }
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, info: true, skip_empty_lines: true, relax_column_count: true }) as never;
  } catch (error) {
    const e = error as { lines?: number; message?: string };
    problems.add('error', 'csvSyntax', e.lines ?? null, null, null, null, (e.message ?? '').slice(0, 200));
    return { rows: [], problems };
  }
  if (records.length === 0) {
    problems.add('error', 'emptyFile', null, null, null, null);
    return { rows: [], problems };
  }
  const header = records[0]!.record.map((h) => h.trim().toLowerCase());
  const index = new Map(header.map((h, i) => [h, i]));
  for (const column of REQUIRED) if (!index.has(column)) problems.add('error', 'missingColumn', 1, column, null, REQUIRED.join(', '));
  for (const column of header) if (!(REQUIRED as readonly string[]).includes(column) && !(OPTIONAL as readonly string[]).includes(column)) problems.add('warning', 'unknownColumn', 1, column, column, [...REQUIRED, ...OPTIONAL].join(', '));
  if (problems.errors > 0) return { rows: [], problems };
  if (records.length - 1 > MAX_ROWS) {
    problems.add('error', 'tooManyRows', null, null, String(records.length - 1), String(MAX_ROWS));
    return { rows: [], problems };
  }
  const latest = options.now.getTime() + 86_400_000;
  const seen = new Map<string, number>();
  const offsets = new Map<string, number>();
  const rows: Row[] = [];
  const cell = (r: string[], column: string) => {
    const i = index.get(column);
    return i === undefined ? '' : (r[i] ?? '').trim();
  };
  for (let n = 1; n < records.length; n++) {
    const { record, info } = records[n]!;
    const line = info.lines;
    let ok = true;
    const bad = (code: string, column: string, value: string, expected: string | null) => {
      problems.add('error', code, line, column, value, expected);
      ok = false;
    };
    const externalId = cell(record, 'transaction_id');
    if (externalId === '') bad('missingValue', 'transaction_id', '', null);
    else if (externalId.length > 64) bad('tooLong', 'transaction_id', externalId, '64');
    else if (seen.has(externalId)) bad('duplicateId', 'transaction_id', externalId, String(seen.get(externalId)));
    else seen.set(externalId, line);
    const studentNumber = cell(record, 'student_number').replace(/^0+(?=.)/, '');
    if (studentNumber === '') bad('missingValue', 'student_number', '', null);
    else if (!/^[0-9A-Za-z]{1,32}$/.test(studentNumber)) bad('badStudentNumber', 'student_number', cell(record, 'student_number'), null);
    const timeText = cell(record, 'time');
    const at = fileTime(timeText, options.timeZone, offsets);
    if (timeText === '') bad('missingValue', 'time', '', null);
    else if (at === null) bad('badTime', 'time', timeText, 'YYYY-MM-DD HH:MM');
    else if (Date.parse(at) > latest) bad('futureTime', 'time', timeText, null);
    const amountText = cell(record, 'amount');
    const amountCents = fileCents(amountText);
    if (amountText === '') bad('missingValue', 'amount', '', null);
    else if (amountCents === null) bad('badAmount', 'amount', amountText, '0.01–1000.00');
    const typeText = cell(record, 'type').toLowerCase();
    const kind = typeText === '' ? 'purchase' : typeText;
    if (kind !== 'purchase' && kind !== 'deposit') bad('badType', 'type', cell(record, 'type'), 'purchase, deposit');
    const item = cell(record, 'item');
    if (item.length > 100) bad('tooLong', 'item', item, '100');
    if (ok) rows.push({ line, externalId, studentNumber, at: at!, amountCents: amountCents!, kind: kind as 'purchase' | 'deposit', item: item === '' ? null : item });
  }
  return { rows: problems.errors > 0 ? [] : rows, problems };
}

class DryRun extends Error {}

/**
 * Imports the file: reads it, and when it has no error, adds its rows in one transaction (a dry run
 * rolls that transaction back and reports what it would have done). Idempotent by transaction id.
 */
export async function importMeals(
  db: Kysely<DB>,
  actor: StaffActor,
  content: Buffer,
  options: { file: string; timeZone: string; dryRun: boolean; now: Date },
): Promise<MealImportReport> {
  const { rows, problems } = readMealFile(content, options);
  const report: MealImportReport = {
    ok: false,
    dryRun: options.dryRun,
    rows: 0,
    added: 0,
    alreadyImported: 0,
    skipped: 0,
    purchasesCents: 0,
    depositsCents: 0,
    errors: 0,
    warnings: 0,
    problems: [],
  };
  const finish = () => ({ ...report, errors: problems.errors, warnings: problems.warnings, problems: problems.list });
  if (problems.errors > 0) return finish();
  report.rows = rows.length;
  try {
    await db.transaction().execute(async (trx) => {
      const ids = await studentIds(trx, actor, [...new Set(rows.map((r) => r.studentNumber))]);
      const entries: MealEntry[] = [];
      for (const r of rows) {
        const studentId = ids.get(r.studentNumber);
        if (studentId === undefined) {
          problems.add('warning', 'unknownStudent', r.line, 'student_number', r.studentNumber, null);
          report.skipped++;
          continue;
        }
        entries.push({
          studentId,
          kind: r.kind,
          amountCents: r.kind === 'purchase' ? -r.amountCents : r.amountCents,
          at: r.at,
          item: r.item,
          source: 'pos',
          externalId: r.externalId,
          recordedBy: actor.actorAccountId,
        });
      }
      // The low-balance notices are queued in this transaction and written after the commit (low-balance.ts).
      report.added = await writeMealEntries(trx, entries, options.now, 'queued');
      report.alreadyImported = entries.length - report.added;
      for (const e of entries) {
        if (e.kind === 'purchase') report.purchasesCents -= e.amountCents;
        else report.depositsCents += e.amountCents;
      }
      if (options.dryRun) throw new DryRun();
      await audit(
        trx,
        {
          action: 'meals.imported',
          actorAccountId: actor.actorAccountId,
          subjectType: null,
          subjectId: null,
          ip: actor.ip,
          details: { file: options.file, rows: report.rows, added: report.added, alreadyImported: report.alreadyImported, skipped: report.skipped },
        },
        options.now,
      );
    });
  } catch (error) {
    if (!(error instanceof DryRun)) throw error;
  }
  report.ok = true;
  return finish();
}

/** Student numbers (without leading zeros) to ids, of the students the importer acts for. */
async function studentIds(trx: Kysely<DB>, actor: StaffActor, numbers: readonly string[]): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  if (!actor.scope.district && actor.scope.schools.size === 0) return found;
  const wanted = new Set(numbers);
  // Numbers are stored as the SIS writes them, with or without leading zeros: read the schools' students once.
  let query = trx.selectFrom('students').select(['id', 'student_number']);
  if (!actor.scope.district) query = query.where('school_id', 'in', [...actor.scope.schools]);
  for (const s of await query.execute()) {
    const key = s.student_number.replace(/^0+(?=.)/, '');
    if (wanted.has(key) && !found.has(key)) found.set(key, s.id);
  }
  return found;
}
