/*
 * Homeroom's service worker (scope /): shows Web Push notifications and opens their page on tap; when
 * the network is gone, serves the last-viewed Today and Grades pages of the signed-in account (marked
 * with the time they were saved) or a friendly offline page. Served by routes/app.tsx, which fills in
 * the values between double underscores.
 *
 * Nothing a family reads is kept for another person: saved pages live in a cache named for the
 * account (an opaque key the server sends as X-Homeroom-Account), and every page answer that names
 * another account, or none (signed out, session ended), deletes the saved pages of every other account.
 */
'use strict';
const CONFIG = __CONFIG__;
const STATIC_CACHE = 'homeroom-static-' + CONFIG.version;
const PAGES_PREFIX = 'homeroom-pages-';
const STATE_CACHE = 'homeroom-state';
const STATE_URL = '/__homeroom-state';

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(STATIC_CACHE)
      .then((cache) => cache.addAll(CONFIG.precache))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith('homeroom-static-') && n !== STATIC_CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

async function readState() {
  const hit = await caches.match(STATE_URL, { cacheName: STATE_CACHE });
  if (!hit) return { account: 'none', lang: null };
  try {
    return await hit.json();
  } catch {
    return { account: 'none', lang: null };
  }
}

async function writeState(state) {
  const cache = await caches.open(STATE_CACHE);
  await cache.put(STATE_URL, new Response(JSON.stringify(state), { headers: { 'content-type': 'application/json' } }));
}

/** Deletes the saved pages of every account but `account` ('none': of every account). */
async function keepOnly(account) {
  const names = await caches.keys();
  await Promise.all(names.filter((n) => n.startsWith(PAGES_PREFIX) && n !== PAGES_PREFIX + account).map((n) => caches.delete(n)));
}

function langOf(response, html) {
  const lang = /<html[^>]*\blang="([a-z]{2})"/.exec(html)?.[1] ?? response.headers.get('content-language');
  return CONFIG.strings[lang] ? lang : null;
}

async function fromNetwork(request) {
  const response = await fetch(request);
  const account = response.headers.get('x-homeroom-account');
  if (!account) return response;
  await keepOnly(account);
  const state = await readState();
  const html = account !== 'none' && response.ok && response.headers.get('x-homeroom-offline') ? await response.clone().text() : null;
  const lang = html ? langOf(response, html) : state.lang;
  await writeState({ account, lang: lang ?? state.lang });
  if (html !== null) {
    const cache = await caches.open(PAGES_PREFIX + account);
    await cache.put(
      request.url,
      new Response(html, { headers: { 'content-type': 'text/html; charset=utf-8', 'x-homeroom-saved': new Date().toISOString(), 'x-homeroom-lang': lang ?? 'en' } }),
    );
  }
  return response;
}

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/** A saved page, with a notice at the top of its main content saying it is offline and when it was saved. */
async function marked(saved) {
  const html = await saved.text();
  const lang = CONFIG.strings[saved.headers.get('x-homeroom-lang')] ? saved.headers.get('x-homeroom-lang') : 'en';
  const strings = CONFIG.strings[lang];
  const when = new Intl.DateTimeFormat(strings.tag, { dateStyle: 'medium', timeStyle: 'short', timeZone: CONFIG.timeZone }).format(
    new Date(saved.headers.get('x-homeroom-saved')),
  );
  const notice =
    '<div class="usa-alert usa-alert--warning usa-alert--slim" role="status" id="hr-offline-saved"><div class="usa-alert__body"><p class="usa-alert__text">' +
    escapeHtml(strings.savedAt.replace('{time}', when)) +
    '</p></div></div>';
  return new Response(html.replace(/(<main\b[^>]*>)/, (m) => m + notice), {
    status: 200,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
  });
}

async function offline(request) {
  const state = await readState();
  if (state.account !== 'none') {
    const cache = await caches.open(PAGES_PREFIX + state.account);
    const saved = await cache.match(request.url);
    if (saved) return marked(saved);
  }
  const lang = state.lang ?? ((self.navigator.language || 'en').toLowerCase().startsWith('es') ? 'es' : 'en');
  const page = await caches.match('/offline?lang=' + lang, { cacheName: STATIC_CACHE });
  return page ?? new Response(CONFIG.strings[lang].title, { status: 503, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}

function isStatic(url) {
  return url.pathname.startsWith('/assets/') || url.pathname.startsWith('/icons/') || url.pathname === '/theme.css' || url.pathname === '/favicon.svg';
}

/** The page script and the manifest: from the network when it answers (they change without a new address), else the copy kept. */
function isShell(url) {
  return url.pathname === '/app.js' || url.pathname === '/manifest.webmanifest';
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate') {
    event.respondWith(fromNetwork(request).catch(() => offline(request)));
    return;
  }
  if (isStatic(url)) {
    // Stylesheets and icons carry their version in their address: the cached copy is the right one.
    event.respondWith(
      caches.open(STATIC_CACHE).then(async (cache) => {
        const hit = await cache.match(request);
        if (hit) return hit;
        const response = await fetch(request);
        if (response.ok) await cache.put(request, response.clone());
        return response;
      }),
    );
    return;
  }
  if (isShell(url)) {
    event.respondWith(
      fetch(request)
        .then(async (response) => {
          if (response.ok) await (await caches.open(STATIC_CACHE)).put(request, response.clone());
          return response;
        })
        .catch(async () => (await caches.match(request, { cacheName: STATIC_CACHE })) ?? Response.error()),
    );
  }
});

// The page's script asks for this after signing out, as well as the server's answers saying so.
self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'signed-out') event.waitUntil(keepOnly('none').then(() => writeState({ account: 'none', lang: null })));
});

/** Where a notification leads: a page of this site (its path), never another site. */
function targetOf(url) {
  try {
    const target = new URL(String(url), self.location.origin);
    if (target.origin === self.location.origin) return target.pathname + target.search + target.hash;
  } catch {
    // not an address: the home page
  }
  return '/home';
}

self.addEventListener('push', (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = {};
  }
  const title = typeof data.title === 'string' && data.title ? data.title : CONFIG.portalName;
  const options = { body: typeof data.body === 'string' ? data.body : '', data: { url: targetOf(data.url) }, icon: '/icons/icon-192.png' };
  if (typeof data.tag === 'string' && data.tag) options.tag = data.tag;
  event.waitUntil(self.registration.showNotification(title, options));
});

/** Focuses a window already showing the page, else takes one of the site's windows there, else opens one. */
async function openOrFocus(path) {
  const target = new URL(path, self.location.origin).href;
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  // Focusing is allowed only during the tap itself; a window that cannot take focus still shows the page.
  const focus = (w) => w.focus().catch(() => w);
  const same = windows.find((w) => w.url === target);
  if (same) return focus(same);
  const ours = windows.find((w) => w.url.startsWith(self.location.origin + '/'));
  if (ours) {
    const moved = await ours.navigate(target).catch(() => null);
    if (moved) return focus(moved);
  }
  return self.clients.openWindow(target);
}

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(openOrFocus(targetOf(event.notification.data && event.notification.data.url)));
});

// For the browser tests: the click handler's decisions, callable from the worker's console.
self.homeroom = { targetOf, openOrFocus };
