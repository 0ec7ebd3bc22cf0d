/**
 * Table types for Kysely. They mirror src/db/migrations exactly; both engines return the same JS
 * values for every column (see src/db/connect.ts):
 *  - ids are integers; flags are integers 0/1 on both engines (ADR 0003);
 *  - calendar dates are 'YYYY-MM-DD' strings (local dates of the district's time zone);
 *  - instants are ISO-8601 UTC strings ('2026-11-25T15:20:00.000Z').
 */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

export type Flag = 0 | 1;
/** 'YYYY-MM-DD' */
export type DateString = string;
/** ISO-8601 instant in UTC */
export type Instant = string;
/** id assigned by the database unless given (the demo generator gives its own) */
export type Id = Generated<number>;

interface Changed {
  created_at: Instant;
  updated_at: Instant;
  /** user account that made the last change; null for imports, the demo generator and the system */
  updated_by: number | null;
}

export type GradingMethod = 'weighted' | 'points';
export type StaffRole = 'teacher' | 'office' | 'counselor' | 'nurse' | 'school_admin' | 'district_admin';
export type SessionType = 'schoolYear' | 'semester' | 'term' | 'gradingPeriod';
export type EnrollmentStatus = 'active' | 'inactive' | 'graduated' | 'withdrawn';
export type PersonKind = 'student' | 'guardian' | 'staff';
export type AccountStatus = 'active' | 'disabled' | 'pending';
export type Audience = 'all' | 'students' | 'guardians' | 'staff';

export interface DistrictTable extends Changed {
  id: Id;
  sourced_id: string | null;
  name: string;
  short_name: string;
  portal_name: string;
  time_zone: string;
  locale: Generated<string>;
  color_primary: string;
  color_secondary: string;
  help_email: string | null;
  website_url: string | null;
  /** JSON text: PortalSettings (src/domain/district/settings.ts) */
  settings: Generated<string>;
}

export interface SchoolTable extends Changed {
  id: Id;
  sourced_id: string | null;
  school_number: string;
  name: string;
  short_name: string;
  grade_low: number;
  grade_high: number;
  address_line1: string | null;
  city: string | null;
  state: string | null;
  postal_code: string | null;
  phone: string | null;
}

export interface AcademicSessionTable extends Changed {
  id: Id;
  sourced_id: string | null;
  /** null: the session applies to every school */
  school_id: number | null;
  parent_id: number | null;
  type: SessionType;
  title: string;
  /** the title in Spanish; null: none, the district's title is shown (migration 0041) */
  title_es: string | null;
  /** the calendar year in which the school year ends, as OneRoster's schoolYear */
  school_year: number;
  start_date: DateString;
  end_date: DateString;
}

export interface CalendarDayTable {
  id: Id;
  school_id: number;
  date: DateString;
  instructional: Generated<Flag>;
  /** why there is no school: 'weekend', 'holiday', 'break', 'teacher_workday', 'summer' */
  reason: string | null;
  /** e.g. 'Labor Day' */
  note: string | null;
  /** the note in Spanish; null: none, the district's note is shown (migration 0041) */
  note_es: string | null;
}

export interface BellScheduleTable extends Changed {
  id: Id;
  school_id: number;
  name: string;
  is_default: Generated<Flag>;
}

export interface BellPeriodTable {
  id: Id;
  bell_schedule_id: number;
  name: string;
  sequence: number;
  /** 'HH:MM' local time */
  start_time: string;
  end_time: string;
  instructional: Generated<Flag>;
}

export interface CourseTable extends Changed {
  id: Id;
  sourced_id: string | null;
  school_id: number;
  course_code: string;
  title: string;
  subject: string;
  grade_low: number;
  grade_high: number;
  credits: Generated<number>;
  /** added to the grade points of the weighted GPA: 0.5 honors, 1.0 AP */
  gpa_bonus: Generated<number>;
}

export interface SectionTable extends Changed {
  id: Id;
  sourced_id: string | null;
  school_id: number;
  course_id: number;
  section_code: string;
  room: string | null;
  grading_method: Generated<GradingMethod>;
  grading_scale_id: number | null;
}

export interface SectionTermTable {
  section_id: number;
  academic_session_id: number;
}

export interface SectionPeriodTable {
  section_id: number;
  bell_period_id: number;
}

export interface StaffTable extends Changed {
  id: Id;
  sourced_id: string | null;
  staff_number: string;
  first_name: string;
  last_name: string;
  email: string | null;
  phone: string | null;
  title: string | null;
  /** primary school; null for district office staff */
  school_id: number | null;
  active: Generated<Flag>;
}

export interface StaffRoleTable {
  staff_id: number;
  role: StaffRole;
  /** null: the role holds for the whole district */
  school_id: number | null;
}

export interface HouseholdTable extends Changed {
  id: Id;
  sourced_id: string | null;
  name: string;
  address_line1: string | null;
  address_line2: string | null;
  city: string | null;
  state: string | null;
  postal_code: string | null;
  phone: string | null;
}

export interface StudentTable extends Changed {
  id: Id;
  sourced_id: string | null;
  /** text: leading zeros are part of the number */
  student_number: string;
  legal_first_name: string;
  legal_middle_name: string | null;
  legal_last_name: string;
  preferred_first_name: string | null;
  preferred_last_name: string | null;
  birth_date: DateString;
  grade_level: number;
  school_id: number;
  enrollment_status: Generated<EnrollmentStatus>;
  email: string | null;
  phone: string | null;
  preferred_language: Generated<string>;
  /** the names folded for the staff search (no accents, lower case): written by the database (migration 0022) */
  search_name: Generated<string | null>;
}

