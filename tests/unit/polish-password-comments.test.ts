/** Issue 23, "Never submit passwords": the rule of ADR 0038 on hand-picked comments. */
import { describe, expect, it } from 'vitest';
import { looksLikePassword } from '../../src/domain/requests/password-check.js';

const requester = { studentNumber: '0004001', emails: ['maria.ortiz@example.org', null] };

describe('a comment that looks like a password', () => {
  const yes: [string, string][] = [
    ['a password word and a value', 'Password: hello'],
    ['"is" and a value with a digit', 'my password is Tiger7!'],
    ['in Spanish', 'mi contraseña es gato2020'],
    ['a PIN with "="', 'pin = 4471'],
    ['the initial password’s shape (initials + mmddyy)', 'I think it was aa010311'],
    ['the student number with something added', 'try 0004001abc please'],
    ['the email’s name with something added', 'use maria.ortiz99'],
    ['a word mixing three kinds of characters', 'it should be P@ssw0rd! now'],
    ['a quoted value', 'her password was "Kc-2291"'],
  ];
  for (const [what, comment] of yes) it(`warns on ${what}`, () => expect(looksLikePassword(comment, requester)).toBe(true));

  const no: [string, string][] = [
    ['a password word said in words', 'my password is not working'],
    ['a past reset', 'She is in grade 9. Her password was reset last week.'],
    ['a phone number and an email', 'Call me at 573-555-0199 or maria.ortiz@example.org'],
    ['the student number alone and a date', 'Student 0004001 cannot sign in since 12/03/2026'],
    ['plain words', 'Please reset, thanks!'],
    ['a web address', 'The page https://example.org/Some-Path123 said no'],
    ['markup', '<script>alert(1)</script> line two'],
    ['nothing', ''],
  ];
  for (const [what, comment] of no) it(`lets ${what} through`, () => expect(looksLikePassword(comment, requester)).toBe(false));

  it('lets no comment through', () => expect(looksLikePassword(null, requester)).toBe(false));
});
