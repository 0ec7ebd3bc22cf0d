/**
 * OneRoster CSV, as the rest of Homeroom sees it: the records the reader (./read) yields after it has
 * parsed and checked each row, the problems it and the loader (./load) report, and the grade codes. The
 * reader knows CSV and the specification's spellings (1.1 and 1.2); the loader knows Homeroom's tables;
 * this module is the contract between them, and the exporter (./export.ts) writes the same shapes back.
 *
 * Every record keeps where it came from (`at`), so a problem found later (a reference to a row that is
 * absent, a student with no birth date) still names the file and line.
 */
import type { DateString } from '../../db/schema.js';

export type OneRosterVersion = '1.1' | '1.2';

/** How the manifest says a file is given: the whole set (bulk), changes only (delta), or not at all. */
export type FileMode = 'bulk' | 'delta' | 'absent';

/** The files Homeroom reads, by the manifest's `file.<name>` property (the CSV is `<name>.csv`). */
export const ONEROSTER_FILES = [
  'orgs',
  'academicSessions',
  'courses',
  'classes',
  'users',
  'roles',
  'userProfiles',
  'enrollments',
  'demographics',
  'categories',
  'lineItems',
  'results',
  'scoreScales',
] as const;
export type OneRosterFile = (typeof ONEROSTER_FILES)[number];

/** Homeroom's own attendance file, read in the same run when the package holds it (see ADR 0023). */
export const ATTENDANCE_FILE = 'homeroom_attendance.csv';

/** Where a row is: the CSV file's name as in the package and its line (1 = the header line). */
export interface RowAt {
  file: string;
  line: number;
}

/**
 * `active`, or `tobedeleted` (in a delta: remove it; in a bulk file: a warning, and the row is left out).
 * A `tobedeleted` row of a delta may give only its sourcedId (ADR 0023): its other fields are then empty —
 * '' for a text, [] for a list, null for anything else, whatever the field's type says — so a loader uses
 * only `sourcedId`, `status` and `at` of a deletion.
 */
export type RowStatus = 'active' | 'tobedeleted';

interface Row {
  sourcedId: string;
  status: RowStatus;
  at: RowAt;
}

export interface OrgRecord extends Row {
  name: string;
  /** the specification's org types; Homeroom keeps `district` and `school` and ignores the others */
  type: 'district' | 'school' | 'department' | 'local' | 'state' | 'national';
  /** the school's number in the SIS; Homeroom's `school_number` */
  identifier: string | null;
  parentSourcedId: string | null;
}

export interface AcademicSessionRecord extends Row {
  title: string;
  type: 'schoolYear' | 'semester' | 'term' | 'gradingPeriod';
  startDate: DateString;
  endDate: DateString;
  parentSourcedId: string | null;
  /** the calendar year in which the school year ends */
  schoolYear: number;
}

export interface CourseRecord extends Row {
  title: string;
  courseCode: string | null;
  /** Homeroom grade levels (see gradeFromOneRoster); empty when the file gives none */
  grades: number[];
  orgSourcedId: string;
  schoolYearSourcedId: string | null;
  subjects: string[];
}

export interface ClassRecord extends Row {
  title: string;
  classCode: string | null;
  classType: 'homeroom' | 'scheduled';
  courseSourcedId: string;
  schoolSourcedId: string;
  termSourcedIds: string[];
  /** as the SIS names them ('1', '2', 'A1'…); matched to the school's bell periods by name */
  periods: string[];
  location: string | null;
  grades: number[];
  subjects: string[];
}

/**
 * A person's role, normalized across versions. 1.1's `administrator` and 1.2's `districtAdministrator`,
 * `siteAdministrator`, `principal`, `systemAdministrator` are kept apart so the loader can choose the
 * staff role; `aide` and `proctor` are read (and ignored by the loader).
 */