export interface HouseholdStudentTable {
  household_id: number;
  student_id: number;
  primary_household: Generated<Flag>;
}

export interface GuardianTable extends Changed {
  id: Id;
  sourced_id: string | null;
  first_name: string;
  last_name: string;
  email: string | null;
  phone_mobile: string | null;
  phone_home: string | null;
  phone_work: string | null;
  household_id: number | null;
  preferred_language: Generated<string>;
}

export interface StudentGuardianTable extends Changed {
  id: Id;
  student_id: number;
  guardian_id: number;
  relationship: string;
  portal_access: Generated<Flag>;
  /** court order or similar: no access and no contact whatever else says */
  rights_revoked: Generated<Flag>;
  lives_with: Generated<Flag>;
  receives_mail: Generated<Flag>;
  emergency_contact: Generated<Flag>;
  /** 1 = call first */
  contact_priority: Generated<number>;
}

export interface SectionEnrollmentTable extends Changed {
  id: Id;
  sourced_id: string | null;
  section_id: number;
  student_id: number;
  begin_date: DateString;
  end_date: DateString | null;
}

export interface SectionTeacherTable extends Changed {
  id: Id;
  sourced_id: string | null;
  section_id: number;
  staff_id: number;
  primary_teacher: Generated<Flag>;
  begin_date: DateString;
  end_date: DateString | null;
}

export interface UserAccountTable extends Changed {
  id: Id;
  username: string;
  /** lower case for guardians and staff, as typed for students (see domain/accounts) */
  username_key: string;
  password_hash: string | null;
  status: Generated<AccountStatus>;
  must_change_password: Generated<Flag>;
  security_email: string | null;
  security_email_confirmed_at: Instant | null;
  person_kind: PersonKind;
  student_id: number | null;
  guardian_id: number | null;
  staff_id: number | null;
  locale: string | null;
  /** argon2id hash of the E-Signature PIN */
  pin_hash: Generated<string | null>;
  password_changed_at: Generated<Instant | null>;
  security_setup_skipped_at: Generated<Instant | null>;
  /** the kind of first password the district issued, while the holder has not chosen their own */
  initial_password: Generated<InitialPassword | null>;
  /** when that first password was issued: it works for the district's initialPasswordDays from then */
  initial_password_set_at: Generated<Instant | null>;
  /** its first sign-in (the student's guardians are told once) */
  initial_password_used_at: Generated<Instant | null>;
}

/** 'formula': initials and birth date (the first seed's rule); 'random': printed on a roster */
export type InitialPassword = 'formula' | 'random';

export interface AnnouncementTable extends Changed {
  id: Id;
  /** null: district-wide */
  school_id: number | null;
  audience: Generated<Audience>;
  start_date: DateString;
  end_date: DateString;
  /** shown on the public sign-in page (District Announcements) */
  public: Generated<Flag>;
  /** what makes it disappear for a signed-in reader (migration 0028); null: nothing */
  condition: Generated<AnnouncementCondition | null>;
}

/** 'noSecurityEmail': shown only to readers who have not confirmed an account security email */
export type AnnouncementCondition = 'noSecurityEmail';

export interface AnnouncementTextTable {
  announcement_id: number;
  locale: string;
  title: string;
  body: string;
}

export interface AuditLogTable {
  id: Id;
  at: Instant;
  actor_account_id: number | null;
  action: string;
  subject_type: string | null;
  subject_id: number | null;
  ip: string | null;
  /** JSON text */
  details: string | null;
}

export interface AppSecretTable {
  name: string;
  value: string;
  created_at: Instant;
}

export interface SessionTable {
  /** sha-256 (hex) of the token in the cookie */
  id: string;
  account_id: number;
  created_at: Instant;
  last_seen_at: Instant;
  /** the absolute end of the session */
  expires_at: Instant;
  /** "Keep me signed in on this device" */
  persistent: Generated<Flag>;
  ip: string | null;
  user_agent: string | null;
}

export interface ThrottleTable {
  key: string;
  failures: Generated<number>;
  window_start: Instant;
  blocked_until: Instant | null;
}

export type TokenPurpose = 'reset_password' | 'confirm_email' | 'activation' | 'sign_in_code' | 'second_factor';

export interface AccountTokenTable {
  id: Id;
  account_id: number | null;
  purpose: TokenPurpose;
  /** sha-256 (hex) of the token sent to the person */
  token_hash: string;
  /** for confirm_email: the address being confirmed */
  email: string | null;
  created_at: Instant;
  expires_at: Instant;
  used_at: Instant | null;
}

/** a staff member's authenticator app (migration 0035, ADR 0037) */
export interface SecondFactorTable {
  account_id: number;
  /** AES-256-GCM of the TOTP secret (domain/accounts/second-factor.ts); never shown again */
  secret: string;
  created_at: Instant;
  /** null until the first code from the app was typed */
  confirmed_at: Instant | null;
  /** the time step of the last accepted code */
  last_step: number | null;
}

export interface RecoveryCodeTable {
  id: Id;
  account_id: number;
  /** sha-256 (hex) of the code */
  code_hash: string;
  created_at: Instant;
  used_at: Instant | null;
}

