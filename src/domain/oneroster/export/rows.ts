/**
 * The rows of each file of the package, read from Homeroom's tables in pages of PAGE_SIZE rows by id
 * (keyset pagination: `where id > last order by id limit n`, an index range scan however far in), each
 * page with the few rows it refers to fetched by one `in (…)` query per kind. Nothing holds more than a
 * page. The choices of what is written are in ./index.ts; the SQL is here.
 */
import type { Kysely } from 'kysely';
import type { DB, StaffRole } from '../../../db/schema.js';
import { portalLinks } from '../../access/guardian-links.js';
import { localDate } from '../../calendar/dates.js';
import { DROP_LOWEST_COLUMN, DROPPED_COLUMN, gradeToOneRoster, type PersonRole } from '../records.js';
import type { CsvRow } from './writer.js';

export const PAGE_SIZE = 5_000;

/** Everything a page needs besides its own rows. */
export interface ExportContext {
  q: Kysely<DB>;
  district: { id: number; sourcedId: string; timeZone: string };
  /** the export's instant: dateLastModified of rows that keep no time of change */
  now: string;
  /** a value that cannot be written as it is (a comma inside a list cell): reported, left out */
  warn(message: string): void;
}

/** A row's sourcedId: the one it was imported with, else Homeroom's own, the same at every export. */
export function sourcedId(kind: string, id: number, imported: string | null): string {
  return imported !== null && imported !== '' ? imported : `hr-${kind}-${id}`;
}

const bool = (b: boolean) => (b ? 'true' : 'false');
const num = (n: number | null) => (n === null ? null : String(n));

/** A list cell: values joined by commas; a value holding a comma would be read as two, so it is left out. */
function list(ctx: ExportContext, what: string, values: readonly string[]): string {
  const kept: string[] = [];
  for (const v of values) {
    if (v.includes(',')) ctx.warn(`${what}: "${v}" holds a comma, which a list cell cannot carry; left out of the list`);
    else kept.push(v);
  }
  return kept.join(',');
}

/** The grade codes from a grade range (low..high). */
function gradeRange(low: number, high: number): string[] {
  const out: string[] = [];
  for (let g = low; g <= high; g++) out.push(gradeToOneRoster(g));
  return out;
}

/**
 * Pages of a table read by id: `fetch(after)` returns up to PAGE_SIZE rows with ids above `after`, by id.
 * The next page is asked for before this one is handed on, so that PostgreSQL reads it while this one is
 * written (two pages in memory at most).
 */
async function* byId<T extends { id: number }>(fetch: (after: number) => Promise<T[]>): AsyncGenerator<T[]> {
  const ask = (after: number) => {
    const page = fetch(after);
    // an export stopped before it reads the page must not leave its failure unhandled
    page.catch(() => undefined);
    return page;
  };
  let next: Promise<T[]> | null = ask(0);
  while (next) {
    const rows: T[] = await next;
    next = rows.length === PAGE_SIZE ? ask(rows[rows.length - 1]!.id) : null;
    if (rows.length > 0) yield rows;
  }
}

async function* mapPages<T extends { id: number }>(pages: AsyncIterable<T[]>, map: (rows: T[]) => Promise<CsvRow[]> | CsvRow[]): AsyncGenerator<CsvRow[]> {
  for await (const rows of pages) yield await map(rows);
}

function groupBy<T, K>(rows: readonly T[], key: (row: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const row of rows) {
    const k = key(row);
    const group = out.get(k);
    if (group) group.push(row);
    else out.set(k, [row]);
  }
  return out;
}

// ── orgs and sessions ───────────────────────────────────────────────────────────────────────────────

