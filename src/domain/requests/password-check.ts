/**
 * "Never submit passwords through this form" (the second seed): a comment that looks like a password is
 * answered with a warning before it is kept, and the requester edits it or sends it anyway. The rule
 * (ADR 0038) is deliberately simple, works on the text alone, and errs towards warning — a warning
 * costs one more press, a kept password is read by the office:
 *
 *  1. a password word followed by a value: "password: …", "my password is Tiger7", "contraseña es …",
 *     "pw = …" — after "is"/"es"/"was"/"era" only a value with a digit or a symbol counts, so "my
 *     password is not working" is not one;
 *  2. the shape of the district's initial student password (the seed's: the first initials of the first
 *     and last name and the birthday mmddyy, "aa010311"): two letters and six digits;
 *  3. the requester's own username with something added: the typed student number or the local part of
 *     a typed email inside a longer word ("0004001abc", "maria.ortiz99");
 *  4. a password-shaped word: 8 to 64 characters without spaces that mixes three of lower case, upper
 *     case, digits and symbols (three symbols at most: markup is not a password), and is not an email
 *     address, a web address or a number written with dashes, dots or slashes (a phone number, a date).
 */

const WORD = /(?:password|passwd|passcode|pwd|pw|pass|contrase(?:ñ|n)a|clave|pin)/.source;
const NAMED_VALUE = new RegExp(`(?:^|[^\\p{L}\\p{N}])${WORD}\\s*(?::|=|-|→)\\s*\\S+`, 'iu');
const SAID_VALUE = new RegExp(`(?:^|[^\\p{L}\\p{N}])${WORD}\\s+(?:is|was|es|era|would be|sería|seria)\\s+["'“‘«]?(\\S+)`, 'iu');
const INITIAL_PASSWORD = /^[\p{L}]{2}\d{6}$/u;

/** The words of a comment, without the punctuation around them. */
function wordsOf(text: string): string[] {
  return text
    .split(/\s+/u)
    .map((w) => w.replace(/^[\p{P}\p{S}]+|[.,;:!?)»”’"']+$/gu, ''))
    .filter((w) => w.length > 0);
}

function passwordShaped(word: string): boolean {
  if (word.length < 8 || word.length > 64) return false;
  if (/^[^@\s]+@[^@\s]+\.[^@\s]+$/u.test(word) || /^(?:https?:\/\/|www\.)/i.test(word)) return false;
  if (/^[\d\-./()+]+$/.test(word)) return false;
  // a password has a few symbols at most; markup or an emoticon chain has many
  if ((word.match(/[^\p{L}\p{N}]/gu) ?? []).length > 3) return false;
  const classes = [/\p{Ll}/u, /\p{Lu}/u, /\p{N}/u, /[^\p{L}\p{N}]/u].filter((c) => c.test(word)).length;
  return classes >= 3;
}

export interface RequesterNames {
  studentNumber: string | null;
  emails: (string | null)[];
}

/** True when a comment looks like it holds a password (the rule above). */
export function looksLikePassword(comment: string | null, requester: RequesterNames): boolean {
  if (!comment) return false;
  if (NAMED_VALUE.test(comment)) return true;
  const said = SAID_VALUE.exec(comment);
  if (said && /[\p{N}]|[^\p{L}\p{N}"'”’»]/u.test(said[1]!.replace(/[.,;!?]+$/u, ''))) return true;
  const own = [requester.studentNumber, ...requester.emails.map((e) => (e ? e.split('@')[0]! : null))]
    .filter((v): v is string => v !== null && v.length >= 3)
    .map((v) => v.toLowerCase());
  for (const word of wordsOf(comment)) {
    if (INITIAL_PASSWORD.test(word)) return true;
    const lower = word.toLowerCase();
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/u.test(lower) && own.some((name) => lower.includes(name) && lower.length >= name.length + 2)) return true;
    if (passwordShaped(word)) return true;
  }
  return false;
}
