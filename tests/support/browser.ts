/**
 * Browser tests: Debian's Chromium (or CHROMIUM_PATH) driven by playwright-core, against the real
 * app listening on a free port. When no browser is installed the suites are skipped and the test
 * runner says so loudly.
 */
import fs from 'node:fs';
import { AxeBuilder } from '@axe-core/playwright';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';

export const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (p): p is string => Boolean(p && fs.existsSync(p)),
);

export async function launch(): Promise<Browser> {
  if (!CHROMIUM) throw new Error('No Chromium found (set CHROMIUM_PATH)');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return `http://127.0.0.1:${address.port}`;
}

const errorsOf = new WeakMap<Page, string[]>();

/** Console errors (CSP violations, failed loads, script errors) the page has logged so far. */
export function consoleErrors(page: Page): string[] {
  return errorsOf.get(page) ?? [];
}

/** Forgets the console lines of answers a test asked for on purpose (a 400 for a bad form, a 429). */
export function expectOnlyHttpErrors(page: Page, ...statuses: number[]): void {
  const errors = consoleErrors(page);
  const left = errors.filter((e) => !statuses.some((s) => e.includes(`status of ${s}`)));
  errors.splice(0, errors.length, ...left);
}

/** A page at a phone's or a laptop's width that records console errors and CSP reports. */
export async function openPage(browser: Browser, width: 360 | 1280, locale = 'en-US'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 800 }, locale });
  const page = await context.newPage();
  const errors: string[] = [];
  errorsOf.set(page, errors);
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return page;
}

/** axe with the WCAG 2.1 A and AA rules: no violations allowed. */
export async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const problems = results.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
  // Text the same colour as what is behind it: axe leaves it "to review" rather than a violation, as it
  // may be hidden on purpose. Nothing here is, and a white-on-white button passed that way.
  for (const v of results.incomplete.filter((r) => r.id === 'color-contrast')) {
    const invisible = v.nodes.filter((n) => n.any.some((check) => /\b1:1 contrast ratio\b/.test(check.message)));
    if (invisible.length > 0) problems.push(`color-contrast: text the colour of its background — ${invisible.map((n) => n.target.join(' ')).join(', ')}`);
  }
  expect(problems, `axe on ${page.url()}`).toEqual([]);
  expect(consoleErrors(page), `console errors on ${page.url()}`).toEqual([]);
}

/** Nothing may be wider than the viewport: no sideways scrolling on a phone. */
export async function expectNoHorizontalScroll(page: Page): Promise<void> {
  const { scroll, width, wide } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    width: window.innerWidth,
    // what sticks out, to say so in the failure
    wide: Array.from(document.body.querySelectorAll('*'))
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${e.className && typeof e.className === 'string' ? `.${e.className.split(' ').join('.')}` : ''}`),
  }));
  expect(scroll, `page ${page.url()} scrolls sideways (${wide.join(', ')})`).toBeLessThanOrEqual(width);
}

/** Both checks every staff and portal page must pass: axe clean, and no sideways scrolling. */
export async function expectFits(page: Page): Promise<void> {
  await expectAccessible(page);
  await expectNoHorizontalScroll(page);
}

/**
 * Signs in on the sign-in page by keyboard (type into each field, Enter), and waits for the page the
 * account lands on (Home unless said otherwise).
 */
export async function signIn(page: Page, base: string, who: { username: string; password: string }, landing: RegExp = /\/home$/): Promise<void> {
  await page.goto(`${base}/sign-in`);
  await page.locator('#username').focus();
  await page.keyboard.type(who.username);
  await page.locator('#password').focus();
  await page.keyboard.type(who.password);
  await page.keyboard.press('Enter');
  await page.waitForURL(landing);
}

/**
 * Presses Tab until the focused element is the one named: by its id, or by its text (a link's or a
 * button's); `button` only counts buttons. Fails after `max` presses.
 */
export async function tabTo(page: Page, name: string | RegExp, { button = false, max = 80 }: { button?: boolean; max?: number } = {}): Promise<void> {
  const matches = (value: string) => (typeof name === 'string' ? value === name : name.test(value));
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const { id, text, tag } = await page.evaluate(() => ({
      id: document.activeElement?.id ?? '',
      tag: document.activeElement?.tagName ?? '',
      // a select's text is all its options: only its id names it
      text: document.activeElement?.tagName === 'SELECT' ? '' : (document.activeElement?.textContent?.trim() ?? ''),
    }));
    if (button && tag !== 'BUTTON') continue;
    if ((!button && id !== '' && matches(id)) || matches(text)) return;
  }
  throw new Error(`Tab never reached ${String(name)}`);
}