export type PersonRole =
  | 'student'
  | 'teacher'
  | 'guardian'
  | 'parent'
  | 'relative'
  | 'administrator'
  | 'districtAdministrator'
  | 'siteAdministrator'
  | 'systemAdministrator'
  | 'principal'
  | 'counselor'
  | 'aide'
  | 'proctor';

export interface UserRecord extends Row {
  enabled: boolean;
  username: string | null;
  givenName: string;
  familyName: string;
  middleName: string | null;
  preferredGivenName: string | null;
  preferredFamilyName: string | null;
  /** a student's number in the SIS, as given (leading zeros kept) */
  identifier: string | null;
  email: string | null;
  sms: string | null;
  phone: string | null;
  /** for a student: their guardians; for a guardian: their students (either side may list the link) */
  agentSourcedIds: string[];
  grades: number[];
  /**
   * 1.2's primaryOrgSourcedId; in 1.1 the first of orgSourcedIds. The roles themselves come as
   * RoleRecords: 1.2's roles.csv, or made by the reader from 1.1's `role` and `orgSourcedIds` columns,
   * so the loader reads roles one way.
   */
  primaryOrgSourcedId: string | null;
}

/** One role of a user at an org: 1.2's roles.csv, or made by the reader from a 1.1 users.csv row. */
export interface RoleRecord extends Row {
  userSourcedId: string;
  role: PersonRole;
  roleType: 'primary' | 'secondary';
  orgSourcedId: string;
  beginDate: DateString | null;
  endDate: DateString | null;
}

export interface EnrollmentRecord extends Row {
  classSourcedId: string;
  schoolSourcedId: string;
  userSourcedId: string;
  role: PersonRole;
  primary: boolean;
  beginDate: DateString | null;
  endDate: DateString | null;
}

/** demographics.csv: one row per user, `sourcedId` is the user's. */
export interface DemographicRecord extends Row {
  birthDate: DateString | null;
}

export interface CategoryRecord extends Row {
  title: string;
  /** 1.2 only: a weight in percent (0–100); null in 1.1 */
  weight: number | null;
  /** Homeroom's extension column DROP_LOWEST_COLUMN (0–20 lowest scores the category drops); null when not given */
  dropLowest: number | null;
}

export interface LineItemRecord extends Row {
  title: string;
  description: string | null;
  assignDate: DateString;
  dueDate: DateString;
  classSourcedId: string;
  categorySourcedId: string;
  gradingPeriodSourcedId: string;
  resultValueMin: number | null;
  resultValueMax: number;
}

export type ScoreStatus = 'exempt' | 'fully graded' | 'not submitted' | 'partially graded' | 'submitted';

export interface ResultRecord extends Row {
  lineItemSourcedId: string;
  studentSourcedId: string;
  scoreStatus: ScoreStatus;
  score: number | null;
  scoreDate: DateString | null;
  comment: string | null;
  /** 1.2's text score (a letter, "Pass"); null in 1.1 */
  textScore: string | null;
  /** 1.2's flags; false in 1.1 */
  late: boolean;
  missing: boolean;
  incomplete: boolean;
  /**
   * Homeroom's extension column DROPPED_COLUMN (a teacher dropped the score: it never counts); null when
   * the package has no such column or leaves it empty (another SIS: the score's flag stays as it is).
   */
  dropped: boolean | null;
}

/**
 * Homeroom's own extension column of results.csv (the specification allows `metadata.*` columns): whether
 * a teacher dropped the score. OneRoster has no such flag, so without it a dropped score would come back
 * counted. Written by the export, read by the import, ignored by other readers.
 */
export const DROPPED_COLUMN = 'metadata.homeroom.dropped';

/**
 * Homeroom's own extension column of categories.csv: how many of its lowest scores a category drops (a
 * section's grading setup; OneRoster has no such rule). Without it the grades would differ after a round trip.
 */
export const DROP_LOWEST_COLUMN = 'metadata.homeroom.dropLowest';

/** The most lowest scores a category may drop (as the teacher's setup allows, gradebook/setup.ts). */
export const DROP_LOWEST_MAX = 20;

