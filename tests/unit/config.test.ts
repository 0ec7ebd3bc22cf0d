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
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgres://homeroom@db.internal/homeroom',
      BASE_URL: 'https://portal.example.org/',
      LOG_LEVEL: 'warn',
      DEMO_MODE: 'yes',
      TRUST_PROXY: 'true',
      DB_POOL_SIZE: '20',
      DATA_DIR: '/var/lib/homeroom',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      databaseUrl: 'postgres://homeroom@db.internal/homeroom',
      baseUrl: 'https://portal.example.org',
      secure: true,
      logLevel: 'warn',
      demoMode: true,
      trustProxy: true,
      dbPoolSize: 20,
      dataDir: '/var/lib/homeroom',
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

  it('reports every wrong variable at once', () => {
    expect(() => loadConfig({ PORT: 'x', DEMO_MODE: 'x' })).toThrow(/PORT[\s\S]*DEMO_MODE/);
  });
});
