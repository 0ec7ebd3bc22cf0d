/**
 * The columns of each file in each version, which of them must be present, and how a file's header is
 * matched to them: case-insensitively, a misspelled optional column (a small edit distance) read as the
 * column it was meant to be with a warning, an unknown column reported and ignored, `metadata.*`
 * extension columns (allowed by the specification) ignored without a word — but for Homeroom's own
 * (EXTENSION_COLUMNS: `metadata.homeroom.dropped` in results.csv), which are read, in any case.
 */
import { COLUMNS_1_2, EXTENSION_COLUMNS, type OneRosterFile, type OneRosterVersion, type Problem } from '../records.js';
import type { ProblemCode } from './describe.js';

/** OneRoster 1.1's CSV columns; null for files 1.1 does not have. */
export const COLUMNS_1_1: Record<OneRosterFile, readonly string[] | null> = {
  orgs: COLUMNS_1_2.orgs,
  academicSessions: COLUMNS_1_2.academicSessions,
  courses: COLUMNS_1_2.courses,
  classes: COLUMNS_1_2.classes,
  users: [
    'sourcedId', 'status', 'dateLastModified', 'enabledUser', 'orgSourcedIds', 'role', 'username', 'userIds', 'givenName',
    'familyName', 'middleName', 'identifier', 'email', 'sms', 'phone', 'agentSourcedIds', 'grades', 'password',
  ],
  roles: null,
  userProfiles: null,
  enrollments: COLUMNS_1_2.enrollments,
  demographics: COLUMNS_1_2.demographics,
  categories: ['sourcedId', 'status', 'dateLastModified', 'title'],
  lineItems: COLUMNS_1_2.lineItems,
  results: ['sourcedId', 'status', 'dateLastModified', 'lineItemSourcedId', 'studentSourcedId', 'scoreStatus', 'score', 'scoreDate', 'comment'],
  scoreScales: null,
};

/** Columns a file must have (and whose values must not be empty), beyond sourcedId. */
const REQUIRED: Record<OneRosterFile, readonly string[]> = {
  orgs: ['name', 'type'],
  academicSessions: ['title', 'type', 'startDate', 'endDate', 'schoolYear'],
  courses: ['title', 'orgSourcedId'],
  classes: ['title', 'courseSourcedId', 'classType', 'schoolSourcedId', 'termSourcedIds'],
  users: ['enabledUser', 'givenName', 'familyName'],
  roles: ['userSourcedId', 'roleType', 'role', 'orgSourcedId'],
  userProfiles: ['userSourcedId', 'profileType', 'vendorId', 'credentialType'],
  enrollments: ['classSourcedId', 'schoolSourcedId', 'userSourcedId', 'role'],
  demographics: [],
  categories: ['title'],
  lineItems: ['title', 'assignDate', 'dueDate', 'classSourcedId', 'categorySourcedId', 'gradingPeriodSourcedId', 'resultValueMax'],
  results: ['lineItemSourcedId', 'studentSourcedId', 'scoreStatus'],
  scoreScales: ['title'],
};

/** Homeroom's attendance file (ADR 0023). */
export const ATTENDANCE_COLUMNS = ['studentSourcedId', 'date', 'classSourcedId', 'code', 'excused'] as const;
const ATTENDANCE_REQUIRED = ['studentSourcedId', 'date', 'code'];

export interface FileColumns {
  all: readonly string[];
  required: readonly string[];
  /** the `metadata.*` columns read (Homeroom's extensions); optional, never taken for a misspelling */
  extensions?: readonly string[];
}

export function columnsOf(file: OneRosterFile, version: OneRosterVersion): FileColumns {
  const all = (version === '1.1' ? COLUMNS_1_1[file] : COLUMNS_1_2[file]) ?? COLUMNS_1_2[file];
  const required = ['sourcedId', ...REQUIRED[file], ...(version === '1.1' && file === 'users' ? ['role', 'orgSourcedIds'] : [])];
  return { all, required, extensions: EXTENSION_COLUMNS[file] ?? [] };
}

export const attendanceColumns: FileColumns = { all: ATTENDANCE_COLUMNS, required: ATTENDANCE_REQUIRED };

/** Levenshtein distance, stopping early once it exceeds `max`. */
export function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < best) best = v;
    }
    if (best > max) return max + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

/** How far a header may be from the column it is taken for: 2 edits, 1 for names shorter than 8. */
function tolerance(column: string): number {
  return column.length >= 8 ? 2 : 1;
}

export interface Header {
  /** the cell index of each column the file has, by the specification's name */
  index: Map<string, number>;
  /** how many cells a row may have (the header's width); further cells must be empty */
  width: number;
  /** indexes of header cells that are empty (an exporter's trailing commas); their values are ignored */
  unnamed: number[];
}

/**
 * Matches a header line to the file's columns. Problems (warnings for misspelled and unknown columns,
 * errors for a missing or repeated required column) are reported; null when the file cannot be read.
 */
export function matchHeader(
  cells: string[],
  columns: FileColumns,
  file: string,
  report: (p: Problem) => void,
): Header | null {
  const byLower = new Map(columns.all.map((c) => [c.toLowerCase(), c]));
  const index = new Map<string, number>();
  const unnamed: number[] = [];
  const unmatched: { at: number; name: string }[] = [];
  let ok = true;
  const at = (column: string | null, code: ProblemCode, severity: 'error' | 'warning', expected: string | null = null, value: string | null = null) =>
    report({ severity, code, file, line: 1, column, value, expected });

  cells.forEach((cell, i) => {
    const name = cell.trim();
    if (name === '') {
      unnamed.push(i);
      return;
    }
    if (name.toLowerCase().startsWith('metadata.')) {
      const extension = columns.extensions?.find((e) => e.toLowerCase() === name.toLowerCase());
      if (extension && index.has(extension)) {
        at(name, 'duplicateColumn', 'error');
        ok = false;
      } else if (extension) index.set(extension, i);
      return;
    }
    const column = byLower.get(name.toLowerCase());
    if (!column) {
      unmatched.push({ at: i, name });
      return;
    }
    if (index.has(column)) {
      at(name, 'duplicateColumn', 'error');
      ok = false;
      return;
    }
    index.set(column, i);
  });

  for (const { at: i, name } of unmatched) {
    const lower = name.toLowerCase();
    const candidates = columns.all.filter(
      (c) => !columns.required.includes(c) && !index.has(c) && distance(lower, c.toLowerCase(), tolerance(c)) <= tolerance(c),
    );
    if (candidates.length === 1) {
      const column = candidates[0]!;
      index.set(column, i);
      at(name, 'misspelledColumn', 'warning', column);
    } else {
      at(name, 'unknownColumn', 'warning', columns.all.join(', '));
    }
  }

  for (const column of columns.required) {
    if (!index.has(column)) {
      at(column, 'missingColumn', 'error');
      ok = false;
    }
  }
  if (!ok) return null;
  // trailing unnamed header cells widen nothing: a row may have as many cells as the header
  return { index, width: cells.length, unnamed };
}
