/**
 * The district's own words at the top of "Problems logging in?", in English and Spanish, edited by a
 * district administrator: plain text, paragraphs split by blank lines, kept in the district's settings.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema.js';
import { audit } from '../audit/service.js';
import { optionalLongText } from '../forms.js';
import { findDistrict } from './repository.js';
import { parsePortalSettings } from './settings.js';

export const SIGN_IN_HELP_MAX = 4000;

export const signInHelpInput = z.object({ en: optionalLongText(SIGN_IN_HELP_MAX), es: optionalLongText(SIGN_IN_HELP_MAX) });

export async function saveSignInHelp(
  db: Kysely<DB>,
  input: { en: string | null; es: string | null; actorAccountId: number; ip: string | null },
  now: Date,
): Promise<void> {
  const help = { en: input.en ?? '', es: input.es ?? '' };
  await db.transaction().execute(async (trx) => {
    const district = await findDistrict(trx);
    if (!district) throw new Error('There is no district to edit.');
    // The stored settings as they are (defaults are not written in), with the new help text.
    const stored = JSON.parse(district.settings) as Record<string, unknown>;
    const settings = JSON.stringify({ ...stored, signInHelp: help });
    parsePortalSettings(settings);
    await trx.updateTable('district').set({ settings, updated_at: now.toISOString(), updated_by: input.actorAccountId }).where('id', '=', district.id).execute();
    await audit(
      trx,
      { action: 'district.sign_in_help_changed', actorAccountId: input.actorAccountId, subjectType: 'district', subjectId: district.id, ip: input.ip, details: { characters: { en: help.en.length, es: help.es.length } } },
      now,
    );
  });
}