export async function* orgs(ctx: ExportContext): AsyncGenerator<CsvRow[]> {
  const d = await ctx.q.selectFrom('district').select(['id', 'name', 'updated_at']).where('id', '=', ctx.district.id).executeTakeFirstOrThrow();
  yield [{ sourcedId: ctx.district.sourcedId, status: 'active', dateLastModified: d.updated_at, name: d.name, type: 'district', identifier: null, parentSourcedId: null }];
  yield* mapPages(
    byId((after) =>
      ctx.q.selectFrom('schools').select(['id', 'sourced_id', 'name', 'school_number', 'updated_at']).where('id', '>', after).orderBy('id').limit(PAGE_SIZE).execute(),
    ),
    (rows) =>
      rows.map((s) => ({
        sourcedId: sourcedId('school', s.id, s.sourced_id),
        status: 'active',
        dateLastModified: s.updated_at,
        name: s.name,
        type: 'school',
        identifier: s.school_number,
        parentSourcedId: ctx.district.sourcedId,
      })),
  );
}

export function academicSessions(ctx: ExportContext): AsyncGenerator<CsvRow[]> {
  return mapPages(
    byId((after) =>
      ctx.q
        .selectFrom('academic_sessions as s')
        .leftJoin('academic_sessions as p', 'p.id', 's.parent_id')
        .select(['s.id', 's.sourced_id', 's.title', 's.type', 's.start_date', 's.end_date', 's.school_year', 's.updated_at', 's.parent_id', 'p.sourced_id as parent_sourced_id'])
        .where('s.id', '>', after)
        .orderBy('s.id')
        .limit(PAGE_SIZE)
        .execute(),
    ),
    (rows) =>
      rows.map((s) => ({
        sourcedId: sourcedId('session', s.id, s.sourced_id),
        status: 'active',
        dateLastModified: s.updated_at,
        title: s.title,
        type: s.type,
        startDate: s.start_date,
        endDate: s.end_date,
        parentSourcedId: s.parent_id === null ? null : sourcedId('session', s.parent_id, s.parent_sourced_id),
        schoolYear: String(s.school_year),
      })),
  );
}

// ── courses and classes ─────────────────────────────────────────────────────────────────────────────

export function courses(ctx: ExportContext): AsyncGenerator<CsvRow[]> {
  return mapPages(
    byId((after) =>
      ctx.q
        .selectFrom('courses as c')
        .innerJoin('schools as sc', 'sc.id', 'c.school_id')
        .select(['c.id', 'c.sourced_id', 'c.title', 'c.course_code', 'c.subject', 'c.grade_low', 'c.grade_high', 'c.updated_at', 'c.school_id', 'sc.sourced_id as school_sourced_id'])
        .where('c.id', '>', after)
        .orderBy('c.id')
        .limit(PAGE_SIZE)
        .execute(),
    ),
    (rows) =>
      rows.map((c) => ({
        sourcedId: sourcedId('course', c.id, c.sourced_id),
        status: 'active',
        dateLastModified: c.updated_at,
        schoolYearSourcedId: null,
        title: c.title,
        courseCode: c.course_code,
        grades: gradeRange(c.grade_low, c.grade_high).join(','),
        orgSourcedId: sourcedId('school', c.school_id, c.school_sourced_id),
        subjects: list(ctx, `course ${c.course_code} subject`, [c.subject]),
      })),
  );
}

