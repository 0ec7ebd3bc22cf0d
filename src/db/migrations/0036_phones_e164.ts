/**
 * Phone numbers stored as typed ("573-555-0199" beside "(573) 555-0187") become E.164 ("+15735550199",
 * issue 23; people/phones.ts shows them in the national format). Every phone column is read and each
 * value that libphonenumber-js reads as a valid number (the district's country, US, when none is given)
 * is rewritten; a value it cannot read is kept exactly as typed — nothing is lost — and listed in the
 * audit log (`phones.kept_as_typed`, 500 to an entry: table, row, column, value) for the office to fix.
 * The import's last-seen copies (oneroster_last_*) are converted the same way, so the next delta does
 * not see every phone as changed. Waiting contact change requests' phone values are converted too.
 * Running it again changes nothing (an E.164 value reads as itself).
 */
import type { Kysely } from 'kysely';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { Dialect } from '../connect.js';
import type { DialectMigration } from './types.js';

const COLUMNS: [table: string, key: string, columns: string[]][] = [
  ['guardians', 'id', ['phone_mobile', 'phone_home', 'phone_work']],
  ['households', 'id', ['phone']],
  ['students', 'id', ['phone']],
  ['staff', 'id', ['phone']],
  ['schools', 'id', ['phone']],
  ['oneroster_last_guardians', 'row_id', ['phone_mobile']],
  ['oneroster_last_students', 'row_id', ['phone']],
  ['oneroster_last_staff', 'row_id', ['phone']],
];

const BATCH = 5_000;

function e164(value: string): string | null {
  const parsed = parsePhoneNumberFromString(value.trim(), { defaultCountry: 'US', extract: false });
  return parsed?.isValid() ? parsed.number : null;
}

export const phonesE164: DialectMigration = {
  name: '0036_phones_e164',
  async up(db: Kysely<any>, _dialect: Dialect) {
    const kept: { table: string; id: number; column: string; value: string }[] = [];
    const convert = async (table: string, key: string, column: string, extra?: (q: any) => any) => {
      let after = 0;
      for (;;) {
        let q = db.selectFrom(table).select([`${key} as id`, `${column} as value`]).where(column, 'is not', null).where(key, '>', after);
        if (extra) q = extra(q);
        const rows: { id: number; value: string }[] = await q.orderBy(key).limit(BATCH).execute();
        if (rows.length === 0) return;
        for (const r of rows) {
          const to = e164(r.value);
          if (to === null) kept.push({ table, id: r.id, column, value: r.value });
          else if (to !== r.value) await db.updateTable(table).set({ [column]: to }).where(key, '=', r.id).execute();
        }
        after = rows[rows.length - 1]!.id;
      }
    };
    for (const [table, key, columns] of COLUMNS) for (const column of columns) await convert(table, key, column);
    // waiting contact change requests (a decided one keeps what was asked, as it was asked)
    const phoneField = (q: any) => q.where('field', 'in', ['phone_mobile', 'phone_home', 'phone_work', 'phone']).where('status', '=', 'pending');
    for (const column of ['old_value', 'new_value']) {
      let after = 0;
      for (;;) {
        const rows: { id: number; value: string }[] = await phoneField(db.selectFrom('change_request_fields').select(['id', `${column} as value`]).where(column, 'is not', null).where('id', '>', after))
          .orderBy('id')
          .limit(BATCH)
          .execute();
        if (rows.length === 0) break;
        for (const r of rows) {
          const to = e164(r.value);
          if (to !== null && to !== r.value) await db.updateTable('change_request_fields').set({ [column]: to }).where('id', '=', r.id).execute();
        }
        after = rows[rows.length - 1]!.id;
      }
    }
    const at = new Date().toISOString();
    for (let i = 0; i < kept.length; i += 500) {
      await db
        .insertInto('audit_log')
        .values({ at, actor_account_id: null, action: 'phones.kept_as_typed', subject_type: null, subject_id: null, ip: null, details: JSON.stringify({ rows: kept.slice(i, i + 500) }) })
        .execute();
    }
  },
};
