/**
 * A district that began in Homeroom connects its SIS (issue 20, ADR 0029): the demo district exported
 * and imported into ITSELF is matched row by row by natural keys — every count unchanged, no event, no
 * deactivation, no row written but the link to the SIS (sourced_id) and the import's own bookkeeping —
 * and a second time too. The people the export leaves out on purpose (office and nurse staff, guardians
 * without portal access) stay as they were. The demo enrolls no student in one course twice (issue 23).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadDemo } from '../../src/domain/demo/load.js';
import { exportPackage } from '../../src/domain/oneroster/export/index.js';
import { importPackage, type ImportReport } from '../../src/domain/oneroster/load/index.js';
import { openPackage } from '../../src/domain/oneroster/read/package.js';
import { ProblemSink } from '../../src/domain/oneroster/records.js';
import { describeEachEngine, dumpAll } from '../support/db.js';

const NOW = new Date('2026-11-24T18:00:00Z');
/** The import's own tables, and what it writes of every run: not the district's data. */
const BOOKKEEPING = /^(oneroster_|import_runs$|audit_log$)/;

describeEachEngine('the demo district exported and imported into itself', (get) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homeroom-self-'));
  const pkgPath = path.join(dir, 'demo.zip');
  let before: Record<string, unknown[]>;

  /** Every table but the bookkeeping, without the sourced_id that links a row to the SIS. */
  const districtRows = async () => {
    const all = await dumpAll(get());
    return Object.fromEntries(
      Object.entries(all)
        .filter(([table]) => !BOOKKEEPING.test(table))
        .map(([table, rows]) => [table, rows.map((r) => Object.fromEntries(Object.entries(r as object).filter(([k]) => k !== 'sourced_id')))]),
    );
  };
  const importIt = async (): Promise<{ report: ImportReport; problems: ProblemSink }> => {
    const problems = new ProblemSink();
    const report = await importPackage(get(), await openPackage(pkgPath, problems), problems, { dryRun: false, now: NOW, actorAccountId: null });
    return { report, problems };
  };

  beforeAll(async () => {
    await loadDemo(get(), { students: 60, seed: 11, startYear: 2026, asOf: '2026-11-24' });
    await exportPackage(get(), pkgPath, { now: NOW });
    before = await districtRows();
  }, 60_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('the demo enrolls no student in two classes of one course', async () => {
    const { db } = get();
    const twice = await db
      .selectFrom('section_enrollments as a')
      .innerJoin('section_enrollments as b', (j) => j.onRef('b.student_id', '=', 'a.student_id').onRef('b.section_id', '>', 'a.section_id'))
      .innerJoin('sections as x', 'x.id', 'a.section_id')
      .innerJoin('sections as y', (j) => j.onRef('y.id', '=', 'b.section_id').onRef('y.course_id', '=', 'x.course_id'))
      .select('a.student_id')
      .execute();
    expect(twice).toEqual([]);
  });

  for (const time of ['first', 'second']) {
    it(`the ${time} time, every row is matched and nothing changes`, async () => {
      const { report, problems } = await importIt();
      expect(problems.list().filter((p) => p.severity === 'error')).toEqual([]);
      expect(report.ok).toBe(true);
      // Nothing to warn about: no ambiguity, no course twice, every file loaded.
      expect(problems.list().map((p) => `${p.code} ${p.file}:${p.line} ${p.value}`)).toEqual([]);
      for (const [kind, c] of Object.entries(report.counts)) {
        expect({ kind, ...c }).toEqual({ kind, created: 0, updated: 0, deactivated: 0, reactivated: 0, unchanged: c.unchanged });
        expect(c.unchanged, kind).toBeGreaterThan(0);
      }
      expect(await districtRows()).toEqual(before);
      // Linked: every row the package named has the SIS's (here Homeroom's export's) sourced id.
      const { db } = get();
      for (const table of ['schools', 'academic_sessions', 'courses', 'sections', 'section_enrollments', 'section_teachers'] as const) {
        expect(await db.selectFrom(table).select('id').where('sourced_id', 'is', null).execute(), table).toEqual([]);
      }
    });
  }

  it('the people the export leaves out on purpose stay as they were', async () => {
    const { db } = get();
    const office = await db.selectFrom('staff as s').innerJoin('staff_roles as r', 'r.staff_id', 's.id').select(['s.active', 's.sourced_id']).where('r.role', 'in', ['office', 'nurse']).execute();
    expect(office.length).toBeGreaterThan(0);
    expect(office.every((s) => s.active === 1)).toBe(true);
    const noAccess = await db
      .selectFrom('guardians as g')
      .select('g.sourced_id')
      .where((e) => e.not(e.exists(e.selectFrom('student_guardians as l').select('l.id').whereRef('l.guardian_id', '=', 'g.id').where('l.portal_access', '=', 1).where('l.rights_revoked', '=', 0))))
      .execute();
    // Left out of the package: never linked, so never deactivated by being absent from it.
    expect(noAccess.length).toBeGreaterThan(0);
    expect(noAccess.every((g) => g.sourced_id === null)).toBe(true);
  });
});
