/**
 * The district's settings area (issue 25): every setting a district administrator changes from the
 * pages, in groups as families meet them, each group read from a form and saved as a whole. A group's
 * save is one transaction: it reads the district, checks the new values (ranges, colours against white
 * text, time zones, and the combinations that would lock everyone out), writes them and records one
 * audit entry with the values before and after. Nothing is written when anything is refused. ADR 0031.
 */
import type { Kysely } from 'kysely';
import { IANAZone } from 'luxon';
import { z } from 'zod';
import type { DB } from '../../db/schema.js';
import type { MessageKey, Params } from '../../i18n/index.js';
import { audit } from '../audit/service.js';
import { hasSecondFactor } from '../accounts/second-factor.js';
import { hasForbiddenCharacters } from '../forms.js';
import { PORTAL_TOOLS, TOOL_SETTINGS, type ToolSetting } from '../portal/tools.js';
import { parseNetwork } from './networks.js';
import { findDistrict } from './repository.js';
import { contrastRatio } from './contrast.js';
import { parsePortalSettings, portalSettingsSchema, resourceLinkSchema, type PortalSettings } from './settings.js';

export const SETTINGS_GROUPS = ['sign-in', 'tools', 'families', 'identity', 'texts', 'resources', 'schedule'] as const;
export type SettingsGroup = (typeof SETTINGS_GROUPS)[number];

export function isSettingsGroup(value: string): value is SettingsGroup {
  return (SETTINGS_GROUPS as readonly string[]).includes(value);
}

/** A problem with one field: a catalog key and the values it names. */
export interface SettingProblem {
  key: MessageKey;
  params?: Params;
}
export type SettingProblems = Record<string, SettingProblem>;

/** What the form of a field is, and the range or choices it takes. */
export type FieldKind =
  | { type: 'int'; min: number; max: number }
  | { type: 'decimal'; min: number; max: number }
  | { type: 'yesNo' }
  | { type: 'choice'; choices: readonly string[] }
  | { type: 'time' }
  | { type: 'networks' }
  | { type: 'colour'; against: 'text' | 'page' }
  | { type: 'timeZone' }
  | { type: 'text'; max: number }
  /** an email address families write to */
  | { type: 'email' }
  /** several of the staff roles (check boxes) */
  | { type: 'roles'; choices: readonly string[] };

export interface SettingField {
  name: string;
  label: MessageKey;
  /** one plain sentence or two: what the setting does */
  explain: MessageKey;
  kind: FieldKind;
}

const SCHEMA = portalSettingsSchema.shape;
/** A number setting's range, read from the stored settings' own schema so the two cannot disagree. */
function range(key: 'messageRetentionYears' | 'notifyGraceMinutes' | 'passwordMinLength' | 'sessionIdleMinutes' | 'sessionAbsoluteHours' | 'rememberDeviceDays' | 'activationKeyDays' | 'welcomeLinkDays' | 'initialPasswordDays' | 'graduationCredits' | 'maxScoreMultiple' | 'mealLowBalanceDollars') {
  const inner = SCHEMA[key].unwrap();
  return { min: inner.minValue!, max: inner.maxValue! };
}

/** The largest number of school network ranges, as the stored schema allows. */
export const MAX_NETWORKS = 100;
/** The widest school network accepted: a range wider than this is not a school building. */
const WIDEST = { ipv4: 8, ipv6: 16 } as const;
/** White text on the header and buttons: WCAG 2.1 AA for normal text. */
export const TEXT_CONTRAST = 4.5;
/** A line (the secondary colour is a border) on the white page: WCAG 2.1 AA for non-text contrast. */
export const PAGE_CONTRAST = 3;
/** The theme's colours when a district has not chosen its own (src/web/theme.ts falls back to them too). */
export const DEFAULT_COLOURS = { primary: '#1a4480', secondary: '#8b1303' } as const;

