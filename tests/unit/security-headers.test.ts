import { describe, expect, it } from 'vitest';
import { securityHeaders } from '../../src/web/plugins/security-headers.js';

describe('security headers', () => {
  it("are Helmet's headers for the options, worked out once", () => {
    const headers = new Map(
      securityHeaders({
        contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'self'"], frameAncestors: ["'none'"] } },
        strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
        referrerPolicy: { policy: 'same-origin' },
      }),
    );
    expect(headers.get('content-security-policy')).toBe("default-src 'self';frame-ancestors 'none'");
    expect(headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    expect(headers.get('referrer-policy')).toBe('same-origin');
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.has('x-powered-by')).toBe(false);
  });

  it('refuses options Helmet refuses, when the app starts', () => {
    expect(() => securityHeaders({ contentSecurityPolicy: { useDefaults: false, directives: { scriptSrc: ['self'] } } })).toThrow(/should be quoted|default-src/);
  });
});