export interface ActivationKeyTable {
  id: Id;
  /** sha-256 (hex) of the normalized key */
  key_hash: string;
  person_kind: 'student' | 'guardian';
  student_id: number | null;
  guardian_id: number | null;
  issued_by: number | null;
  created_at: Instant;
  expires_at: Instant;
  used_at: Instant | null;
  /** the account made with it */
  account_id: number | null;
  /** a key for an account that exists: it sets a new password for that account (staff help) */
  for_account_id: Generated<number | null>;
}

export interface EmailOutboxTable {
  id: Id;
  kind: string;
  to_address: string;
  locale: string;
  subject: string;
  text_body: string;
  html_body: string;
  created_at: Instant;
  send_after: Instant;
  sent_at: Instant | null;
  attempts: Generated<number>;
  last_error: string | null;
  /** the left part of the message's Message-ID, the same at every attempt */
  message_id: Generated<string | null>;
  /** an attempt began (and has not ended): see deliverPending */
  sending_at: Generated<Instant | null>;
  /** JSON object of extra headers (List-Unsubscribe …; migration 0033), or null */
  headers: Generated<string | null>;
}

export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

export interface JobTable {
  id: Id;
  kind: string;
  /** JSON text */
  payload: Generated<string>;
  status: Generated<JobStatus>;
  run_at: Instant;
  attempts: Generated<number>;
  max_attempts: Generated<number>;
  locked_by: string | null;
  locked_until: Instant | null;
  last_error: string | null;
  unique_key: string | null;
  created_at: Instant;
  finished_at: Instant | null;
}

export interface AccountGenerationRunTable {
  id: Id;
  started_at: Instant;
  finished_at: Instant | null;
  /** interrupted: its process died (or lost its job) before it ended; a later run resumed its work */
  status: Generated<'running' | 'done' | 'failed' | 'interrupted'>;
  /** the account that pressed "run now"; null for the schedule and the CLI */
  started_by: number | null;
  /** the worker or process running it (jobs/holders.ts), and its job when a worker runs it */
  holder: string | null;
  job_id: number | null;
  /** the interrupted run whose work this one took up */
  resumed_from: number | null;
  created: Generated<number>;
  skipped_has_account: Generated<number>;
  skipped_no_email: Generated<number>;
  skipped_shared_email: Generated<number>;
  skipped_no_portal_access: Generated<number>;
  skipped_username_taken: Generated<number>;
  error: string | null;
}

export type AccountRequestStatus = 'open' | 'closed';

export interface AccountRequestTable {
  id: Id;
  received_at: Instant;
  student_first_name: string;
  student_last_name: string;
  student_number: string | null;
  student_email: string | null;
  reset_student: Generated<Flag>;
  reset_parent: Generated<Flag>;
  new_student: Generated<Flag>;
  new_parent: Generated<Flag>;
  parent_first_name: string | null;
  parent_last_name: string | null;
  parent_email: string | null;
  comments: string | null;
  /** the language the form was filled in: the requester is answered in it */
  locale: string;
  ip: string | null;
  /** the student the form matched when it arrived (by number and name), and that student's school */
  student_id: number | null;
  school_id: number | null;
  status: Generated<AccountRequestStatus>;
  /** the last thing staff did: see domain/requests/account-requests.ts */
  outcome: string | null;
  closed_at: Instant | null;
  closed_by: number | null;
  dedupe_key: string;
}

export interface AccountRequestEventTable {
  id: Id;
  request_id: number;
  at: Instant;
  actor_account_id: number | null;
  action: string;
  /** JSON text */
  details: string | null;
}

export type ChangeRequestStatus = 'pending' | 'decided' | 'withdrawn';
export type ChangeFieldStatus = 'pending' | 'approved' | 'rejected' | 'withdrawn';

/** what a change request is about (ADR 0050) */
export type ChangeRequestKind = 'own' | 'contact' | 'guardian' | 'new_contact';

export interface ChangeRequestTable {
  id: Id;
  /** the guardian who asked */
  guardian_id: number;
  kind: Generated<ChangeRequestKind>;
  /** the student it was asked for (null: 'own'); may be left out when inserting a parent's own request */
  student_id: ColumnType<number | null, number | null | undefined, number | null>;
  /** the person it is about (null: 'own', 'new_contact'); may be left out like student_id */
  subject_guardian_id: ColumnType<number | null, number | null | undefined, number | null>;
  account_id: number | null;
  household_id: number | null;
  submitted_at: Instant;
  status: Generated<ChangeRequestStatus>;
  decided_at: Instant | null;
  decided_by: number | null;
}

export interface ChangeRequestFieldTable {
  id: Id;
  request_id: number;
  /** 'guardian'/'household': the requester's own; 'contact'/'link': the request's subject person and their link to the student */
  target: 'guardian' | 'household' | 'contact' | 'link';
  field: string;
  old_value: string | null;
  new_value: string | null;
  status: Generated<ChangeFieldStatus>;
  reason: string | null;
}

export interface GradingScaleTable extends Changed {
  id: Id;
  name: string;
}

export interface GradingScaleBandTable {
  id: Id;
  scale_id: number;
  letter: string;
  /** lowest percent for the letter, inclusive */
  min_percent: number;
  gpa_points: number;
  sequence: number;
}

