/** The language a signed-in person chose in the portal: pages and emails use it from then on. */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { Locale } from '../../i18n/index.js';
import { audit } from '../audit/service.js';
import { setAccountLocale, type AccountRow } from './repository.js';

export async function chooseLanguage(
  db: Kysely<DB>,
  input: { account: Pick<AccountRow, 'id' | 'locale'>; locale: Locale; ip: string | null },
  now: Date,
): Promise<void> {
  if (input.account.locale === input.locale) return;
  await db.transaction().execute(async (trx) => {
    await setAccountLocale(trx, input.account.id, input.locale);
    await audit(
      trx,
      { action: 'account.language_changed', actorAccountId: input.account.id, subjectType: 'user_account', subjectId: input.account.id, ip: input.ip, details: { from: input.account.locale, to: input.locale } },
      now,
    );
  });
}