/** The settings kept in the settings JSON, by group: the form of each, in the order the page shows them. */
export const SETTING_FIELDS: Record<'sign-in' | 'families' | 'schedule', readonly SettingField[]> = {
  'sign-in': [
    { name: 'passwordMinLength', label: 'settings.passwordMinLength', explain: 'settings.passwordMinLength.explain', kind: { type: 'int', ...range('passwordMinLength') } },
    { name: 'sessionIdleMinutes', label: 'settings.sessionIdleMinutes', explain: 'settings.sessionIdleMinutes.explain', kind: { type: 'int', ...range('sessionIdleMinutes') } },
    { name: 'sessionAbsoluteHours', label: 'settings.sessionAbsoluteHours', explain: 'settings.sessionAbsoluteHours.explain', kind: { type: 'int', ...range('sessionAbsoluteHours') } },
    { name: 'rememberDeviceDays', label: 'settings.rememberDeviceDays', explain: 'settings.rememberDeviceDays.explain', kind: { type: 'int', ...range('rememberDeviceDays') } },
    { name: 'activationKeyDays', label: 'settings.activationKeyDays', explain: 'settings.activationKeyDays.explain', kind: { type: 'int', ...range('activationKeyDays') } },
    { name: 'welcomeLinkDays', label: 'settings.welcomeLinkDays', explain: 'settings.welcomeLinkDays.explain', kind: { type: 'int', ...range('welcomeLinkDays') } },
    { name: 'initialStudentPassword', label: 'settings.initialStudentPassword', explain: 'settings.initialStudentPassword.explain', kind: { type: 'choice', choices: SCHEMA.initialStudentPassword.unwrap().options } },
    { name: 'initialPasswordDays', label: 'settings.initialPasswordDays', explain: 'settings.initialPasswordDays.explain', kind: { type: 'int', ...range('initialPasswordDays') } },
    { name: 'schoolNetworks', label: 'settings.schoolNetworks', explain: 'settings.schoolNetworks.explain', kind: { type: 'networks' } },
    { name: 'eSignaturePinEnabled', label: 'settings.eSignaturePinEnabled', explain: 'settings.eSignaturePinEnabled.explain', kind: { type: 'yesNo' } },
    { name: 'secondFactorRoles', label: 'twoFactor.setting', explain: 'twoFactor.setting.explain', kind: { type: 'roles', choices: SCHEMA.secondFactorRoles.unwrap().element.options } },
  ],
  families: [
    { name: 'guardiansKeepAccessAt18', label: 'settings.guardiansKeepAccessAt18', explain: 'settings.guardiansKeepAccessAt18.explain', kind: { type: 'yesNo' } },
    { name: 'guardiansReadDiscussions', label: 'discussions.setting', explain: 'discussions.setting.explain', kind: { type: 'yesNo' } },
    { name: 'graduationCredits', label: 'settings.graduationCredits', explain: 'settings.graduationCredits.explain', kind: { type: 'decimal', ...range('graduationCredits') } },
    { name: 'maxScoreMultiple', label: 'settings.maxScoreMultiple', explain: 'settings.maxScoreMultiple.explain', kind: { type: 'decimal', ...range('maxScoreMultiple') } },
    { name: 'gradebookSource', label: 'settings.gradebookSource', explain: 'settings.gradebookSource.explain', kind: { type: 'choice', choices: SCHEMA.gradebookSource.unwrap().options } },
    { name: 'messageRepliesGuardians', label: 'messages.setting.repliesGuardians', explain: 'messages.setting.repliesGuardians.explain', kind: { type: 'yesNo' } },
    { name: 'messageRepliesStudents', label: 'messages.setting.repliesStudents', explain: 'messages.setting.repliesStudents.explain', kind: { type: 'yesNo' } },
    { name: 'messageRetentionYears', label: 'settings.messageRetentionYears', explain: 'settings.messageRetentionYears.explain', kind: { type: 'int', ...range('messageRetentionYears') } },
    { name: 'notifyGraceMinutes', label: 'notifications.district.grace', explain: 'notifications.district.grace.explain', kind: { type: 'int', ...range('notifyGraceMinutes') } },
    { name: 'notifyQuietFrom', label: 'notifications.district.quietFrom', explain: 'notifications.district.quietFrom.explain', kind: { type: 'time' } },
    { name: 'notifyQuietTo', label: 'notifications.district.quietTo', explain: 'notifications.district.quietTo.explain', kind: { type: 'time' } },
    { name: 'notifyByEmail', label: 'notifications.district.byEmail', explain: 'notifications.district.byEmail.explain', kind: { type: 'yesNo' } },
    { name: 'notifyByPush', label: 'notifications.district.byPush', explain: 'notifications.district.byPush.explain', kind: { type: 'yesNo' } },
    { name: 'mealLowBalanceDollars', label: 'meals.setting.lowBalance', explain: 'meals.setting.lowBalance.explain', kind: { type: 'int', ...range('mealLowBalanceDollars') } },
  ],
  schedule: [
    { name: 'importAt', label: 'settings.importAt', explain: 'settings.importAt.explain', kind: { type: 'time' } },
    { name: 'parentAccountsAt', label: 'settings.parentAccountsAt', explain: 'settings.parentAccountsAt.explain', kind: { type: 'time' } },
  ],
};