export interface GradingCategoryTable {
  id: Id;
  /** the SIS's id (migration 0023) */
  sourced_id: Generated<string | null>;
  section_id: number;
  name: string;
  /** percent weight; null in a points-based class */
  weight: number | null;
  drop_lowest: Generated<number>;
  sequence: number;
}

export interface AssignmentTable extends Changed {
  id: Id;
  sourced_id: string | null;
  section_id: number;
  category_id: number;
  grading_period_id: number;
  title: string;
  description: string | null;
  assigned_date: DateString;
  due_date: DateString;
  points_possible: number;
  /** shown to families (1) or kept for the teacher (0) */
  published: Generated<Flag>;
}

export interface AssignmentScoreTable extends Changed {
  id: Id;
  /** the SIS's id of the result (migration 0023) */
  sourced_id: Generated<string | null>;
  assignment_id: number;
  student_id: number;
  /** null: not graded yet */
  points: number | null;
  missing: Generated<Flag>;
  late: Generated<Flag>;
  exempt: Generated<Flag>;
  incomplete: Generated<Flag>;
  dropped: Generated<Flag>;
  comment: string | null;
  /** raised by every save: a form sends back the version it read (ADR 0020) */
  version: Generated<number>;
}

export interface TermGradeTable extends Changed {
  id: Id;
  section_id: number;
  student_id: number;
  academic_session_id: number;
  percent: number | null;
  letter: string | null;
  comment: string | null;
  /** null: in progress, not posted */
  posted_at: Instant | null;
  /** saves of the posted grade (migration 0020) */
  version: Generated<number>;
}

export type AttendanceKind = 'absent' | 'tardy' | 'early_release';
export type AttendanceExcuse = 'excused' | 'unexcused' | 'unknown';

export interface AttendanceCodeTable {
  id: Id;
  code: string;
  description: string;
  /** the description in Spanish; null: none, the district's is shown (migration 0041) */
  description_es: string | null;
  kind: AttendanceKind;
  excuse: AttendanceExcuse;
}

export interface AttendanceRecordTable extends Changed {
  id: Id;
  student_id: number;
  date: DateString;
  /** null: the whole day */
  section_id: number | null;
  bell_period_id: number | null;
  code_id: number;
  comment: string | null;
}

/** A section's attendance taken for a day (migration 0018). */
export interface AttendanceTakingTable {
  id: Id;
  section_id: number;
  date: DateString;
  taken_at: Instant;
  taken_by: number | null;
  version: Generated<number>;
}

/** A district's report-card comment code, in English and Spanish (migration 0020). */
export interface ReportCardCommentTable {
  id: Id;
  code: string;
  text_en: string;
  text_es: string;
  sequence: Generated<number>;
  active: Generated<Flag>;
}

/** A code chosen on a term grade, in the teacher's order (migration 0020). */
export interface TermGradeCommentTable {
  term_grade_id: number;
  comment_id: number;
  sequence: number;
}

/** An earlier version of a posted term grade (migration 0020). */
export interface TermGradeHistoryTable {
  id: Id;
  term_grade_id: number;
  percent: number | null;
  letter: string | null;
  /** JSON array of the codes as they were */
  codes: string;
  comment: string | null;
  posted_at: Instant;
  posted_by: number | null;
  replaced_at: Instant;
  replaced_by: number | null;
}

/** What kind of record a change event is about (migration 0015). */
export type ChangeKind = 'score' | 'assignment' | 'term_grade' | 'attendance' | 'dose' | 'exemption' | 'event' | 'announcement' | 'transcript_course' | 'enrollment' | 'discussion_topic' | 'discussion_post';

/** One write a family would see, recorded with it (domain/changes). */
export interface ChangeEventTable {
  id: Id;
  at: Instant;
  kind: ChangeKind;
  action: 'created' | 'updated' | 'deleted';
  /** the row written, in the table of its kind */
  subject_id: number;
  student_id: number | null;
  section_id: number | null;
  school_id: number | null;
  /** JSON of what a family sees of the row, before and after; null when there was none */
  before: string | null;
  after: string | null;
  actor_account_id: number | null;
}

/** A person's notification settings (migration 0033): JSON read by domain/notifications/settings.ts. */
export interface NotificationSettingsTable {
  account_id: number;
  settings: string;
  updated_at: Instant;
  /** how many times the row was written (migration 0060): a save from an older form is refused */
  version: Generated<number>;
}

/** One entry of a person's in-app list (migration 0033). */
export interface NotificationTable {
  id: Id;
  account_id: number;
  key: string;
  kind: string;
  change_event_id: number | null;
  student_id: number | null;
  section_id: number | null;
  /** JSON: the catalog parameters of the entry's text */
  params: string;
  url: string;
  created_at: Instant;
  read_at: Instant | null;
}

export type DeliveryChannel = 'email' | 'push';
export type DeliveryStatus = 'pending' | 'digest' | 'sent' | 'withdrawn';

/** One notification by one channel (migration 0033): unique per notification and channel. */
export interface NotificationDeliveryTable {
  id: Id;
  notification_id: number;
  account_id: number;
  channel: DeliveryChannel;
  status: DeliveryStatus;
  due_at: Instant;
  done_at: Instant | null;
  digest_id: number | null;
}

export interface NotificationDigestTable {
  id: Id;
  account_id: number;
  slot: string;
  items: number;
  sent_at: Instant;
}

