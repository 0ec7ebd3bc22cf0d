/**
 * A Web Push service on 127.0.0.1 (RFC 8030), for tests: an HTTPS server with a certificate made for
 * the test (openssl), that receives what `web-push` really sends, checks its VAPID authorization
 * (RFC 8292: an ES256 JWT whose `aud` is this service's origin, `exp` within 24 hours, `sub`, signed by
 * the key in `k=`) with node:crypto, and decrypts the aes128gcm payload (RFC 8291) with the
 * subscription's own private key and auth secret (http_ece). Answers can be scripted per subscription.
 */
import { execFileSync } from 'node:child_process';
import { createECDH, createPublicKey, randomBytes, verify, type ECDH } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import * as ece from 'http_ece';

export interface TestSubscription {
  /** the device's id in the push service's addresses */
  id: string;
  endpoint: string;
  keys: { p256dh: string; auth: string };
  ecdh: ECDH;
}

export interface ReceivedPush {
  subscription: string;
  payload: unknown;
  headers: Record<string, string | string[] | undefined>;
  jwt: { aud: string; exp: number; sub: string };
  vapidPublicKey: string;
}

export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
}

export interface PushService {
  origin: string;
  /** an https.Agent that trusts the service's certificate */
  agent: https.Agent;
  /** the certificate itself (PEM), for an agent in another process */
  ca: Buffer;
  received: ReceivedPush[];
  /** requests whose authorization or payload were wrong: a test expects none */
  problems: string[];
  subscription(): TestSubscription;
  /** the next answers for a subscription, in order (after them: 201) */
  answer(subscriptionId: string, ...answers: ScriptedAnswer[]): void;
  close(): Promise<void>;
}

function b64(buffer: Buffer): string {
  return buffer.toString('base64url');
}

/** Checks an `Authorization: vapid t=…, k=…` header; returns the claims and key, or a problem. */
export function checkVapid(header: string | undefined, origin: string): { jwt: ReceivedPush['jwt']; key: string } | string {
  const match = /^vapid t=([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+), k=([A-Za-z0-9_-]+)$/.exec(header ?? '');
  if (!match) return `authorization header is not "vapid t=…, k=…": ${header}`;
  const [, token = '', key = ''] = match;
  const [h = '', p = '', s = ''] = token.split('.');
  const head = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string; typ?: string };
  if (head.alg !== 'ES256') return `JWT alg ${head.alg}`;
  const raw = Buffer.from(key, 'base64url');
  if (raw.length !== 65 || raw[0] !== 4) return 'k is not an uncompressed P-256 point';
  const publicKey = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64(raw.subarray(1, 33)), y: b64(raw.subarray(33)) }, format: 'jwk' });
  const ok = verify('sha256', Buffer.from(`${h}.${p}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
  if (!ok) return 'JWT signature does not verify with k';
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as ReceivedPush['jwt'];
  if (claims.aud !== origin) return `aud ${claims.aud} is not ${origin}`;
  const nowSeconds = Date.now() / 1000;
  if (!(claims.exp > nowSeconds && claims.exp <= nowSeconds + 24 * 3600)) return `exp ${claims.exp} is not within 24 hours`;
  if (typeof claims.sub !== 'string' || !/^(mailto:|https:)/.test(claims.sub)) return `sub ${claims.sub}`;
  return { jwt: claims, key };
}

/** `keepAlive`: the agent keeps its connections (the benchmark; production's default agent does too). */
export async function startPushService(options: { keepAlive?: boolean } = {}): Promise<PushService> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'push-service-'));
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const key = fs.readFileSync(keyFile);
  const cert = fs.readFileSync(certFile);
  fs.rmSync(dir, { recursive: true, force: true });

  const subscriptions = new Map<string, TestSubscription>();
  const scripted = new Map<string, ScriptedAnswer[]>();
  const received: ReceivedPush[] = [];
  const problems: string[] = [];
  let origin = '';

  const server = https.createServer({ key, cert }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const id = /^\/push\/([\w-]+)$/.exec(request.url ?? '')?.[1] ?? '';
      const subscription = subscriptions.get(id);
      if (request.method !== 'POST' || !subscription) {
        response.writeHead(404).end();
        return;
      }
      const next = scripted.get(id)?.shift();
      if (next && next.status >= 300) {
        response.writeHead(next.status, next.headers ?? {}).end('refused by the test');
        return;
      }
      const vapid = checkVapid(request.headers.authorization, origin);
      if (typeof vapid === 'string') {
        problems.push(vapid);
        response.writeHead(401).end();
        return;
      }
      if (request.headers['content-encoding'] !== 'aes128gcm') problems.push(`content-encoding ${request.headers['content-encoding']}`);
      if (!request.headers.ttl) problems.push('no TTL header');
      try {
        const plain = ece.decrypt(Buffer.concat(chunks), { version: 'aes128gcm', privateKey: subscription.ecdh, authSecret: subscription.keys.auth });
        received.push({ subscription: id, payload: JSON.parse(plain.toString('utf8')), headers: request.headers, jwt: vapid.jwt, vapidPublicKey: vapid.key });
        response.writeHead(201, { location: `${origin}/message/${received.length}` }).end();
      } catch (error) {
        problems.push(`payload does not decrypt: ${(error as Error).message}`);
        response.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  origin = `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const agent = new https.Agent({ ca: cert, keepAlive: options.keepAlive ?? false });
  let count = 0;
  return {
    origin,
    agent,
    ca: cert,
    received,
    problems,
    subscription() {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const id = `device-${++count}-${randomBytes(4).toString('hex')}`;
      const sub = { id, endpoint: `${origin}/push/${id}`, keys: { p256dh: b64(ecdh.getPublicKey()), auth: b64(randomBytes(16)) }, ecdh };
      subscriptions.set(id, sub);
      return sub;
    },
    answer(subscriptionId, ...answers) {
      scripted.set(subscriptionId, [...(scripted.get(subscriptionId) ?? []), ...answers]);
    },
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
