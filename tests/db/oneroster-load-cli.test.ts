/**
 * The import command's output after the package is opened (src/cli/import-oneroster.ts): plain progress
 * lines when the output is not a terminal, a summary with rows per second per file and the counts per
 * kind, every problem with its English message, and the exit code.
 */
import { expect, it } from 'vitest';
import { runOneRosterImport } from '../../src/cli/import-oneroster.js';
import { ProblemSink } from '../../src/domain/oneroster/records.js';
import { describeEachEngine } from '../support/db.js';
import { bulkRecords, memoryPackage, user } from '../support/oneroster.js';

describeEachEngine('homeroom import oneroster: output', (get) => {
  const run = async (records: ReturnType<typeof bulkRecords>, dryRun: boolean) => {
    let text = '';
    const out = { write: (s: string) => (text += s), isTTY: false };
    const { code } = await runOneRosterImport(get(), memoryPackage(records), new ProblemSink(), { dryRun, source: '/sis/2026-09-15.zip', now: new Date('2026-09-15T14:00:00Z'), out });
    return { code, text };
  };

  it('a dry run: plain progress lines, the summary, exit code 0', async () => {
    const { code, text } = await run(bulkRecords(), true);
    expect(code).toBe(0);
    expect(text).toContain('users: 6 rows read');
    expect(text).toContain('Dry run: the package would be imported (nothing was written).');
    expect(text).toMatch(/ {2}users: 6 rows, \d+ rows\/s/);
    expect(text).toContain('  students: 2 created, 0 updated, 0 deactivated, 0 reactivated, 0 unchanged');
    expect(text).toContain('  warning: classes.csv, line 2, periods: The school “S1” has no default bell schedule yet: its classes were loaded without periods.');
  });

  it('a package with an error: the error in English with its place, exit code 1', async () => {
    const records = bulkRecords();
    records.users!.push(user('U1', 'Maya', 'Again'));
    const { code, text } = await run(records, false);
    expect(code).toBe(1);
    expect(text).toContain('Not imported: nothing was changed.');
    expect(text).toContain('1 errors, 0 warnings.');
    expect(text).toContain('  error: users.csv, line 8, sourcedId: The sourcedId “U1” is already on line 2 of this file: each row needs its own.');
  });
});
