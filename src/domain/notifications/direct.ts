/**
 * Notifications about a person rather than a student's change event (issue 22, ADR 0041): a new message
 * in their inbox, an announcement, a form to sign, an event of their own account. Given the people to
 * tell as a query (set-based: a district-wide message reaches ~130,000 people in one `insert … select`),
 * it writes each person's in-app entry and the deliveries their settings ask for — email and Web Push,
 * now, after their quiet hours (in their own time zone) or in their digest — which deliver.ts sends.
 *
 * Exactly once: an entry's key is the kind and its source (`message:12`), unique per person
 * (`notifications (account_id, key)`); deliveries are unique per entry and channel. Run again, it adds
 * nothing. Rights: an entry about a student reaches only the student's own account and guardians with a
 * portal link to the student now (the district's end of access at 18 included); deliver.ts asks again
 * at send time. The account's own events are always on, by every channel, at once.
 */
import { PostgresAdapter, sql, type Kysely, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import type { DB } from '../../db/schema.js';
import { portalLinks } from '../access/guardian-links.js';
import { localDate } from '../calendar/dates.js';
import { getDistrictProfile } from '../district/service.js';
import { adultCutoff } from '../district/settings.js';
import { quietUntil } from './quiet.js';
import { ACCOUNT_KINDS, defaultSettings, ownChannelsOf, parseStored, zoneOf, type AccountKind, type Channels, type DirectKind } from './settings.js';

export interface DirectNotice {
  kind: DirectKind | AccountKind;
  /** what it is about, unique within the kind: one entry per person per source (`message:12`) */
  source: string;
  /** the catalog parameters of its text (`notifications.title.<kind>`, `notifications.body.<kind>`) */
  params: Record<string, string | number>;
  /** the page that shows it: one for everyone, or an expression over the audience's columns (`a.student_id`) */
  url: string | RawBuilder<string>;
}

/** The people to tell: their account ids, and the student each entry is about (null: none). */
export type Audience = SelectQueryBuilder<DB, any, { account_id: number; student_id: number | null }>;

const isAccountKind = (kind: string): kind is AccountKind => (ACCOUNT_KINDS as readonly string[]).includes(kind);
const CHUNK = 500;

/** Writes the entries and deliveries in the caller's transaction; returns how many entries it wrote. */
export async function notifyDirect(trx: Kysely<DB>, audience: Audience, notice: DirectNotice, now: Date): Promise<number> {
  const pg = trx.getExecutor().adapter instanceof PostgresAdapter;
  const instant = (d: Date) => (pg ? sql<string>`cast(${d.toISOString()} as timestamptz)` : sql<string>`cast(${d.toISOString()} as text)`);
  const district = await getDistrictProfile(trx);
  const cutoff = adultCutoff(district.settings, localDate(now, district.timeZone));
  const key = `${notice.kind}:${notice.source}`;
  const always = isAccountKind(notice.kind);

  // 1. The entries: active accounts; about a student, only the student and guardians with portal rights now.
  const inserted = await trx
    .insertInto('notifications')
    .columns(['account_id', 'key', 'kind', 'change_event_id', 'student_id', 'section_id', 'params', 'url', 'created_at', 'read_at'])
    .expression(
      trx
        .selectFrom(audience.as('a'))
        .innerJoin('user_accounts as ua', 'ua.id', 'a.account_id')
        .where('ua.status', '=', 'active')
        .where((eb) =>
          eb.or([
            eb('a.student_id', 'is', null),
            eb.and([eb('ua.person_kind', '=', 'student'), eb('ua.student_id', '=', eb.ref('a.student_id'))]),
            eb.and([
              eb('ua.person_kind', '=', 'guardian'),
              eb.exists(
                portalLinks(trx)
                  .innerJoin('students as s', 's.id', 'sg.student_id')
                  .select('sg.student_id')
                  .where('sg.student_id', '=', sql.ref<number>('a.student_id'))
                  .where('sg.guardian_id', '=', sql.ref<number>('ua.guardian_id'))
                  .$if(cutoff !== null, (q) => q.where('s.birth_date', '>', cutoff!)),
              ),
            ]),
          ]),
        )
        .select([
          'a.account_id',
          sql<string>`cast(${key} as text)`.as('key'),
          sql<string>`cast(${notice.kind} as text)`.as('kind'),
          sql<null>`cast(null as integer)`.as('change_event_id'),
          'a.student_id',
          sql<null>`cast(null as integer)`.as('section_id'),
          sql<string>`cast(${JSON.stringify(notice.params)} as text)`.as('params'),
          sql<string>`cast(${notice.url} as text)`.as('url'),
          instant(now).as('created_at'),
          sql<null>`${pg ? sql`cast(null as timestamptz)` : sql`null`}`.as('read_at'),
        ]),
    )
    .onConflict((oc) => oc.columns(['account_id', 'key']).doNothing())
    .executeTakeFirst();
  let written = Number(inserted.numInsertedOrUpdatedRows ?? 0);

  // The entries of this notice, by the audience (the unique index on account and key finds them).
  const entries = () => trx.selectFrom(audience.as('a')).innerJoin('notifications as n', (j) => j.onRef('n.account_id', '=', 'a.account_id').on('n.key', '=', key));

  // 2. People who never saved settings: the district's channels, quiet hours and zone, no digest — one statement per channel.
  const defaults = defaultSettings(district.settings);
  const defaultDue = always ? now : (quietUntil(now, defaults.quiet, district.timeZone) ?? now);
  const defaultChannels: Channels = always ? { on: true, email: true, push: true } : { on: true, email: district.settings.notifyByEmail, push: district.settings.notifyByPush };
  for (const channel of ['email', 'push'] as const) {
    if (!defaultChannels[channel]) continue;
    await trx
      .insertInto('notification_deliveries')
      .columns(['notification_id', 'account_id', 'channel', 'status', 'due_at', 'done_at', 'digest_id'])
      .expression(
        entries()
          .leftJoin('notification_settings as ns', 'ns.account_id', 'n.account_id')
          .where('ns.account_id', 'is', null)
          .$if(channel === 'push', (q) => q.where((eb) => eb.exists(eb.selectFrom('push_subscriptions as p').select('p.id').whereRef('p.account_id', '=', 'n.account_id'))))
          .select([
            'n.id as notification_id',
            'n.account_id',
            sql<'email'>`cast(${channel} as text)`.as('channel'),
            sql<'pending'>`cast('pending' as text)`.as('status'),
            instant(defaultDue).as('due_at'),
            sql<null>`${pg ? sql`cast(null as timestamptz)` : sql`null`}`.as('done_at'),
            sql<null>`cast(null as integer)`.as('digest_id'),
          ]),
      )
      .onConflict((oc) => oc.columns(['notification_id', 'channel']).doNothing())
      .execute();
  }

  // 3. People with settings of their own (far fewer): read, decided here, written in chunks.
  const own = await entries()
    .innerJoin('notification_settings as ns', 'ns.account_id', 'n.account_id')
    .leftJoin('push_subscriptions as p', 'p.account_id', 'n.account_id')
    .select(['n.id', 'n.account_id', 'ns.settings', sql<number>`count(p.id)`.as('devices')])
    .groupBy(['n.id', 'n.account_id', 'ns.settings'])
    .execute();
  const off: number[] = [];
  const rows: { notification_id: number; account_id: number; channel: 'email' | 'push'; status: 'pending' | 'digest'; due_at: string; done_at: null; digest_id: null }[] = [];
  for (const entry of own) {
    const settings = parseStored(entry.settings, district.settings);
    const channels = always ? { on: true, email: true, push: true } : ownChannelsOf(settings, notice.kind as DirectKind, district.settings);
    if (!channels.on) {
      off.push(entry.id);
      continue;
    }
    const due = always ? now : (quietUntil(now, settings.quiet, zoneOf(settings, district.timeZone)) ?? now);
    const base = { notification_id: entry.id, account_id: entry.account_id, due_at: due.toISOString(), done_at: null, digest_id: null };
    if (channels.email) rows.push({ ...base, channel: 'email', status: !always && settings.digest.mode !== 'off' ? 'digest' : 'pending' });
    if (channels.push && Number(entry.devices) > 0) rows.push({ ...base, channel: 'push', status: 'pending' });
  }
  for (let i = 0; i < rows.length; i += CHUNK) {
    await trx
      .insertInto('notification_deliveries')
      .values(rows.slice(i, i + CHUNK))
      .onConflict((oc) => oc.columns(['notification_id', 'channel']).doNothing())
      .execute();
  }
  // Who turned this kind off gets nothing, not even the entry (as the decider does for a child's kinds).
  for (let i = 0; i < off.length; i += CHUNK) {
    const gone = await trx.deleteFrom('notifications').where('id', 'in', off.slice(i, i + CHUNK)).where('read_at', 'is', null).where('created_at', '=', now.toISOString()).executeTakeFirst();
    written -= Number(gone.numDeletedRows ?? 0);
  }
  return Math.max(0, written);
}
