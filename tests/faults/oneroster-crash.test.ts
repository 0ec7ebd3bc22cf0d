/**
 * A OneRoster import killed with SIGKILL in the middle (issue 20, "kill -9 in the middle of a run then
 * a rerun"): after the staging, and again after everything was applied but before the commit. Nothing
 * it wrote is left (the tables are as before, id counters included), its run stays 'running' in the
 * log until the next run marks it failed, and the rerun completes with every row once.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';
import { dump } from '../support/oneroster.js';
import { CLASSES } from './oneroster-district.js';
import { describeFaults, laggingSequences, type ChildResult, type SharedDatabase } from './support.js';

const STUDENTS = 3000;
const root = path.resolve(import.meta.dirname, '../..');

function child(database: SharedDatabase, fault?: string): Promise<ChildResult> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: database.url, STUDENTS: String(STUDENTS), ...(fault ? { HOMEROOM_FAULT: fault } : {}) };
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'tests/faults/oneroster-child.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (chunk) => (stdout += String(chunk)));
    proc.stderr.on('data', (chunk) => (stderr += String(chunk)));
    proc.on('error', reject);
    proc.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describeFaults('a OneRoster import killed mid-run', (get) => {
  it('leaves nothing when killed after staging or before its commit; the rerun loads everything once', { timeout: 240_000 }, async () => {
    const before = await dump(get());
    for (const fault of ['oneroster.after-stage', 'oneroster.before-commit']) {
      const killed = await child(get(), fault);
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      expect(await dump(get())).toEqual(before);
      expect(await laggingSequences(get())).toEqual([]);
    }
    expect((await get().db.selectFrom('import_runs').select('status').orderBy('id').execute()).map((r) => r.status)).toEqual(['running', 'running']);

    const rerun = await child(get());
    expect(rerun.code, rerun.stderr).toBe(0);
    const report = JSON.parse(rerun.stdout);
    expect(report.ok).toBe(true);
    expect(report.counts.students.created).toBe(STUDENTS);
    const count = async (table: 'students' | 'guardians' | 'student_guardians' | 'section_enrollments' | 'sections') =>
      Number((await get().db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    expect({ students: await count('students'), guardians: await count('guardians'), links: await count('student_guardians'), enrollments: await count('section_enrollments'), sections: await count('sections') }).toEqual({
      students: STUDENTS, guardians: STUDENTS, links: STUDENTS, enrollments: 2 * STUDENTS, sections: CLASSES,
    });
    // Leading zeros kept; each student once.
    expect(await get().db.selectFrom('students').select('student_number').where('sourced_id', '=', 'U7').executeTakeFirstOrThrow()).toEqual({ student_number: '000007' });
    // The killed runs are marked failed by the run that followed them.
    expect((await get().db.selectFrom('import_runs').select('status').orderBy('id').execute()).map((r) => r.status)).toEqual(['failed', 'failed', 'done']);
    expect(await laggingSequences(get())).toEqual([]);
  });
});
