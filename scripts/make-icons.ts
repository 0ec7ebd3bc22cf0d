/**
 * Makes the app's PNG icons (src/web/assets/icons/*.png) from its SVGs, drawn by Chromium at each size
 * the installable app needs: 192 and 512 px (Android, desktop), 512 px maskable (Android's shaped
 * icons: the drawing inside the safe circle), 180 px (iOS "Add to Home Screen"). The PNGs are committed;
 * run this again after changing an SVG: `npx tsx scripts/make-icons.ts`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const dir = path.resolve(import.meta.dirname, '../src/web/assets/icons');
const sizes: [svg: string, png: string, px: number][] = [
  ['icon.svg', 'icon-192.png', 192],
  ['icon.svg', 'icon-512.png', 512],
  ['maskable.svg', 'maskable-512.png', 512],
  ['maskable.svg', 'apple-touch-icon.png', 180],
];

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  for (const [svg, png, px] of sizes) {
    const page = await browser.newPage({ viewport: { width: px, height: px } });
    const source = fs.readFileSync(path.join(dir, svg), 'utf8');
    await page.setContent(`<html><body style="margin:0">${source.replace('<svg ', `<svg width="${px}" height="${px}" style="display:block" `)}</body></html>`);
    await page.screenshot({ path: path.join(dir, png), omitBackground: true });
    await page.close();
  }
} finally {
  await browser.close();
}
