/**
 * A student of 18 or older is asked (issue 21, ADR 0042): do their parents and guardians keep receiving
 * the school's messages about them? Until they answer, the district's rule applies (guardians keep access
 * at 18, or lose it: settings `guardiansKeepAccessAt18`). Their answer then decides, for messages only,
 * in both directions: "no" stops delivery to guardians reached through them (where the district keeps
 * access), "yes" lets the guardians with portal links receive and read messages about them (where the
 * district ends access at 18). Grades, attendance and every other record follow the district's rule.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { audit } from '../audit/service.js';
import { adultCutoff, type PortalSettings } from '../district/settings.js';

export interface AdultChoice {
  /** what the student answered; null until they do */
  answer: boolean | null;
  /** what applies until they answer: the district's rule */
  districtKeeps: boolean;
}

/** Whether the student is 18 or older on `today`, and if so what they answered; null for a younger student. */
export async function adultChoiceOf(db: Kysely<DB>, studentId: number, today: string, settings: Pick<PortalSettings, 'guardiansKeepAccessAt18'>): Promise<AdultChoice | null> {
  const eighteen = adultCutoff({ guardiansKeepAccessAt18: false }, today)!;
  const row = await db
    .selectFrom('students as s')
    .leftJoin('message_adult_choices as c', 'c.student_id', 's.id')
    .select(['s.birth_date', 'c.guardians_receive'])
    .where('s.id', '=', studentId)
    .executeTakeFirst();
  if (!row || row.birth_date === null || String(row.birth_date).slice(0, 10) > eighteen) return null;
  return { answer: row.guardians_receive === null ? null : row.guardians_receive === 1, districtKeeps: settings.guardiansKeepAccessAt18 };
}

/** Records a student's answer (18 or older only: false for a younger student), audited. */
export async function answerAdultChoice(
  db: Kysely<DB>,
  student: { accountId: number; studentId: number },
  guardiansReceive: boolean,
  c: { today: string; now: Date; ip: string | null; settings: Pick<PortalSettings, 'guardiansKeepAccessAt18'> },
): Promise<boolean> {
  if (!(await adultChoiceOf(db, student.studentId, c.today, c.settings))) return false;
  const stamp = c.now.toISOString();
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('message_adult_choices')
      .values({ student_id: student.studentId, guardians_receive: guardiansReceive ? 1 : 0, answered_at: stamp })
      .onConflict((oc) => oc.column('student_id').doUpdateSet({ guardians_receive: guardiansReceive ? 1 : 0, answered_at: stamp }))
      .execute();
    await audit(trx, { action: 'message.adult_choice', actorAccountId: student.accountId, subjectType: 'student', subjectId: student.studentId, ip: c.ip, details: { guardiansReceive } }, c.now);
  });
  return true;
}

/** Students whose guardians the student's own answer lets receive messages (the district ends access at 18): as a subquery. */
export function consentingAdults(db: Kysely<DB>) {
  return db.selectFrom('message_adult_choices').select('student_id').where('guardians_receive', '=', 1);
}

/** Students who answered that their guardians do not receive messages: as a subquery. */
export function refusingAdults(db: Kysely<DB>) {
  return db.selectFrom('message_adult_choices').select('student_id').where('guardians_receive', '=', 0);
}