/** The district's identity: kept in the district row's own columns. */
export const IDENTITY_FIELDS: readonly SettingField[] = [
  { name: 'name', label: 'settings.districtName', explain: 'settings.districtName.explain', kind: { type: 'text', max: 200 } },
  { name: 'shortName', label: 'settings.shortName', explain: 'settings.shortName.explain', kind: { type: 'text', max: 40 } },
  { name: 'portalName', label: 'settings.portalName', explain: 'settings.portalName.explain', kind: { type: 'text', max: 60 } },
  { name: 'primary', label: 'settings.primary', explain: 'settings.primary.explain', kind: { type: 'colour', against: 'text' } },
  { name: 'secondary', label: 'settings.secondary', explain: 'settings.secondary.explain', kind: { type: 'colour', against: 'page' } },
  { name: 'timeZone', label: 'settings.timeZone', explain: 'settings.timeZone.explain', kind: { type: 'timeZone' } },
  { name: 'helpEmail', label: 'settings.helpEmail', explain: 'settings.helpEmail.explain', kind: { type: 'email' } },
];

const IDENTITY_COLUMNS = {
  name: 'name',
  shortName: 'short_name',
  portalName: 'portal_name',
  primary: 'color_primary',
  secondary: 'color_secondary',
  timeZone: 'time_zone',
  helpEmail: 'help_email',
} as const;
type IdentityName = keyof typeof IDENTITY_COLUMNS;
export type Identity = Record<IdentityName, string>;

/** The bilingual texts of the texts group, with their longest length. */
export const TEXT_FIELDS = [
  { name: 'signInHelp', max: 4000 },
  { name: 'welcomeClosing', max: 1000 },
] as const;

/** The sections of the Parent and Student Resources pages that a district writes. */
export const RESOURCE_AUDIENCES = ['parents', 'students'] as const;
export const RESOURCE_SECTIONS = ['gettingStarted', 'faq'] as const;
export const RESOURCE_TEXT_MAX = 8000;
/** Portal Resources links the form offers at once (the stored schema keeps at most 20). */
export const MAX_LINKS = 20;
/** Empty rows the links form shows below the district's links. */
export const EMPTY_LINK_ROWS = 2;

/** The defaults of every setting kept in the settings JSON: what a district that never saved one gets. */
export const SETTING_DEFAULTS: PortalSettings = portalSettingsSchema.parse({});

// ── reading forms ──────────────────────────────────────────────────────────────────────────────────

type Body = Record<string, unknown>;
/** A field as posted: its text, undefined when absent, null when it is not one text (a list, an object). */
const text = (body: Body, name: string): string | undefined | null => (body[name] === undefined ? undefined : typeof body[name] === 'string' ? (body[name] as string) : null);

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** Several check boxes of one name: the values ticked, in the order of the choices, or a problem. */
function readRoles(choices: readonly string[], raw: unknown): { value: string[] } | { problem: SettingProblem } {
  const ticked = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  if (ticked.length > choices.length || ticked.some((v) => typeof v !== 'string' || !choices.includes(v))) return { problem: { key: 'settings.error.choice' } };
  return { value: choices.filter((c) => ticked.includes(c)) };
}