export function classes(ctx: ExportContext): AsyncGenerator<CsvRow[]> {
  return mapPages(
    byId((after) =>
      ctx.q
        .selectFrom('sections as s')
        .innerJoin('courses as c', 'c.id', 's.course_id')
        .innerJoin('schools as sc', 'sc.id', 's.school_id')
        .select([
          's.id', 's.sourced_id', 's.section_code', 's.room', 's.updated_at', 's.school_id', 'sc.sourced_id as school_sourced_id',
          's.course_id', 'c.sourced_id as course_sourced_id', 'c.title', 'c.subject', 'c.grade_low', 'c.grade_high',
        ])
        .where('s.id', '>', after)
        .orderBy('s.id')
        .limit(PAGE_SIZE)
        .execute(),
    ),
    async (rows) => {
      const ids = rows.map((r) => r.id);
      const terms = groupBy(
        await ctx.q
          .selectFrom('section_terms as t')
          .innerJoin('academic_sessions as a', 'a.id', 't.academic_session_id')
          .select(['t.section_id', 'a.id', 'a.sourced_id'])
          .where('t.section_id', 'in', ids)
          .orderBy('a.start_date')
          .orderBy('a.id')
          .execute(),
        (t) => t.section_id,
      );
      const periods = groupBy(
        await ctx.q
          .selectFrom('section_periods as sp')
          .innerJoin('bell_periods as p', 'p.id', 'sp.bell_period_id')
          .select(['sp.section_id', 'p.name'])
          .where('sp.section_id', 'in', ids)
          .orderBy('p.sequence')
          .orderBy('p.id')
          .execute(),
        (p) => p.section_id,
      );
      const termsOf = (id: number, code: string) => {
        const mine = terms.get(id) ?? [];
        if (mine.length === 0) ctx.warn(`class ${code} has no terms: its termSourcedIds, which OneRoster requires, is empty`);
        return list(ctx, `class ${code} term`, mine.map((t) => sourcedId('session', t.id, t.sourced_id)));
      };
      return rows.map((s) => ({
        sourcedId: sourcedId('section', s.id, s.sourced_id),
        status: 'active',
        dateLastModified: s.updated_at,
        title: `${s.title} (${s.section_code})`,
        grades: gradeRange(s.grade_low, s.grade_high).join(','),
        courseSourcedId: sourcedId('course', s.course_id, s.course_sourced_id),
        classCode: s.section_code,
        classType: 'scheduled',
        location: s.room,
        schoolSourcedId: sourcedId('school', s.school_id, s.school_sourced_id),
        termSourcedIds: termsOf(s.id, s.section_code),
        subjects: list(ctx, `class ${s.section_code} subject`, [s.subject]),
        periods: list(ctx, `class ${s.section_code} period`, [...new Set((periods.get(s.id) ?? []).map((p) => p.name))]),
      }));
    },
  );
}

// ── people ──────────────────────────────────────────────────────────────────────────────────────────

type Page<T> = AsyncGenerator<T[]>;

function studentPages(ctx: ExportContext) {
  return byId((after) =>
    ctx.q
      .selectFrom('students as s')
      .innerJoin('schools as sc', 'sc.id', 's.school_id')
      .select([
        's.id', 's.sourced_id', 's.student_number', 's.legal_first_name', 's.legal_middle_name', 's.legal_last_name', 's.preferred_first_name',
        's.preferred_last_name', 's.birth_date', 's.grade_level', 's.school_id', 'sc.sourced_id as school_sourced_id', 's.enrollment_status',
        's.email', 's.phone', 's.updated_at',
      ])
      .where('s.id', '>', after)
      .orderBy('s.id')
      .limit(PAGE_SIZE)
      .execute(),
  );
}

/** The OneRoster role a guardian link's relationship says (Homeroom keeps it as typed: 'mother', 'aunt' …). */
function guardianRole(relationship: string): 'parent' | 'guardian' | 'relative' {
  const r = relationship.trim().toLowerCase();
  if (/^(mother|father|parent|step ?(mother|father|parent)|adoptive (mother|father|parent))$/.test(r)) return 'parent';
  if (/^(grand(mother|father|parent)|aunt|uncle|sister|brother|sibling|cousin|relative)$/.test(r)) return 'relative';
  return 'guardian';
}
/** When a guardian is linked to several students of one school, the closest relationship names the role. */
const GUARDIAN_ROLE_ORDER = { parent: 0, guardian: 1, relative: 2 } as const;

/** Guardians exported: those with at least one portal link (ADR 0017: portal access on, rights not revoked). */
function guardianPages(ctx: ExportContext) {
  return byId((after) =>
    ctx.q
      .selectFrom('guardians as g')
      .select(['g.id', 'g.sourced_id', 'g.first_name', 'g.last_name', 'g.email', 'g.phone_mobile', 'g.updated_at'])
      .where('g.id', '>', after)
      .where('g.id', 'in', portalLinks(ctx.q).select('sg.guardian_id'))
      .orderBy('g.id')
      .limit(PAGE_SIZE)
      .execute(),
  );
}

