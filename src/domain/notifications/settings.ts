/**
 * Notification Settings (issue 22): what each person asked to be told, and how. One JSON document per
 * account; a person who never saved starts from the district's defaults (the district settings area).
 * A guardian chooses per child; a student has one entry, for themself. Quiet hours and the digest are
 * the person's own, whatever the child. ADR 0035.
 */
import { sql, type Kysely } from 'kysely';
import { IANAZone } from 'luxon';
import { z } from 'zod';
import type { DB } from '../../db/schema.js';
import type { MessageKey } from '../../i18n/index.js';
import type { ReadableStudent } from '../access/portal.js';
import type { PortalSettings } from '../district/settings.js';
import { classesOf } from '../scheduling/schedule.js';

/** What can notify, as a person chooses it (the account's own events are always on, in the list). */
export const NOTIFY_KINDS = ['score', 'missing', 'classGrade', 'termGrade', 'attendance', 'immunization'] as const;
export type NotifyKind = (typeof NOTIFY_KINDS)[number];
export const isNotifyKind = (v: string): v is NotifyKind => (NOTIFY_KINDS as readonly string[]).includes(v);

/**
 * What the school asks or tells the family (notifications/announcements.ts, notifications/forms.ts): a
 * new announcement of their school or the district, a form to sign (guardians only). ADR 0049.
 */
const SCHOOL_NOTICE_KINDS = ['announcement', 'form'] as const;
/**
 * Kinds about the person, not about one child's change (notifications/direct.ts): chosen once per
 * person, whatever the child. ADR 0041.
 */
export const DIRECT_KINDS = ['message', ...SCHOOL_NOTICE_KINDS, 'mealLow'] as const;
export type DirectKind = (typeof DIRECT_KINDS)[number];
/** Own kinds only a guardian is told of: a form to sign, a child's meal balance falling below the guardian's threshold (meals/low-balance.ts). */
export const GUARDIAN_KINDS: readonly DirectKind[] = ['form', 'mealLow'];
export const isDirectKind = (v: string): v is DirectKind => (DIRECT_KINDS as readonly string[]).includes(v);
/** The person's own kinds their settings offer: a form to sign and a low meal balance are for guardians. */
export function ownKindsFor(personKind: string): readonly DirectKind[] {
  return personKind === 'guardian' ? DIRECT_KINDS : DIRECT_KINDS.filter((k) => !GUARDIAN_KINDS.includes(k));
}
/** The account's own events: always on, by every channel, at once (never held by quiet hours or a digest). */
export const ACCOUNT_KINDS = ['passwordChanged', 'newDevice'] as const;
export type AccountKind = (typeof ACCOUNT_KINDS)[number];
/** The kinds of a child's change that concern one class: a class may be turned off for them (per-class settings). */
export const SECTION_KINDS: readonly NotifyKind[] = ['score', 'missing', 'classGrade', 'termGrade'];

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const ID = /^\d{1,12}$/;
const percent = z.number().min(0).max(200).nullable();
const channels = z.object({ on: z.boolean(), email: z.boolean(), push: z.boolean() });
/** The zones the settings page offers (the runtime's IANA list); any valid IANA name is read. */
export const TIME_ZONES: readonly string[] = Intl.supportedValuesOf('timeZone');
/** A valid IANA zone name (luxon's check), as luxon spells it. */
export const isTimeZone = (v: string): boolean => v.length <= 64 && IANAZone.isValidZone(v);

const childSchema = z.object({
  kinds: z.partialRecord(z.enum(NOTIFY_KINDS), channels),
  /** per class (by section id): `on: false` silences the class's kinds (SECTION_KINDS) for this child; absent: as the child */
  sections: z.record(z.string().regex(ID), z.object({ on: z.boolean() })).default({}),
  /** "a score below N %": only such scores notify; null: every score */
  scoreBelow: percent,
  /** "a class grade falls below N %" and "rises above N %" (both may be set) */
  gradeBelow: percent,
  gradeAbove: percent,
});

