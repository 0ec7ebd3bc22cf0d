/**
 * The OneRoster loader's problems (issue 20, "Every problem is reported precisely"): each names the
 * file, line, column and value; a run with errors lists them all (counted past the limit) and writes
 * nothing at all. The packages are the hand-written district of oneroster-load.test.ts, broken on purpose.
 */
import { expect, it } from 'vitest';
import { importPackage } from '../../src/domain/oneroster/load/index.js';
import { PROBLEM_LIMIT, ProblemSink, type Problem } from '../../src/domain/oneroster/records.js';
import { describeEachEngine } from '../support/db.js';
import { bulkRecords, demographic, dump, enrollment, load, memoryPackage, role, user, type Records } from '../support/oneroster.js';

const line = (p: Problem) => `${p.severity} ${p.code} ${p.file}:${p.line} ${p.column}=${p.value}${p.expected ? ` (${p.expected})` : ''}${p.detail ? ` [${p.detail}]` : ''}`;

function edit(change: (r: Records) => void): Records {
  const records = bulkRecords();
  change(records);
  return records;
}

describeEachEngine('OneRoster loader: problems', (get) => {
  it('a duplicate sourcedId is an error naming both lines, and nothing is written', async () => {
    const before = await dump(get());
    const { report, problems } = await load(get(), edit((r) => r.users!.push(user('U1', 'Maya', 'Again', { identifier: '000999' }))));
    expect(report.ok).toBe(false);
    expect(problems.map(line)).toEqual(['error load.duplicateId users.csv:8 sourcedId=U1 [2]']);
    expect(await dump(get())).toEqual(before);
    const run = await get().db.selectFrom('import_runs').select('status').where('id', '=', report.runId).executeTakeFirstOrThrow();
    expect(run.status).toBe('failed');
  });

  it('references to absent rows are errors naming the file, line, column and value — all of them', async () => {
    const before = await dump(get());
    const { report, problems } = await load(
      get(),
      edit((r) => {
        r.classes![0] = { ...r.classes![0]!, courseSourcedId: 'C9', termSourcedIds: ['T1', 'T7'] };
        r.users![2] = { ...r.users![2]!, agentSourcedIds: ['U1', 'G9'] };
        r.enrollments!.push(enrollment('E9', 'K1', 'U9', 'student', 'S1'));
        r.demographics!.push(demographic('U8', '2011-01-01'));
      }),
    );
    expect(report.ok).toBe(false);
    expect(problems.map(line)).toEqual([
      'error load.missingReference classes.csv:2 courseSourcedId=C9 (courses.csv)',
      'error load.missingReference classes.csv:2 termSourcedIds=T7 (academicSessions.csv)',
      'error load.missingReference users.csv:4 agentSourcedIds=G9 (users.csv)',
      'error load.missingReference enrollments.csv:5 userSourcedId=U9 (users.csv)',
      'error load.missingReference demographics.csv:4 sourcedId=U8 (users.csv)',
    ]);
    expect(await dump(get())).toEqual(before);
  });

  it('a person with roles of two kinds is an error; one with no role, or only an aide, is left out with a warning', async () => {
    const { problems } = await load(
      get(),
      edit((r) => {
        r.users!.push(user('X1', 'Pat', 'Both'), user('X2', 'No', 'Role'), user('X3', 'Al', 'Aide'));
        r.roles!.push(role('X1', 'student', 'S1'), role('X1', 'teacher', 'S1'), role('X3', 'aide', 'S1'));
      }),
    );
    expect(problems.map(line)).toEqual(['error load.mixedRoles users.csv:8 role=X1', 'warning load.userNoRole users.csv:9 role=X2', 'warning load.userIgnored users.csv:10 role=X3']);
  });

  it('a student needs a number, a birth date, a grade and a school; numbers are unique', async () => {
    const before = await dump(get());
    const { report, problems } = await load(
      get(),
      edit((r) => {
        r.users![0] = { ...r.users![0]!, identifier: null };
        r.users![1] = { ...r.users![1]!, grades: [] };
        r.users!.push(
          user('U3', 'Kim', 'Park', { identifier: '000124', grades: [11], primaryOrgSourcedId: 'S1' }),
          user('U4', 'Lee', 'Park', { identifier: '000200', grades: [11] }),
        );
        r.roles!.push(role('U3', 'student', 'S1'), role('U4', 'student', 'D1'));
        r.demographics!.push(demographic('U4', '2010-02-02'));
      }),
    );
    expect(report.ok).toBe(false);
    expect(problems.filter((p) => p.severity === 'error').map(line)).toEqual([
      'error load.studentNoIdentifier users.csv:2 identifier=U1',
      'error load.studentNoBirthDate users.csv:8 birthDate=U3 (demographics.csv)',
      'error load.studentNoGrade users.csv:3 grades=U2',
      'error load.studentNoSchool users.csv:9 primaryOrgSourcedId=U4 (school)',
      'error load.duplicateKey users.csv:8 identifier=000124',
    ]);
    expect(await dump(get())).toEqual(before);
  });

  it('counts every error past the limit and keeps the first ones', async () => {
    const extra = Array.from({ length: PROBLEM_LIMIT + 50 }, (_, i) => enrollment(`EX${i}`, `KX${i}`, 'U1', 'student', 'S1'));
    const { report } = await load(get(), edit((r) => r.enrollments!.push(...extra)));
    expect(report.errors).toBe(PROBLEM_LIMIT + 50);
    expect(report.problems).toHaveLength(PROBLEM_LIMIT);
    expect(report.omitted).toBe(50);
    expect(report.problems[0]).toMatchObject({ code: 'load.missingReference', file: 'enrollments.csv', line: 5, column: 'classSourcedId', value: 'KX0' });
  });

  it('an error the reader found (a row it left out) stops the run: nothing is written', async () => {
    const before = await dump(get());
    const sink = new ProblemSink();
    const pkg = memoryPackage(bulkRecords());
    const rows = pkg.rows.bind(pkg);
    // The reader reports a bad value in users.csv while the loader reads it, and leaves the row out.
    pkg.rows = async function* (file) {
      if (file === 'users') sink.add({ severity: 'error', code: 'badDate', file: 'users.csv', line: 3, column: 'birthDate', value: '31/02/2011', expected: 'YYYY-MM-DD' });
      yield* rows(file);
    };
    const report = await importPackage(get(), pkg, sink, { dryRun: false, now: new Date('2026-09-15T14:00:00Z'), actorAccountId: null });
    expect(report.ok).toBe(false);
    expect(report.problems.map(line)).toEqual(['error badDate users.csv:3 birthDate=31/02/2011 (YYYY-MM-DD)']);
    expect(await dump(get())).toEqual(before);
  });

  it('keeps the last ten runs', async () => {
    for (let i = 0; i < 12; i++) await load(get(), {}, { dryRun: true });
    expect(await get().db.selectFrom('import_runs').select('id').execute()).toHaveLength(10);
  });
});
