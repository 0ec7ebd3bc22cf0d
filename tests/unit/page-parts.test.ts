/**
 * A page's large part written as bytes (render.ts, ADR 0059): it lands where its mark was, the page is
 * otherwise what rendering made, gzipped or not as the browser asks; text a person typed that looks like
 * a mark stays text; a part left out of the page is an error, not a page with a hole.
 */
import zlib from 'node:zlib';
import Fastify from 'fastify';
import { h } from 'preact';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pagePart, sendPage } from '../../src/web/render.js';

// Rows with characters of one, two and three UTF-8 bytes, and a page text with "—" (a two-byte string in V8).
const rows = Array.from({ length: 400 }, (_, i) => `<tr><td>Núñez ${i}</td><td>${i} — ok ✓</td></tr>`).join('');
const expected = `<!doctype html><html><body><h1>Cuaderno — 35</h1><table><tbody>${rows}</tbody></table><p>&lt;!--hr-part-typed--></p></body></html>`;

/** A part is made while rendering, in a component, as the gradebook's grid makes its rows. */
const Rows = () => h('tbody', { dangerouslySetInnerHTML: { __html: pagePart(Buffer.from(rows)) } });
const Twice = () => {
  const mark = pagePart(Buffer.from('<p>lost</p>'));
  return h('div', null, h('div', { dangerouslySetInnerHTML: { __html: mark } }), h('div', { dangerouslySetInnerHTML: { __html: mark } }));
};

const app = Fastify();
app.get('/page', (_request, reply) =>
  sendPage(
    reply,
    h('html', null, h('body', null, h('h1', null, 'Cuaderno — 35'), h('table', null, h(Rows, null)), h('p', null, '<!--hr-part-typed-->'))),
  ),
);
app.get('/twice', (_request, reply) => sendPage(reply, h('html', null, h('body', null, h(Twice, null)))));
// Made before rendering (not in a component): dropped, so its mark has nothing to stand for.
app.get('/early', (_request, reply) => sendPage(reply, h('html', null, h('body', null, h('div', { dangerouslySetInnerHTML: { __html: pagePart(Buffer.from('<p>early</p>')) } })))));
app.get('/plain', (_request, reply) => sendPage(reply, h('html', null, h('body', null, h('p', null, 'Hola — sin partes')))));

describe('a page part written as bytes', () => {
  beforeAll(() => app.ready());
  afterAll(() => app.close());

  it('is put where its mark is, the page sent as UTF-8 bytes', async () => {
    const res = await app.inject({ method: 'GET', url: '/page' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.rawPayload.equals(Buffer.from(expected))).toBe(true);
  });

  it('is gzipped with the rest of the page when the browser asks', async () => {
    const res = await app.inject({ method: 'GET', url: '/page', headers: { 'accept-encoding': 'gzip' } });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(res.rawPayload).toString('utf8')).toBe(expected);
  });

  it('refuses a page where a part is not placed exactly once, and leaves no part to the next page', async () => {
    expect((await app.inject({ method: 'GET', url: '/twice' })).statusCode).toBe(500);
    expect((await app.inject({ method: 'GET', url: '/early' })).statusCode).toBe(500);
    const plain = await app.inject({ method: 'GET', url: '/plain' });
    expect(plain.body).toBe('<!doctype html><html><body><p>Hola — sin partes</p></body></html>');
  });
});
