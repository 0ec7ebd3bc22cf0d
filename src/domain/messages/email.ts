/**
 * The email copy of a message (issue 21; until the notification settings of issue 22 let each person
 * choose): every recipient with an active account gets "you have a new message" in their language with
 * a link to it — never the message's words, so nothing about a student travels by email. Written to the
 * outbox by one `insert … select` per language, in a job of its own that the delivery queues, and marked
 * done in the same transaction (a worker that dies after the commit does not send a second copy).
 */
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { Dialect } from '../../db/connect.js';
import type { DB } from '../../db/schema.js';
import { composeEmail } from '../../email/templates.js';
import { LOCALES } from '../../i18n/index.js';
import { getDistrictProfile } from '../district/service.js';

export const EMAIL_JOB = 'messages.email';
export const emailPayload = z.object({ messageId: z.number().int().positive() });

export async function emailMessageCopies(db: Kysely<DB>, dialect: Dialect, messageId: number, options: { baseUrl: string; finish: (trx: Kysely<DB>) => Promise<void> }, now: Date): Promise<number> {
  const district = await getDistrictProfile(db);
  const message = await db.selectFrom('messages').select(['sender_name']).where('id', '=', messageId).executeTakeFirst();
  const stamp = dialect === 'postgres' ? sql`cast(${now.toISOString()} as timestamptz)` : sql`${now.toISOString()}`;
  return db.transaction().execute(async (trx) => {
    let written = 0;
    if (message) {
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
        // The address: the account's confirmed security email, else the guardian's email on record.
        const result = await sql`
          insert into email_outbox (kind, to_address, locale, subject, text_body, html_body, created_at, send_after, sent_at, attempts, last_error, message_id)
          select 'message', x.address, ${locale}, cast(${mail.subject} as text), cast(${mail.text} as text), cast(${mail.html} as text), ${stamp}, ${stamp}, null, 0, null,
                 'message-' || cast(r.message_id as text) || '-' || r.person_kind || '-' || cast(r.person_id as text)
            from message_recipients r
            join (
              select a.person_kind, coalesce(a.student_id, a.guardian_id, a.staff_id) as person_id,
                     min(coalesce(case when a.security_email_confirmed_at is not null then a.security_email end, g.email)) as address
                from user_accounts a
                left join guardians g on g.id = a.guardian_id
               where a.status = 'active'
               group by a.person_kind, coalesce(a.student_id, a.guardian_id, a.staff_id)
            ) x on x.person_kind = r.person_kind and x.person_id = r.person_id
           where r.message_id = ${messageId} and r.locale = ${locale} and x.address is not null
        `.execute(trx);
        written += Number(result.numAffectedRows ?? 0);
      }
    }
    await options.finish(trx);
    return written;
  });
}