/** The portal links of a page of guardians, with their students' ids, sourcedIds, schools and state. */
async function linksOfGuardians(ctx: ExportContext, ids: number[]) {
  const rows = await portalLinks(ctx.q)
    .innerJoin('students as s', 's.id', 'sg.student_id')
    .innerJoin('schools as sc', 'sc.id', 's.school_id')
    .select(['sg.guardian_id', 'sg.relationship', 's.id as student_id', 's.sourced_id', 's.school_id', 'sc.sourced_id as school_sourced_id', 's.enrollment_status'])
    .where('sg.guardian_id', 'in', ids)
    // ordered by the link's own columns: ordered by s.id, SQLite read every student and probed the
    // links for each (2 s a page of a 5,000-student district)
    .orderBy('sg.guardian_id')
    .orderBy('sg.student_id')
    .execute();
  return groupBy(rows, (r) => r.guardian_id);
}

type GuardianLink = Awaited<ReturnType<typeof linksOfGuardians>> extends Map<number, (infer L)[]> ? L : never;

/** A guardian's roles: one per school of their students, the lowest school id first (the primary one). */
function guardianRoles(links: readonly GuardianLink[]) {
  const bySchool = new Map<number, { schoolId: number; org: string; role: 'parent' | 'guardian' | 'relative' }>();
  for (const l of links) {
    const role = guardianRole(l.relationship);
    const seen = bySchool.get(l.school_id);
    if (!seen) bySchool.set(l.school_id, { schoolId: l.school_id, org: sourcedId('school', l.school_id, l.school_sourced_id), role });
    else if (GUARDIAN_ROLE_ORDER[role] < GUARDIAN_ROLE_ORDER[seen.role]) seen.role = role;
  }
  return [...bySchool.values()].sort((a, b) => a.schoolId - b.schoolId);
}

/** Homeroom's staff roles in OneRoster 1.2's role list; office and nurse have none (see the module doc of ./index.ts). */
const STAFF_ROLES: Record<StaffRole, PersonRole | null> = {
  teacher: 'teacher',
  counselor: 'counselor',
  school_admin: 'siteAdministrator',
  district_admin: 'districtAdministrator',
  office: null,
  nurse: null,
};
const EXPORTED_STAFF_ROLES = (Object.keys(STAFF_ROLES) as StaffRole[]).filter((r) => STAFF_ROLES[r] !== null);

/** Staff exported: those with a role OneRoster has, or who teach a section. */
function staffPages(ctx: ExportContext) {
  return byId((after) =>
    ctx.q
      .selectFrom('staff as st')
      .leftJoin('schools as sc', 'sc.id', 'st.school_id')
      .select(['st.id', 'st.sourced_id', 'st.staff_number', 'st.first_name', 'st.last_name', 'st.email', 'st.phone', 'st.school_id', 'sc.sourced_id as school_sourced_id', 'st.active', 'st.updated_at'])
      .where('st.id', '>', after)
      .where((eb) =>
        eb.or([
          eb.exists(eb.selectFrom('staff_roles as r').select('r.staff_id').whereRef('r.staff_id', '=', 'st.id').where('r.role', 'in', EXPORTED_STAFF_ROLES)),
          eb.exists(eb.selectFrom('section_teachers as t').select('t.id').whereRef('t.staff_id', '=', 'st.id')),
        ]),
      )
      .orderBy('st.id')
      .limit(PAGE_SIZE)
      .execute(),
  );
}


/**
 * A page of staff members' roles: their staff roles that OneRoster has (a district-wide one, or a
 * district administrator's, at the district), and `teacher` at each school where they teach a section
 * without holding that role there. The role at their own school comes first and is the primary one.
 */
