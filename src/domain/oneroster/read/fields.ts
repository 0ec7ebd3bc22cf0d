/**
 * Reading one row's values: each getter checks a value against what the specification allows and
 * reports a precise problem (file, line, column, value, what was expected). An error marks the row as
 * failed (it is left out); a warning keeps it. Warnings that would repeat on every row of a file (an
 * American date, a `yes` for true) are given once per file and column.
 */
import { DateTime } from 'luxon';
import type { DateString } from '../../../db/schema.js';
import { gradeFromOneRoster, type Problem, type RowAt } from '../records.js';
import type { Header } from './columns.js';
import type { ProblemCode } from './describe.js';

/** Per file read: the warnings already given once. Bounded, so a file of odd values cannot grow it. */
export class FileState {
  #once = new Set<string>();

  constructor(
    readonly file: string,
    readonly report: (p: Problem) => void,
  ) {}

  /** true the first time a key is seen (and always once the set is full: better a repeat than a leak) */
  first(key: string): boolean {
    if (this.#once.has(key)) return false;
    if (this.#once.size < 1000) this.#once.add(key);
    return true;
  }
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_TIME = /^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}/;
const US_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/**
 * Whether a `YYYY-MM-DD` is a day of the calendar (not the 30th of February), as luxon decides it,
 * remembered per date: a file repeats the same few hundred dates (a score's date, a day's attendance)
 * millions of times, and luxon's parse was about 8 % of the reader's time (BENCHMARKS.md, session 17).
 */
const REAL_DATES = new Map<string, boolean>();
function realDate(iso: string): boolean {
  let real = REAL_DATES.get(iso);
  if (real === undefined) {
    real = DateTime.fromISO(iso).isValid;
    if (REAL_DATES.size >= 10_000) REAL_DATES.clear();
    REAL_DATES.set(iso, real);
  }
  return real;
}

/**
 * Whether a date-time is one luxon reads (ISO 8601, a space allowed for the `T`), remembered per value as
 * realDate is: a SIS writes a line item's assignDate and dueDate as date-times, and a package's line
 * items often share them (ADR 0057).
 */
const VALID_DATE_TIMES = new Map<string, boolean>();
function validDateTime(written: string): boolean {
  let valid = VALID_DATE_TIMES.get(written);
  if (valid === undefined) {
    valid = DateTime.fromISO(written.replace(' ', 'T'), { setZone: true }).isValid;
    if (VALID_DATE_TIMES.size >= 10_000) VALID_DATE_TIMES.clear();
    VALID_DATE_TIMES.set(written, valid);
  }
  return valid;
}

/**
 * The rows of one file, read one after another through one reader (`next` moves it to the next row):
 * a file of millions of rows makes no reader object per row.
 */
export class RowReader {
  failed = false;
  /**
   * A `tobedeleted` row of a delta needs only its sourcedId: an empty value elsewhere is no error (a text
   * is then '', a list [], anything else null). A value that is given is still checked.
   */
  lenient = false;
  #cells: string[] = [];
  /** where the current row is (a new object per row: records keep it) */
  at: RowAt = { file: '', line: 0 };

  constructor(
    private readonly state: FileState,
    private readonly header: Header,
  ) {}

  /** Moves to the next row. */
  next(cells: string[], at: RowAt): void {
    this.#cells = cells;
    this.at = at;
    this.failed = false;
    this.lenient = false;
  }

  /** the trimmed cell of a column, '' when the file has no such column */
  raw(column: string): string {
    const i = this.header.index.get(column);
    return i === undefined ? '' : (this.#cells[i] ?? '').trim();
  }

  has(column: string): boolean {
    return this.header.index.has(column);
  }

  problem(severity: 'error' | 'warning', code: ProblemCode, column: string | null, value: string | null, expected: string | null, detail?: string): void {
    if (severity === 'error') this.failed = true;
    this.state.report({
      severity,
      code,
      file: this.at.file,
      line: this.at.line,
      column,
      value,
      expected,
      ...(detail === undefined ? {} : { detail }),
    });
  }

  /** a warning given once per file and column (and `key`) */
  warnOnce(code: ProblemCode, column: string, value: string, expected: string | null, key = ''): void {
    if (this.state.first(`${code}\u0000${column}\u0000${key}`)) this.problem('warning', code, column, value, expected);
  }

  text(column: string): string | null {
    const v = this.raw(column);
    return v === '' ? null : v;
  }

  required(column: string): string {
    const v = this.raw(column);
    if (v === '' && !this.lenient) this.problem('error', 'required', column, '', null);
    return v;
  }

  /** a comma-separated list inside one cell; empty items are dropped */
  list(column: string): string[] {
    const v = this.raw(column);
    if (v === '') return [];
    return v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  }

  requiredList(column: string): string[] {
    const items = this.list(column);
    if (items.length === 0 && !this.lenient) this.problem('error', 'required', column, this.raw(column), null);
    return items;
  }

  /** one of the specification's spellings, matched case-insensitively; null when empty */
  enumOf<T extends string>(column: string, allowed: readonly T[], required: boolean): T | null {
    const v = this.raw(column);
    if (v === '') {
      if (required && !this.lenient) this.problem('error', 'required', column, '', allowed.join(', '));
      return null;
    }
    // as written (the common case), else in any case
    const found = allowed.includes(v as T) ? (v as T) : allowed.find((a) => a.toLowerCase() === v.toLowerCase());
    if (!found) {
      this.problem('error', 'badEnum', column, v, allowed.join(', '));
      return null;
    }
    return found;
  }

  /** true/false; 1/0 and yes/no accepted with a warning once per file and column; null when empty */
  boolean(column: string, required: boolean): boolean | null {
    const written = this.raw(column);
    if (written === 'true') return true;
    if (written === 'false') return false;
    const v = written.toLowerCase();
    if (v === '') {
      if (required && !this.lenient) this.problem('error', 'required', column, '', 'true, false');
      return null;
    }
    if (v === 'true' || v === 'false') return v === 'true';
    if (v === '1' || v === 'yes' || v === '0' || v === 'no') {
      this.warnOnce('looseBoolean', column, written, 'true, false');
      return v === '1' || v === 'yes';
    }
    this.problem('error', 'badBoolean', column, written, 'true, false');
    return null;
  }

  number(column: string, required: boolean): number | null {
    const v = this.raw(column);
    if (v === '') {
      if (required && !this.lenient) this.problem('error', 'required', column, '', null);
      return null;
    }
    if (!NUMBER.test(v)) {
      this.problem('error', 'badNumber', column, v, null);
      return null;
    }
    return Number(v);
  }

  /** a four-digit year (0 when a lenient row leaves it empty) */
  year(column: string): number {
    const v = this.raw(column);
    if (v === '') {
      if (!this.lenient) this.problem('error', 'required', column, '', 'YYYY');
      return 0;
    }
    if (!/^\d{4}$/.test(v)) {
      this.problem('error', 'badYear', column, v, 'YYYY');
      return 0;
    }
    return Number(v);
  }

  /**
   * A date, `YYYY-MM-DD`; `m/d/yyyy` accepted with a warning once per file and column. Where the
   * specification allows a date-time (`dateTime`), its date part as written. null when empty.
   */
  date(column: string, required: boolean, dateTime = false): DateString | null {
    const v = this.raw(column);
    if (v === '') {
      if (required && !this.lenient) this.problem('error', 'required', column, '', 'YYYY-MM-DD');
      return null;
    }
    const expected = dateTime ? 'YYYY-MM-DD, YYYY-MM-DDThh:mm:ssZ' : 'YYYY-MM-DD';
    if (ISO_DATE.test(v)) return this.#real(column, v, v, expected);
    const dt = ISO_DATE_TIME.exec(v);
    if (dt && dateTime) {
      if (!validDateTime(v)) {
        this.problem('error', 'badDate', column, v, expected);
        return null;
      }
      return this.#real(column, v, dt[1]!, expected);
    }
    const us = US_DATE.exec(v);
    if (us) {
      const iso = `${us[3]}-${us[1]!.padStart(2, '0')}-${us[2]!.padStart(2, '0')}`;
      const date = this.#real(column, v, iso, expected);
      if (date) this.warnOnce('usDate', column, v, 'YYYY-MM-DD');
      return date;
    }
    this.problem('error', 'badDate', column, v, expected);
    return null;
  }

  #real(column: string, written: string, iso: string, expected: string): DateString | null {
    if (!realDate(iso)) {
      this.problem('error', 'impossibleDate', column, written, expected);
      return null;
    }
    return iso;
  }

  /** grade codes, each to a Homeroom level; an unknown code is a warning (once per file and code) and skipped */
  grades(column: string): number[] {
    const levels: number[] = [];
    for (const code of this.list(column)) {
      const level = gradeFromOneRoster(code);
      if (level === null) this.warnOnce('unknownGrade', column, code, 'IT, PR, PK, TK, KG, 01–13', code.toUpperCase());
      else if (!levels.includes(level)) levels.push(level);
    }
    return levels;
  }
}
