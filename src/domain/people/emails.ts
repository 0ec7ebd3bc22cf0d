/**
 * Who has an email address, by the identity rule (normalizeEmail): guardians, students and staff.
 *
 * SQL cannot apply NFKC on SQLite, so the rule runs here, in two indexed steps (migration 0014):
 *   - every address made only of printable ASCII is its key once spaces are trimmed and letters
 *     lower-cased, which SQL does the same way on both engines: `lower(trim(email)) in (keys)`;
 *   - the few addresses with any other character (full-width letters, accents, tabs) are read through a
 *     partial index of exactly those rows, and normalized here.
 * A person counts once per address, whichever of the two steps found them.
 */
import { PostgresAdapter, sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from '../../db/schema.js';
import { normalizeEmail } from '../accounts/identity.js';

export type EmailOwner = { kind: 'guardian' | 'student' | 'staff'; id: number };

const TABLES = [
  ['guardians', 'guardian'],
  ['students', 'student'],
  ['staff', 'staff'],
] as const;

/** A row whose email has a character outside printable ASCII: the predicate of the partial indexes. */
export function unusualEmail(db: Kysely<DB>): RawBuilder<boolean> {
  return db.getExecutor().adapter instanceof PostgresAdapter ? sql<boolean>`email ~ '[^ -~]'` : sql<boolean>`email glob '*[^ -~]*'`;
}

/** The keys' owners: for each key (already normalized), every person whose email has that key. */
export async function ownersOfEmails(db: Kysely<DB>, keys: string[], kinds: readonly EmailOwner['kind'][] = ['guardian', 'student', 'staff']): Promise<Map<string, EmailOwner[]>> {
  const wanted = new Set(keys.filter((k) => k !== ''));
  const owners = new Map<string, EmailOwner[]>();
  if (wanted.size === 0) return owners;
  const list = [...wanted];
  for (const [table, kind] of TABLES) {
    if (!kinds.includes(kind)) continue;
    const found = new Map<number, string>();
    for (let i = 0; i < list.length; i += 500) {
      const chunk = list.slice(i, i + 500);
      const rows = await db
        .selectFrom(table)
        .select(['id', 'email'])
        .where(sql<string>`lower(trim(email))`, 'in', chunk)
        .execute();
      for (const r of rows) if (r.email !== null) found.set(r.id, r.email);
    }
    const unusual = await db.selectFrom(table).select(['id', 'email']).where(unusualEmail(db)).execute();
    for (const r of unusual) if (r.email !== null) found.set(r.id, r.email);
    for (const [id, email] of found) {
      const key = normalizeEmail(email);
      if (!wanted.has(key)) continue;
      const ofKey = owners.get(key) ?? [];
      ofKey.push({ kind, id });
      owners.set(key, ofKey);
    }
  }
  return owners;
}

/** Guardians whose email on record has this key (a typed address, already normalized). */
export async function guardiansWithEmail(db: Kysely<DB>, key: string, limit: number): Promise<number[]> {
  const owners = (await ownersOfEmails(db, [key], ['guardian'])).get(key) ?? [];
  return owners
    .map((o) => o.id)
    .sort((a, b) => a - b)
    .slice(0, limit);
}
