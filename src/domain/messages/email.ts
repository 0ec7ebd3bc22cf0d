/**
 * Telling a message's recipients (issues 21 and 22, ADR 0041), in a job of its own that the delivery
 * queues, all in one transaction with the job's end (a worker that dies after the commit tells no one
 * twice):
 * - students and families get the "new message" notification (notifications/direct.ts): the in-app
 *   entry, and email and push as their Notification Settings say — with quiet hours and the digest.
 *   Its email is the message's email copy: one email, never two.
 * - the email copy below ("you have a new message", in their language, with a link — never the
 *   message's words, so nothing about a student travels by email) goes by one `insert … select` per
 *   language to staff, and to family members whose notification asked for email but whose account has
 *   no confirmed security email (the notification's email needs one): to the guardian's email on record.
 */
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { Dialect } from '../../db/connect.js';
import type { DB } from '../../db/schema.js';
import { composeEmail } from '../../email/templates.js';
import { LOCALES } from '../../i18n/index.js';
import { getDistrictProfile } from '../district/service.js';
import { notifyDirect } from '../notifications/direct.js';

/**
 * The "new message" notification of a message's students and families (not staff: they have no
 * notification list), in the caller's transaction. About the student it concerns, when it concerns one.
 */
export async function notifyRecipients(trx: Kysely<DB>, messageId: number, now: Date): Promise<number> {
  const message = await trx.selectFrom('messages').select(['sender_name', 'concerns_student']).where('id', '=', messageId).executeTakeFirst();
  if (!message) return 0;
  const audience = trx
    .selectFrom('message_recipients as r')
    .innerJoin('user_accounts as ua', (j) =>
      j
        .onRef('ua.person_kind', '=', 'r.person_kind')
        .on((eb) => eb.or([eb.and([eb('r.person_kind', '=', 'guardian'), eb('ua.guardian_id', '=', eb.ref('r.person_id'))]), eb.and([eb('r.person_kind', '=', 'student'), eb('ua.student_id', '=', eb.ref('r.person_id'))])])),
    )
    .where('r.message_id', '=', messageId)
    .select(['ua.id as account_id', message.concerns_student ? 'r.student_id' : sql<number | null>`cast(null as integer)`.as('student_id')]);
  return notifyDirect(trx, audience, { kind: 'message', source: String(messageId), params: { sender: message.sender_name }, url: `/messages/${messageId}` }, now);
}

export const EMAIL_JOB = 'messages.email';
export const emailPayload = z.object({ messageId: z.number().int().positive() });

export async function emailMessageCopies(db: Kysely<DB>, dialect: Dialect, messageId: number, options: { baseUrl: string; finish: (trx: Kysely<DB>) => Promise<void> }, now: Date): Promise<number> {
  const district = await getDistrictProfile(db);
  const message = await db.selectFrom('messages').select(['sender_name']).where('id', '=', messageId).executeTakeFirst();
  const stamp = dialect === 'postgres' ? sql`cast(${now.toISOString()} as timestamptz)` : sql`${now.toISOString()}`;
  return db.transaction().execute(async (trx) => {
    let written = 0;
    if (message) {
      await notifyRecipients(trx, messageId, now);
      for (const locale of LOCALES) {
        const mail = composeEmail({
          kind: 'message',
          to: '',
          locale,
          district,
          subject: 'email.message.subject',
          paragraphs: [{ key: 'email.message.body', params: { sender: message.sender_name } }],
          link: { url: `${options.baseUrl}/messages/${messageId}`, label: 'email.message.link' },
        });
        // The address: the account's confirmed security email, else the guardian's email on record. Staff
        // always; students and families only when their notification's email cannot go (no confirmed address).
        const result = await sql`
          insert into email_outbox (kind, to_address, locale, subject, text_body, html_body, created_at, send_after, sent_at, attempts, last_error, message_id)
          select 'message', x.address, ${locale}, cast(${mail.subject} as text), cast(${mail.text} as text), cast(${mail.html} as text), ${stamp}, ${stamp}, null, 0, null,
                 'message-' || cast(r.message_id as text) || '-' || r.person_kind || '-' || cast(r.person_id as text)
            from message_recipients r
            join (
              select a.person_kind, coalesce(a.student_id, a.guardian_id, a.staff_id) as person_id,
                     min(coalesce(case when a.security_email_confirmed_at is not null then a.security_email end, g.email)) as address,
                     max(case when a.security_email_confirmed_at is not null and a.security_email is not null then 1 else 0 end) as confirmed,
                     min(a.id) as account_id
                from user_accounts a
                left join guardians g on g.id = a.guardian_id
               where a.status = 'active'
               group by a.person_kind, coalesce(a.student_id, a.guardian_id, a.staff_id)
            ) x on x.person_kind = r.person_kind and x.person_id = r.person_id
           where r.message_id = ${messageId} and r.locale = ${locale} and x.address is not null
             and (r.person_kind = 'staff'
                  or (x.confirmed = 0 and exists (
                        select 1 from notifications n join notification_deliveries d on d.notification_id = n.id and d.channel = 'email'
                         where n.account_id = x.account_id and n.key = ${`message:${messageId}`})))
        `.execute(trx);
        written += Number(result.numAffectedRows ?? 0);
      }
    }
    await options.finish(trx);
    return written;
  });
}