/** The class grade last seen per student and class, for thresholds crossed (migration 0033). */
export interface NotificationClassGradeTable {
  student_id: number;
  section_id: number;
  percent: number | null;
}

export interface NotificationCursorTable {
  id: number;
  decided_through: number;
}

export interface TranscriptCourseTable extends Changed {
  id: Id;
  student_id: number;
  /** the calendar year the school year ends in */
  school_year: number;
  school_name: string;
  grade_level: number;
  course_code: string;
  course_title: string;
  term: 'S1' | 'S2' | 'Year';
  letter: string;
  gpa_points: number | null;
  gpa_bonus: Generated<number>;
  credits_attempted: number;
  credits_earned: number;
}

export interface VaccineTable {
  id: Id;
  code: string;
  name: string;
  /** the name in Spanish; null: none, the district's name is shown (migration 0041) */
  name_es: string | null;
}

export interface ImmunizationRequirementTable {
  id: Id;
  vaccine_id: number;
  grade_low: number;
  grade_high: number;
  doses: number;
}

/** Where a dose's record came from (migration 0016); null: not recorded (imports, the demo). */
export type DoseSource = 'school_clinic' | 'provider_record' | 'state_registry';

export interface ImmunizationDoseTable extends Changed {
  id: Id;
  student_id: number;
  vaccine_id: number;
  dose_date: DateString;
  source: DoseSource | null;
}

export interface ImmunizationExemptionTable extends Changed {
  id: Id;
  student_id: number;
  vaccine_id: number;
  kind: 'medical' | 'religious' | 'personal';
  granted_date: DateString;
  expires_date: DateString | null;
}

export interface SchoolEventTable extends Changed {
  id: Id;
  sourced_id: string | null;
  /** null: every school of the district */
  school_id: number | null;
  start_date: DateString;
  end_date: DateString;
  /** local 'HH:MM' in the district's time zone; null for an all-day event */
  start_time: string | null;
  end_time: string | null;
  location: string | null;
}

export interface SchoolEventTextTable {
  event_id: number;
  locale: string;
  title: string;
  description: string | null;
  /** the place in this language; null: school_events.location, as the district wrote it */
  location: Generated<string | null>;
}

/** The grades a school event is for; none: everyone of its school (or of the district). */
export interface SchoolEventGradeTable {
  event_id: number;
  grade_level: number;
}

export interface CalendarFeedTable {
  id: Id;
  account_id: number;
  /** sha-256 (hex) of the secret in the feed's address */
  token_hash: string;
  created_at: Instant;
  last_used_at: Instant | null;
}

/** One OneRoster import, dry or not (migration 0023): the last ten are kept. */
export interface ImportRunTable {
  id: Id;
  kind: string;
  status: 'running' | 'done' | 'failed';
  dry_run: Generated<Flag>;
  /** the package's path as given */
  source: string | null;
  started_by: number | null;
  started_at: Instant;
  finished_at: Instant | null;
  /** JSON: ImportReport (domain/oneroster/load) */
  report: string | null;
  /** the process running it (jobs/holders.ts; migration 0029): a run whose holder is gone was interrupted */
  holder: string | null;
}

/** The SIS's values as last imported (migration 0023, ADR 0024): one table per kind, by the row written. */
interface LastImported {
  row_id: number;
}
/** A person the import wrote: whether they left the SIS, and the account status the import took away. */
interface LastPerson extends LastImported {
  gone: Generated<Flag>;
  taken_status: AccountStatus | null;
}
export interface LastSchoolTable extends LastImported {
  school_number: string | null;
  name: string | null;
}
export interface LastSessionTable extends LastImported {
  title: string | null;
  type: string | null;
  start_date: DateString | null;
  end_date: DateString | null;
  parent_id: number | null;
  school_year: number | null;
}
export interface LastCourseTable extends LastImported {
  school_id: number | null;
  course_code: string | null;
  title: string | null;
  subject: string | null;
  grade_low: number | null;
  grade_high: number | null;
}
export interface LastSectionTable extends LastImported {
  school_id: number | null;
  course_id: number | null;
  section_code: string | null;
  room: string | null;
}
export interface LastStudentTable extends LastPerson {
  student_number: string | null;
  legal_first_name: string | null;
  legal_middle_name: string | null;
  legal_last_name: string | null;
  preferred_first_name: string | null;
  preferred_last_name: string | null;
  birth_date: DateString | null;
  grade_level: number | null;
  school_id: number | null;
  email: string | null;
  phone: string | null;
}
export interface LastStaffTable extends LastPerson {
  staff_number: string | null;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone: string | null;
  school_id: number | null;
}
export interface LastGuardianTable extends LastPerson {
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone_mobile: string | null;
}
export interface ImportedStaffRoleTable {
  staff_id: number;
  role: StaffRole;
  school_id: number | null;
}

/** Who sent a message: the role they wrote as (staff), or the family member replying. */
export type MessageSenderRole = 'teacher' | 'office' | 'counselor' | 'district_admin' | 'guardian' | 'student';

