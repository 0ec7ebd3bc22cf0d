/**
 * Notification Settings (issue 22): what each person asked to be told, and how. One JSON document per
 * account; a person who never saved starts from the district's defaults (the district settings area).
 * A guardian chooses per child; a student has one entry, for themself. Quiet hours and the digest are
 * the person's own, whatever the child. ADR 0035.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema.js';
import type { MessageKey } from '../../i18n/index.js';
import type { PortalSettings } from '../district/settings.js';

/** What can notify, as a person chooses it (the account's own events are always on, in the list). */
export const NOTIFY_KINDS = ['score', 'missing', 'classGrade', 'termGrade', 'attendance', 'immunization'] as const;
export type NotifyKind = (typeof NOTIFY_KINDS)[number];
export const isNotifyKind = (v: string): v is NotifyKind => (NOTIFY_KINDS as readonly string[]).includes(v);

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const percent = z.number().min(0).max(200).nullable();
const channels = z.object({ on: z.boolean(), email: z.boolean(), push: z.boolean() });

const childSchema = z.object({
  kinds: z.partialRecord(z.enum(NOTIFY_KINDS), channels),
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
  children: z.record(z.string().regex(/^\d{1,12}$/), childSchema),
});
export type PersonSettings = z.infer<typeof personSettingsSchema>;
export type ChildSettings = z.infer<typeof childSchema>;
export type Channels = z.infer<typeof channels>;

type Defaults = Pick<PortalSettings, 'notifyQuietFrom' | 'notifyQuietTo' | 'notifyByEmail' | 'notifyByPush'>;

/** A child's settings before the person chose: every kind on, by the district's channels, no thresholds. */
export function defaultChild(district: Defaults): ChildSettings {
  return {
    kinds: Object.fromEntries(NOTIFY_KINDS.map((k) => [k, { on: true, email: district.notifyByEmail, push: district.notifyByPush }])),
    scoreBelow: null,
    gradeBelow: null,
    gradeAbove: null,
  };
}

export function defaultSettings(district: Defaults): PersonSettings {
  return { quiet: { from: district.notifyQuietFrom, to: district.notifyQuietTo, exemptAttendance: false }, digest: { mode: 'off', hour: 18, weekday: 5 }, children: {} };
}

/** One child's settings as they apply (the person's, else the district's defaults). */
export function childSettings(settings: PersonSettings, studentId: number, district: Defaults): ChildSettings {
  return settings.children[String(studentId)] ?? defaultChild(district);
}

/** The channels of one kind for one child (a kind the person never saw is on, by the district's channels). */
export function channelsOf(child: ChildSettings, kind: NotifyKind, district: Defaults): Channels {
  return child.kinds[kind] ?? { on: true, email: district.notifyByEmail, push: district.notifyByPush };
}

function parseStored(json: string, district: Defaults): PersonSettings {
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

export async function saveSettings(db: Kysely<DB>, accountId: number, settings: PersonSettings, now: Date): Promise<void> {
  const json = JSON.stringify(personSettingsSchema.parse(settings));
  await db
    .insertInto('notification_settings')
    .values({ account_id: accountId, settings: json, updated_at: now.toISOString() })
    .onConflict((oc) => oc.column('account_id').doUpdateSet({ settings: json, updated_at: now.toISOString() }))
    .execute();
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
};

function readPercent(body: Body, name: string, problems: SettingsProblems): number | null {
  const raw = field(body, name);
  if (raw === null) {
    problems[name] = { key: 'notifications.error.percent' };
    return null;
  }
  if (raw === '') return null;
  if (!/^\d{1,3}(\.\d{1,2})?$/.test(raw) || Number(raw) > 100) {
    problems[name] = { key: 'notifications.error.percent' };
    return null;
  }
  return Number(raw);
}

/**
 * Reads the settings form for these students (the ones the person may see now): the settings, or the
 * problem of each field. Checkboxes: present means on.
 */
export function readSettingsForm(body: Body, studentIds: readonly number[]): { ok: true; settings: PersonSettings } | { ok: false; problems: SettingsProblems } {
  const problems: SettingsProblems = {};
  const children: PersonSettings['children'] = {};
  for (const id of studentIds) {
    const kinds: ChildSettings['kinds'] = {};
    for (const k of NOTIFY_KINDS) {
      kinds[k] = { on: body[fieldName.kind(id, k, 'on')] !== undefined, email: body[fieldName.kind(id, k, 'email')] !== undefined, push: body[fieldName.kind(id, k, 'push')] !== undefined };
    }
    const child: ChildSettings = {
      kinds,
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
  if (Object.keys(problems).length > 0) return { ok: false, problems };
  return { ok: true, settings: { quiet, digest: { mode: mode as 'off', hour: Number(hour), weekday: Number(weekday) }, children } };
}