export const personSettingsSchema = z.object({
  quiet: z.object({ from: z.string().regex(TIME), to: z.string().regex(TIME), exemptAttendance: z.boolean() }).nullable(),
  digest: z.object({ mode: z.enum(['off', 'daily', 'weekly']), hour: z.number().int().min(0).max(23), weekday: z.number().int().min(1).max(7) }),
  /** by student id */
  children: z.record(z.string().regex(ID), childSchema),
  /** the person's own kinds (a new message); absent: on, by the district's channels */
  own: z.partialRecord(z.enum(DIRECT_KINDS), channels).default({}),
  /** the person's time zone for quiet hours and the digest; null: the district's */
  timeZone: z.string().refine(isTimeZone).nullable().default(null),
  /**
   * When the person last turned email back on for a kind (for any child, or their own kind), an ISO
   * instant: an unsubscribe link written before then no longer turns it off (unsubscribe.ts). Kept by
   * every write (writeSettings); absent: never.
   */
  emailOnAt: z.partialRecord(z.enum([...NOTIFY_KINDS, ...DIRECT_KINDS]), z.iso.datetime()).optional(),
});
export type PersonSettings = z.infer<typeof personSettingsSchema>;
export type ChildSettings = z.infer<typeof childSchema>;
export type Channels = z.infer<typeof channels>;

type Defaults = Pick<PortalSettings, 'notifyQuietFrom' | 'notifyQuietTo' | 'notifyByEmail' | 'notifyByPush'>;

/** A child's settings before the person chose: every kind on, by the district's channels, no thresholds. */
export function defaultChild(district: Defaults): ChildSettings {
  return {
    kinds: Object.fromEntries(NOTIFY_KINDS.map((k) => [k, { on: true, email: district.notifyByEmail, push: district.notifyByPush }])),
    sections: {},
    scoreBelow: null,
    gradeBelow: null,
    gradeAbove: null,
  };
}

export function defaultSettings(district: Defaults): PersonSettings {
  return { quiet: { from: district.notifyQuietFrom, to: district.notifyQuietTo, exemptAttendance: false }, digest: { mode: 'off', hour: 18, weekday: 5 }, children: {}, own: {}, timeZone: null };
}

/** The zone of a person's quiet hours and digest: their own, else the district's. */
export function zoneOf(settings: Pick<PersonSettings, 'timeZone'>, districtZone: string): string {
  return settings.timeZone ?? districtZone;
}

/** The channels of one of the person's own kinds (absent: on, by the district's channels). */
export function ownChannelsOf(settings: Pick<PersonSettings, 'own'>, kind: DirectKind, district: Defaults): Channels {
  return settings.own[kind] ?? { on: true, email: district.notifyByEmail, push: district.notifyByPush };
}

/** One child's settings as they apply (the person's, else the district's defaults). */
export function childSettings(settings: PersonSettings, studentId: number, district: Defaults): ChildSettings {
  return settings.children[String(studentId)] ?? defaultChild(district);
}

/**
 * The channels of one kind for one child (a kind the person never saw is on, by the district's
 * channels); with a class (section id), a class the person turned off for this child is off for its kinds.
 */
export function channelsOf(child: ChildSettings, kind: NotifyKind, district: Defaults, sectionId: number | null = null): Channels {
  const channels = child.kinds[kind] ?? { on: true, email: district.notifyByEmail, push: district.notifyByPush };
  if (sectionId !== null && SECTION_KINDS.includes(kind) && child.sections[String(sectionId)]?.on === false) return { ...channels, on: false };
  return channels;
}

/** A stored settings document as this version reads it (one it cannot read: the district's defaults). */
export function parseStored(json: string, district: Defaults): PersonSettings {
  try {
    return personSettingsSchema.parse(JSON.parse(json));
  } catch {
    // A document this version cannot read (it never writes one) starts again from the defaults.
    return defaultSettings(district);
  }
}