/** One field's value from the form, or its problem. */
function readField(field: SettingField, raw: string | undefined | null): { value: unknown } | { problem: SettingProblem } {
  if (raw === null) return { problem: { key: 'form.invalid' } };
  const kind = field.kind;
  const value = (raw ?? '').normalize('NFKC').trim();
  switch (kind.type) {
    case 'int':
    case 'decimal': {
      const problem: SettingProblem = { key: kind.type === 'int' ? 'settings.error.wholeNumber' : 'settings.error.number', params: { min: kind.min, max: kind.max } };
      const shape = kind.type === 'int' ? /^\d{1,6}$/ : /^\d{1,6}(\.\d{1,2})?$/;
      if (!shape.test(value)) return { problem };
      const n = Number(value);
      return n < kind.min || n > kind.max ? { problem } : { value: n };
    }
    case 'yesNo':
      return value === 'yes' ? { value: true } : value === 'no' ? { value: false } : { problem: { key: 'settings.error.choice' } };
    case 'choice':
      return kind.choices.includes(value) ? { value } : { problem: { key: 'settings.error.choice' } };
    case 'time':
      return TIME.test(value) ? { value } : { problem: { key: 'settings.error.time' } };
    case 'networks':
      return readNetworks(raw ?? '');
    case 'colour': {
      if (!/^#[0-9a-f]{6}$/i.test(value)) return { problem: { key: 'settings.error.colour' } };
      const colour = value.toLowerCase();
      const ratio = contrastRatio(colour, '#ffffff');
      const min = kind.against === 'text' ? TEXT_CONTRAST : PAGE_CONTRAST;
      if (ratio < min) {
        return { problem: { key: kind.against === 'text' ? 'settings.error.contrastText' : 'settings.error.contrastPage', params: { value: colour, ratio: showRatio(ratio), min: String(min) } } };
      }
      return { value: colour };
    }
    case 'timeZone':
      if (value === '' || value.length > 64) return { problem: { key: 'settings.error.timeZone', params: { value: value.slice(0, 64) } } };
      return IANAZone.isValidZone(value) ? { value: new IANAZone(value).name } : { problem: { key: 'settings.error.timeZone', params: { value } } };
    case 'roles':
      return readRoles(kind.choices, raw);
    case 'email':
      if (value === '') return { problem: { key: 'form.required' } };
      return value.length <= 254 && z.email().safeParse(value).success ? { value: value.toLowerCase() } : { problem: { key: 'email.invalid' } };
    case 'text':
      if (value === '') return { problem: { key: 'form.required' } };
      if (value.length > kind.max) return { problem: { key: 'settings.error.tooLong', params: { max: kind.max } } };
      if (hasForbiddenCharacters(value)) return { problem: { key: 'form.badCharacters' } };
      return { value };
  }
}

/** A ratio as people read it: two decimals, never rounded up past a threshold (4.499 is "4.49"). */
export function showRatio(ratio: number): string {
  return (Math.floor(ratio * 100) / 100).toFixed(2);
}

/** School networks, one range per line (commas also separate): each an address range no wider than a school's. */
function readNetworks(raw: string): { value: string[] } | { problem: SettingProblem } {
  const ranges = [...new Set(raw.split(/[\n,]/).map((l) => l.trim()).filter(Boolean))];
  if (ranges.length > MAX_NETWORKS) return { problem: { key: 'settings.error.networksTooMany', params: { max: MAX_NETWORKS } } };
  for (const range of ranges) {
    const net = parseNetwork(range);
    if (!net) return { problem: { key: 'settings.error.network', params: { value: range.slice(0, 60) } } };
    if (net.prefix < WIDEST[net.family]) return { problem: { key: 'settings.error.networkTooWide', params: { value: range, prefix: WIDEST[net.family] } } };
  }
  return { value: ranges };
}

/**
 * Ranges no device in a school can reach the portal from: this machine (loopback), "no address",
 * multicast, and the documentation examples of RFC 5737 and RFC 3849 (the form's own examples).
 */
const NOWHERE = ['127.0.0.0/8', '0.0.0.0/8', '224.0.0.0/4', '240.0.0.0/4', '192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '::1/128', '::/128', 'ff00::/8', '2001:db8::/32'].map((r) => parseNetwork(r)!);

function inside(net: { address: string; prefix: number; family: 'ipv4' | 'ipv6' }, outer: { address: string; prefix: number; family: 'ipv4' | 'ipv6' }): boolean {
  if (net.family !== outer.family || net.prefix < outer.prefix) return false;
  const bits = (address: string, family: 'ipv4' | 'ipv6'): bigint => {
    if (family === 'ipv4') return address.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
    const [head = '', tail = ''] = address.split('::');
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = address.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
    return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || '0', 16)), 0n);
  };
  const width = family(net.family);
  const shift = BigInt(width - outer.prefix);
  return bits(net.address, net.family) >> shift === bits(outer.address, outer.family) >> shift;
}
const family = (f: 'ipv4' | 'ipv6') => (f === 'ipv4' ? 32 : 128);

