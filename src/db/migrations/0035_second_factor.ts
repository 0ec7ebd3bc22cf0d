/**
 * A second factor for staff (issue 25, ADR 0037): an authenticator app's secret (TOTP, RFC 6238) per
 * account, kept encrypted, with the last time step a code was accepted at (a code is never accepted
 * twice), and ten single-use recovery codes, kept as their sha-256.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../connect.js';
import { columns, type DialectMigration } from './types.js';

export const secondFactor: DialectMigration = {
  name: '0035_second_factor',
  async up(db: Kysely<any>, dialect: Dialect) {
    const c = columns(dialect);
    const nn = (col: any) => col.notNull();
    await db.schema
      .createTable('second_factors')
      .addColumn('account_id', 'integer', (col) => col.primaryKey().references('user_accounts.id').onDelete('cascade'))
      // AES-256-GCM of the base32 secret: "iv.tag.ciphertext", base64url
      .addColumn('secret', 'text', nn)
      .$call((t) => c.instant(t, 'created_at', nn))
      // null while the person has not yet typed a code from their app (enrolment not finished)
      .$call((t) => c.instant(t, 'confirmed_at'))
      // the 30-second step of the last accepted code (about 59 million in 2026: an integer for millennia); only a later step is accepted again
      .addColumn('last_step', 'integer')
      .execute();
    await db.schema
      .createTable('recovery_codes')
      .$call(c.id)
      .addColumn('account_id', 'integer', (col) => col.notNull().references('user_accounts.id').onDelete('cascade'))
      .addColumn('code_hash', 'text', nn)
      .$call((t) => c.instant(t, 'created_at', nn))
      .$call((t) => c.instant(t, 'used_at'))
      .execute();
    await db.schema.createIndex('recovery_codes_account').on('recovery_codes').columns(['account_id', 'code_hash']).execute();
  },
};
