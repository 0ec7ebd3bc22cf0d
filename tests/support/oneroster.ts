/**
 * OneRoster packages built in memory for the loader's tests: the records a test writes by hand, given
 * to the loader through the same OneRosterPackage interface the reader implements. Records are plain
 * objects; `row()` and friends fill in the fields a test does not care about, and number the lines of
 * each file in the order the records are given (line 1 is the header, as in a real CSV).
 */
import type { Database } from '../../src/db/connect.js';
import { importPackage, type ImportReport } from '../../src/domain/oneroster/load/index.js';
import {
  ProblemSink,
  type Problem,
  ONEROSTER_FILES,
  type AttendanceRowRecord,
  type FileMode,
  type OneRosterFile,
  type OneRosterPackage,
  type OneRosterVersion,
  type RecordOf,
} from '../../src/domain/oneroster/records.js';

export type Records = { [K in OneRosterFile]?: Omit<RecordOf[K], 'at'>[] };

export interface MemoryPackageOptions {
  version?: OneRosterVersion;
  /** a file's mode; a file with records and no mode given is 'bulk', one without records 'absent' */
  modes?: Partial<Record<OneRosterFile, FileMode>>;
  attendance?: Omit<AttendanceRowRecord, 'at'>[];
}

/** An in-memory package: each file's records in the order given, lines numbered from 2. */
export function memoryPackage(records: Records, options: MemoryPackageOptions = {}): OneRosterPackage {
  const modes = Object.fromEntries(
    ONEROSTER_FILES.map((f) => [f, options.modes?.[f] ?? (records[f] !== undefined ? 'bulk' : 'absent')]),
  ) as Record<OneRosterFile, FileMode>;
  const sizeOf = (rows: readonly unknown[] | undefined) => (rows ?? []).reduce<number>((n, r) => n + JSON.stringify(r).length, 0);
  const totalBytes = ONEROSTER_FILES.reduce((n, f) => n + sizeOf(records[f]), 0) + sizeOf(options.attendance);
  let read = 0;
  return {
    version: options.version ?? '1.2',
    modes,
    hasAttendance: options.attendance !== undefined,
    totalBytes,
    bytesRead: () => read,
    async *rows<K extends OneRosterFile>(file: K): AsyncIterable<RecordOf[K]> {
      const list = (records[file] ?? []) as Omit<RecordOf[K], 'at'>[];
      let line = 1;
      for (const r of list) {
        line += 1;
        read += JSON.stringify(r).length;
        yield { ...r, at: { file: `${file}.csv`, line } } as RecordOf[K];
      }
    },
    async *attendance(): AsyncIterable<AttendanceRowRecord> {
      let line = 1;
      for (const r of options.attendance ?? []) {
        line += 1;
        read += JSON.stringify(r).length;
        yield { ...r, at: { file: 'homeroom_attendance.csv', line } };
      }
    },
    async close() {},
  };
}

// ── record builders: the fields a test names, plain defaults for the rest ────────────────────────────

type Rec<K extends OneRosterFile> = Omit<RecordOf[K], 'at'>;
const base = { status: 'active' as const };

export const org = (sourcedId: string, type: 'district' | 'school', name: string, more: Partial<Rec<'orgs'>> = {}): Rec<'orgs'> => ({
  ...base, sourcedId, type, name, identifier: null, parentSourcedId: null, ...more,
});

export const session = (sourcedId: string, type: Rec<'academicSessions'>['type'], title: string, startDate: string, endDate: string, more: Partial<Rec<'academicSessions'>> = {}): Rec<'academicSessions'> => ({
  ...base, sourcedId, type, title, startDate, endDate, parentSourcedId: null, schoolYear: 2027, ...more,
});

export const course = (sourcedId: string, title: string, orgSourcedId: string, more: Partial<Rec<'courses'>> = {}): Rec<'courses'> => ({
  ...base, sourcedId, title, orgSourcedId, courseCode: null, grades: [], schoolYearSourcedId: null, subjects: [], ...more,
});

export const klass = (sourcedId: string, courseSourcedId: string, schoolSourcedId: string, more: Partial<Rec<'classes'>> = {}): Rec<'classes'> => ({
  ...base, sourcedId, title: sourcedId, classCode: null, classType: 'scheduled', courseSourcedId, schoolSourcedId, termSourcedIds: [], periods: [], location: null, grades: [], subjects: [], ...more,
});

export const user = (sourcedId: string, givenName: string, familyName: string, more: Partial<Rec<'users'>> = {}): Rec<'users'> => ({
  ...base, sourcedId, enabled: true, username: null, givenName, familyName, middleName: null, preferredGivenName: null, preferredFamilyName: null,
  identifier: null, email: null, sms: null, phone: null, agentSourcedIds: [], grades: [], primaryOrgSourcedId: null, ...more,
});

