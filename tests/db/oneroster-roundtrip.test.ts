/**
 * `homeroom import oneroster` with real packages (issue 20): the demo district exported with
 * `homeroom export oneroster` and imported into an empty database brings the same people, classes and
 * enrollments (compared with SQL on both databases); a second import of the same package changes
 * nothing; bad paths and usage get their messages and exit codes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/connect.js';
import { runCli } from '../support/cli.js';

const run = runCli;

/** What the portal shows of a district, by natural keys (ids differ between the two databases). */
async function district(url: string) {
  const { db, close } = await connect(url);
  try {
    const students = await db
      .selectFrom('students as s')
      .innerJoin('schools as sc', 'sc.id', 's.school_id')
      .select(['s.student_number', 's.legal_first_name', 's.legal_last_name', 's.preferred_first_name', 's.birth_date', 's.grade_level', 'sc.school_number'])
      .where('s.enrollment_status', '=', 'active')
      .orderBy('s.student_number')
      .execute();
    const enrollments = await db
      .selectFrom('section_enrollments as e')
      .innerJoin('students as s', 's.id', 'e.student_id')
      .innerJoin('sections as x', 'x.id', 'e.section_id')
      .innerJoin('courses as c', 'c.id', 'x.course_id')
      .select(['s.student_number', 'c.course_code', 'x.section_code'])
      .where('s.enrollment_status', '=', 'active')
      .orderBy('s.student_number')
      .orderBy('c.course_code')
      .orderBy('x.section_code')
      .execute();
    const links = await db
      .selectFrom('student_guardians as l')
      .innerJoin('students as s', 's.id', 'l.student_id')
      .innerJoin('guardians as g', 'g.id', 'l.guardian_id')
      .select(['s.student_number', 'g.first_name', 'g.last_name', 'g.email'])
      .where('l.portal_access', '=', 1)
      .where('l.rights_revoked', '=', 0)
      .where('s.enrollment_status', '=', 'active')
      .orderBy('s.student_number')
      .orderBy('g.last_name')
      .orderBy('g.first_name')
      .execute();
    const schools = await db.selectFrom('schools').select(['school_number', 'name']).orderBy('school_number').execute();
    // The scores families see (published assignments), with their flags, and each class's category weights.
    // Not `dropped`: OneRoster has no such flag, so a score a teacher dropped in Homeroom does not survive
    // the trip (ADR 0027).
    const scores = await db
      .selectFrom('assignment_scores as r')
      .innerJoin('assignments as a', 'a.id', 'r.assignment_id')
      .innerJoin('grading_categories as g', 'g.id', 'a.category_id')
      .innerJoin('students as s', 's.id', 'r.student_id')
      .innerJoin('sections as x', 'x.id', 'a.section_id')
      .innerJoin('courses as c', 'c.id', 'x.course_id')
      .select(['s.student_number', 'c.course_code', 'x.section_code', 'a.title', 'a.due_date', 'a.points_possible', 'g.name as category', 'g.weight', 'r.points', 'r.exempt', 'r.missing', 'r.late', 'r.incomplete', 'r.comment'])
      .where('a.published', '=', 1)
      .where('s.enrollment_status', '=', 'active')
      .orderBy('s.student_number')
      .orderBy('c.course_code')
      .orderBy('x.section_code')
      .orderBy('a.due_date')
      .orderBy('a.title')
      .execute();
    return { schools, students, enrollments, links, scores };
  } finally {
    await close();
  }
}

describe('homeroom import oneroster', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homeroom-import-'));
  const saved = { ...process.env };
  const demo = `sqlite:${path.join(dir, 'demo.sqlite')}`;
  const fresh = `sqlite:${path.join(dir, 'fresh.sqlite')}`;
  const pkg = path.join(dir, 'demo.zip');
  beforeAll(() => {
    process.env.LOG_LEVEL = 'silent';
    delete process.env.BASE_URL;
  });
  afterAll(() => {
    process.env = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('explains bad usage and a package that is not there', async () => {
    process.env.DATABASE_URL = fresh;
    for (const [argv, message] of [
      [['import'], /import needs a format: oneroster/],
      [['import', 'csv', 'x'], /Unknown import format "csv"/],
      [['import', 'oneroster'], /needs one PATH/],
      [['import', 'oneroster', 'a', 'b'], /needs one PATH/],
      [['import', 'oneroster', 'a', '--force'], /Unknown option '--force'/],
    ] as const) {
      const result = await run(...argv);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.err).toMatch(message);
    }
    const missing = await run('import', 'oneroster', path.join(dir, 'nowhere.zip'));
    expect(missing.code).toBe(1);
    expect(missing.out).toContain('Not imported: nothing was changed.');
    expect(missing.out).toMatch(/error: .*nowhere\.zip/);
  });

  it('the demo district, exported and imported into an empty database, has the same schools, students, classes and families', async () => {
    process.env.DATABASE_URL = demo;
    expect((await run('demo', '--students', '40', '--seed', '5', '--year', '2026')).code).toBe(0);
    expect((await run('export', 'oneroster', '--out', pkg)).code).toBe(0);

    process.env.DATABASE_URL = fresh;
    const dry = await run('import', 'oneroster', pkg, '--dry-run');
    expect(dry.code, dry.out).toBe(0);
    expect(dry.out).toContain('Dry run: the package would be imported (nothing was written).');
    expect((await district(fresh)).students).toEqual([]);

    const first = await run('import', 'oneroster', pkg);
    expect(first.code, first.out).toBe(0);
    expect(first.out).toContain('Imported.');
    const before = await district(demo);
    const after = await district(fresh);
    expect(after.schools).toEqual(before.schools);
    expect(after.students).toEqual(before.students);
    expect(after.enrollments).toEqual(before.enrollments);
    expect(after.links).toEqual(before.links);
    expect(after.scores).toEqual(before.scores);
    expect(before.students.length).toBeGreaterThan(30);
    expect(before.scores.length).toBeGreaterThan(100);

    // The same package again changes nothing.
    const again = await run('import', 'oneroster', pkg);
    expect(again.code, again.out).toBe(0);
    expect(again.out).toMatch(/ {2}students: 0 created, 0 updated, 0 deactivated, 0 reactivated, \d+ unchanged/);
    expect(await district(fresh)).toEqual(after);
  });
});