/** The `metadata.*` extension columns Homeroom reads and writes, per file, after the specification's columns. */
export const EXTENSION_COLUMNS: Partial<Record<OneRosterFile, readonly string[]>> = { categories: [DROP_LOWEST_COLUMN], results: [DROPPED_COLUMN] };

/** Homeroom's attendance file (ATTENDANCE_FILE): one record per absence, tardy or early release. */
export interface AttendanceRowRecord {
  at: RowAt;
  studentSourcedId: string;
  date: DateString;
  /** null: the whole day */
  classSourcedId: string | null;
  /** one of the district's attendance codes */
  code: string;
  excused: boolean | null;
}

export interface RecordOf {
  orgs: OrgRecord;
  academicSessions: AcademicSessionRecord;
  courses: CourseRecord;
  classes: ClassRecord;
  users: UserRecord;
  roles: RoleRecord;
  /** read and checked, not loaded: Homeroom has no use for user profiles yet */
  userProfiles: Row;
  enrollments: EnrollmentRecord;
  demographics: DemographicRecord;
  categories: CategoryRecord;
  lineItems: LineItemRecord;
  results: ResultRecord;
  /** read and checked, not loaded: scores are points; the section's grading scale stays Homeroom's */
  scoreScales: Row;
}

/**
 * An opened package (a zip file or a folder), as the reader gives it to the loader. Problems found while
 * reading (a bad value, a misspelled header) go to the ProblemSink given to the reader when it opened the
 * package; a row with an error is reported and left out of `rows`.
 */
export interface OneRosterPackage {
  readonly version: OneRosterVersion;
  /** how the manifest gives each file; a file it does not name is 'absent' */
  readonly modes: Readonly<Record<OneRosterFile, FileMode>>;
  /** whether the package holds Homeroom's attendance file (ATTENDANCE_FILE) */
  readonly hasAttendance: boolean;
  /** the file's records in file order; each call reads the file again from its start */
  rows<K extends OneRosterFile>(file: K): AsyncIterable<RecordOf[K]>;
  attendance(): AsyncIterable<AttendanceRowRecord>;
  /** the uncompressed size of every file the run reads, and how much of it has been read (progress) */
  readonly totalBytes: number;
  bytesRead(): number;
  close(): Promise<void>;
}

/**
 * Something wrong or odd in a package. An error stops the run (nothing is written); a warning is
 * reported and the run goes on. `code` picks the message in the catalogs (`oneroster.problem.<code>`),
 * filled with `value`, `expected` and `detail`.
 */
export interface Problem {
  severity: 'error' | 'warning';
  code: string;
  file: string | null;
  line: number | null;
  column: string | null;
  value: string | null;
  expected: string | null;
  detail?: string;
}

/** How many problems a report keeps; the count of the rest is still given. */
export const PROBLEM_LIMIT = 200;

/**
 * OneRoster's grade codes (CEDS) to Homeroom's grade levels: infant and pre-kindergarten years are -1,
 * kindergarten 0, then 1–13. Null for codes Homeroom has no level for (PS, UG, Other).
 */
export function gradeFromOneRoster(code: string): number | null {
  const c = code.trim().toUpperCase();
  if (c === 'IT' || c === 'PR' || c === 'PK' || c === 'TK') return -1;
  if (c === 'KG') return 0;
  if (/^\d{1,2}$/.test(c)) {
    const n = Number(c);
    return n >= 1 && n <= 13 ? n : null;
  }
  return null;
}

/** Homeroom's grade level to OneRoster's code: -1 PK, 0 KG, 1–13 as two digits. */
export function gradeToOneRoster(level: number): string {
  if (level < 0) return 'PK';
  if (level === 0) return 'KG';
  return String(level).padStart(2, '0');
}

/** Collects a run's problems: counts them all, keeps the first PROBLEM_LIMIT. */
export class ProblemSink {
  #kept: Problem[] = [];
  errors = 0;
  warnings = 0;

