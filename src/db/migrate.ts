/**
 * Runs the dialect-aware migrations in order, each in its own transaction, recording them in
 * kysely_migration. Safe to run on every start: applied migrations are skipped.
 */
import { Migrator, type Migration, type MigrationResultSet } from 'kysely';
import { repairIdSequences } from './bulk.js';
import type { Database } from './connect.js';
import { foundation } from './migrations/0001_foundation.js';
import { accounts } from './migrations/0002_accounts.js';
import { jobs } from './migrations/0003_jobs.js';
import { parentAccounts } from './migrations/0004_parent_accounts.js';
import { requests } from './migrations/0005_requests.js';
import { portal } from './migrations/0006_portal.js';
import { calendar } from './migrations/0007_calendar.js';
import { eventLocations } from './migrations/0008_event_locations.js';
import { noLastSignIn } from './migrations/0009_no_last_sign_in.js';
import { firstPasswords } from './migrations/0010_first_passwords.js';
import { keysForAccounts } from './migrations/0011_keys_for_accounts.js';
import { emailAttempts } from './migrations/0012_email_attempts.js';
import { runsThatEnd } from './migrations/0013_runs_that_end.js';
import { identityKeys } from './migrations/0014_identity_keys.js';
import { changeEvents } from './migrations/0015_change_events.js';
import { doseSources } from './migrations/0016_dose_sources.js';
import { attendanceTakings } from './migrations/0018_attendance_takings.js';
import { gradebook } from './migrations/0019_gradebook.js';
import { termGradePosting } from './migrations/0020_term_grade_posting.js';
import { eventGradeLevels } from './migrations/0021_event_grade_levels.js';
import { studentSearch } from './migrations/0022_student_search.js';
import { oneroster } from './migrations/0023_oneroster.js';
import { onerosterGradebook } from './migrations/0024_oneroster_gradebook.js';
import { staffAdmin } from './migrations/0026_staff_admin.js';
import { announcementConditions } from './migrations/0028_announcement_conditions.js';
import { importRunHolders } from './migrations/0029_import_run_holders.js';
import { messages } from './migrations/0030_messages.js';
import { discussions } from './migrations/0031_discussions.js';
import { signedForms } from './migrations/0032_signed_forms.js';
import { notifications } from './migrations/0033_notifications.js';
import { push } from './migrations/0034_push.js';
import { secondFactor } from './migrations/0035_second_factor.js';
import { phonesE164 } from './migrations/0036_phones_e164.js';
import { fees } from './migrations/0037_fees.js';
import { meals } from './migrations/0038_meals.js';
import { messageAttachments } from './migrations/0040_message_attachments.js';
import { spanishNames } from './migrations/0041_spanish_names.js';
import { onlinePayments } from './migrations/0042_online_payments.js';
import { announcementNotices } from './migrations/0044_announcement_notices.js';
import { contactPeopleRequests } from './migrations/0045_contact_people_requests.js';
import { messageDraftFiles } from './migrations/0046_message_draft_files.js';
import { outboxDue } from './migrations/0049_outbox_due.js';
import { pushDue } from './migrations/0051_push_due.js';
import { providerRefunds } from './migrations/0052_provider_refunds.js';
import { scaleIndexes } from './migrations/0055_scale_indexes.js';
import { excessGivenBack } from './migrations/0058_excess_given_back.js';
import { settingsVersion } from './migrations/0060_settings_version.js';
import { checkoutRefunds } from './migrations/0061_checkout_refunds.js';
import { excessBackAt } from './migrations/0065_excess_back_at.js';
import { excessRefundState } from './migrations/0066_excess_refund_state.js';
import type { DialectMigration } from './migrations/types.js';

export const migrations: readonly DialectMigration[] = [foundation, accounts, jobs, parentAccounts, requests, portal, calendar, eventLocations, noLastSignIn, firstPasswords, keysForAccounts, emailAttempts, runsThatEnd, identityKeys, changeEvents, doseSources, attendanceTakings, gradebook, termGradePosting, eventGradeLevels, studentSearch, oneroster, onerosterGradebook, staffAdmin, announcementConditions, importRunHolders, messages, discussions, signedForms, notifications, push, secondFactor, phonesE164, fees, meals, messageAttachments, spanishNames, onlinePayments, announcementNotices, contactPeopleRequests, messageDraftFiles, outboxDue, pushDue, providerRefunds, scaleIndexes, excessGivenBack, settingsVersion, checkoutRefunds, excessBackAt, excessRefundState];








export async function migrateToLatest(database: Database): Promise<MigrationResultSet> {
  const { db, dialect } = database;
  const provider = {
    async getMigrations(): Promise<Record<string, Migration>> {
      return Object.fromEntries(
        migrations.map((m) => [m.name, { up: (tx) => m.up(tx, dialect) } satisfies Migration]),
      );
    },
  };
  const migrator = new Migrator({ db, provider });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    const reason = result.error instanceof Error ? result.error.message : String(result.error);
    throw new Error(`Migration ${failed?.migrationName ?? ''} failed: ${reason}`, { cause: result.error });
  }
  // An interrupted bulk load may have left an id sequence behind its table: set it right before anything inserts.
  await repairIdSequences(db, dialect);
  return result;
}
