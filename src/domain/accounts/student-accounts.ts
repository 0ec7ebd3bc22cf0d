/**
 * Portal accounts for students, by the district's rule for the first password (first seed):
 *  - 'initials-dob': first initial of the first and last names and the birth date mmddyy (aa010311);
 *  - 'random': three common words and two digits, printed on a roster for staff to hand out;
 *  - 'none': no accounts here: students get Activation Keys.
 * The username is the student number. Every first password must be changed at the first sign-in.
 * Runs in batches, each in its own transaction: stopped half-way, a second run finishes the work
 * (students who have an account are skipped).
 */
import { randomInt } from 'node:crypto';
import { dictionary } from '@zxcvbn-ts/language-common';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { audit } from '../audit/service.js';
import type { PortalSettings } from '../district/settings.js';
import { usernameKey } from './identity.js';
import { hashPassword, initialsDobPassword } from './passwords.js';

const WORDS = dictionary['diceware-common'] as string[];

export function randomInitialPassword(): string {
  const word = () => WORDS[randomInt(WORDS.length)] as string;
  return `${word()}-${word()}-${word()}-${randomInt(10, 100)}`;
}

export interface RosterLine {
  studentNumber: string;
  firstName: string;
  lastName: string;
  grade: number;
  school: string;
  username: string;
  /** the first password, when the district's rule makes one */
  password: string;
}

export class NoInitialPasswordsError extends Error {
  constructor() {
    super('The district gives students no first password (setting initialStudentPassword is "none"): issue Activation Keys instead.');
    this.name = 'NoInitialPasswordsError';
  }
}

export async function createStudentAccounts(
  db: Kysely<DB>,
  options: { policy: PortalSettings['initialStudentPassword']; schoolNumber?: string; grade?: number; batchSize?: number },
  now: Date,
): Promise<RosterLine[]> {
  if (options.policy === 'none') throw new NoInitialPasswordsError();
  let q = db
    .selectFrom('students as s')
    .innerJoin('schools as sc', 'sc.id', 's.school_id')
    .leftJoin('user_accounts as a', 'a.student_id', 's.id')
    .select(['s.id', 's.student_number', 's.legal_first_name', 's.legal_last_name', 's.preferred_first_name', 's.birth_date', 's.grade_level', 'sc.name as school'])
    .where('a.id', 'is', null)
    .where('s.enrollment_status', '=', 'active')
    .orderBy('sc.name')
    .orderBy('s.grade_level')
    .orderBy('s.legal_last_name')
    .orderBy('s.id');
  if (options.schoolNumber) q = q.where('sc.school_number', '=', options.schoolNumber);
  if (options.grade) q = q.where('s.grade_level', '=', options.grade);
  const students = await q.execute();
  const roster: RosterLine[] = [];
  const batchSize = options.batchSize ?? 200;
  for (let i = 0; i < students.length; i += batchSize) {
    const batch = students.slice(i, i + batchSize);
    const lines = batch.map((s) => ({
      id: s.id,
      line: {
        studentNumber: s.student_number,
        firstName: s.preferred_first_name ?? s.legal_first_name,
        lastName: s.legal_last_name,
        grade: s.grade_level,
        school: s.school,
        username: s.student_number,
        password: options.policy === 'random' ? randomInitialPassword() : initialsDobPassword(s.legal_first_name, s.legal_last_name, s.birth_date),
      },
    }));
    const hashes = await Promise.all(lines.map((l) => hashPassword(l.line.password)));
    const t = now.toISOString();
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('user_accounts')
        .values(
          lines.map((l, j) => ({
            username: l.line.username,
            username_key: usernameKey('student', l.line.username),
            password_hash: hashes[j] as string,
            status: 'active' as const,
            must_change_password: 1 as const,
            initial_password: options.policy === 'random' ? ('random' as const) : ('formula' as const),
            initial_password_set_at: t,
            person_kind: 'student' as const,
            student_id: l.id,
            created_at: t,
            updated_at: t,
            updated_by: null,
          })),
        )
        // A student who got an account meanwhile (another run) keeps it.
        .onConflict((oc) => oc.column('username_key').doNothing())
        .execute();
      // Only the students whose account this run made go on the roster.
      const made = new Map(
        (
          await trx
            .selectFrom('user_accounts')
            .select(['id', 'student_id'])
            .where('student_id', 'in', lines.map((l) => l.id))
            .where('created_at', '=', t)
            .execute()
        ).map((r) => [r.student_id, r.id] as const),
      );
      const created = lines.filter((l) => made.has(l.id));
      // One audit row per batch, naming each account it made.
      const accounts = created.map((l) => made.get(l.id) as number);
      await audit(trx, { action: 'student_accounts.created', details: { count: created.length, policy: options.policy, accounts } }, now);
      roster.push(...created.map((l) => l.line));
    });
  }
  return roster;
}
