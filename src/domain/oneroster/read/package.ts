/**
 * openPackage: a OneRoster CSV package (a zip file or a folder) as the loader reads it — the version and
 * file modes from the manifest, then each file's checked records, streamed one row at a time. Every
 * problem goes to the ProblemSink; nothing is thrown for a bad package (ADR 0023). A package that cannot
 * be opened at all (not found, not a zip, no manifest, unknown version) is given as an empty package —
 * every file absent — with the error in the sink, and the caller stops on `problems.errors`.
 */
import {
  ATTENDANCE_FILE,
  ONEROSTER_FILES,
  type AttendanceRowRecord,
  type FileMode,
  type OneRosterFile,
  type OneRosterPackage,
  type OneRosterVersion,
  type Problem,
  type ProblemSink,
  type RecordOf,
} from '../records.js';
import { attendanceRow, BUILDERS, userAndRoles, type BuildContext } from './build.js';
import { attendanceColumns, columnsOf, matchHeader, type FileColumns, type Header } from './columns.js';
import { csvBatches } from './csv.js';
import { FileState, RowReader } from './fields.js';
import { findName, readManifest } from './manifest.js';
import { openSource, SourceError, type PackageSource } from './source.js';

function allAbsent(): Record<OneRosterFile, FileMode> {
  return Object.fromEntries(ONEROSTER_FILES.map((f) => [f, 'absent'])) as Record<OneRosterFile, FileMode>;
}

function emptyPackage(version: OneRosterVersion = '1.2'): OneRosterPackage {
  return {
    version,
    modes: allAbsent(),
    hasAttendance: false,
    rows: () => (async function* () {})(),
    attendance: () => (async function* () {})(),
    totalBytes: 0,
    bytesRead: () => 0,
    close: async () => {},
  };
}

/**
 * The checked rows of one CSV file: header matched, then each row through `row`. Rows whose cells are all
 * empty (`,,,`) are blank lines; cells past the header must be empty (a value there means the row's
 * values are shifted: an error); a value under an unnamed header cell is ignored with a warning. The CSV
 * comes a parsed chunk at a time; each row is checked only when it is asked for, so a reader that stops
 * early has reported nothing of the rows after it.
 */
async function* checkedRows<T>(
  source: PackageSource,
  name: string,
  columns: FileColumns,
  reporter: Reporter,
  counted: (n: number) => void,
  row: (r: RowReader) => T | null,
): AsyncGenerator<T> {
  const pass = reporter.start(name);
  const report = pass.report;
  const state = new FileState(name, report);
  let header: Header | null = null;
  let reader: RowReader | null = null;
  let needed = 0;
  let broken = false;
  const fatal = (p: Problem) => {
    broken = true;
    report(p);
  };
  for await (const batch of csvBatches(source, name, fatal, counted)) {
    for (let i = 0; i < batch.cells.length; i++) {
      const cells = batch.cells[i]!;
      const line = batch.lines[i]!;
      if (blank(cells, 0)) continue;
      if (!header || !reader) {
        header = matchHeader(cells, columns, name, report);
        if (!header) {
          reporter.finished(name);
          return;
        }
        needed = Math.max(...header.index.values()) + 1;
        reader = new RowReader(state, header);
        continue;
      }
      const extra = firstValue(cells, header.width);
      if (extra !== undefined) {
        report({ severity: 'error', code: 'rowTooLong', file: name, line, column: null, value: extra.trim(), expected: String(header.width) });
        continue;
      }
      if (cells.length < needed) {
        report({ severity: 'error', code: 'rowTooShort', file: name, line, column: null, value: String(cells.length), expected: String(needed) });
        continue;
      }
      if (header.unnamed.length > 0) {
        const stray = header.unnamed.find((at) => (cells[at] ?? '').trim() !== '');
        if (stray !== undefined && state.first('unnamedColumn')) {
          report({ severity: 'warning', code: 'unnamedColumn', file: name, line, column: String(stray + 1), value: cells[stray]!.trim(), expected: null });
        }
      }
      reader.next(cells, { file: name, line });
      const value = row(reader);
      if (line > pass.reached.line) pass.reached.line = line;
      if (value !== null) yield value;
    }
  }
  if (!header && !broken) report({ severity: 'error', code: 'emptyFile', file: name, line: null, column: null, value: null, expected: null });
  reporter.finished(name);
}

/** Whether every cell from `from` on is empty or blank. */
function blank(cells: string[], from: number): boolean {
  return firstValue(cells, from) === undefined;
}

/** The first cell from `from` on that is not empty or blank. */
function firstValue(cells: string[], from: number): string | undefined {
  for (let i = from; i < cells.length; i++) {
    const cell = cells[i]!;
    if (cell !== '' && cell.trim() !== '') return cell;
  }
  return undefined;
}