/**
 * The lock-out rule of the school networks: while students' first passwords are the formula (initials
 * and birth date), they work only from the school networks, so a list in which no range is one a
 * school device can have would leave every new student unable to sign in the first time.
 */
export function networksLockOutStudents(networks: readonly string[], initialStudentPassword: PortalSettings['initialStudentPassword']): boolean {
  if (initialStudentPassword !== 'initials-dob' || networks.length === 0) return false;
  return networks.every((range) => {
    const net = parseNetwork(range);
    return net !== null && NOWHERE.some((nowhere) => inside(net, nowhere));
  });
}

/** Reads the fields of a settings-JSON group; the values or the problems of every field. */
function readFields(fields: readonly SettingField[], body: Body): { values: Record<string, unknown>; problems: SettingProblems } {
  const values: Record<string, unknown> = {};
  const problems: SettingProblems = {};
  for (const field of fields) {
    const read = field.kind.type === 'roles' ? readRoles(field.kind.choices, body[field.name]) : readField(field, text(body, field.name));
    if ('problem' in read) problems[field.name] = read.problem;
    else values[field.name] = read.value;
  }
  return { values, problems };
}

/** A text field in one language: line breaks kept, other control characters refused. */
function readLongText(body: Body, name: string, max: number, problems: SettingProblems): string {
  if (text(body, name) === null) {
    problems[name] = { key: 'form.invalid' };
    return '';
  }
  const value = (text(body, name) ?? '').normalize('NFKC').replace(/\r\n?/g, '\n').trim();
  if (value.length > max) problems[name] = { key: 'settings.error.tooLong', params: { max } };
  else if (hasForbiddenCharacters(value, { lineBreaks: true })) problems[name] = { key: 'form.badCharacters' };
  return value;
}

export type ResourceLink = z.infer<typeof resourceLinkSchema>;

/** The name of a part of row `i` of the links form: `link-<i>-<part>`. */
export function linkField(i: number, part: 'audience' | 'en' | 'es' | 'url'): string {
  return ['link', i, part].join('-');
}

/** The links form: rows `link-N-audience`, `-en`, `-es`, `-url`; an empty row is left out, a half-filled one is refused field by field. */
function readLinks(body: Body, problems: SettingProblems): ResourceLink[] {
  const links: ResourceLink[] = [];
  for (let i = 0; i < MAX_LINKS + EMPTY_LINK_ROWS; i++) {
    const field = (part: string) => `link-${i}-${part}`;
    const read = (part: string) => {
      const value = text(body, field(part));
      if (value === null) problems[field(part)] = { key: 'form.invalid' };
      return (value ?? '').normalize('NFKC').trim();
    };
    const [audience, en, es, url] = [read('audience'), read('en'), read('es'), read('url')];
    if (!en && !es && !url) continue;
    const before = Object.keys(problems).length;
    if (audience !== 'parent' && audience !== 'student') problems[field('audience')] = { key: 'settings.error.choice' };
    for (const [part, value] of [['en', en], ['es', es]] as const) {
      if (!value) problems[field(part)] = { key: 'form.required' };
      else if (value.length > 200) problems[field(part)] = { key: 'settings.error.tooLong', params: { max: 200 } };
      else if (hasForbiddenCharacters(value)) problems[field(part)] = { key: 'form.badCharacters' };
    }
    if (!resourceLinkSchema.shape.url.safeParse(url).success || url.length > 500) problems[field('url')] = { key: 'settings.error.url' };
    if (Object.keys(problems).length === before) links.push({ audience: audience as ResourceLink['audience'], label: { en, es }, url });
  }
  if (links.length > MAX_LINKS) problems['link-0-url'] ??= { key: 'settings.error.tooManyLinks', params: { max: MAX_LINKS } };
  return links;
}

// ── what a group's page shows ──────────────────────────────────────────────────────────────────────

/** The district's identity as its row holds it. */
export async function currentIdentity(db: Kysely<DB>): Promise<Identity> {
  const d = await findDistrict(db);
  if (!d) throw new Error('There is no district to edit.');
  return identityOf(d);
}

