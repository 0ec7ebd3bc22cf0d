import os from 'node:os';
import { Writable } from 'node:stream';
import zlib from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { buildApp } from '../../src/web/app.js';
import { gzipSizedFor } from '../../src/web/render.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine, freshDatabase, type TestDatabase } from '../support/db.js';

const NOW = () => new Date('2026-11-25T18:00:00Z');

describeEachEngine('public pages', (get) => {
  let app: FastifyInstance;
  beforeAll(async () => {
    await loadDemo(get(), { students: 40, seed: 3, startYear: 2026 });
    app = await makeApp(get(), { now: NOW });
  });
  afterAll(() => app.close());

  it('redirects / to the sign-in page', async () => {
    const res = await app.inject('/');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/sign-in');
  });

  it('shows everything the seed sign-in page shows, in English', async () => {
    const res = await app.inject('/sign-in');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const html = res.body;
    for (const text of [
      '<html lang="en">',
      'Cedar Valley Portal',
      'Cedar Valley Public Schools',
      '>Username</label>',
      '>Password</label>',
      '>Sign In</button>',
      'Forgot your password?',
      'Forgot your username?',
      'Problems logging in?',
      'If you have been assigned a Cedar Valley Portal Activation Key,',
      'If you do not have an Activation Key,',
      'District Announcements',
      'Account Security Email',
      'Portal Resources',
      'href="/help/parents">Parent Resources',
      'href="/help/students">Student Resources',
      'autocomplete="current-password"',
    ]) {
      expect(html, text).toContain(text);
    }
    // Not current on 25 November: back to school (over), winter and spring breaks (not yet).
    expect(html).not.toContain('Welcome back!');
    expect(html).not.toContain('Winter break');
    expect(html).not.toContain('Spring break');
  });

  it('lists the demo accounts in demo mode', async () => {
    const html = (await app.inject('/sign-in')).body;
    expect(html).toContain('Demo district');
    expect(html).toContain('aa010311');
    expect(html).toContain('Allen Alda');
  });

  it('speaks Spanish when the browser asks for it, or the cookie says so', async () => {
    const byHeader = await app.inject({ url: '/sign-in', headers: { 'accept-language': 'es-MX,es;q=0.9' } });
    expect(byHeader.body).toContain('<html lang="es">');
    expect(byHeader.body).toContain('¿Olvidó su contraseña?');
    expect(byHeader.body).toContain('Anuncios del distrito');
    expect(byHeader.body).toContain('Correo electrónico de seguridad de la cuenta');
    const byCookie = await app.inject({ url: '/sign-in', cookies: { hr_lang: 'es' }, headers: { 'accept-language': 'en' } });
    expect(byCookie.body).toContain('<html lang="es">');
    const badCookie = await app.inject({ url: '/sign-in', cookies: { hr_lang: '<script>' } });
    expect(badCookie.statusCode).toBe(200);
    expect(badCookie.body).toContain('<html lang="en">');
  });

  it('remembers the chosen language and goes back only to a local page', async () => {
    const res = await app.inject('/lang/es?next=%2Fhelp%2Fparents');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/help/parents');
    const cookie = res.cookies.find((c) => c.name === 'hr_lang');
    expect(cookie).toMatchObject({ value: 'es', path: '/', httpOnly: true, sameSite: 'Lax' });
    for (const next of ['//evil.example/x', 'https://evil.example', '/\\evil.example', 'javascript:alert(1)', '']) {
      const r = await app.inject(`/lang/en?next=${encodeURIComponent(next)}`);
      expect(r.headers.location, next).toBe('/');
    }
    expect((await app.inject('/lang/fr')).statusCode).toBe(404);
  });

  it('refuses a form without its CSRF token', async () => {
    const res = await app.inject({ method: 'POST', url: '/sign-in', payload: { username: 'a', password: 'b' } });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('This form has expired');
  });

  it.each([
    ['a body that is too large', { payload: `username=${'a'.repeat(70 * 1024)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 413],
    ['an unsupported content type', { payload: '<x/>', headers: { 'content-type': 'application/xml' } }, 415],
  ])('answers %s with a page, not a crash', async (_name, request, status) => {
    const res = await app.inject({ method: 'POST', url: '/sign-in', ...request });
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('<html lang="en">');
  });

  it('has help pages, the accessibility statement and the privacy notice, in both languages', async () => {
    expect((await app.inject('/help/parents')).body).toContain('Parent Resources');
    expect((await app.inject({ url: '/help/students', cookies: { hr_lang: 'es' } })).body).toContain('Recursos para estudiantes');
    const pages: [string, string, string, string][] = [
      ['/accessibility', 'Accessibility statement', 'Declaración de accesibilidad', 'WCAG) 2.1'],
      ['/privacy', 'Privacy notice', 'Aviso de privacidad', 'FERPA'],
    ];
    for (const [url, en, es, fact] of pages) {
      const res = await app.inject(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).toContain(`<h1>${en}</h1>`);
      expect(res.body, url).toContain(fact);
      expect(res.body, url).not.toContain('Coming soon');
      // The district's own names and help address, not placeholders.
      expect(res.body, url).toContain('Cedar Valley');
      expect(res.body, url).toContain('mailto:');
      expect(res.body, url).not.toMatch(/\{[a-z]+\}/);
      const spanish = await app.inject({ url, cookies: { hr_lang: 'es' } });
      expect(spanish.body, url).toContain(`<h1>${es}</h1>`);
      expect(spanish.body, url).not.toMatch(/\{[a-z]+\}/);
    }
    // The privacy notice gives the district's own idle time.
    expect((await app.inject('/privacy')).body).toMatch(/after \d+ minutes without activity/);
  });

  it('answers unknown pages with 404 in the reader’s language', async () => {
    const en = await app.inject('/no/such/page');
    expect(en.statusCode).toBe(404);
    expect(en.body).toContain('Page not found');
    const es = await app.inject({ url: '/no/such/page', cookies: { hr_lang: 'es' } });
    expect(es.statusCode).toBe(404);
    expect(es.body).toContain('Página no encontrada');
    const json = await app.inject({ url: '/no/such/page', headers: { accept: 'application/json' } });
    expect(json.json()).toEqual({ error: 'not_found' });
  });

  it('sends strict security headers', async () => {
    const res = await app.inject('/sign-in');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['strict-transport-security']).toBeUndefined();
    expect(res.headers['referrer-policy']).toBe('same-origin');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    // The same headers on every answer, not only the first.
    const again = await app.inject('/no/such/page');
    expect(again.headers['content-security-policy']).toBe(csp);
    expect(again.headers['referrer-policy']).toBe('same-origin');
  });

  it('logs a refused request with its request id, without a logger per request', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const config = loadConfig({ LOG_LEVEL: 'info', DATA_DIR: os.tmpdir(), BASE_URL: 'http://portal.test' });
    const logged = await buildApp({ config, database: get(), logger: { level: 'info', stream }, mailIntervalMs: 0 });
    try {
      const res = await logged.inject({ method: 'POST', url: '/sign-in', payload: 'username=x&password=y', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(res.statusCode).toBe(403);
      const entry = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'request rejected');
      expect(entry).toMatchObject({ reqId: expect.any(String), err: { code: 'HR_CSRF' } });
    } finally {
      await logged.close();
    }
  });

  it('never writes an upload form\'s token into the log when every request is logged', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const config = loadConfig({ LOG_LEVEL: 'debug', DATA_DIR: os.tmpdir(), BASE_URL: 'http://portal.test' });
    const logged = await buildApp({ config, database: get(), logger: { level: 'debug', stream }, mailIntervalMs: 0 });
    try {
      const res = await logged.inject({ method: 'GET', url: '/admin/imports?_csrf=SeCrEtToKeN123&page=2' });
      expect(res.statusCode).toBe(303);
      const urls = lines.map((l) => JSON.parse(l) as { req?: { url?: string } }).flatMap((l) => (l.req?.url ? [l.req.url] : []));
      expect(urls).toContain('/admin/imports?page=2');
      expect(lines.join('\n')).not.toContain('SeCrEtToKeN123');
    } finally {
      await logged.close();
    }
  });

  it('serves the stylesheet for a year, the theme in the district colours, compressed', async () => {
    const page = (await app.inject('/sign-in')).body;
    const href = /href="(\/assets\/homeroom\.css\?v=[0-9a-f]+)"/.exec(page)?.[1];
    expect(href).toBeDefined();
    const css = await app.inject({ url: href ?? '', headers: { 'accept-encoding': 'gzip' } });
    expect(css.statusCode).toBe(200);
    expect(css.headers['cache-control']).toContain('immutable');
    expect(css.headers['content-encoding']).toBe('gzip');
    const theme = await app.inject('/theme.css');
    expect(theme.body).toContain('--hr-primary:#1a4480');
    const icon = await app.inject('/assets/uswds/img/usa-icons/check.svg');
    expect(icon.statusCode).toBe(200);
  });

  it('compresses pages as the browser accepts: gzip first, then Brotli, else plain', async () => {
    const plain = await app.inject('/sign-in');
    expect(plain.headers['content-encoding']).toBeUndefined();
    const html = plain.body;
    expect(html.length).toBeGreaterThan(1024);
    const read = (res: Awaited<ReturnType<typeof app.inject>>) => {
      const raw = res.rawPayload;
      if (res.headers['content-encoding'] === 'br') return zlib.brotliDecompressSync(raw).toString();
      if (res.headers['content-encoding'] === 'gzip') return zlib.gunzipSync(raw).toString();
      return raw.toString();
    };
    const cases: [string, string | undefined][] = [
      ['gzip, deflate, br, zstd', 'gzip'],
      ['gzip', 'gzip'],
      ['br', 'br'],
      ['br, gzip;q=0.5', 'br'],
      ['br;q=0.5, gzip', 'gzip'],
      ['GZIP', 'gzip'],
      ['x-gzip', 'gzip'],
      ['br;q=0, gzip;q=0', undefined],
      ['identity', undefined],
      ['x'.repeat(500), undefined],
    ];
    for (const [accept, expected] of cases) {
      const res = await app.inject({ url: '/sign-in', headers: { 'accept-encoding': accept } });
      expect(res.statusCode, accept).toBe(200);
      expect(res.headers['content-encoding'], accept).toBe(expected);
      if (expected) expect(String(res.headers.vary).toLowerCase(), accept).toBe('accept-encoding');
      // The same page whatever the encoding (the CSRF token differs between requests).
      expect(read(res).replace(/value="[^"]{40,}"/g, ''), accept).toBe(html.replace(/value="[^"]{40,}"/g, ''));
    }
  });

  it("gzips the demo's pages to the same bytes as zlib's defaults, with state sized to the page", async () => {
    for (const url of ['/sign-in', '/privacy', '/accessibility', '/help/parents']) {
      const html = Buffer.from((await app.inject(url)).body);
      expect(html.length, url).toBeGreaterThan(1024);
      expect(zlib.gzipSync(html, gzipSizedFor(html.length)).equals(zlib.gzipSync(html)), url).toBe(true);
    }
  });

  it('reports health, and only up or down (metrics: tests/web/ops.test.ts)', async () => {
    const health = await app.inject('/healthz');
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: 'ok' });
  });
});

describe('pages without a demo', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  beforeAll(async () => {
    database = await freshDatabase('sqlite');
  });
  afterAll(async () => {
    await app?.close();
    await database.drop();
  });

  it('serve an empty database without crashing, and show no demo panel outside demo mode', async () => {
    app = await makeApp(database, { demoMode: false });
    const empty = await app.inject('/sign-in');
    expect(empty.statusCode).toBe(200);
    expect(empty.body).toContain('There are no announcements right now.');
    await loadDemo(database, { students: 20, seed: 1, startYear: 2026 });
    app.services.districts.invalidate();
    const loaded = await app.inject('/sign-in');
    expect(loaded.body).toContain('Cedar Valley Portal');
    expect(loaded.body).not.toContain('Demo district');
    expect(loaded.body).not.toContain('aa010311');
  });

  it('hide the cause of a server error from the reader and log it', async () => {
    const app2 = await makeApp(database, { demoMode: false });
    // A route that fails like a bug would, registered on a fresh instance before it is ready.
    const { buildApp } = await import('../../src/web/app.js');
    const { loadConfig } = await import('../../src/config/env.js');
    const broken = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent' }), database, logger: false });
    broken.get('/boom', async () => {
      throw new Error('secret database detail');
    });
    const res = await broken.inject('/boom');
    expect(res.statusCode).toBe(500);
    expect(res.body).toContain('Something went wrong');
    expect(res.body).not.toContain('secret database detail');
    await broken.close();
    await app2.close();
  });
});