/** A message as its sender wrote it (migration 0030, domain/messages). */
export interface MessageTable {
  id: Id;
  sender_account_id: number;
  sender_name: string;
  sender_role: MessageSenderRole;
  subject_en: string | null;
  body_en: string | null;
  subject_es: string | null;
  body_es: string | null;
  /** JSON: what it was sent to (domain/messages/audience.ts) */
  audience: string;
  /** about the student each recipient is reached through (a section, chosen students): emails never carry its body */
  concerns_student: Generated<Flag>;
  asks_reply: Generated<Flag>;
  /** a reply: the first message of its thread, and the family member the thread is with */
  thread_root_id: number | null;
  thread_person_kind: PersonKind | null;
  thread_person_id: number | null;
  status: Generated<'scheduled' | 'sent'>;
  recipient_count: Generated<number>;
  send_at: Instant;
  sent_at: Instant | null;
  created_at: Instant;
}

/** One person a message was delivered to. */
export interface MessageRecipientTable {
  message_id: number;
  person_kind: PersonKind;
  person_id: number;
  /** the student the person was reached through; null for staff */
  student_id: number | null;
  /** the person's language when it was sent */
  locale: string;
  read_at: Instant | null;
  archived: Generated<Flag>;
}

/** A file of a message (migration 0040, ADR 0042): one copy per message, its type read from its content. */
export interface MessageAttachmentTable {
  id: Id;
  message_id: number;
  /** 1 to 3, in the order the sender attached them */
  position: number;
  file_name: string;
  media_type: 'application/pdf' | 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';
  byte_size: number;
  content: Buffer;
  created_at: Instant;
}

/** A file attached on the composer's first step, kept until the message is sent or for a day (migration 0046). */
export interface MessageDraftFileTable {
  id: Id;
  account_id: number;
  /** random, 32 hex characters: the draft's files, with the account */
  draft_key: string;
  /** 1 to 3 */
  position: number;
  file_name: string;
  media_type: MessageAttachmentTable['media_type'];
  byte_size: number;
  content: Buffer;
  created_at: Instant;
}

/** What a student of 18 or older answered: whether their guardians keep receiving messages about them. */
export interface MessageAdultChoiceTable {
  student_id: number;
  guardians_receive: Flag;
  answered_at: Instant;
}

export interface DB {
  import_runs: ImportRunTable;
  oneroster_last_schools: LastSchoolTable;
  oneroster_last_sessions: LastSessionTable;
  oneroster_last_courses: LastCourseTable;
  oneroster_last_sections: LastSectionTable;
  oneroster_last_students: LastStudentTable;
  oneroster_last_staff: LastStaffTable;
  oneroster_last_guardians: LastGuardianTable;
  oneroster_links: LastImported;
  oneroster_staff_roles: ImportedStaffRoleTable;
  district: DistrictTable;
  schools: SchoolTable;
  academic_sessions: AcademicSessionTable;
  calendar_days: CalendarDayTable;
  bell_schedules: BellScheduleTable;
  bell_periods: BellPeriodTable;
  courses: CourseTable;
  sections: SectionTable;
  section_terms: SectionTermTable;
  section_periods: SectionPeriodTable;
  staff: StaffTable;
  staff_roles: StaffRoleTable;
  households: HouseholdTable;
  students: StudentTable;
  household_students: HouseholdStudentTable;
  guardians: GuardianTable;
  student_guardians: StudentGuardianTable;
  section_enrollments: SectionEnrollmentTable;
  section_teachers: SectionTeacherTable;
  user_accounts: UserAccountTable;
  announcements: AnnouncementTable;
  announcement_texts: AnnouncementTextTable;
  audit_log: AuditLogTable;
  app_secrets: AppSecretTable;
  sessions: SessionTable;
  throttle: ThrottleTable;
  account_tokens: AccountTokenTable;
  email_outbox: EmailOutboxTable;
  activation_keys: ActivationKeyTable;
  jobs: JobTable;
  account_generation_runs: AccountGenerationRunTable;
  account_requests: AccountRequestTable;
  account_request_events: AccountRequestEventTable;
  change_requests: ChangeRequestTable;
  change_request_fields: ChangeRequestFieldTable;
  grading_scales: GradingScaleTable;
  grading_scale_bands: GradingScaleBandTable;
  grading_categories: GradingCategoryTable;
  assignments: AssignmentTable;
  assignment_scores: AssignmentScoreTable;
  term_grades: TermGradeTable;
  attendance_codes: AttendanceCodeTable;
  attendance_records: AttendanceRecordTable;
  transcript_courses: TranscriptCourseTable;
  change_events: ChangeEventTable;
  notification_settings: NotificationSettingsTable;
  notifications: NotificationTable;
  notification_deliveries: NotificationDeliveryTable;
  notification_digests: NotificationDigestTable;
  notification_class_grades: NotificationClassGradeTable;
  notification_cursor: NotificationCursorTable;
  attendance_takings: AttendanceTakingTable;
  report_card_comments: ReportCardCommentTable;
  term_grade_comments: TermGradeCommentTable;
  term_grade_history: TermGradeHistoryTable;
  vaccines: VaccineTable;
  immunization_requirements: ImmunizationRequirementTable;
  immunization_doses: ImmunizationDoseTable;
  immunization_exemptions: ImmunizationExemptionTable;
  school_events: SchoolEventTable;
  school_event_grades: SchoolEventGradeTable;
  school_event_texts: SchoolEventTextTable;
  calendar_feeds: CalendarFeedTable;
  /** the attendance records the OneRoster import made (migration 0024) */
  oneroster_attendance: LastImported;
  /** discussions (migration 0031) */
  discussion_topics: DiscussionTopicTable;
  discussion_posts: DiscussionPostTable;
  discussion_visits: DiscussionVisitTable;
  signed_forms: SignedFormTable;
  signed_form_versions: SignedFormVersionTable;
  signed_form_signatures: SignedFormSignatureTable;
  messages: MessageTable;
  message_recipients: MessageRecipientTable;
  message_attachments: MessageAttachmentTable;
  message_adult_choices: MessageAdultChoiceTable;
  message_draft_files: MessageDraftFileTable;
  push_subscriptions: PushSubscriptionTable;
  push_deliveries: PushDeliveryTable;
  second_factors: SecondFactorTable;
  recovery_codes: RecoveryCodeTable;
  /** fees (migration 0037) */
  fees: FeeTable;
  fee_payments: FeePaymentTable;
  fee_ledger: FeeLedgerTable;
  meal_accounts: MealAccountTable;
  meal_ledger: MealLedgerTable;
  meal_thresholds: MealThresholdTable;
  /** paying fees online (migration 0042) */
  online_checkouts: OnlineCheckoutTable;
  online_checkout_lines: OnlineCheckoutLineTable;
  payment_events: PaymentEventTable;
  online_refunds: OnlineRefundTable;
  /** refunds made at the provider that no payment of Homeroom's holds (migration 0061, ADR 0063) */
  checkout_refunds: CheckoutRefundTable;
  /** the announcements the notifications have told (migration 0044) */
  notification_announcements: NotificationAnnouncementTable;
}