function identityOf(d: { name: string; short_name: string; portal_name: string; color_primary: string; color_secondary: string; time_zone: string; help_email: string | null }): Identity {
  return { name: d.name, shortName: d.short_name, portalName: d.portal_name, primary: d.color_primary, secondary: d.color_secondary, timeZone: d.time_zone, helpEmail: d.help_email ?? '' };
}

/** The values a group's form shows for these settings and identity, as text. */
export function formValues(group: SettingsGroup, settings: PortalSettings, identity: Identity): Record<string, string> {
  const out: Record<string, string> = {};
  if (group === 'sign-in' || group === 'families' || group === 'schedule') {
    for (const field of SETTING_FIELDS[group]) out[field.name] = showValue(field, (settings as unknown as Record<string, unknown>)[field.name]);
  } else if (group === 'identity') {
    for (const field of IDENTITY_FIELDS) out[field.name] = identity[field.name as IdentityName];
  } else if (group === 'tools') {
    for (const key of TOOL_SETTINGS) out[key] = settings.tools[key] ? 'on' : '';
  } else if (group === 'texts') {
    for (const { name } of TEXT_FIELDS) for (const l of ['en', 'es'] as const) out[`${name}-${l}`] = settings[name]?.[l] ?? '';
  } else {
    settings.resources.forEach((r, i) => {
      out[`link-${i}-audience`] = r.audience;
      out[`link-${i}-en`] = r.label.en;
      out[`link-${i}-es`] = r.label.es;
      out[`link-${i}-url`] = r.url;
    });
    for (const a of RESOURCE_AUDIENCES) for (const s of RESOURCE_SECTIONS) for (const l of ['en', 'es'] as const) out[`${a}-${s}-${l}`] = settings.resourcePages[a]?.[s]?.[l] ?? '';
  }
  return out;
}

/** A setting's value as the form holds it. */
export function showValue(field: SettingField, value: unknown): string {
  if (field.kind.type === 'yesNo') return value ? 'yes' : 'no';
  if (field.kind.type === 'networks') return (value as string[]).join('\n');
  if (field.kind.type === 'roles') return (value as string[]).join(',');
  return String(value);
}

/** How many rows of links the form shows for these values (the district's, then empty ones). */
export function linkRows(values: Record<string, string>): number {
  let filled = 0;
  for (let i = 0; i < MAX_LINKS + EMPTY_LINK_ROWS; i++) if (values[`link-${i}-en`] || values[`link-${i}-es`] || values[`link-${i}-url`]) filled = i + 1;
  return Math.min(MAX_LINKS + EMPTY_LINK_ROWS, filled + EMPTY_LINK_ROWS);
}

// ── saving ─────────────────────────────────────────────────────────────────────────────────────────

/** What a form asks for: the new settings (merged into the stored ones) and identity, or its problems. */
export type GroupChange = { ok: true; settings: Partial<Record<keyof PortalSettings, unknown>>; identity: Partial<Identity> } | { ok: false; problems: SettingProblems };

/** Reads a group's form: the values it sets, or the problem of each field (the lock-out rules among them). */
export function readGroup(group: SettingsGroup, body: Body): GroupChange {
  const problems: SettingProblems = {};
  const settings: Record<string, unknown> = {};
  const identity: Partial<Identity> = {};
  if (group === 'sign-in' || group === 'families' || group === 'schedule') {
    const read = readFields(SETTING_FIELDS[group], body);
    Object.assign(problems, read.problems);
    Object.assign(settings, read.values);
    if (group === 'sign-in' && !problems.schoolNetworks && !problems.initialStudentPassword) {
      if (networksLockOutStudents(settings.schoolNetworks as string[], settings.initialStudentPassword as PortalSettings['initialStudentPassword'])) {
        problems.schoolNetworks = { key: 'settings.error.networksNowhere' };
      }
    }
  } else if (group === 'identity') {
    const read = readFields(IDENTITY_FIELDS, body);
    Object.assign(problems, read.problems);
    Object.assign(identity, read.values);
  } else if (group === 'tools') {
    const tools = Object.fromEntries(TOOL_SETTINGS.map((key) => [key, body[key] !== undefined])) as Record<ToolSetting, boolean>;
    // Families signed in to a portal with every built tool off could open nothing at all.
    if (!PORTAL_TOOLS.some((t) => tools[t.key])) problems[PORTAL_TOOLS[0].key] = { key: 'settings.error.noTools' };
    settings.tools = tools;
  } else if (group === 'texts') {
    for (const { name, max } of TEXT_FIELDS) {
      const en = readLongText(body, `${name}-en`, max, problems);
      const es = readLongText(body, `${name}-es`, max, problems);
      settings[name] = { en, es };
    }
  } else {
    settings.resources = readLinks(body, problems);
    const pages: Record<string, Record<string, { en: string; es: string }>> = {};
    for (const a of RESOURCE_AUDIENCES) {
      pages[a] = {};
      for (const s of RESOURCE_SECTIONS) {
        pages[a][s] = { en: readLongText(body, `${a}-${s}-en`, RESOURCE_TEXT_MAX, problems), es: readLongText(body, `${a}-${s}-es`, RESOURCE_TEXT_MAX, problems) };
      }
    }
    settings.resourcePages = pages;
  }
  return Object.keys(problems).length > 0 ? { ok: false, problems } : { ok: true, settings, identity };
}