async function staffRoles(ctx: ExportContext, staff: readonly { id: number; school_id: number | null }[]) {
  const ids = staff.map((s) => s.id);
  const held = await ctx.q
    .selectFrom('staff_roles as r')
    .leftJoin('schools as sc', 'sc.id', 'r.school_id')
    .select(['r.staff_id', 'r.role', 'r.school_id', 'sc.sourced_id as school_sourced_id'])
    .where('r.staff_id', 'in', ids)
    .where('r.role', 'in', EXPORTED_STAFF_ROLES)
    .execute();
  const taught = await ctx.q
    .selectFrom('section_teachers as t')
    .innerJoin('sections as s', 's.id', 't.section_id')
    .innerJoin('schools as sc', 'sc.id', 's.school_id')
    .select(['t.staff_id', 's.school_id', 'sc.sourced_id as school_sourced_id'])
    .distinct()
    .where('t.staff_id', 'in', ids)
    .execute();
  const out = new Map<number, { role: PersonRole; orgKey: string; org: string; schoolId: number | null; primary: boolean }[]>();
  const heldBy = groupBy(held, (r) => r.staff_id);
  const taughtBy = groupBy(taught, (r) => r.staff_id);
  for (const s of staff) {
    const roles = new Map<string, { role: PersonRole; orgKey: string; org: string; schoolId: number | null; primary: boolean }>();
    const add = (role: PersonRole, schoolId: number | null, schoolSourced: string | null) => {
      const orgKey = schoolId === null ? `district-${ctx.district.id}` : `school-${schoolId}`;
      const org = schoolId === null ? ctx.district.sourcedId : sourcedId('school', schoolId, schoolSourced);
      roles.set(`${role} ${orgKey}`, { role, orgKey, org, schoolId, primary: false });
    };
    for (const r of heldBy.get(s.id) ?? []) {
      const role = STAFF_ROLES[r.role]!;
      if (role === 'districtAdministrator') add(role, null, null);
      else add(role, r.school_id, r.school_sourced_id);
    }
    for (const t of taughtBy.get(s.id) ?? []) if (!roles.has(`teacher school-${t.school_id}`)) add('teacher', t.school_id, t.school_sourced_id);
    const list = [...roles.values()].sort(
      (a, b) =>
        Number(b.schoolId === s.school_id) - Number(a.schoolId === s.school_id) ||
        (a.schoolId ?? 0) - (b.schoolId ?? 0) ||
        a.role.localeCompare(b.role),
    );
    if (list[0]) list[0].primary = true;
    out.set(s.id, list);
  }
  return out;
}

const userRow = (u: Partial<CsvRow>): CsvRow => ({ status: 'active', password: null, ...u }) as CsvRow;

export async function* users(ctx: ExportContext): Page<CsvRow> {
  yield* mapPages(studentPages(ctx), async (rows) => {
    const links = groupBy(
      await portalLinks(ctx.q)
        .innerJoin('guardians as g', 'g.id', 'sg.guardian_id')
        .select(['sg.student_id', 'g.id', 'g.sourced_id'])
        .where('sg.student_id', 'in', rows.map((r) => r.id))
        // by the link's own columns (see linksOfGuardians: ordered by g.id, 10 s a page)
        .orderBy('sg.student_id')
        .orderBy('sg.guardian_id')
        .execute(),
      (l) => l.student_id,
    );
    return rows.map((s) =>
      userRow({
        sourcedId: sourcedId('student', s.id, s.sourced_id),
        dateLastModified: s.updated_at,
        enabledUser: bool(s.enrollment_status === 'active'),
        username: s.student_number,
        givenName: s.legal_first_name,
        familyName: s.legal_last_name,
        middleName: s.legal_middle_name,
        identifier: s.student_number,
        email: s.email,
        phone: s.phone,
        agentSourcedIds: list(ctx, `student ${s.student_number} guardian`, (links.get(s.id) ?? []).map((g) => sourcedId('guardian', g.id, g.sourced_id))),
        grades: gradeToOneRoster(s.grade_level),
        preferredGivenName: s.preferred_first_name,
        preferredFamilyName: s.preferred_last_name,
        primaryOrgSourcedId: sourcedId('school', s.school_id, s.school_sourced_id),
      }),
    );
  });
  yield* mapPages(guardianPages(ctx), async (rows) => {
    const links = await linksOfGuardians(ctx, rows.map((r) => r.id));
    return rows.map((g) => {
      const mine = links.get(g.id) ?? [];
      const sid = sourcedId('guardian', g.id, g.sourced_id);
      return userRow({
        sourcedId: sid,
        dateLastModified: g.updated_at,
        enabledUser: bool(mine.some((l) => l.enrollment_status === 'active')),
        username: g.email ?? sid,
        givenName: g.first_name,
        familyName: g.last_name,
        email: g.email,
        // Only the mobile phone: an importer (Homeroom's among them) takes `phone` as the number to reach the
        // guardian on, so a home or work phone written there would come back as a mobile one (ADR 0029).
        sms: g.phone_mobile,
        phone: g.phone_mobile,
        agentSourcedIds: list(ctx, `guardian ${sid} student`, mine.map((l) => sourcedId('student', l.student_id, l.sourced_id))),
        primaryOrgSourcedId: guardianRoles(mine)[0]?.org ?? null,
      });
    });
  });
  yield* mapPages(staffPages(ctx), async (rows) => {
    const roles = await staffRoles(ctx, rows);
    return rows.map((s) =>
      userRow({
        sourcedId: sourcedId('staff', s.id, s.sourced_id),
        dateLastModified: s.updated_at,
        enabledUser: bool(s.active === 1),
        username: s.email ?? s.staff_number,
        givenName: s.first_name,
        familyName: s.last_name,
        identifier: s.staff_number,
        email: s.email,
        phone: s.phone,
        primaryOrgSourcedId: roles.get(s.id)?.[0]?.org ?? (s.school_id === null ? ctx.district.sourcedId : sourcedId('school', s.school_id, s.school_sourced_id)),
      }),
    );
  });
}