export async function settingsOf(db: Kysely<DB>, accountId: number, district: Defaults): Promise<PersonSettings> {
  const row = await db.selectFrom('notification_settings').select('settings').where('account_id', '=', accountId).executeTakeFirst();
  return row ? parseStored(row.settings, district) : defaultSettings(district);
}

/** Settings of many accounts at once (the decider): accounts with none are absent from the map. */
export async function settingsOfMany(db: Kysely<DB>, accountIds: readonly number[], district: Defaults): Promise<Map<number, PersonSettings>> {
  const out = new Map<number, PersonSettings>();
  for (let i = 0; i < accountIds.length; i += 1000) {
    const rows = await db.selectFrom('notification_settings').select(['account_id', 'settings']).where('account_id', 'in', accountIds.slice(i, i + 1000)).execute();
    for (const r of rows) out.set(r.account_id, parseStored(r.settings, district));
  }
  return out;
}

/** Writes a person's settings whatever was there (fixtures and tools; a person's own saves go through saveSettingsForm). */
export async function saveSettings(db: Kysely<DB>, accountId: number, settings: PersonSettings, now: Date): Promise<void> {
  const json = JSON.stringify(personSettingsSchema.parse(settings));
  await db
    .insertInto('notification_settings')
    .values({ account_id: accountId, settings: json, updated_at: now.toISOString(), version: 1 })
    .onConflict((oc) => oc.column('account_id').doUpdateSet({ settings: json, updated_at: now.toISOString(), version: sql<number>`notification_settings.version + 1` }))
    .execute();
}

/** A person's settings as stored, with the version of their row (0 and `stored: false` before their first save). */
export interface StoredSettings {
  settings: PersonSettings;
  version: number;
  stored: boolean;
}

export async function storedSettingsOf(db: Kysely<DB>, accountId: number, district: Defaults): Promise<StoredSettings> {
  const row = await db.selectFrom('notification_settings').select(['settings', 'version']).where('account_id', '=', accountId).executeTakeFirst();
  return row ? { settings: parseStored(row.settings, district), version: row.version, stored: true } : { settings: defaultSettings(district), version: 0, stored: false };
}

/** The kinds whose email `after` turns on for some child (or for the person's own kind) where `before` had it off. */
function emailTurnedOn(before: PersonSettings, after: PersonSettings, district: Defaults): (NotifyKind | DirectKind)[] {
  const out = new Set<NotifyKind | DirectKind>();
  for (const [id, child] of Object.entries(after.children)) {
    const was = before.children[id] ?? defaultChild(district);
    for (const k of NOTIFY_KINDS) if (channelsOf(child, k, district).email && !channelsOf(was, k, district).email) out.add(k);
  }
  for (const k of DIRECT_KINDS) if (ownChannelsOf(after, k, district).email && !ownChannelsOf(before, k, district).email) out.add(k);
  return [...out];
}

/**
 * Writes `after` over the row as it was read (`before`): only if nobody wrote it since (its version is
 * the same; PostgreSQL re-checks the condition on the row another transaction just wrote), and then
 * with the next version; false when another write came first, and nothing is written. Email turned
 * back on for a kind is remembered with `now` (emailOnAt), so older unsubscribe links stop acting.
 */
export async function writeSettings(db: Kysely<DB>, accountId: number, before: StoredSettings, after: PersonSettings, district: Defaults, now: Date): Promise<boolean> {
  const emailOnAt = { ...before.settings.emailOnAt, ...after.emailOnAt };
  for (const k of emailTurnedOn(before.settings, after, district)) emailOnAt[k] = now.toISOString();
  const json = JSON.stringify(personSettingsSchema.parse({ ...after, emailOnAt }));
  const at = now.toISOString();
  if (!before.stored) {
    const done = await db
      .insertInto('notification_settings')
      .values({ account_id: accountId, settings: json, updated_at: at, version: 1 })
      .onConflict((oc) => oc.column('account_id').doNothing())
      .executeTakeFirst();
    return Number(done.numInsertedOrUpdatedRows ?? 0) === 1;
  }
  const done = await db
    .updateTable('notification_settings')
    .set({ settings: json, updated_at: at, version: before.version + 1 })
    .where('account_id', '=', accountId)
    .where('version', '=', before.version)
    .executeTakeFirst();
  return Number(done.numUpdatedRows) === 1;
}