export type SaveResult = { kind: 'saved'; changed: string[] } | { kind: 'refused'; problems: SettingProblems };

/**
 * Saves one group: reads the form, checks it with the district as it is now, writes the settings and
 * identity in one transaction with an audit entry naming each changed setting's value before and
 * after. Nothing changed: nothing written, nothing audited.
 */
export async function saveSettingsGroup(
  db: Kysely<DB>,
  input: { group: SettingsGroup; body: Body; actorAccountId: number; ip: string | null },
  now: Date,
): Promise<SaveResult> {
  return db.transaction().execute(async (trx): Promise<SaveResult> => {
    const district = await findDistrict(trx);
    if (!district) throw new Error('There is no district to edit.');
    const stored = JSON.parse(district.settings) as Record<string, unknown>;
    const current = parsePortalSettings(district.settings);
    const change = readGroup(input.group, input.body);
    if (!change.ok) return { kind: 'refused', problems: change.problems };
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    const next = { ...stored };
    for (const [key, value] of Object.entries(change.settings)) {
      const was = (current as unknown as Record<string, unknown>)[key];
      if (JSON.stringify(was) === JSON.stringify(value)) continue;
      before[key] = was;
      after[key] = value;
      next[key] = value;
    }
    const identityBefore = identityOf(district);
    const columns: Partial<Record<(typeof IDENTITY_COLUMNS)[IdentityName], string>> = {};
    for (const [name, value] of Object.entries(change.identity) as [IdentityName, string][]) {
      if (identityBefore[name] === value) continue;
      before[name] = identityBefore[name];
      after[name] = value;
      columns[IDENTITY_COLUMNS[name]] = value;
    }
    // Requiring a second factor of district administrators while the one saving it has none would send
    // every district administrator (this one first) to set one up before anything else, the only people
    // who can reset one among them: refused until the administrator has set up their own (ADR 0037).
    const adminsNow = (after.secondFactorRoles as string[] | undefined)?.includes('district_admin') && !(before.secondFactorRoles as string[]).includes('district_admin');
    if (adminsNow && !(await hasSecondFactor(trx, input.actorAccountId))) return { kind: 'refused', problems: { secondFactorRoles: { key: 'twoFactor.error.setUpFirst' } } };
    const changed = Object.keys(after);
    if (changed.length === 0) return { kind: 'saved', changed };
    const settings = JSON.stringify(next);
    // The whole stored settings must still read; a write that would not is a bug here, not the user's.
    parsePortalSettings(settings);
    await trx
      .updateTable('district')
      .set({ ...columns, settings, updated_at: now.toISOString(), updated_by: input.actorAccountId })
      .where('id', '=', district.id)
      .execute();
    await audit(
      trx,
      { action: 'district.settings_changed', actorAccountId: input.actorAccountId, subjectType: 'district', subjectId: district.id, ip: input.ip, details: { group: input.group, before, after } },
      now,
    );
    return { kind: 'saved', changed };
  });
}

/** The colours a preview shows, when both are ones the theme may use; null otherwise. */
export function previewColours(query: Body): { primary: string; secondary: string } | null {
  const [primary, secondary] = ['primary', 'secondary'].map((name) => {
    const field = IDENTITY_FIELDS.find((f) => f.name === name)!;
    const read = readField(field, text(query, name));
    return 'value' in read ? (read.value as string) : null;
  });
  return primary && secondary ? { primary, secondary } : null;
}