const roleRow = (r: { sourcedId: string; at: string; user: string; primary: boolean; role: string; org: string }): CsvRow => ({
  sourcedId: r.sourcedId,
  status: 'active',
  dateLastModified: r.at,
  userSourcedId: r.user,
  roleType: r.primary ? 'primary' : 'secondary',
  role: r.role,
  beginDate: null,
  endDate: null,
  orgSourcedId: r.org,
  userProfileSourcedId: null,
});

export async function* roles(ctx: ExportContext): Page<CsvRow> {
  yield* mapPages(studentPages(ctx), (rows) =>
    rows.map((s) =>
      roleRow({
        sourcedId: `hr-role-student-${s.id}`,
        at: s.updated_at,
        user: sourcedId('student', s.id, s.sourced_id),
        primary: true,
        role: 'student',
        org: sourcedId('school', s.school_id, s.school_sourced_id),
      }),
    ),
  );
  yield* mapPages(guardianPages(ctx), async (rows) => {
    const links = await linksOfGuardians(ctx, rows.map((r) => r.id));
    return rows.flatMap((g) =>
      guardianRoles(links.get(g.id) ?? []).map((r, i) =>
        roleRow({
          sourcedId: `hr-role-guardian-${g.id}-school-${r.schoolId}`,
          at: g.updated_at,
          user: sourcedId('guardian', g.id, g.sourced_id),
          primary: i === 0,
          role: r.role,
          org: r.org,
        }),
      ),
    );
  });
  yield* mapPages(staffPages(ctx), async (rows) => {
    const held = await staffRoles(ctx, rows);
    return rows.flatMap((s) =>
      (held.get(s.id) ?? []).map((r) =>
        roleRow({
          sourcedId: `hr-role-staff-${s.id}-${r.role}-${r.orgKey}`,
          at: s.updated_at,
          user: sourcedId('staff', s.id, s.sourced_id),
          primary: r.primary,
          role: r.role,
          org: r.org,
        }),
      ),
    );
  });
}

// ── enrollments, demographics ───────────────────────────────────────────────────────────────────────