/** A teacher's discussion topic for a section (migration 0031). */
export interface DiscussionTopicTable extends Changed {
  id: Id;
  section_id: number;
  title: string;
  prompt: string;
  /** the first and last day students may post, in the district's zone, inclusive */
  opens_on: DateString;
  closes_on: DateString;
  locked: Generated<Flag>;
  created_by: number | null;
}

/** A student's post on a topic, or a reply to one (one level: a reply's parent is a post with no parent). */
export interface DiscussionPostTable {
  id: Id;
  topic_id: number;
  parent_id: number | null;
  student_id: number;
  body: string;
  created_at: Instant;
  /** hidden by a teacher (the reason is in the audit log); null: shown */
  hidden_at: Instant | null;
  hidden_by: number | null;
}

/** The newest post of a topic a student had when they last opened it. */
export interface DiscussionVisitTable {
  student_id: number;
  topic_id: number;
  last_post_id: number;
}

/** A form families sign with the E-Signature PIN (migration 0032). */
export interface SignedFormTable extends Changed {
  id: Id;
  school_id: number;
  /** null: every grade of the school */
  grade_level: number | null;
  title_en: string;
  title_es: string;
  due_date: DateString | null;
  status: Generated<'draft' | 'published'>;
  published_at: Instant | null;
  /** the last reminder sent to those who have not signed */
  reminded_at: Instant | null;
  created_by: number | null;
}

export interface SignedFormVersionTable {
  id: Id;
  form_id: number;
  version: number;
  body_en: string;
  body_es: string;
  /** JSON text: FormField[] */
  fields: string;
  created_at: Instant;
}

export interface SignedFormSignatureTable {
  id: Id;
  form_id: number;
  version_id: number;
  student_id: number;
  guardian_id: number;
  account_id: number | null;
  signer_name: string;
  /** JSON text: { [fieldKey]: boolean | string } */
  answers: string;
  locale: string;
  ip: string | null;
  method: 'pin' | 'password';
  late: Generated<Flag>;
  signed_at: Instant;
}

/** A device a person turned Web Push on for (migration 0034). */
export interface PushSubscriptionTable {
  id: Id;
  account_id: number;
  /** the push service's address for this device (https in production) */
  endpoint: string;
  /** the browser's P-256 public key and auth secret, base64url (RFC 8291) */
  p256dh: string;
  auth: string;
  /** the name the person gave the device */
  device_name: string;
  user_agent: string | null;
  created_at: Instant;
  last_success_at: Instant | null;
}

export type PushDeliveryState = 'queued' | 'sending' | 'sent' | 'failed';

/** One push to one device, once per (subscription, key) (migration 0034). */
export interface PushDeliveryTable {
  id: Id;
  subscription_id: number;
  key: string;
  /** JSON: title, body, url, tag */
  payload: string;
  state: Generated<PushDeliveryState>;
  attempts: Generated<number>;
  next_attempt_at: Instant;
  /** an attempt began and holds the delivery until then (see domain/notifications/push.ts) */
  sending_until: Instant | null;
  created_at: Instant;
  sent_at: Instant | null;
  last_error: string | null;
}

export type MealLedgerKind = 'purchase' | 'deposit' | 'adjustment';
export type MealLedgerSource = 'pos' | 'office';

/** A student's meal account (migration 0038): the balance is the sum of its ledger, in cents. */
export interface MealAccountTable {
  student_id: number;
  balance_cents: Generated<number>;
  updated_at: Instant;
}

/** One change to a meal account: a purchase (negative), a deposit, an adjustment (migration 0038). */
export interface MealLedgerTable {
  id: Id;
  student_id: number;
  kind: MealLedgerKind;
  amount_cents: number;
  at: Instant;
  item: string | null;
  reason: string | null;
  method: 'cash' | 'check' | null;
  check_number: string | null;
  source: MealLedgerSource;
  /** the point-of-sale system's transaction id: unique per source */
  external_id: string | null;
  recorded_by: number | null;
  recorded_at: Instant;
}

