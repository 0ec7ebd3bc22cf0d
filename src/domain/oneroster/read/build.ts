/**
 * One checked row to one typed record, per file and version. A builder returns null when the row is
 * left out: an error was reported (RowReader.failed), or it is a `tobedeleted` row of a bulk file.
 */
import { DROP_LOWEST_COLUMN, DROP_LOWEST_MAX, DROPPED_COLUMN } from '../records.js';
import type {
  AcademicSessionRecord,
  AttendanceRowRecord,
  CategoryRecord,
  ClassRecord,
  CourseRecord,
  DemographicRecord,
  EnrollmentRecord,
  FileMode,
  LineItemRecord,
  OneRosterVersion,
  OrgRecord,
  PersonRole,
  RecordOf,
  ResultRecord,
  RoleRecord,
  RowStatus,
  ScoreStatus,
  UserRecord,
} from '../records.js';
import type { RowReader } from './fields.js';

export const ORG_TYPES = ['district', 'school', 'department', 'local', 'state', 'national'] as const;
export const SESSION_TYPES = ['schoolYear', 'semester', 'term', 'gradingPeriod'] as const;
export const CLASS_TYPES = ['homeroom', 'scheduled'] as const;
export const ROLES_1_2 = [
  'aide', 'counselor', 'districtAdministrator', 'guardian', 'parent', 'principal', 'proctor', 'relative', 'siteAdministrator',
  'student', 'systemAdministrator', 'teacher',
] as const satisfies readonly PersonRole[];
export const ROLES_1_1 = ['administrator', 'aide', 'guardian', 'parent', 'proctor', 'relative', 'student', 'teacher'] as const satisfies readonly PersonRole[];
export const ENROLLMENT_ROLES = ['administrator', 'proctor', 'student', 'teacher'] as const satisfies readonly PersonRole[];
export const ROLE_TYPES = ['primary', 'secondary'] as const;
export const SCORE_STATUSES = ['exempt', 'fully graded', 'not submitted', 'partially graded', 'submitted'] as const satisfies readonly ScoreStatus[];
const STATUSES = ['active', 'tobedeleted'] as const;

export interface BuildContext {
  version: OneRosterVersion;
  mode: Exclude<FileMode, 'absent'>;
}

interface Base {
  sourcedId: string;
  status: RowStatus;
  at: RowReader['at'];
}

/**
 * The row's status, after its sourcedId was read (`r.required('sourcedId')`, first, so that problems keep
 * their order). A `tobedeleted` row of a delta is read leniently (RowReader.lenient). An empty status is
 * `active` in a bulk file (1.1 allows it) and an error in a delta; `tobedeleted` in a bulk file is a
 * warning and the row is left out (null, not failed).
 */
function statusOf(r: RowReader, ctx: BuildContext): RowStatus | null {
  const written = r.raw('status');
  let status: RowStatus | null;
  if (written === '' && ctx.mode === 'bulk') status = 'active';
  else status = r.enumOf('status', STATUSES, true);
  if (status === 'tobedeleted' && ctx.mode === 'bulk') {
    r.problem('warning', 'deletedInBulk', 'status', written, 'active');
    return null;
  }
  // a deletion in a delta may give only its sourcedId
  if (status === 'tobedeleted') r.lenient = true;
  return status;
}

type Builder<T> = (r: RowReader, ctx: BuildContext) => T | null;

function done<T>(r: RowReader, record: T | null): T | null {
  return r.failed ? null : record;
}

// Each builder makes its record in one object literal (no base object spread into it: one object a row),
// reading the columns in the same order as ever, so that a row's problems come in the same order.

const orgs: Builder<OrgRecord> = (r, ctx) => {
  const sourcedId = r.required('sourcedId');
  const status = statusOf(r, ctx);
  if (!status) return null;
  const record = {
    sourcedId,
    status,
    at: r.at,
    name: r.required('name'),
    type: r.enumOf('type', ORG_TYPES, true)!,
    identifier: r.text('identifier'),
    parentSourcedId: r.text('parentSourcedId'),
  };
  return done(r, record);
};

const academicSessions: Builder<AcademicSessionRecord> = (r, ctx) => {
  const sourcedId = r.required('sourcedId');
  const status = statusOf(r, ctx);
  if (!status) return null;
  const record = {
    sourcedId,
    status,
    at: r.at,
    title: r.required('title'),
    type: r.enumOf('type', SESSION_TYPES, true)!,
    startDate: r.date('startDate', true)!,
    endDate: r.date('endDate', true)!,
    parentSourcedId: r.text('parentSourcedId'),
    schoolYear: r.year('schoolYear'),
  };
  if (!r.failed && record.startDate && record.endDate && record.endDate < record.startDate) r.problem('error', 'endBeforeStart', 'endDate', record.endDate, `≥ ${record.startDate}`);
  return done(r, record);
};