export async function* enrollments(ctx: ExportContext): Page<CsvRow> {
  yield* mapPages(
    byId((after) =>
      ctx.q
        .selectFrom('section_enrollments as e')
        .innerJoin('sections as s', 's.id', 'e.section_id')
        .innerJoin('schools as sc', 'sc.id', 's.school_id')
        .innerJoin('students as st', 'st.id', 'e.student_id')
        .select([
          'e.id', 'e.sourced_id', 'e.begin_date', 'e.end_date', 'e.updated_at', 'e.section_id', 's.sourced_id as section_sourced_id', 's.school_id',
          'sc.sourced_id as school_sourced_id', 'e.student_id', 'st.sourced_id as student_sourced_id',
        ])
        .where('e.id', '>', after)
        .orderBy('e.id')
        .limit(PAGE_SIZE)
        .execute(),
    ),
    (rows) =>
      rows.map((e) => ({
        sourcedId: sourcedId('enrollment', e.id, e.sourced_id),
        status: 'active',
        dateLastModified: e.updated_at,
        classSourcedId: sourcedId('section', e.section_id, e.section_sourced_id),
        schoolSourcedId: sourcedId('school', e.school_id, e.school_sourced_id),
        userSourcedId: sourcedId('student', e.student_id, e.student_sourced_id),
        role: 'student',
        primary: 'false',
        beginDate: e.begin_date,
        endDate: e.end_date,
      })),
  );
  yield* mapPages(
    byId((after) =>
      ctx.q
        .selectFrom('section_teachers as t')
        .innerJoin('sections as s', 's.id', 't.section_id')
        .innerJoin('schools as sc', 'sc.id', 's.school_id')
        .innerJoin('staff as st', 'st.id', 't.staff_id')
        .select([
          't.id', 't.sourced_id', 't.begin_date', 't.end_date', 't.updated_at', 't.primary_teacher', 't.section_id', 's.sourced_id as section_sourced_id',
          's.school_id', 'sc.sourced_id as school_sourced_id', 't.staff_id', 'st.sourced_id as staff_sourced_id',
        ])
        .where('t.id', '>', after)
        .orderBy('t.id')
        .limit(PAGE_SIZE)
        .execute(),
    ),
    (rows) =>
      rows.map((t) => ({
        sourcedId: sourcedId('section-teacher', t.id, t.sourced_id),
        status: 'active',
        dateLastModified: t.updated_at,
        classSourcedId: sourcedId('section', t.section_id, t.section_sourced_id),
        schoolSourcedId: sourcedId('school', t.school_id, t.school_sourced_id),
        userSourcedId: sourcedId('staff', t.staff_id, t.staff_sourced_id),
        role: 'teacher',
        primary: bool(t.primary_teacher === 1),
        beginDate: t.begin_date,
        endDate: t.end_date,
      })),
  );
}

export function demographics(ctx: ExportContext): Page<CsvRow> {
  return mapPages(studentPages(ctx), (rows) =>
    rows.map((s) => ({ sourcedId: sourcedId('student', s.id, s.sourced_id), status: 'active', dateLastModified: s.updated_at, birthDate: s.birth_date })),
  );
}

// ── gradebook ───────────────────────────────────────────────────────────────────────────────────────

export function categories(ctx: ExportContext): Page<CsvRow> {
  return mapPages(
    byId((after) => ctx.q.selectFrom('grading_categories').select(['id', 'name', 'weight', 'drop_lowest']).where('id', '>', after).orderBy('id').limit(PAGE_SIZE).execute()),
    (rows) =>
      rows.map((c) => ({ sourcedId: sourcedId('category', c.id, null), status: 'active', dateLastModified: ctx.now, title: c.name, weight: num(c.weight), [DROP_LOWEST_COLUMN]: String(c.drop_lowest) })),
  );
}

/** Only published assignments: what families see, never a teacher's drafts. */
export function lineItems(ctx: ExportContext): Page<CsvRow> {
  return mapPages(
    byId((after) =>
      ctx.q
        .selectFrom('assignments as a')
        .innerJoin('sections as s', 's.id', 'a.section_id')
        .innerJoin('academic_sessions as gp', 'gp.id', 'a.grading_period_id')
        .select([
          'a.id', 'a.sourced_id', 'a.title', 'a.description', 'a.assigned_date', 'a.due_date', 'a.points_possible', 'a.updated_at', 'a.category_id',
          'a.section_id', 's.sourced_id as section_sourced_id', 'a.grading_period_id', 'gp.sourced_id as period_sourced_id',
        ])
        .where('a.published', '=', 1)
        .where('a.id', '>', after)
        .orderBy('a.id')
        .limit(PAGE_SIZE)
        .execute(),
    ),
    (rows) =>
      rows.map((a) => ({
        sourcedId: sourcedId('assignment', a.id, a.sourced_id),
        status: 'active',
        dateLastModified: a.updated_at,
        title: a.title,
        description: a.description,
        assignDate: a.assigned_date,
        dueDate: a.due_date,
        classSourcedId: sourcedId('section', a.section_id, a.section_sourced_id),
        categorySourcedId: sourcedId('category', a.category_id, null),
        gradingPeriodSourcedId: sourcedId('session', a.grading_period_id, a.period_sourced_id),
        resultValueMin: '0',
        resultValueMax: String(a.points_possible),
      })),
  );
}

