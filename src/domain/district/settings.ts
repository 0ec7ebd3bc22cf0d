/**
 * The district's portal settings, stored as JSON on the district row and always read through this
 * schema, so a missing or older setting takes its default and a broken one is reported, not guessed.
 */
import { z } from 'zod';
import { TOOL_SETTINGS, type ToolSetting } from '../portal/tools.js';
import { parseNetwork } from './networks.js';

const localized = z.object({ en: z.string().min(1).max(200), es: z.string().min(1).max(200) });

export const resourceLinkSchema = z.object({
  audience: z.enum(['parent', 'student']),
  label: localized,
  /** an absolute https URL or a path inside the portal */
  url: z.string().regex(/^(https:\/\/|\/)[^\s]*$/, 'must be an https:// URL or a path starting with /'),
});

const localizedLong = z.object({ en: z.string().max(8000), es: z.string().max(8000) });
const resourcePageTexts = z.object({ gettingStarted: localizedLong.optional(), faq: localizedLong.optional() });

export const portalSettingsSchema = z.object({
  /** which portal tools families see: one setting per row of the tool registry (src/domain/portal/tools.ts), shown unless turned off */
  tools: z
    .partialRecord(z.enum(TOOL_SETTINGS), z.boolean())
    .default({})
    .transform((t) => Object.fromEntries(TOOL_SETTINGS.map((k) => [k, t[k] ?? true])) as Record<ToolSetting, boolean>),
  /** the initial password of a student account (first seed): initials + birth date, random, or none */
  initialStudentPassword: z.enum(['initials-dob', 'random', 'none']).default('initials-dob'),
  /** how many days a first password the district issued works (from when it was issued) */
  initialPasswordDays: z.number().int().min(1).max(365).default(30),
  /**
   * the school networks (CIDR ranges): where the district lists them, a formula first password works
   * only from them, and sign-in failures from them are limited per address ten times less strictly
   */
  schoolNetworks: z
    .array(z.string().refine((v) => parseNetwork(v) !== null, 'must be an address range such as 203.0.113.0/24 or 2001:db8::/48'))
    .max(100)
    .default([]),
  /** whether parents and guardians may answer a teacher's message (a private thread with the teacher) */
  messageRepliesGuardians: z.boolean().default(true),
  /** whether students may answer a teacher's message */
  messageRepliesStudents: z.boolean().default(true),
  /** how many years a message thread is kept after its newest message (ADR 0046): the only end of a message */
  messageRetentionYears: z.number().int().min(1).max(20).default(5),
  /** the staff roles that must sign in with a second factor (an authenticator app; ADR 0037) */
  secondFactorRoles: z.array(z.enum(['teacher', 'office', 'counselor', 'nurse', 'school_admin', 'district_admin'])).max(6).default([]),
  /** whether the E-Signature PIN is used by the district yet */
  eSignaturePinEnabled: z.boolean().default(false),
  /** shortest new password the district accepts (NIST: at least 8; default 12) */
  passwordMinLength: z.number().int().min(8).max(64).default(12),
  /** a session ends after this many minutes without a request */
  sessionIdleMinutes: z.number().int().min(5).max(480).default(30),
  /** and after this many hours in any case */
  sessionAbsoluteHours: z.number().int().min(1).max(24).default(12),
  /** "Keep me signed in on this device" (students and families only): days */
  rememberDeviceDays: z.number().int().min(1).max(30).default(30),
  /** whether guardians read the discussions of their children's sections (they never post) */
  guardiansReadDiscussions: z.boolean().default(true),
  /** whether parents and guardians keep portal access to a student who is 18 or older */
  guardiansKeepAccessAt18: z.boolean().default(true),
  /** when the nightly parent-account run starts, district time 'HH:MM' */
  parentAccountsAt: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/).default('02:00'),
  /** when the nightly OneRoster import reads IMPORT_DIR, district time 'HH:MM' (before the parent-account run, which creates the accounts of new guardians) */
  importAt: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/).default('01:00'),
  /**
   * who owns the gradebook when the OneRoster import carries one: 'homeroom' (teachers enter scores in
   * Homeroom; the import adds what Homeroom lacks and never overwrites a score a teacher entered) or 'sis'
   * (the SIS's gradebook is the record: each import writes its scores over Homeroom's)
   */
  gradebookSource: z.enum(['homeroom', 'sis']).default('homeroom'),
  /** how long the "choose your password" link of a new parent account works */
  welcomeLinkDays: z.number().int().min(1).max(60).default(14),
  /** credits a student needs to graduate (the transcript shows progress toward them) */
  graduationCredits: z.number().min(1).max(100).default(24),
  /** the largest score a teacher may enter, as a multiple of the assignment's points possible (2: 10/10 allows up to 20) */
  maxScoreMultiple: z.number().min(1).max(10).default(2),
  /** notifications (issue 22): a change is sent only after it has stood this many minutes (a corrected typo sends nothing) */
  notifyGraceMinutes: z.number().int().min(0).max(240).default(15),
  /** the quiet hours a person starts with, 'HH:MM' in the district's zone: email and push wait until they end */
  notifyQuietFrom: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/).default('21:00'),
  notifyQuietTo: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/).default('07:00'),
  /** whether a person's notifications go by email, and by Web Push, until they choose otherwise */
  notifyByEmail: z.boolean().default(true),
  notifyByPush: z.boolean().default(true),
  /** food service: the low-balance threshold of a guardian who has not chosen one, in whole dollars */
  mealLowBalanceDollars: z.number().int().min(0).max(500).default(10),
  /** how long an activation key can be used */
  activationKeyDays: z.number().int().min(1).max(365).default(30),
  /** the district's own words at the top of "Problems logging in?" (plain text, paragraphs split by blank lines) */
  signInHelp: z.object({ en: z.string().max(4000), es: z.string().max(4000) }).optional(),
  /** Portal Resources links of the sign-in page */
  resources: z.array(resourceLinkSchema).max(20).default([]),
  /** the district's closing words at the end of the welcome email of a new parent account (plain text) */
  welcomeClosing: z.object({ en: z.string().max(1000), es: z.string().max(1000) }).optional(),
  /**
   * the district's own texts of the Parent and Student Resources pages, section by section and in each
   * language; a section or language left empty shows the text shipped with Homeroom
   */
  resourcePages: z
    .object({ parents: resourcePageTexts.optional(), students: resourcePageTexts.optional() })
    .default({}),
  /** present only in a demo district: the accounts its sign-in page offers to try */
  demo: z
    .object({
      accounts: z.array(
        z.object({
          role: z.enum(['student', 'parent', 'teacher', 'office', 'counselor', 'nurse', 'district_admin']),
          name: z.string(),
          username: z.string(),
          password: z.string(),
          detail: z.string(),
          locale: z.enum(['en', 'es']),
        }),
      ),
    })
    .optional(),
});
export type PortalSettings = z.infer<typeof portalSettingsSchema>;
/** what may be stored: every setting with a default may be left out */
export type PortalSettingsInput = z.input<typeof portalSettingsSchema>;

export function parsePortalSettings(json: string): PortalSettings {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error('District settings are not valid JSON');
  }
  return portalSettingsSchema.parse(raw);
}

/**
 * The birth date on or before which a student is 18 or older on `today` ('YYYY-MM-DD'), when the
 * district ends guardians' access then; null when guardians keep it.
 */
export function adultCutoff(settings: Pick<PortalSettings, 'guardiansKeepAccessAt18'>, today: string): string | null {
  if (settings.guardiansKeepAccessAt18) return null;
  const [y, m, d] = today.split('-');
  // Born on 29 February: 18 on 1 March in a year without one (the comparison is on text dates).
  return `${Number(y) - 18}-${m}-${d}`;
}
