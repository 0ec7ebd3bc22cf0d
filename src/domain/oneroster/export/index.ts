/**
 * The district as a OneRoster 1.2 CSV package (issue 20, "Export"): a zip file with `manifest.csv`, one
 * CSV per file with exactly the columns of COLUMNS_1_2 in their order, then Homeroom's extension columns
 * (EXTENSION_COLUMNS: results.csv's `metadata.homeroom.dropped`, which the specification allows) (UTF-8 without a byte-order mark,
 * LF line ends, quoted by csv-stringify where a value needs it), and Homeroom's own attendance file
 * (ATTENDANCE_FILE), so that the package passes Homeroom's importer and feeds other apps (an LMS).
 *
 * What is written (README, "Export", says the same for operators):
 * - sourcedId: the row's `sourced_id` when it came from an import, else `hr-<kind>-<id>` (hr-school-3,
 *   hr-session-7, hr-course-12, hr-section-40, hr-student-123, hr-guardian-9, hr-staff-5,
 *   hr-enrollment-88, hr-section-teacher-41, hr-category-6, hr-assignment-70, hr-score-901): the same
 *   at every export of the same database. Roles, which Homeroom does not keep as rows, are
 *   hr-role-student-<id>, hr-role-guardian-<id>-school-<id>, hr-role-staff-<id>-<role>-<org>.
 *   Grading categories and scores keep no sourced_id, so theirs are always Homeroom's.
 * - every row is `active` (a bulk package); dateLastModified is the row's updated_at, or the export's
 *   instant for grading categories, which keep no time of change.
 * - orgs: the district (type district), each school (type school, identifier = school_number, parent =
 *   the district). academicSessions: every session with its parent and schoolYear.
 * - courses: orgSourcedId = the school, grades from grade_low..grade_high, courseCode, subjects = the
 *   subject; no schoolYearSourcedId (Homeroom's courses are not per year). classes: every section,
 *   classType scheduled, title "<course title> (<section code>)", classCode = section code, location =
 *   room, termSourcedIds from section_terms, periods = its bell periods' names in bell order.
 * - users: every student (enabledUser while enrolled, i.e. enrollment status active; identifier and
 *   username = student number, leading zeros kept; grades = grade level; agentSourcedIds = guardians
 *   with a portal link); the guardians who have at least one portal link — portal access on, rights not
 *   revoked (ADR 0017): a guardian whose rights were revoked, or whose portal access staff turned off,
 *   is not given to another app as the student's parent (agentSourcedIds = those students; enabledUser
 *   while one of them is enrolled; username = email on record, else the sourcedId; phone and sms = the
 *   mobile phone only, ADR 0029); staff who hold a
 *   role OneRoster has or teach a section (enabledUser = active; identifier = staff number, username =
 *   email, else the staff number). Names: legal given/middle/family names, preferred names as
 *   preferredGivenName/preferredFamilyName. password is always empty.
 * - roles.csv: a student at their school (primary); a guardian at each school of their students
 *   (parent for mother/father/stepparent/parent, relative for grandparents, aunts, uncles, siblings,
 *   cousins, guardian otherwise; the closest relationship wins at a school; the lowest school id is
 *   primary); staff: teacher → teacher, counselor → counselor, school_admin → siteAdministrator (not
 *   principal: Homeroom does not know which administrator is the principal), district_admin →
 *   districtAdministrator at the district, and teacher at each school where they teach a section
 *   without that role; their own school's role is primary. `office` and `nurse` are not written: 1.2
 *   has no role for them, and any it has (siteAdministrator, aide) would grant them, in the receiving
 *   app or on a re-import, what they do not have here.
 * - enrollments: students' section_enrollments (role student, primary false) and section_teachers
 *   (role teacher, primary as recorded), with begin and end dates. demographics: students' birthDate.
 * - gradebook: categories (title, weight; empty in a points class), lineItems only for PUBLISHED
 *   assignments (what families see; a teacher's drafts stay in Homeroom) with resultValueMin 0 and
 *   resultValueMax = points possible, results only for those (scoreStatus exempt if exempt, else fully
 *   graded with a score, else not submitted; scoreDate = the district's date of the score's last
 *   change; late, missing, incomplete flags; comment; `metadata.homeroom.dropped` true when a teacher
 *   dropped the score — OneRoster has no such flag, so other readers ignore it, and Homeroom's importer
 *   reads it back). Scores dropped by a category's drop-lowest rule are computed, not marked.
 * - attendance (homeroom_attendance.csv): studentSourcedId, date, classSourcedId (empty: the whole day),
 *   code, excused (true/false; empty for a code whose excuse is not known yet).
 * - never secrets: the export does not read user_accounts, sessions, tokens or keys at all, so no
 *   password, hash, token, PIN or security email can reach it.
 *
 * The whole export reads one snapshot of the database (a read-only repeatable-read transaction on
 * PostgreSQL, a deferred read transaction on SQLite, which in WAL mode blocks no writer), so every
 * reference in the package points at a row in it even while the portal is in use.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../../db/connect.js';
import type { DB } from '../../../db/schema.js';
import { audit } from '../../audit/service.js';
import { ATTENDANCE_FILE, COLUMNS_1_2, EXTENSION_COLUMNS, ONEROSTER_FILES, type OneRosterFile } from '../records.js';
import * as rows from './rows.js';
import { ExportError, PackageWriter, type CsvRow, type FileCount } from './writer.js';

export { ExportError } from './writer.js';

export interface ExportSummary {
  /** the package written (absolute path) */
  out: string;
  /** each CSV written, in order, with its rows and the time it took */
  files: FileCount[];
  rows: number;
  bytes: number;
  ms: number;
  /** values that could not be written as they are (at most WARNING_LIMIT kept; `warningCount` counts all) */
  warnings: string[];
  warningCount: number;
}

