import { describe, expect, it } from 'vitest';
import { parsePortalSettings } from '../../src/domain/district/settings.js';
import { PERSON_TOOLS, PORTAL_TOOLS, SETTING_ONLY_TOOLS, TOOLS_IN_ORDER, toolUrl } from '../../src/domain/portal/tools.js';
import { en } from '../../src/i18n/en.js';
import { es } from '../../src/i18n/es.js';

describe('the portal tool registry', () => {
  it('has one row per tool: keys, paths and places unique, paths plain address segments', () => {
    const unique = (values: unknown[]) => new Set(values).size === values.length;
    expect(unique(PORTAL_TOOLS.map((t) => t.key))).toBe(true);
    expect(unique(PORTAL_TOOLS.map((t) => t.path))).toBe(true);
    expect(unique(PORTAL_TOOLS.map((t) => t.order))).toBe(true);
    for (const { path } of PORTAL_TOOLS) expect(path).toMatch(/^[a-z]+(-[a-z]+)*$/);
    // A tool with a page is no longer a setting-only tool.
    expect(PORTAL_TOOLS.filter((t) => (SETTING_ONLY_TOOLS as readonly string[]).includes(t.key))).toEqual([]);
  });

  it('names every tool in both languages', () => {
    for (const { label } of PORTAL_TOOLS) {
      expect(en[label], label).toBeTruthy();
      expect(es[label], label).toBeTruthy();
    }
  });

  it('orders the navigation as the seeds and the pages have it', () => {
    expect(TOOLS_IN_ORDER.map((t) => t.key)).toEqual(['today', 'todo', 'calendar', 'schedule', 'assignments', 'grades', 'attendance', 'reportCards', 'transcript', 'immunizations', 'documents', 'discussions', 'forms', 'payments']);
  });

  it('gives each tool its address under the student', () => {
    expect(toolUrl(12, 'reportCards')).toBe('/students/12/report-cards');
    expect(toolUrl(12, 'reportCards', 7)).toBe('/students/12/report-cards/7');
    expect(toolUrl(3, 'grades', 41)).toBe('/students/3/grades/41');
    expect(toolUrl(3, 'today')).toBe('/students/3/today');
  });

  it('derives the district setting: every tool shown unless turned off, setting-only tools kept', () => {
    const shown = parsePortalSettings('{}').tools;
    expect(Object.keys(shown).sort()).toEqual([...PORTAL_TOOLS.map((t) => t.key), ...PERSON_TOOLS.map((t) => t.key), ...SETTING_ONLY_TOOLS].sort());
    expect(Object.values(shown).every((v) => v === true)).toBe(true);
    const stored = parsePortalSettings(JSON.stringify({ tools: { reportCards: false, payments: false } })).tools;
    expect(stored.reportCards).toBe(false);
    expect(stored.payments).toBe(false);
    expect(stored.grades).toBe(true);
    expect(() => parsePortalSettings(JSON.stringify({ tools: { reportCards: 'no' } }))).toThrow();
  });
});
