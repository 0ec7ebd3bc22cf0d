/**
 * A family with the people around a child (ADR 0050): Maya's mother Lucia and father Marco share a
 * household and read the portal; her aunt Nora is an emergency contact without portal access; her
 * separated father's partner Raul lives in another household (portal access, not Lucia's to correct);
 * her grandfather Tomas's rights were revoked. Names carry a suffix so that several families live in one
 * database.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.js';
import { account, guardian, link, student, type AccountFixture, type GuardianFixture, type StudentFixture, type World } from './factories.js';

const STAMP = '2026-07-01T12:00:00.000Z';

export interface PeopleFamily {
  maya: StudentFixture;
  lucia: GuardianFixture;
  marco: GuardianFixture;
  nora: GuardianFixture;
  raul: GuardianFixture;
  tomas: GuardianFixture;
  luciaAccount: AccountFixture;
  marcoAccount: AccountFixture;
  household: number;
}

async function household(db: Kysely<DB>, name: string): Promise<number> {
  const row = await db
    .insertInto('households')
    .values({ sourced_id: null, name, address_line1: '12 Elm St', address_line2: null, city: 'Cedar Valley', state: 'MO', postal_code: '65201', phone: null, created_at: STAMP, updated_at: STAMP, updated_by: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function peopleFamily(db: Kysely<DB>, world: World, suffix: string, options: { locale?: 'en' | 'es'; studentFirst?: string } = {}): Promise<PeopleFamily> {
  const last = `Ortiz${suffix}`;
  const maya = await student(db, world, { first: options.studentFirst ?? 'Maya', last });
  const home = await household(db, `${last} household`);
  const other = await household(db, `${last} second household`);
  const lucia = await guardian(db, { first: 'Lucia', last });
  const marco = await guardian(db, { first: 'Marco', last });
  const nora = await guardian(db, { first: 'Nora', last });
  const raul = await guardian(db, { first: 'Raul', last });
  const tomas = await guardian(db, { first: 'Tomas', last });
  await db.updateTable('guardians').set({ household_id: home }).where('id', 'in', [lucia.id, marco.id]).execute();
  await db.updateTable('guardians').set({ household_id: other }).where('id', '=', raul.id).execute();
  // Nora: no household, no email, one phone (as the demo's contact-only relatives)
  await db.updateTable('guardians').set({ email: null, phone_mobile: '+15732010101' }).where('id', '=', nora.id).execute();
  await link(db, maya, lucia, { relationship: 'mother' });
  await link(db, maya, marco, { relationship: 'father' });
  await link(db, maya, nora, { relationship: 'aunt', portalAccess: false });
  await link(db, maya, raul, { relationship: 'stepparent' });
  await link(db, maya, tomas, { relationship: 'grandparent', portalAccess: false, revoked: true });
  const luciaAccount = await account(db, { guardian: lucia }, { locale: options.locale ?? null });
  const marcoAccount = await account(db, { guardian: marco });
  return { maya, lucia, marco, nora, raul, tomas, luciaAccount, marcoAccount, household: home };
}
