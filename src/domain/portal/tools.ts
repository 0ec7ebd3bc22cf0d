/**
 * The registry of portal tools: one row per tool a student or guardian opens. Everything else is derived
 * from this table — the district setting that shows or hides a tool (`settings.tools[key]`), the tool
 * navigation and its order, the routes `/students/:id/<path>`, the short address `/<path>` for the student
 * shown now, and the tests' lists of pages. A new tool is a row here, its domain module, its view and its
 * catalog entries (ADR 0019).
 */
import type { MessageKey } from '../../i18n/index.js';

interface PortalToolRow {
  /** the tool's name in code, and the name of its district setting: `settings.tools[key]` */
  key: string;
  /** its address under a student, `/students/:id/<path>`, and its short address `/<path>` */
  path: string;
  /** the catalog key of its name in the navigation and as its page title */
  label: MessageKey;
  /** its place in the navigation, smallest first */
  order: number;
  /**
   * its short address `/<path>` is a page of its own, across every student the reader reads (To Do:
   * a guardian's list of all their children), instead of a redirect to the student shown now
   */
  acrossStudents?: true;
}

export const PORTAL_TOOLS = [
  { key: 'today', path: 'today', label: 'portal.today', order: 10 },
  { key: 'calendar', path: 'calendar', label: 'portal.calendar', order: 20 },
  { key: 'schedule', path: 'schedule', label: 'portal.schedule', order: 30 },
  { key: 'assignments', path: 'assignments', label: 'portal.assignments', order: 40 },
  { key: 'grades', path: 'grades', label: 'portal.grades', order: 50 },
  { key: 'attendance', path: 'attendance', label: 'portal.attendance', order: 60 },
  { key: 'reportCards', path: 'report-cards', label: 'portal.reportCards', order: 70 },
  { key: 'transcript', path: 'transcript', label: 'portal.transcript', order: 80 },
  { key: 'immunizations', path: 'immunizations', label: 'portal.immunizations', order: 90 },
  { key: 'documents', path: 'documents', label: 'portal.documents', order: 100 },
  { key: 'discussions', path: 'discussions', label: 'discussions.title', order: 110 },
  { key: 'todo', path: 'todo', label: 'todo.title', order: 15, acrossStudents: true },
  { key: 'forms', path: 'forms', label: 'forms.title', order: 120 },
  { key: 'payments', path: 'payments', label: 'fees.title', order: 130 },
] as const satisfies readonly PortalToolRow[];

export type PortalTool = (typeof PORTAL_TOOLS)[number]['key'];

/**
 * Tools of a person rather than of one student (the seed's Family menu): one page for the signed-in
 * person whoever the student shown is, at `path`, with a link in the header. Messages is an inbox per
 * person — a guardian's messages about all their children, a staff member's replies — so it is not
 * under `/students/:id/` (ADR 0032). Its district setting hides it from families.
 */
export const PERSON_TOOLS = [{ key: 'messages', path: '/messages', label: 'messages.title' }] as const satisfies readonly { key: string; path: string; label: MessageKey }[];

/**
 * District settings kept for tools of the seeds that are not built yet (the Family menu's Payments): a
 * district can already turn them off; each becomes a row above when it gets a page.
 */
export const SETTING_ONLY_TOOLS = [] as const;

/** Every key of the district's `tools` setting. */
export type ToolSetting = PortalTool | (typeof PERSON_TOOLS)[number]['key'] | (typeof SETTING_ONLY_TOOLS)[number];
export const TOOL_SETTINGS: readonly ToolSetting[] = [...PORTAL_TOOLS.map((t) => t.key), ...PERSON_TOOLS.map((t) => t.key), ...SETTING_ONLY_TOOLS];

/** The rows in navigation order. */
export const TOOLS_IN_ORDER: readonly (typeof PORTAL_TOOLS)[number][] = [...PORTAL_TOOLS].sort((a, b) => a.order - b.order);

const byKey = new Map<string, (typeof PORTAL_TOOLS)[number]>(PORTAL_TOOLS.map((t) => [t.key, t]));

function portalTool(key: PortalTool): (typeof PORTAL_TOOLS)[number] {
  return byKey.get(key)!;
}

/** The address of a student's tool page, and of something inside it (one class in Grades, one report card). */
export function toolUrl(studentId: number, tool: PortalTool, inside?: number | string): string {
  return ['', 'students', studentId, portalTool(tool).path, ...(inside === undefined ? [] : [inside])].join('/');
}

const byPath = new Map<string, (typeof PORTAL_TOOLS)[number]>(PORTAL_TOOLS.map((t) => [t.path, t]));

/**
 * The tool a student's page belongs to: `/students/7/report-cards/2?x` → Report Cards; null for any
 * other address. What the student switcher needs to show the same tool for another child.
 */
export function toolOfPage(path: string): PortalTool | null {
  const match = /^\/students\/\d+\/([a-z-]+)(?:[/?#]|$)/.exec(path);
  return (match && byPath.get(match[1]!)?.key) ?? null;
}