const courses: Builder<CourseRecord> = (r, ctx) => {
  const sourcedId = r.required('sourcedId');
  const status = statusOf(r, ctx);
  if (!status) return null;
  const record = {
    sourcedId,
    status,
    at: r.at,
    title: r.required('title'),
    courseCode: r.text('courseCode'),
    grades: r.grades('grades'),
    orgSourcedId: r.required('orgSourcedId'),
    schoolYearSourcedId: r.text('schoolYearSourcedId'),
    subjects: r.list('subjects'),
  };
  return done(r, record);
};

const classes: Builder<ClassRecord> = (r, ctx) => {
  const sourcedId = r.required('sourcedId');
  const status = statusOf(r, ctx);
  if (!status) return null;
  const record = {
    sourcedId,
    status,
    at: r.at,
    title: r.required('title'),
    classCode: r.text('classCode'),
    classType: r.enumOf('classType', CLASS_TYPES, true)!,
    courseSourcedId: r.required('courseSourcedId'),
    schoolSourcedId: r.required('schoolSourcedId'),
    termSourcedIds: r.requiredList('termSourcedIds'),
    periods: r.list('periods'),
    location: r.text('location'),
    grades: r.grades('grades'),
    subjects: r.list('subjects'),
  };
  return done(r, record);
};

/** A users row; in 1.1 also the row's roles (from `role` and `orgSourcedIds`). */
export function userAndRoles(r: RowReader, ctx: BuildContext): { user: UserRecord; roles: RoleRecord[] } | null {
  const sourcedId = r.required('sourcedId');
  const status = statusOf(r, ctx);
  if (!status) return null;
  let role: PersonRole | null = null;
  let orgIds: string[] = [];
  if (ctx.version === '1.1') {
    role = r.enumOf('role', ROLES_1_1, true);
    orgIds = r.requiredList('orgSourcedIds');
  }
  const user: UserRecord = {
    sourcedId,
    status,
    at: r.at,
    enabled: r.boolean('enabledUser', true) ?? false,
    username: r.text('username'),
    givenName: r.required('givenName'),
    familyName: r.required('familyName'),
    middleName: r.text('middleName'),
    preferredGivenName: r.text('preferredGivenName'),
    preferredFamilyName: r.text('preferredFamilyName'),
    identifier: r.text('identifier'),
    email: r.text('email'),
    sms: r.text('sms'),
    phone: r.text('phone'),
    agentSourcedIds: r.list('agentSourcedIds'),
    grades: r.grades('grades'),
    primaryOrgSourcedId: ctx.version === '1.1' ? (orgIds[0] ?? null) : r.text('primaryOrgSourcedId'),
  };
  if (r.failed) return null;
  const roles: RoleRecord[] = orgIds.map((orgSourcedId, i) => ({
    sourcedId: `${user.sourcedId}/${orgSourcedId}`,
    status: user.status,
    at: user.at,
    userSourcedId: user.sourcedId,
    role: role!,
    roleType: i === 0 ? 'primary' : 'secondary',
    orgSourcedId,
    beginDate: null,
    endDate: null,
  }));
  return { user, roles };
}

const roles: Builder<RoleRecord> = (r, ctx) => {
  const sourcedId = r.required('sourcedId');
  const status = statusOf(r, ctx);
  if (!status) return null;
  const record = {
    sourcedId,
    status,
    at: r.at,
    userSourcedId: r.required('userSourcedId'),
    role: r.enumOf('role', ROLES_1_2, true)!,
    roleType: r.enumOf('roleType', ROLE_TYPES, true)!,
    orgSourcedId: r.required('orgSourcedId'),
    beginDate: r.date('beginDate', false),
    endDate: r.date('endDate', false),
  };
  return done(r, record);
};

const userProfiles: Builder<Base> = (r, ctx) => {
  const sourcedId = r.required('sourcedId');
  const status = statusOf(r, ctx);
  if (!status) return null;
  for (const column of ['userSourcedId', 'profileType', 'vendorId', 'credentialType']) r.required(column);
  return done(r, { sourcedId, status, at: r.at });
};

const enrollments: Builder<EnrollmentRecord> = (r, ctx) => {
  const sourcedId = r.required('sourcedId');
  const status = statusOf(r, ctx);
  if (!status) return null;
  const record = {
    sourcedId,
    status,
    at: r.at,
    classSourcedId: r.required('classSourcedId'),
    schoolSourcedId: r.required('schoolSourcedId'),
    userSourcedId: r.required('userSourcedId'),
    role: r.enumOf('role', ENROLLMENT_ROLES, true)!,
    primary: r.boolean('primary', false) ?? false,
    beginDate: r.date('beginDate', false),
    endDate: r.date('endDate', false),
  };
  return done(r, record);
};