export interface ExportOptions {
  /** the export's instant (dateLastModified of rows that keep none, the zip entries' times) */
  now?: Date;
  /** replace `out` when it exists (the CLI's --force) */
  overwrite?: boolean;
}

const WARNING_LIMIT = 100;

/** The files written, in this order (each only references files before it, as a reader expects). */
const WRITTEN: readonly (Exclude<OneRosterFile, 'userProfiles' | 'scoreScales'>)[] = [
  'orgs',
  'academicSessions',
  'courses',
  'classes',
  'users',
  'roles',
  'enrollments',
  'demographics',
  'categories',
  'lineItems',
  'results',
];

const SOURCES: Record<(typeof WRITTEN)[number], (ctx: rows.ExportContext) => AsyncIterable<CsvRow[]>> = {
  orgs: rows.orgs,
  academicSessions: rows.academicSessions,
  courses: rows.courses,
  classes: rows.classes,
  users: rows.users,
  roles: rows.roles,
  enrollments: rows.enrollments,
  demographics: rows.demographics,
  categories: rows.categories,
  lineItems: rows.lineItems,
  results: rows.results,
};

/** manifest.csv: every file Homeroom knows, bulk when written, absent otherwise. */
function manifest(): CsvRow[] {
  const written = new Set<string>(WRITTEN);
  return [
    { propertyName: 'manifest.version', value: '1.0' },
    { propertyName: 'oneroster.version', value: '1.2' },
    ...ONEROSTER_FILES.map((f) => ({ propertyName: `file.${f}`, value: written.has(f) ? 'bulk' : 'absent' })),
    { propertyName: 'source.systemName', value: 'Homeroom' },
  ];
}

/** Reads `fn` in one consistent snapshot of the database, on one connection. */
async function inSnapshot<T>(database: Database, fn: (q: Kysely<DB>) => Promise<T>): Promise<T> {
  return database.db.connection().execute(async (q) => {
    await sql.raw(database.dialect === 'postgres' ? 'begin isolation level repeatable read read only' : 'begin').execute(q);
    try {
      const result = await fn(q);
      await sql.raw('commit').execute(q);
      return result;
    } catch (error) {
      await sql.raw('rollback').execute(q).catch(() => undefined);
      throw error;
    }
  });
}

/**
 * Writes the whole district to `out` as a OneRoster 1.2 CSV package. Refuses an existing `out` unless
 * `overwrite`; an unwritable place or a database without a district or schools is an ExportError, and
 * nothing is left at `out` (an earlier file there stays as it was).
 */
export async function exportPackage(database: Database, out: string, options: ExportOptions = {}): Promise<ExportSummary> {
  const now = options.now ?? new Date();
  const started = performance.now();
  const warnings: string[] = [];
  let warningCount = 0;
  const writer = await PackageWriter.open(out, { overwrite: options.overwrite ?? false, mtime: now });
  let bytes: number;
  try {
    await inSnapshot(database, async (q) => {
      const district = await q.selectFrom('district').select(['id', 'sourced_id', 'time_zone']).orderBy('id').executeTakeFirst();
      if (!district) throw new ExportError('The database holds no district: there is nothing to export.');
      const school = await q.selectFrom('schools').select('id').executeTakeFirst();
      if (!school) throw new ExportError('The district has no schools: there is nothing to export.');
      const ctx: rows.ExportContext = {
        q,
        district: { id: district.id, sourcedId: rows.sourcedId('district', district.id, district.sourced_id), timeZone: district.time_zone },
        now: now.toISOString(),
        warn(message) {
          warningCount++;
          if (warnings.length < WARNING_LIMIT) warnings.push(message);
        },
      };
      await writer.small('manifest.csv', ['propertyName', 'value'], manifest());
      for (const file of WRITTEN) await writer.file(`${file}.csv`, [...COLUMNS_1_2[file], ...(EXTENSION_COLUMNS[file] ?? [])], SOURCES[file](ctx));
      await writer.file(ATTENDANCE_FILE, rows.ATTENDANCE_COLUMNS, rows.attendance(ctx));
    });
    bytes = await writer.finish();
  } catch (error) {
    writer.abandon();
    throw error;
  }
  const files = writer.files.filter((f) => f.name !== 'manifest.csv');
  const total = files.reduce((n, f) => n + f.rows, 0);
  await audit(database.db, { action: 'oneroster.exported', details: { out: writer.destination, rows: total, files: Object.fromEntries(files.map((f) => [f.name, f.rows])) } }, now);
  return { out: writer.destination, files, rows: total, bytes, ms: performance.now() - started, warnings, warningCount };
}

export type { FileCount };