export const role = (userSourcedId: string, r: Rec<'roles'>['role'], orgSourcedId: string, more: Partial<Rec<'roles'>> = {}): Rec<'roles'> => ({
  ...base, sourcedId: `${userSourcedId}-${r}-${orgSourcedId}`, userSourcedId, role: r, roleType: 'primary', orgSourcedId, beginDate: null, endDate: null, ...more,
});

export const enrollment = (sourcedId: string, classSourcedId: string, userSourcedId: string, r: Rec<'enrollments'>['role'], schoolSourcedId: string, more: Partial<Rec<'enrollments'>> = {}): Rec<'enrollments'> => ({
  ...base, sourcedId, classSourcedId, userSourcedId, role: r, schoolSourcedId, primary: r === 'teacher', beginDate: null, endDate: null, ...more,
});

export const demographic = (sourcedId: string, birthDate: string | null): Rec<'demographics'> => ({ ...base, sourcedId, birthDate });

// ── the loader's tests' district and helpers ─────────────────────────────────────────────────────────

export const NOW = new Date('2026-09-15T14:00:00.000Z');

/** The district of these tests, as its SIS exports it. */
export function bulkRecords(): Records {
  return {
    orgs: [org('D1', 'district', 'Lakeside Unified'), org('S1', 'school', 'Lakeside High', { identifier: '0101', parentSourcedId: 'D1' })],
    academicSessions: [
      session('Y27', 'schoolYear', '2026-27', '2026-08-20', '2027-06-10'),
      session('T1', 'semester', 'Fall', '2026-08-20', '2027-01-15', { parentSourcedId: 'Y27' }),
      session('T2', 'semester', 'Spring', '2027-01-19', '2027-06-10', { parentSourcedId: 'Y27' }),
    ],
    courses: [course('C1', 'Biology', 'S1', { courseCode: 'BIO1', grades: [9, 10], subjects: ['Science'] })],
    classes: [klass('K1', 'C1', 'S1', { classCode: 'BIO1-01', termSourcedIds: ['T1'], periods: ['1'], location: 'Room 12' })],
    users: [
      user('U1', 'Maya', 'Lopez', { identifier: '000123', grades: [9], primaryOrgSourcedId: 'S1', email: 'maya@students.example' }),
      user('U2', 'Ben', 'Ortiz', { identifier: '000124', grades: [10], primaryOrgSourcedId: 'S1' }),
      user('G1', 'Rosa', 'Lopez', { email: 'rosa@example.com', phone: '555-0101', agentSourcedIds: ['U1'] }),
      user('G2', 'Tom', 'Ortiz', { email: 'tom@example.com' }),
      user('T1U', 'Ada', 'King', { identifier: 'E77', email: 'ada.king@lakeside.example', primaryOrgSourcedId: 'S1' }),
      user('A1', 'Sam', 'Chief', { email: 'sam@lakeside.example', primaryOrgSourcedId: 'D1' }),
    ],
    roles: [
      role('U1', 'student', 'S1'),
      role('U2', 'student', 'S1'),
      role('G1', 'parent', 'S1'),
      role('G2', 'guardian', 'S1'),
      role('T1U', 'teacher', 'S1'),
      role('A1', 'districtAdministrator', 'D1'),
    ],
    enrollments: [
      enrollment('E1', 'K1', 'U1', 'student', 'S1'),
      enrollment('E2', 'K1', 'U2', 'student', 'S1', { beginDate: '2026-09-01' }),
      enrollment('E3', 'K1', 'T1U', 'teacher', 'S1'),
    ],
    demographics: [demographic('U1', '2011-03-04'), demographic('U2', '2010-11-30')],
  };
}

export async function load(database: Database, records: Records, options: { dryRun?: boolean; now?: Date; pkg?: MemoryPackageOptions } = {}): Promise<{ report: ImportReport; problems: Problem[] }> {
  const sink = new ProblemSink();
  const report = await importPackage(database, memoryPackage(records, options.pkg), sink, { dryRun: options.dryRun ?? false, now: options.now ?? NOW, actorAccountId: null });
  return { report, problems: sink.list() };
}

/** Every table, the loader's own bookkeeping too, without the run log. */
export async function dump(database: Database): Promise<Record<string, unknown[]>> {
  // Imported here, not at the top: the crash test's child process uses this module's builders without vitest.
  const { dumpAll } = await import('./db.js');
  const all = await dumpAll(database);
  for (const table of ['oneroster_last_schools', 'oneroster_last_sessions', 'oneroster_last_courses', 'oneroster_last_sections', 'oneroster_last_students', 'oneroster_last_staff', 'oneroster_last_guardians', 'oneroster_links', 'oneroster_staff_roles'] as const) {
    all[table] = (await database.db.selectFrom(table).selectAll().execute()).map((r) => JSON.parse(JSON.stringify(r))).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
  return all;
}