  add(problem: Problem): void {
    if (problem.severity === 'error') this.errors += 1;
    else this.warnings += 1;
    if (this.#kept.length < PROBLEM_LIMIT) this.#kept.push(problem);
  }

  /** the kept problems, errors first, each group in the order found */
  list(): Problem[] {
    return [...this.#kept.filter((p) => p.severity === 'error'), ...this.#kept.filter((p) => p.severity === 'warning')];
  }

  /** how many were found but not kept */
  get omitted(): number {
    return this.errors + this.warnings - this.#kept.length;
  }
}

/**
 * The columns of each OneRoster 1.2 CSV file, in the specification's order: what the exporter writes.
 * The reader finds columns by name (in either version), so their order in a package does not matter.
 */
export const COLUMNS_1_2: Record<OneRosterFile, readonly string[]> = {
  orgs: ['sourcedId', 'status', 'dateLastModified', 'name', 'type', 'identifier', 'parentSourcedId'],
  academicSessions: ['sourcedId', 'status', 'dateLastModified', 'title', 'type', 'startDate', 'endDate', 'parentSourcedId', 'schoolYear'],
  courses: ['sourcedId', 'status', 'dateLastModified', 'schoolYearSourcedId', 'title', 'courseCode', 'grades', 'orgSourcedId', 'subjects', 'subjectCodes'],
  classes: [
    'sourcedId', 'status', 'dateLastModified', 'title', 'grades', 'courseSourcedId', 'classCode', 'classType', 'location',
    'schoolSourcedId', 'termSourcedIds', 'subjects', 'subjectCodes', 'periods',
  ],
  users: [
    'sourcedId', 'status', 'dateLastModified', 'enabledUser', 'username', 'userIds', 'givenName', 'familyName', 'middleName',
    'identifier', 'email', 'sms', 'phone', 'agentSourcedIds', 'grades', 'password', 'userMasterIdentifier', 'resourceSourcedIds',
    'preferredGivenName', 'preferredMiddleName', 'preferredFamilyName', 'primaryOrgSourcedId', 'pronouns',
  ],
  roles: ['sourcedId', 'status', 'dateLastModified', 'userSourcedId', 'roleType', 'role', 'beginDate', 'endDate', 'orgSourcedId', 'userProfileSourcedId'],
  userProfiles: [
    'sourcedId', 'status', 'dateLastModified', 'userSourcedId', 'profileType', 'vendorId', 'applicationId', 'description',
    'credentialType', 'username', 'password',
  ],
  enrollments: ['sourcedId', 'status', 'dateLastModified', 'classSourcedId', 'schoolSourcedId', 'userSourcedId', 'role', 'primary', 'beginDate', 'endDate'],
  demographics: [
    'sourcedId', 'status', 'dateLastModified', 'birthDate', 'sex', 'americanIndianOrAlaskaNative', 'asian', 'blackOrAfricanAmerican',
    'nativeHawaiianOrOtherPacificIslander', 'white', 'demographicRaceTwoOrMoreRaces', 'hispanicOrLatinoEthnicity', 'countryOfBirthCode',
    'stateOfBirthAbbreviation', 'cityOfBirth', 'publicSchoolResidenceStatus',
  ],
  categories: ['sourcedId', 'status', 'dateLastModified', 'title', 'weight'],
  lineItems: [
    'sourcedId', 'status', 'dateLastModified', 'title', 'description', 'assignDate', 'dueDate', 'classSourcedId', 'categorySourcedId',
    'gradingPeriodSourcedId', 'resultValueMin', 'resultValueMax',
  ],
  results: [
    'sourcedId', 'status', 'dateLastModified', 'lineItemSourcedId', 'studentSourcedId', 'scoreStatus', 'score', 'textScore', 'scoreDate',
    'comment', 'inProgress', 'incomplete', 'late', 'missing',
  ],
  scoreScales: ['sourcedId', 'status', 'dateLastModified', 'title', 'type', 'courseSourcedId', 'classSourcedId', 'scoreScaleValue'],
};
