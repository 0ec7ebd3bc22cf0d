/**
 * The identity rule (ADR 0018): one function per kind of key, used wherever a key is written or read.
 *
 * - A username's key (`user_accounts.username_key`) is the username in Unicode NFKC form, trimmed and
 *   lower-cased, so that `Ana.Ruiz@Example.com`, `ana.ruiz@example.com` and the same address typed with
 *   full-width letters all name one account. A student's username is their student number as issued:
 *   its key keeps its case and its leading zeros (NFKC and trimmed only).
 * - An email address used to find a person or an account (a security email, a guardian's email on
 *   record, a typed address) is compared by the same rule. Letters that only look alike (a Cyrillic
 *   "а" for a Latin "a") stay different: NFKC folds compatibility forms, never scripts.
 */

/** NFKC, trimmed, lower-cased: the key of a parent's or staff member's username. */
export function normalizeUsername(username: string): string {
  return username.normalize('NFKC').trim().toLowerCase();
}

/** NFKC, trimmed, lower-cased: how two email addresses are compared, and how one is stored as a key. */
export function normalizeEmail(email: string): string {
  return email.normalize('NFKC').trim().toLowerCase();
}

/** A student number as typed or issued: NFKC and trimmed, case and leading zeros kept. */
export function normalizeStudentNumber(number: string): string {
  return number.normalize('NFKC').trim();
}

/** The username_key of an account's username. */
export function usernameKey(personKind: 'student' | 'guardian' | 'staff', username: string): string {
  return personKind === 'student' ? normalizeStudentNumber(username) : normalizeUsername(username);
}

/** The keys a typed username may name: a student number exactly as typed, or any other username. */
export function usernameKeysOf(typed: string): string[] {
  return [...new Set([normalizeStudentNumber(typed), normalizeUsername(typed)])];
}

