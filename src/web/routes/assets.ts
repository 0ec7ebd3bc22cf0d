/** Stylesheets, USWDS images, the district theme and the icon. */
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { themeCss } from '../theme.js';

const root = path.resolve(import.meta.dirname, '../../..');
/** the compiled stylesheet (scripts/build-css.ts) */
export const PUBLIC_DIR = path.join(root, 'dist/public');
const USWDS_IMG = path.join(root, 'node_modules/@uswds/uswds/dist/img');
const OWN_ASSETS = path.join(root, 'src/web/assets');

/** A short hash of the stylesheet: part of every asset URL, so browsers may cache them for a year. */
export function assetVersion(): string {
  const css = path.join(PUBLIC_DIR, 'homeroom.css');
  if (!fs.existsSync(css)) {
    throw new Error(`${css} is missing: run \`npm run build\` (or \`npm start\`, which builds it).`);
  }
  return createHash('sha256').update(fs.readFileSync(css)).digest('hex').slice(0, 12);
}

export async function assetRoutes(app: FastifyInstance): Promise<void> {
  await app.register(fastifyStatic, {
    root: PUBLIC_DIR,
    prefix: '/assets/',
    decorateReply: false,
    index: false,
    // URLs carry the stylesheet's hash (?v=), so a browser may keep them for a year.
    maxAge: '365d',
    immutable: true,
  });
  await app.register(fastifyStatic, {
    root: USWDS_IMG,
    prefix: '/assets/uswds/img/',
    decorateReply: false,
    index: false,
    maxAge: '1d',
  });
  const icon = fs.readFileSync(path.join(OWN_ASSETS, 'favicon.svg'));

  app.get('/theme.css', async (_request, reply) => {
    const district = await app.services.districts.get();
    return reply
      .header('content-type', 'text/css; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .send(themeCss(district.colors));
  });
  const sendIcon = async (_request: unknown, reply: import('fastify').FastifyReply) =>
    reply.header('content-type', 'image/svg+xml').header('cache-control', 'public, max-age=86400').send(icon);
  app.get('/favicon.svg', sendIcon);
  app.get('/favicon.ico', sendIcon);
}
