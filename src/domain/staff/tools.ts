/**
 * The registry of staff tools: one row per working page a staff member opens, with who may open it.
 * A staff member's Home lists the rows their roles allow, grouped by the kind of work (the header keeps
 * the office and administrator links it had). A new staff tool is a row here, its domain module (which
 * checks the same scope again: the registry only decides what is listed), its routes, its view and
 * its catalog entries.
 */
import type { MessageKey } from '../../i18n/index.js';

/** What a staff member may do, from their roles and the sections they teach today. */
export interface StaffAbilities {
  /** teaches at least one section today */
  teaches: boolean;
  /** office, school administrator or district administrator (access/staff.ts isOfficeStaff) */
  office: boolean;
  nurse: boolean;
  counselor: boolean;
  districtAdmin: boolean;
  /** manages staff accounts: a district administrator, or a school administrator with a school (access/staff.ts managesStaff) */
  staffAdmin: boolean;
  /** reaches at least one student (access/staff.ts reachesStudents): may search for students */
  reachesStudents: boolean;
}

export type StaffToolGroup = 'teaching' | 'office' | 'health' | 'counseling' | 'district';

interface StaffToolRow {
  key: string;
  path: string;
  label: MessageKey;
  /** the catalog key of one line saying what the tool is for */
  hint: MessageKey;
  /** 'first': the first group of the person's own (a tool every role has, listed with their first kind of work) */
  group: StaffToolGroup | 'first';
  allowed: (a: StaffAbilities) => boolean;
}

export const STAFF_TOOLS: readonly StaffToolRow[] = [
  { key: 'students', path: '/staff/students', label: 'nav.staffStudents', hint: 'staffTools.students', group: 'first', allowed: (a) => a.reachesStudents },
  { key: 'myClasses', path: '/staff/classes', label: 'teaching.myClasses', hint: 'staffTools.myClasses', group: 'teaching', allowed: (a) => a.teaches },
  { key: 'postGrades', path: '/staff/post-grades', label: 'posting.link', hint: 'posting.indexHint', group: 'teaching', allowed: (a) => a.teaches },
  { key: 'attendanceOffice', path: '/staff/attendance', label: 'attendanceOffice.title', hint: 'staffTools.attendanceOffice', group: 'office', allowed: (a) => a.office },
  { key: 'attendanceNotTaken', path: '/staff/attendance/not-taken', label: 'teaching.notTakenTitle', hint: 'staffTools.attendanceNotTaken', group: 'office', allowed: (a) => a.office },
  { key: 'activationKeys', path: '/staff/activation-keys', label: 'nav.staffKeys', hint: 'staffTools.activationKeys', group: 'office', allowed: (a) => a.office },
  { key: 'guardianLinks', path: '/staff/guardian-links', label: 'nav.staffLinks', hint: 'staffTools.guardianLinks', group: 'office', allowed: (a) => a.office },
  { key: 'accountHelp', path: '/staff/account-help', label: 'nav.accountHelp', hint: 'staffTools.accountHelp', group: 'office', allowed: (a) => a.office },
  { key: 'accountRequests', path: '/staff/account-requests', label: 'nav.staffRequests', hint: 'staffTools.accountRequests', group: 'office', allowed: (a) => a.office },
  { key: 'changeRequests', path: '/staff/change-requests', label: 'nav.staffChanges', hint: 'staffTools.changeRequests', group: 'office', allowed: (a) => a.office },
  { key: 'healthRecords', path: '/staff/health', label: 'health.title', hint: 'staffTools.healthRecords', group: 'health', allowed: (a) => a.nurse },
  { key: 'immunizationCompliance', path: '/staff/health/compliance', label: 'health.compliance.title', hint: 'staffTools.compliance', group: 'health', allowed: (a) => a.nurse },
  { key: 'officeCalendar', path: '/staff/calendar', label: 'officeCalendar.title', hint: 'staffTools.officeCalendar', group: 'office', allowed: (a) => a.office },
  { key: 'fees', path: '/staff/fees', label: 'fees.staff.title', hint: 'fees.staff.toolHint', group: 'office', allowed: (a) => a.office },
  { key: 'announcements', path: '/staff/announcements', label: 'officeAnnouncements.title', hint: 'staffTools.announcements', group: 'office', allowed: (a) => a.office },
  { key: 'meals', path: '/staff/meals', label: 'meals.office.title', hint: 'meals.office.hint', group: 'office', allowed: (a) => a.office },
  { key: 'parentAccounts', path: '/admin/parent-accounts', label: 'nav.parentAccounts', hint: 'staffTools.parentAccounts', group: 'district', allowed: (a) => a.districtAdmin },
  { key: 'imports', path: '/admin/imports', label: 'nav.imports', hint: 'staffTools.imports', group: 'district', allowed: (a) => a.districtAdmin },
  { key: 'mail', path: '/admin/mail', label: 'nav.mail', hint: 'staffTools.mail', group: 'district', allowed: (a) => a.districtAdmin },
  { key: 'settings', path: '/admin/settings', label: 'settings.title', hint: 'staffTools.settings', group: 'district', allowed: (a) => a.districtAdmin },
  { key: 'staffAccounts', path: '/admin/staff', label: 'staffAccounts.title', hint: 'staffAccounts.toolHint', group: 'district', allowed: (a) => a.staffAdmin },
  { key: 'auditLog', path: '/admin/audit', label: 'auditLog.title', hint: 'auditLog.toolHint', group: 'district', allowed: (a) => a.districtAdmin },
];

export const STAFF_TOOL_GROUPS: readonly StaffToolGroup[] = ['teaching', 'office', 'health', 'counseling', 'district'];

/** The kinds of work these abilities give, in the groups' order. */
function groupsOf(a: StaffAbilities): StaffToolGroup[] {
  const has: Record<StaffToolGroup, boolean> = { teaching: a.teaches, office: a.office, health: a.nurse, counseling: a.counselor, district: a.districtAdmin };
  return STAFF_TOOL_GROUPS.filter((g) => has[g]);
}

/** The tools these abilities open, by group, in the registry's order; groups without a tool left out. */
export function staffToolsFor(abilities: StaffAbilities): { group: StaffToolGroup; tools: StaffToolRow[] }[] {
  const first = groupsOf(abilities)[0] ?? 'teaching';
  const groupOf = (t: StaffToolRow) => (t.group === 'first' ? first : t.group);
  return STAFF_TOOL_GROUPS.map((group) => ({ group, tools: STAFF_TOOLS.filter((t) => groupOf(t) === group && t.allowed(abilities)) })).filter((g) => g.tools.length > 0);
}