/** A guardian's own low-balance threshold, in cents (migration 0038); without a row, the district's. */
export interface MealThresholdTable {
  guardian_id: number;
  threshold_cents: number;
  updated_at: Instant;
}

export type TableName = keyof DB;
export type Row<T extends TableName> = Selectable<DB[T]>;
export type NewRow<T extends TableName> = Insertable<DB[T]>;

/** A fee of one student (migration 0037): its balance and status are the sum of its ledger, never stored. */
export interface FeeTable extends Changed {
  id: Id;
  student_id: number;
  school_id: number;
  /** the calendar year in which the school year ends */
  school_year: number;
  description_en: string;
  description_es: string;
  /** as first assessed, integer cents */
  amount_cents: number;
  due_date: DateString | null;
  required: Generated<Flag>;
  /** the assessing form's key: one fee per student and key */
  assessment_key: string;
  created_by: number | null;
}

/** One payment of one or more fees (migration 0037). */
export interface FeePaymentTable {
  id: Id;
  idempotency_key: string;
  method: 'cash' | 'check' | 'online';
  check_number: string | null;
  reference: string | null;
  payer: string | null;
  total_cents: number;
  recorded_by: number | null;
  recorded_at: Instant;
}

export type FeeLedgerKind = 'assessed' | 'adjusted' | 'waived' | 'paid' | 'refunded';

/** One change to a fee's balance, signed integer cents (migration 0037). */
export interface FeeLedgerTable {
  id: Id;
  fee_id: number;
  kind: FeeLedgerKind;
  amount_cents: number;
  reason: string | null;
  payment_id: number | null;
  idempotency_key: string | null;
  by_account: number | null;
  at: Instant;
}

export type CheckoutStatus = 'creating' | 'pending' | 'paid' | 'failed';

/** A guardian's checkout at the payment provider (migration 0042). */
export interface OnlineCheckoutTable {
  id: Id;
  idempotency_key: string;
  provider: string;
  account_id: number | null;
  guardian_id: number;
  session_id: string | null;
  url: string | null;
  status: CheckoutStatus;
  total_cents: number;
  locale: string;
  expires_at: Instant;
  payment_id: number | null;
  reference: string | null;
  excess_cents: Generated<number>;
  excess_refund_id: string | null;
  failure: string | null;
  created_at: Instant;
  updated_at: Instant;
  /** what of the excess a refund made in the provider's dashboard gave back (migration 0058, ADR 0061) */
  excess_at_provider_cents: Generated<number>;
  /** what the provider refused to give back when Homeroom asked, and its reason (migration 0058) */
  excess_refused_cents: number | null;
  excess_refusal: string | null;
  /** when the provider refused it (migration 0061) */
  excess_refused_at: Instant | null;
  /** when (the last part of) the excess was given back, by Homeroom or in the provider's dashboard (migration 0065) */
  excess_back_at: Instant | null;
  /** what the provider last said of Homeroom's excess refund `excess_refund_id` (migration 0066; null: none made) */
  excess_refund_status: 'pending' | 'succeeded' | null;
  /** Homeroom's excess refund the provider reported failed or canceled afterwards (migration 0066): the office's to give back */
  excess_failed_refund_id: string | null;
  /** when a refund made in the provider's dashboard last counted as (some of) the excess (migration 0066) */
  excess_at_provider_at: Instant | null;
}

/** A fee chosen in a checkout and the cents paid on it (migration 0042). */
export interface OnlineCheckoutLineTable {
  id: Id;
  checkout_id: number;
  fee_id: number;
  cents: number;
}

/** A provider event applied, once (migration 0042). */
export interface PaymentEventTable {
  id: Id;
  provider: string;
  event_id: string;
  type: string;
  checkout_id: number | null;
  received_at: Instant;
}

/**
 * A refund of an online payment (migration 0042): the office's, asked of the provider; or (origin
 * 'provider', migration 0052) one made in the provider's dashboard, learnt from its webhook.
 */
export interface OnlineRefundTable {
  id: Id;
  payment_id: number;
  idempotency_key: string;
  provider_refund_id: string | null;
  status: 'requested' | 'succeeded' | 'failed';
  cents: number;
  reason: string;
  requested_by: number | null;
  requested_at: Instant;
  recorded_at: Instant | null;
  origin: Generated<'office' | 'provider'>;
}

/**
 * A refund made in the provider's dashboard of a PaymentIntent that Homeroom recorded no payment for
 * (migration 0061, ADR 0063): of a checkout that was all excess (`checkout_id`), or not yet known (the
 * refund's event came before the payment's: `checkout_id` null). `counted_cents`: what it gave back of
 * the checkout's excess, counted once when it succeeded.
 */
export interface CheckoutRefundTable {
  id: Id;
  provider: string;
  provider_refund_id: string;
  reference: string;
  checkout_id: number | null;
  status: 'pending' | 'succeeded' | 'failed';
  cents: number;
  counted_cents: Generated<number>;
  received_at: Instant;
  recorded_at: Instant | null;
}

/** An announcement its families were notified of, once (migration 0044, ADR 0049). */
export interface NotificationAnnouncementTable {
  announcement_id: number;
  notified_at: Instant;
  /** the people whose lists it was written to (0: marked at the upgrade) */
  recipients: number;
}