/** How far the readings of a file have reached (the last line checked), shared by every pass over it. */
interface Reached {
  line: number;
}

/**
 * Reports each file's problems once, however often the file is read (`rows` reads it again at every
 * call, and 1.1's roles read users.csv again): a pass reports only problems past the last line an
 * earlier pass reached, and nothing once a pass has read the whole file.
 */
class Reporter {
  #reached = new Map<string, Reached>();

  constructor(private readonly sink: ProblemSink) {}

  /** A new pass over a file: its problems' sink, and the file's mark, which the pass moves on as it checks rows. */
  start(name: string): { report: (p: Problem) => void; reached: Reached } {
    let reached = this.#reached.get(name);
    if (!reached) {
      reached = { line: 0 };
      this.#reached.set(name, reached);
    }
    const before = reached.line;
    return {
      report: (p) => {
        if (before === 0 || (p.line !== null && p.line > before)) this.sink.add(p);
      },
      reached,
    };
  }

  finished(name: string): void {
    this.start(name).reached.line = Number.POSITIVE_INFINITY;
  }
}

export async function openPackage(path: string, problems: ProblemSink): Promise<OneRosterPackage> {
  const report = (p: Problem) => problems.add(p);
  let source: PackageSource;
  try {
    source = await openSource(path);
  } catch (error) {
    const code = error instanceof SourceError ? error.code : 'notZip';
    report({ severity: 'error', code, file: null, line: null, column: null, value: path, expected: null, detail: (error as Error).message });
    return emptyPackage();
  }
  const reporter = new Reporter(problems);
  let read = 0;
  const counted = (n: number) => {
    read += n;
  };
  const manifest = await readManifest(source, report, counted);
  if (!manifest) {
    await source.close();
    return emptyPackage();
  }
  read = 0;
  const { version } = manifest;
  const modes = { ...manifest.modes };
  const names = new Map<OneRosterFile, string>();
  for (const file of ONEROSTER_FILES) {
    const csv = `${file}.csv`;
    // 1.1's roles are in users.csv
    const found = version === '1.1' && file === 'roles' ? null : findName(source, csv);
    if (modes[file] !== 'absent' && !(version === '1.1' && file === 'roles')) {
      if (found) names.set(file, found);
      else {
        report({ severity: 'error', code: 'missingFile', file: csv, line: null, column: null, value: `file.${file}`, expected: modes[file] });
        modes[file] = 'absent';
      }
    } else if (modes[file] === 'absent' && found) {
      report({ severity: 'warning', code: 'absentFilePresent', file: found, line: null, column: null, value: `file.${file}`, expected: null });
    }
  }
  if (version === '1.1') modes.roles = modes.users;
  const attendanceName = findName(source, ATTENDANCE_FILE);

  let totalBytes = 0;
  for (const [file, name] of names) totalBytes += source.size(name) * (version === '1.1' && file === 'users' && modes.roles !== 'absent' ? 2 : 1);
  if (attendanceName) totalBytes += source.size(attendanceName);

  function rows<K extends OneRosterFile>(file: K): AsyncIterable<RecordOf[K]> {
    const mode = modes[file];
    if (mode === 'absent') return (async function* () {})();
    const ctx: BuildContext = { version, mode };
    if (version === '1.1' && file === 'roles') return rolesOf11(ctx) as AsyncIterable<RecordOf[K]>;
    const builder = BUILDERS[file] as (r: RowReader, c: BuildContext) => RecordOf[K] | null;
    return checkedRows(source, names.get(file)!, columnsFor(file, mode), reporter, counted, (r) => builder(r, ctx));
  }

  /** a delta must say what each row is: its status column is required */
  function columnsFor(file: OneRosterFile, mode: FileMode): FileColumns {
    const base = columnsOf(file, version);
    return mode === 'delta' ? { ...base, required: [...base.required, 'status'] } : base;
  }

  /** 1.1: each users row's roles; users.csv is read again (its problems are reported once, by whichever pass comes first) */
  async function* rolesOf11(ctx: BuildContext): AsyncGenerator<RecordOf['roles']> {
    const users = checkedRows(source, names.get('users')!, columnsFor('users', ctx.mode), reporter, counted, (r) =>
      userAndRoles(r, ctx),
    );
    for await (const found of users) yield* found.roles;
  }

  return {
    version,
    modes,
    hasAttendance: attendanceName !== null,
    rows,
    attendance(): AsyncIterable<AttendanceRowRecord> {
      if (!attendanceName) return (async function* () {})();
      return checkedRows(source, attendanceName, attendanceColumns, reporter, counted, attendanceRow);
    },
    totalBytes,
    bytesRead: () => Math.min(read, totalBytes),
    close: () => source.close(),
  };
}
