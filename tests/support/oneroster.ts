/**
 * OneRoster packages built in memory for the loader's tests: the records a test writes by hand, given
 * to the loader through the same OneRosterPackage interface the reader implements. Records are plain
 * objects; `row()` and friends fill in the fields a test does not care about, and number the lines of
 * each file in the order the records are given (line 1 is the header, as in a real CSV).
 */
import {
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
