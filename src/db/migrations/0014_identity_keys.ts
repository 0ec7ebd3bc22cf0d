/**
 * The identity rule (ADR 0018) applied to the accounts that exist, and the indexes its email lookups use.
 *
 * - `username_key` becomes the key of the account's username: NFKC, trimmed and lower-cased, or for a
 *   student NFKC and trimmed (the student number keeps its case and leading zeros). Before this rule the
 *   nightly run stored a guardian's email as it was on record, capitals included, so nobody could sign in.
 *   Collisions: an account whose new key another account already holds (or an older account takes in this
 *   same repair) keeps the key it has, so no row is lost and no unique index breaks; one audit row
 *   (`account.username_key_collision`) per such account names it and the holder, for the district office
 *   to settle (usually two parents whose addresses differed only in capitals). Nothing is deleted.
 * - `security_email` is stored as its key, so forgot-username and resending a welcome find it.
 * - Indexes for comparing emails by the rule (people/emails.ts): `lower(trim(email))` on guardians,
 *   students and staff, and a partial index of the rows whose email has a character outside printable
 *   ASCII, the only ones SQL cannot compare.
 *
 * The rule is copied here, not imported: a migration does what it did when it was written.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import type { DialectMigration } from './types.js';

const key = (value: string) => value.normalize('NFKC').trim().toLowerCase();
const studentKey = (value: string) => value.normalize('NFKC').trim();

type Account = { id: number; username: string; username_key: string; person_kind: string; security_email: string | null };

/** Which accounts get which key, and which keep theirs because the key is taken. Exported for its test. */
export function planKeyRepair(accounts: Account[]): { changes: { id: number; key: string }[]; collisions: { id: number; key: string; holder: number }[] } {
  const holderOf = new Map(accounts.map((a) => [a.username_key, a.id]));
  const changes: { id: number; key: string }[] = [];
  const collisions: { id: number; key: string; holder: number }[] = [];
  // Oldest first: of two accounts that collide, the older one gets the key.
  for (const a of [...accounts].sort((x, y) => x.id - y.id)) {
    const wanted = a.person_kind === 'student' ? studentKey(a.username) : key(a.username);
    if (wanted === a.username_key) continue;
    const holder = holderOf.get(wanted);
    if (holder !== undefined) {
      collisions.push({ id: a.id, key: wanted, holder });
      continue;
    }
    changes.push({ id: a.id, key: wanted });
    holderOf.set(wanted, a.id);
  }
  return { changes, collisions };
}

export const identityKeys: DialectMigration = {
  name: '0014_identity_keys',
  async up(db: Kysely<any>, dialect: Dialect) {
    const accounts: Account[] = await db
      .selectFrom('user_accounts')
      .select(['id', 'username', 'username_key', 'person_kind', 'security_email'])
      .orderBy('id')
      .execute();
    const { changes, collisions } = planKeyRepair(accounts);
    // The old keys are still in the unique index while new ones are written: a new key is never an old one (planKeyRepair).
    for (const c of changes) await db.updateTable('user_accounts').set({ username_key: c.key }).where('id', '=', c.id).execute();
    const at = new Date().toISOString();
    for (const c of collisions) {
      await db
        .insertInto('audit_log')
        .values({
          at,
          actor_account_id: null,
          action: 'account.username_key_collision',
          subject_type: 'user_account',
          subject_id: c.id,
          ip: null,
          details: JSON.stringify({ key: c.key, heldBy: c.holder }),
        })
        .execute();
    }
    for (const a of accounts) {
      if (a.security_email !== null && key(a.security_email) !== a.security_email) {
        await db.updateTable('user_accounts').set({ security_email: key(a.security_email) }).where('id', '=', a.id).execute();
      }
    }
    const unusual = dialect === 'postgres' ? sql<boolean>`email ~ '[^ -~]'` : sql<boolean>`email glob '*[^ -~]*'`;
    for (const table of ['guardians', 'students', 'staff']) {
      await db.schema.createIndex(`${table}_email_key`).on(table).expression(sql`lower(trim(email))`).execute();
      await db.schema.createIndex(`${table}_email_unusual`).on(table).column('email').where(unusual).execute();
    }
  },
};