export type SaveSettingsResult = { ok: true } | { ok: false; current: StoredSettings };

/**
 * Saves what the person's settings form says (readSettingsForm), the form having been shown at
 * `version`: in one transaction, and only when the settings are still that version. Otherwise (another
 * tab or an unsubscribe link wrote them since; a form with no version) nothing is written and the
 * settings as they are now come back, for the page to show. Children the person no longer sees, and
 * own kinds the page did not offer, keep what they had (a link restored finds its settings again).
 */
export async function saveSettingsForm(db: Kysely<DB>, accountId: number, version: number | null, form: PersonSettings, district: Defaults, now: Date): Promise<SaveSettingsResult> {
  return db.transaction().execute(async (trx) => {
    const before = await storedSettingsOf(trx, accountId, district);
    if (version === null || before.version !== version) return { ok: false, current: before };
    const after: PersonSettings = { ...form, children: { ...before.settings.children, ...form.children }, own: { ...before.settings.own, ...form.own } };
    if (await writeSettings(trx, accountId, before, after, district, now)) return { ok: true };
    return { ok: false, current: await storedSettingsOf(trx, accountId, district) };
  });
}

/** A class a child's settings may turn off: the classes each student is enrolled in today, by student id. */
export interface SettingsClass {
  sectionId: number;
  title: string;
}

export async function classesForSettings(db: Kysely<DB>, students: readonly ReadableStudent[], today: string): Promise<Map<number, SettingsClass[]>> {
  const out = new Map<number, SettingsClass[]>();
  for (const student of students) {
    const seen = new Map<number, SettingsClass>();
    for (const c of await classesOf(db, student)) {
      if (c.enrolledUntil !== null && c.enrolledUntil < today) continue;
      if (!seen.has(c.sectionId)) seen.set(c.sectionId, { sectionId: c.sectionId, title: c.courseTitle });
    }
    out.set(student.id, [...seen.values()]);
  }
  return out;
}

// ── the form ───────────────────────────────────────────────────────────────────────────────────────

export type SettingsProblems = Record<string, { key: MessageKey; params?: Record<string, string | number> }>;
type Body = Record<string, unknown>;
const field = (body: Body, name: string): string | null => {
  const v = body[name];
  return typeof v === 'string' ? v.normalize('NFKC').trim() : v === undefined ? '' : null;
};

/** Names of the form's fields, shared by the page and the reader so the two cannot drift. */
export const fieldName = {
  kind: (studentId: number, kind: NotifyKind, part: 'on' | 'email' | 'push') => `c${studentId}-${kind}-${part}`,
  threshold: (studentId: number, which: 'scoreBelow' | 'gradeBelow' | 'gradeAbove') => `c${studentId}-${which}`,
  section: (studentId: number, sectionId: number) => `c${studentId}-s${sectionId}`,
  own: (kind: DirectKind, part: 'on' | 'email' | 'push') => `o-${kind}-${part}`,
};

function readPercent(body: Body, name: string, problems: SettingsProblems): number | null {
  const raw = field(body, name);
  if (raw === null) {
    problems[name] = { key: 'notifications.error.percent' };
    return null;
  }
  if (raw === '') return null;
  // As people write a percentage: "72,5" (a Spanish phone's decimal key is a comma) and "70 %" too.
  const number = /^(\d{1,3})(?:[.,](\d{1,2}))?\s?%?$/.exec(raw);
  const value = number ? Number(`${number[1]}.${number[2] ?? '0'}`) : NaN;
  if (!number || value > 100) {
    problems[name] = { key: 'notifications.error.percent' };
    return null;
  }
  return value;
}