/** The district's calendar date of an instant, remembered per minute (every time zone's offset is whole minutes). */
function scoreDates(timeZone: string): (instant: string) => string {
  const seen = new Map<string, string>();
  return (instant) => {
    const minute = instant.slice(0, 16);
    let date = seen.get(minute);
    if (date === undefined) {
      date = localDate(new Date(instant), timeZone);
      if (seen.size >= 10_000) seen.clear();
      seen.set(minute, date);
    }
    return date;
  };
}

/** The scores of published assignments. */
export function results(ctx: ExportContext): Page<CsvRow> {
  const dateOf = scoreDates(ctx.district.timeZone);
  return mapPages(
    byId((after) =>
      ctx.q
        .selectFrom('assignment_scores as r')
        .innerJoin('assignments as a', 'a.id', 'r.assignment_id')
        .innerJoin('students as st', 'st.id', 'r.student_id')
        .select([
          'r.id', 'r.points', 'r.missing', 'r.late', 'r.exempt', 'r.incomplete', 'r.dropped', 'r.comment', 'r.updated_at', 'r.assignment_id',
          'a.sourced_id as assignment_sourced_id', 'r.student_id', 'st.sourced_id as student_sourced_id',
        ])
        .where('a.published', '=', 1)
        .where('r.id', '>', after)
        .orderBy('r.id')
        .limit(PAGE_SIZE)
        .execute(),
    ),
    (rows) =>
      rows.map((r) => ({
        sourcedId: sourcedId('score', r.id, null),
        status: 'active',
        dateLastModified: r.updated_at,
        lineItemSourcedId: sourcedId('assignment', r.assignment_id, r.assignment_sourced_id),
        studentSourcedId: sourcedId('student', r.student_id, r.student_sourced_id),
        scoreStatus: r.exempt === 1 ? 'exempt' : r.points !== null ? 'fully graded' : 'not submitted',
        score: num(r.points),
        scoreDate: r.points === null ? null : dateOf(r.updated_at),
        comment: r.comment,
        inProgress: 'false',
        incomplete: bool(r.incomplete === 1),
        late: bool(r.late === 1),
        missing: bool(r.missing === 1),
        [DROPPED_COLUMN]: bool(r.dropped === 1),
      })),
  );
}

// ── Homeroom's attendance file ─────────────────────────────────────────────────────────────────────

export const ATTENDANCE_COLUMNS = ['studentSourcedId', 'date', 'classSourcedId', 'code', 'excused'] as const;

export function attendance(ctx: ExportContext): Page<CsvRow> {
  return mapPages(
    byId((after) =>
      ctx.q
        .selectFrom('attendance_records as r')
        .innerJoin('students as st', 'st.id', 'r.student_id')
        .innerJoin('attendance_codes as c', 'c.id', 'r.code_id')
        .leftJoin('sections as s', 's.id', 'r.section_id')
        .select(['r.id', 'r.date', 'r.student_id', 'st.sourced_id as student_sourced_id', 'r.section_id', 's.sourced_id as section_sourced_id', 'c.code', 'c.excuse'])
        .where('r.id', '>', after)
        .orderBy('r.id')
        .limit(PAGE_SIZE)
        .execute(),
    ),
    (rows) =>
      rows.map((r) => ({
        studentSourcedId: sourcedId('student', r.student_id, r.student_sourced_id),
        date: r.date,
        classSourcedId: r.section_id === null ? null : sourcedId('section', r.section_id, r.section_sourced_id),
        code: r.code,
        excused: r.excuse === 'unknown' ? null : bool(r.excuse === 'excused'),
      })),
  );
}
