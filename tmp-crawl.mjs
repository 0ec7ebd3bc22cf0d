import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';
const base = 'http://127.0.0.1:3100';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const users = process.argv.slice(2);
for (const user of users) {
  const ctx = await browser.newContext({ viewport: { width: 360, height: 800 } });
  const page = await ctx.newPage();
  await page.goto(base + '/sign-in');
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', 'cedar valley demo');
  await page.click('button[type=submit]');
  await page.waitForLoadState('networkidle');
  const seen = new Set(); const queue = [new URL(page.url()).pathname];
  const skip = /sign-out|unsubscribe|\.(pdf|ics|csv|zip|js|css|png|svg|webmanifest)|\/feed|\/download|\/export|\/print|\/open$|\/remove$|end-now/;
  let n = 0;
  while (queue.length && n < 70) {
    const path = queue.shift();
    const key = path.replace(/\d+/g, 'N');
    if (seen.has(key)) continue; seen.add(key);
    const res = await page.goto(base + path).catch(() => null);
    if (!res || !(res.headers()['content-type'] ?? '').includes('text/html')) continue;
    n++;
    const r = await new AxeBuilder({ page }).withRules(['color-contrast']).analyze();
    const bad = r.incomplete.flatMap((v) => v.nodes.filter((x) => x.any.some((a) => /1:1 contrast/.test(a.message))).map((x) => x.target.join(' ')));
    if (bad.length || r.violations.length) console.log(user, path, 'INVISIBLE', bad.slice(0, 3), 'VIOL', r.violations.length);
    const links = await page.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href')));
    for (const l of links) { if (l && l.startsWith('/') && !skip.test(l)) queue.push(l.split('#')[0]); }
  }
  console.log(user, 'pages', n);
  await ctx.close();
}
await browser.close();