/**
 * Reads the settings form for these students (the ones the person may see now) and their classes (by
 * student id, the sections the page listed): the settings, or the problem of each field. Checkboxes:
 * present means on.
 */
export function readSettingsForm(
  body: Body,
  studentIds: readonly number[],
  sectionsOf: ReadonlyMap<number, readonly number[]> = new Map(),
  /** the person's own kinds the page offered (ownKindsFor); the others keep what `before` had */
  ownKinds: readonly DirectKind[] = DIRECT_KINDS,
  before: PersonSettings['own'] = {},
): { ok: true; settings: PersonSettings } | { ok: false; problems: SettingsProblems } {
  const problems: SettingsProblems = {};
  const children: PersonSettings['children'] = {};
  for (const id of studentIds) {
    const kinds: ChildSettings['kinds'] = {};
    for (const k of NOTIFY_KINDS) {
      kinds[k] = { on: body[fieldName.kind(id, k, 'on')] !== undefined, email: body[fieldName.kind(id, k, 'email')] !== undefined, push: body[fieldName.kind(id, k, 'push')] !== undefined };
    }
    const sections: ChildSettings['sections'] = {};
    for (const sectionId of sectionsOf.get(id) ?? []) sections[String(sectionId)] = { on: body[fieldName.section(id, sectionId)] !== undefined };
    const child: ChildSettings = {
      kinds,
      sections,
      scoreBelow: readPercent(body, fieldName.threshold(id, 'scoreBelow'), problems),
      gradeBelow: readPercent(body, fieldName.threshold(id, 'gradeBelow'), problems),
      gradeAbove: readPercent(body, fieldName.threshold(id, 'gradeAbove'), problems),
    };
    if (child.gradeBelow !== null && child.gradeAbove !== null && child.gradeAbove <= child.gradeBelow) {
      problems[fieldName.threshold(id, 'gradeAbove')] = { key: 'notifications.error.aboveBelow' };
    }
    children[String(id)] = child;
  }
  let quiet: PersonSettings['quiet'] = null;
  if (body.quietOn !== undefined) {
    const from = field(body, 'quietFrom');
    const to = field(body, 'quietTo');
    if (from === null || !TIME.test(from)) problems.quietFrom = { key: 'notifications.error.time' };
    if (to === null || !TIME.test(to)) problems.quietTo = { key: 'notifications.error.time' };
    else if (from === to) problems.quietTo = { key: 'notifications.error.sameTime' };
    quiet = { from: from ?? '', to: to ?? '', exemptAttendance: body.quietExemptAttendance !== undefined };
  }
  const mode = field(body, 'digestMode');
  if (mode !== 'off' && mode !== 'daily' && mode !== 'weekly') problems.digestMode = { key: 'notifications.error.choice' };
  const hour = field(body, 'digestHour');
  if (hour === null || !/^\d{1,2}$/.test(hour) || Number(hour) > 23) problems.digestHour = { key: 'notifications.error.choice' };
  const weekday = field(body, 'digestWeekday');
  if (weekday === null || !/^[1-7]$/.test(weekday)) problems.digestWeekday = { key: 'notifications.error.choice' };
  const own: PersonSettings['own'] = { ...before };
  for (const k of ownKinds) own[k] = { on: body[fieldName.own(k, 'on')] !== undefined, email: body[fieldName.own(k, 'email')] !== undefined, push: body[fieldName.own(k, 'push')] !== undefined };
  // The time zone: empty is the district's; anything else must be an IANA zone name.
  const zone = field(body, 'timeZone');
  let timeZone: string | null = null;
  if (zone === null || (zone !== '' && !isTimeZone(zone))) problems.timeZone = { key: 'notifications.error.timeZone' };
  else if (zone !== '') timeZone = new IANAZone(zone).name;
  if (Object.keys(problems).length > 0) return { ok: false, problems };
  return { ok: true, settings: { quiet, digest: { mode: mode as 'off', hour: Number(hour), weekday: Number(weekday) }, children, own, timeZone } };
}
