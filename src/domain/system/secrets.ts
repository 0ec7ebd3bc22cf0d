/**
 * Secrets the application makes for itself once and keeps in the database (so every web process
 * of a district shares them): the key that signs CSRF tokens, and later the push (VAPID) keys.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';

/** A secret by name, made by `make` (32 random bytes unless told) the first time it is asked for. */
export async function appSecret(db: Kysely<DB>, name: string, now: Date, make: () => string = () => randomBytes(32).toString('base64url')): Promise<string> {
  const existing = await db.selectFrom('app_secrets').select('value').where('name', '=', name).executeTakeFirst();
  if (existing) return existing.value;
  // Two processes starting at once may both try: the first insert wins, both read it back.
  await db
    .insertInto('app_secrets')
    .values({ name, value: make(), created_at: now.toISOString() })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db.selectFrom('app_secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow();
  return row.value;
}
