/** Where a signed-in person goes next. */
import { needsSecuritySetup } from '../domain/accounts/security-email.js';
import { mustChangePassword, PASSWORD_PAGE } from './guards.js';

/** Where to go after signing in or after the forced password change. */
export function landingFor(account: { must_change_password: number; security_email_confirmed_at: string | null; security_setup_skipped_at: string | null }, next = '/home'): string {
  if (mustChangePassword(account)) return PASSWORD_PAGE;
  if (needsSecuritySetup(account)) return '/account/security-setup';
  return next;
}
