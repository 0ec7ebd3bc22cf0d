/**
 * The floor for the sign-in storm: the least a Node.js server can do per sign-in, with Homeroom's own
 * password hashing and nothing else. `npm run bench -- login --engines bare` storms it exactly as it
 * storms Homeroom, so the two shares of the limit can be compared: what Homeroom spends above this server
 * is Homeroom's; what this server spends is Node's HTTP and the hand-over to the hashing threads.
 *
 *  - GET /sign-in: a small form page with a form token and a cookie, as the benchmark's client expects;
 *  - POST /sign-in: reads the form, verifies the password with `verifyPassword` (the same hashing
 *    threads, the same argon2id parameters), answers 303 with a session cookie, or 401;
 *  - GET /home: a fixed page of 2.6 KB (Homeroom's /home for the demo parent is 3 KB), gzipped at every
 *    request as Homeroom's pages are.
 *
 * No database, no framework, no CSRF check, no throttle, no audit: it is not a sign-in anyone should
 * ship, only a measuring stick. Not part of the product; run only by the benchmark.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import zlib from 'node:zlib';
import { hashPassword, verifyPassword } from '../../src/domain/accounts/passwords.js';
import { gzipSizedFor } from '../../src/web/render.js';

const PASSWORD = 'cedar valley demo';
const port = Number(process.argv[process.argv.indexOf('--port') + 1]);
const stored = await hashPassword(PASSWORD);
const home = Buffer.from(
  `<!doctype html><html lang="en"><head><title>Home</title></head><body><main>${Array.from({ length: 40 }, (_, i) => `<p class="usa-card">Student ${i}: schedule, grades, attendance</p>`).join('')}</main></body></html>`,
);
const form = '<!doctype html><html lang="en"><head><title>Sign in</title></head><body><form method="post"><input type="hidden" name="_csrf" value="bare"></form></body></html>';

const server = http.createServer((request, response) => {
  if (request.method === 'POST' && request.url === '/sign-in') {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const password = new URLSearchParams(Buffer.concat(chunks).toString()).get('password') ?? '';
      verifyPassword(stored, password).then(
        (ok) => {
          if (!ok) return void response.writeHead(401).end();
          response.writeHead(303, { location: '/home', 'set-cookie': `hr_session=${randomBytes(32).toString('base64url')}; Path=/; HttpOnly; SameSite=Lax` }).end();
        },
        () => void response.writeHead(500).end(),
      );
    });
    return;
  }
  if (request.url === '/sign-in') return void response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'set-cookie': 'hr_csrf=bare; Path=/' }).end(form);
  if (request.url === '/home') {
    const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
    const headers: http.OutgoingHttpHeaders = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' };
    if (gzip) headers['content-encoding'] = 'gzip';
    return void response.writeHead(200, headers).end(gzip ? zlib.gzipSync(home, gzipSizedFor(home.length)) : home);
  }
  response.writeHead(404).end();
});
server.listen(port, '127.0.0.1', () => {
  // the lines the benchmark waits for, in the demo server's words
  console.log(`Homeroom is running at http://127.0.0.1:${port} (bare sign-in floor)\nparent bare ${PASSWORD}\ndistrict_admin none`);
});
process.on('SIGTERM', () => process.exit(0));
