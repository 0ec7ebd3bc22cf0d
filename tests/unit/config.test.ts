import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/env.js';

describe('configuration', () => {
  it('has working defaults: port 3000, SQLite under data/', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.databaseUrl).toBe(`sqlite:${path.resolve('data', 'homeroom.sqlite')}`);
    expect(config.baseUrl).toBe('http://localhost:3000');
    expect(config.demoMode).toBe(false);
    expect(config.secure).toBe(false);
    expect(config.trustProxy).toBe(false);
  });

  it.each([
    ['false', false],
    ['0', false],
    ['1', 1],
    ['2', 2],
    ['10.0.0.0/8', ['10.0.0.0/8']],
    [' 10.0.0.0/8, 192.0.2.7 ,fd00::/8,::1 ', ['10.0.0.0/8', '192.0.2.7', 'fd00::/8', '::1']],
    ['loopback,uniquelocal', ['loopback', 'uniquelocal']],
  ])('reads TRUST_PROXY=%s as a hop count or a list of proxies', (value, expected) => {
    expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });

  it.each(['true', 'TRUE', 'yes', 'on'])('stops at TRUST_PROXY=%s, saying what to write instead', (value) => {
    expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(ConfigError);
    expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(
      /TRUST_PROXY must not be (true|yes|on), which would trust the addresses clients write themselves; set it to the number of proxies in front of Homeroom \(TRUST_PROXY=1 .*\) or their addresses/,
    );
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgres://homeroom@db.internal/homeroom',
      BASE_URL: 'https://portal.example.org/',
      LOG_LEVEL: 'warn',
      DEMO_MODE: 'yes',
      TRUST_PROXY: '1',
      DB_POOL_SIZE: '20',
      DATA_DIR: '/var/lib/homeroom',
      SQLITE_SYNCHRONOUS: 'Full',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      databaseUrl: 'postgres://homeroom@db.internal/homeroom',
      baseUrl: 'https://portal.example.org',
      secure: true,
      logLevel: 'warn',
      demoMode: true,
      trustProxy: 1,
      dbPoolSize: 20,
      dataDir: '/var/lib/homeroom',
      sqliteSynchronous: 'full',
    });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '' }).port).toBe(3000);
  });

  it.each([
    ['PORT', 'abc', /PORT must be a whole number \(got "abc"\)/],
    ['PORT', '70000', /PORT must be between 0 and 65535/],
    ['PORT', '3.5', /PORT must be a whole number/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL must start with postgres:\/\/ .* or sqlite:/],
    ['BASE_URL', 'portal.example.org', /BASE_URL must be a full URL/],
    ['BASE_URL', 'ftp://portal.example.org', /BASE_URL must start with http:\/\/ or https:\/\//],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL/],
    ['DEMO_MODE', 'maybe', /DEMO_MODE must be true or false \(got "maybe"\)/],
    ['DB_POOL_SIZE', '0', /DB_POOL_SIZE must be between 1 and 100/],
    ['SQLITE_SYNCHRONOUS', 'off', /SQLITE_SYNCHRONOUS must be normal or full \(got "off"\)/],
    ['TRUST_PROXY', '10.0.0.0/33', /TRUST_PROXY must be the number of proxies .*; "10\.0\.0\.0\/33" is not an IP address or CIDR range \(got "10\.0\.0\.0\/33"\)/],
    ['TRUST_PROXY', '10.0.0.0/8,proxy.internal', /TRUST_PROXY .*"proxy\.internal" is not an IP address or CIDR range/],
    ['TRUST_PROXY', '10.0.0.0/8,,192.0.2.7', /TRUST_PROXY .*"" is not an IP address or CIDR range/],
    ['TRUST_PROXY', '300.1.2.3', /TRUST_PROXY .*"300\.1\.2\.3" is not an IP address/],
    ['TRUST_PROXY', '11', /TRUST_PROXY must be a number of proxies between 0 and 10/],
  ])('rejects %s=%s with a message naming it', (key, value, message) => {
    let error: unknown;
    try {
      loadConfig({ [key]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
  });

  it('reads METRICS_TOKEN, and never repeats it in a message', () => {
    expect(loadConfig({}).metricsToken).toBeNull();
    expect(loadConfig({ METRICS_TOKEN: 'a'.repeat(32) }).metricsToken).toBe('a'.repeat(32));
    for (const [value, message] of [
      ['short-secret-value', /METRICS_TOKEN must be at least 32 characters .* \(got 18 characters\)/],
      [`${'s'.repeat(20)} ${'t'.repeat(20)}`, /METRICS_TOKEN must be printable ASCII without spaces \(got 41 characters\)/],
    ] as const) {
      let error: unknown;
      try {
        loadConfig({ METRICS_TOKEN: value });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain(value.slice(0, 10));
    }
  });

  it('never repeats the password of a wrong DATABASE_URL or SMTP_URL', () => {
    for (const [env, shown] of [
      [{ DATABASE_URL: 'postgresql//admin:Tr0ub4dor@db.internal/homeroom' }, '"postgresql//admin:***@db.internal/homeroom"'],
      [{ DATABASE_URL: 'admin:Tr0ub4dor@db.internal/homeroom' }, '"admin:***@db.internal/homeroom"'],
      [{ DATABASE_URL: 'mysql://admin:Tr0ub4dor@db.internal/homeroom' }, '"mysql://admin:***@db.internal/homeroom"'],
      [{ SMTP_URL: 'smtp://mailer:Tr0ub4dor@mail.example.org 587' }, '"smtp://mailer:***@mail.example.org 587"'],
      [{ SMTP_URL: 'http://mailer@mail.example.org' }, '"http://mailer@mail.example.org"'],
    ] as const) {
      let message = '';
      try {
        loadConfig(env);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message, JSON.stringify(env)).toContain(`(got ${shown})`);
      expect(message).not.toContain('Tr0ub4dor');
    }
  });

  it('reports every wrong variable at once', () => {
    expect(() => loadConfig({ PORT: 'x', DEMO_MODE: 'x' })).toThrow(/PORT[\s\S]*DEMO_MODE/);
  });

  it('reads the Stripe keys together, points the client at another host when told, and never repeats a key', () => {
    expect(loadConfig({}).stripe).toBeNull();
    expect(loadConfig({ STRIPE_SECRET_KEY: 'sk_live_51Abcdefgh', STRIPE_WEBHOOK_SECRET: 'whsec_Abcdefgh12' }).stripe).toEqual({ secretKey: 'sk_live_51Abcdefgh', webhookSecret: 'whsec_Abcdefgh12', api: null });
    expect(loadConfig({ STRIPE_SECRET_KEY: 'sk_test_51Abcdefgh', STRIPE_WEBHOOK_SECRET: 'whsec_Abcdefgh12', STRIPE_API_URL: 'http://127.0.0.1:12111' }).stripe?.api).toEqual({ protocol: 'http', host: '127.0.0.1', port: 12111 });
    expect(() => loadConfig({ STRIPE_SECRET_KEY: 'sk_live_51Abcdefgh' })).toThrow(/STRIPE_WEBHOOK_SECRET must be set too/);
    expect(() => loadConfig({ STRIPE_WEBHOOK_SECRET: 'whsec_Abcdefgh12' })).toThrow(/STRIPE_SECRET_KEY must be set too/);
    expect(() => loadConfig({ STRIPE_SECRET_KEY: 'sk_test_51Abcdefgh', STRIPE_WEBHOOK_SECRET: 'whsec_Abcdefgh12', STRIPE_API_URL: 'ftp://stripe.example/v1' })).toThrow(/STRIPE_API_URL must be an address/);
    let message = '';
    try {
      loadConfig({ STRIPE_SECRET_KEY: 'pk_live_Secret12345', STRIPE_WEBHOOK_SECRET: 'whsec_Abcdefgh12' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('STRIPE_SECRET_KEY must be a Stripe secret or restricted key');
    expect(message).toContain('(got 19 characters)');
    expect(message).not.toContain('Secret12345');
  });
});