const demographics: Builder<DemographicRecord> = (r, ctx) => {
  const sourcedId = r.required('sourcedId');
  const status = statusOf(r, ctx);
  if (!status) return null;
  const record = { sourcedId, status, at: r.at, birthDate: r.date('birthDate', false) };
  return done(r, record);
};

const categories: Builder<CategoryRecord> = (r, ctx) => {
  const sourcedId = r.required('sourcedId');
  const status = statusOf(r, ctx);
  if (!status) return null;
  let weight: number | null = null;
  if (ctx.version === '1.2') {
    weight = r.number('weight', false);
    if (weight !== null && (weight < 0 || weight > 100)) r.problem('error', 'outOfRange', 'weight', r.raw('weight'), '0–100');
  }
  // Homeroom's extension: a whole number of lowest scores to drop, as the teacher's setup allows.
  const dropLowest = r.number(DROP_LOWEST_COLUMN, false);
  if (dropLowest !== null && (!Number.isInteger(dropLowest) || dropLowest < 0 || dropLowest > DROP_LOWEST_MAX)) {
    r.problem('error', 'outOfRange', DROP_LOWEST_COLUMN, r.raw(DROP_LOWEST_COLUMN), `0–${DROP_LOWEST_MAX}`);
  }
  const record = { sourcedId, status, at: r.at, title: r.required('title'), weight, dropLowest };
  return done(r, record);
};

const lineItems: Builder<LineItemRecord> = (r, ctx) => {
  const sourcedId = r.required('sourcedId');
  const status = statusOf(r, ctx);
  if (!status) return null;
  const record = {
    sourcedId,
    status,
    at: r.at,
    title: r.required('title'),
    description: r.text('description'),
    assignDate: r.date('assignDate', true, true)!,
    dueDate: r.date('dueDate', true, true)!,
    classSourcedId: r.required('classSourcedId'),
    categorySourcedId: r.required('categorySourcedId'),
    gradingPeriodSourcedId: r.required('gradingPeriodSourcedId'),
    resultValueMin: r.number('resultValueMin', false),
    resultValueMax: r.number('resultValueMax', true)!,
  };
  if (!r.failed && record.resultValueMin !== null && record.resultValueMax !== null && record.resultValueMax < record.resultValueMin) {
    r.problem('error', 'outOfRange', 'resultValueMax', r.raw('resultValueMax'), `≥ ${record.resultValueMin}`);
  }
  return done(r, record);
};

/** 1.2's result flags (false when empty); 1.1 has none */
function resultFlag(r: RowReader, ctx: BuildContext, column: string): boolean {
  return ctx.version === '1.2' ? (r.boolean(column, false) ?? false) : false;
}

const results: Builder<ResultRecord> = (r, ctx) => {
  const sourcedId = r.required('sourcedId');
  const status = statusOf(r, ctx);
  if (!status) return null;
  if (ctx.version === '1.2') r.boolean('inProgress', false);
  const record = {
    sourcedId,
    status,
    at: r.at,
    lineItemSourcedId: r.required('lineItemSourcedId'),
    studentSourcedId: r.required('studentSourcedId'),
    scoreStatus: r.enumOf('scoreStatus', SCORE_STATUSES, true)!,
    score: r.number('score', false),
    scoreDate: r.date('scoreDate', false),
    comment: r.text('comment'),
    textScore: ctx.version === '1.2' ? r.text('textScore') : null,
    late: resultFlag(r, ctx, 'late'),
    missing: resultFlag(r, ctx, 'missing'),
    incomplete: resultFlag(r, ctx, 'incomplete'),
    dropped: r.boolean(DROPPED_COLUMN, false),
  };
  return done(r, record);
};

const scoreScales: Builder<Base> = (r, ctx) => {
  const sourcedId = r.required('sourcedId');
  const status = statusOf(r, ctx);
  if (!status) return null;
  r.required('title');
  return done(r, { sourcedId, status, at: r.at });
};

const users: Builder<UserRecord> = (r, ctx) => userAndRoles(r, ctx)?.user ?? null;

export const BUILDERS: { [K in keyof RecordOf]: Builder<RecordOf[K]> } = {
  orgs,
  academicSessions,
  courses,
  classes,
  users,
  roles,
  userProfiles,
  enrollments,
  demographics,
  categories,
  lineItems,
  results,
  scoreScales,
};

/** A row of Homeroom's attendance file. */
export function attendanceRow(r: RowReader): AttendanceRowRecord | null {
  const record: AttendanceRowRecord = {
    at: r.at,
    studentSourcedId: r.required('studentSourcedId'),
    date: r.date('date', true)!,
    classSourcedId: r.text('classSourcedId'),
    code: r.required('code'),
    excused: r.boolean('excused', false),
  };
  return done(r, record);
}
