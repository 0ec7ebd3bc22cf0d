/**
 * Finding a student fast (issue 19, BENCHMARKS.md "Staff tools"). The staff search folded every
 * student's names (accents off, lower case: some thirty replace() calls a row) at every search, over
 * the whole table: 1–6 s for a district administrator at 100,000 students. Now:
 *
 * - `students.search_name`: the names folded once, when they are written — by the database itself, so
 *   that every writer (imports, the demo, the office) keeps it right: a stored generated column on
 *   PostgreSQL, triggers on SQLite (which cannot add a stored generated column to a table). The search
 *   compares the folded words with it (domain/staff/students.ts), and an index on it lets SQLite read
 *   the narrow index instead of the wide table.
 * - an index on the student number without its leading zeros, which is how a number is looked up.
 *
 * The folding below is frozen with this migration: a change to it is a new migration.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import type { DialectMigration } from './types.js';

const FOLD: readonly [string, string][] = [
  ...[...'áàâäãåÁÀÂÄÃÅ'].map((c) => [c, 'a'] as [string, string]),
  ...[...'éèêëÉÈÊË'].map((c) => [c, 'e'] as [string, string]),
  ...[...'íìîïÍÌÎÏ'].map((c) => [c, 'i'] as [string, string]),
  ...[...'óòôöõøÓÒÔÖÕØ'].map((c) => [c, 'o'] as [string, string]),
  ...[...'úùûüÚÙÛÜ'].map((c) => [c, 'u'] as [string, string]),
  ['ñ', 'n'],
  ['Ñ', 'n'],
  ['ç', 'c'],
  ['Ç', 'c'],
  ['ý', 'y'],
  ['Ý', 'y'],
];

const NAMES = (p: string) =>
  `coalesce(${p}preferred_first_name, '') || ' ' || ${p}legal_first_name || ' ' || coalesce(${p}legal_middle_name, '') || ' ' || ${p}legal_last_name || ' ' || coalesce(${p}preferred_last_name, '')`;

/** `text` with the letters of `fold` replaced: replace() nested once per letter. */
const replaced = (text: string, fold: readonly [string, string][]) => `${fold.map(() => 'replace(').join('')}${text}${fold.map(([from, to]) => `, '${from}', '${to}')`).join('')}`;

/**
 * SQLite: the folding in steps of a few letters each, one UPDATE a step. SQLite's own command-line
 * shell parses with a small stack, and an expression nested forty deep in the schema (a trigger) made it
 * unable to open the database at all ("parser stack overflow").
 */
function sqliteSteps(where: string): string[] {
  const steps = [`update students set search_name = lower(${NAMES('')}) where ${where}`];
  for (let i = 0; i < FOLD.length; i += 6) steps.push(`update students set search_name = ${replaced('search_name', FOLD.slice(i, i + 6))} where ${where}`);
  return steps;
}

export const studentSearch: DialectMigration = {
  name: '0022_student_search',
  async up(db: Kysely<any>, dialect: Dialect) {
    if (dialect === 'postgres') {
      await sql.raw(`alter table students add column search_name text generated always as (lower(${replaced(NAMES(''), FOLD)})) stored`).execute(db);
      // The table was written anew: its statistics too, or the planner guesses from the old ones.
      await sql`analyze students`.execute(db);
    } else {
      await sql.raw(`alter table students add column search_name text`).execute(db);
      for (const step of sqliteSteps('1 = 1')) await sql.raw(step).execute(db);
      const body = sqliteSteps('id = new.id').join('; ');
      await sql.raw(`create trigger students_search_name_insert after insert on students begin ${body}; end`).execute(db);
      await sql
        .raw(`create trigger students_search_name_update after update of preferred_first_name, legal_first_name, legal_middle_name, legal_last_name, preferred_last_name on students begin ${body}; end`)
        .execute(db);
    }
    await db.schema.createIndex('students_search_name').on('students').column('search_name').execute();
    await db.schema.createIndex('students_number_digits').on('students').expression(sql`ltrim(student_number, '0')`).execute();
  },
};
