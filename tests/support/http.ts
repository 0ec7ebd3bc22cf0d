/**
 * A small browser for app.inject: keeps cookies like a browser, reads the CSRF token of the last
 * page, and posts forms with it.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

export class Client {
  readonly cookies = new Map<string, string>();
  csrf = '';
  last: LightMyRequestResponse | undefined;

  constructor(
    private readonly app: FastifyInstance,
    readonly headers: Record<string, string> = {},
    /** the client's IP address as the server sees it (default 127.0.0.1) */
    readonly remoteAddress?: string,
  ) {}

  private remember(res: LightMyRequestResponse): LightMyRequestResponse {
    for (const c of res.cookies) {
      const expired = c.maxAge === 0 || (c.expires instanceof Date && c.expires.getTime() < Date.now() - 1000);
      if (expired || c.value === '') this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1];
    if (token) this.csrf = token;
    this.last = res;
    return res;
  }

  async get(url: string): Promise<LightMyRequestResponse> {
    return this.remember(await this.app.inject({ method: 'GET', url, cookies: Object.fromEntries(this.cookies), headers: this.headers, ...(this.remoteAddress ? { remoteAddress: this.remoteAddress } : {}) }));
  }

  /** Posts a form with the token of the last page; `headers` for this request only (Origin, Sec-Fetch-Site, Referer …). */
  async post(
    url: string,
    fields: Record<string, string | string[]>,
    { csrf = true, headers = {} }: { csrf?: boolean; headers?: Record<string, string> } = {},
  ): Promise<LightMyRequestResponse> {
    const body = new URLSearchParams();
    if (csrf) body.append('_csrf', this.csrf);
    for (const [k, v] of Object.entries(fields)) for (const value of Array.isArray(v) ? v : [v]) body.append(k, value);
    return this.remember(
      await this.app.inject({
        method: 'POST',
        url,
        payload: body.toString(),
        headers: { ...this.headers, ...headers, 'content-type': 'application/x-www-form-urlencoded' },
        cookies: Object.fromEntries(this.cookies),
        ...(this.remoteAddress ? { remoteAddress: this.remoteAddress } : {}),
      }),
    );
  }

  /**
   * Posts a multipart form (a file upload) as a browser does: the parts in the order given; the form's
   * token goes in the address (`?_csrf=`), as the upload forms carry it, unless `csrf` is false.
   */
  async upload(
    url: string,
    parts: ({ name: string; value: string } | { name: string; filename: string; content: Buffer; type?: string })[],
    { csrf = true }: { csrf?: boolean } = {},
  ): Promise<LightMyRequestResponse> {
    const boundary = `----homeroomtest${Math.random().toString(16).slice(2)}`;
    const chunks: Buffer[] = [];
    for (const part of parts) {
      const head =
        'filename' in part
          ? `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\nContent-Type: ${part.type ?? 'application/zip'}\r\n\r\n`
          : `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"\r\n\r\n`;
      chunks.push(Buffer.from(head), 'filename' in part ? part.content : Buffer.from(part.value), Buffer.from('\r\n'));
    }
    chunks.push(Buffer.from(`--${boundary}--\r\n`));
    const target = csrf ? `${url}${url.includes('?') ? '&' : '?'}_csrf=${encodeURIComponent(this.csrf)}` : url;
    return this.remember(
      await this.app.inject({
        method: 'POST',
        url: target,
        payload: Buffer.concat(chunks),
        headers: { ...this.headers, 'content-type': `multipart/form-data; boundary=${boundary}` },
        cookies: Object.fromEntries(this.cookies),
        ...(this.remoteAddress ? { remoteAddress: this.remoteAddress } : {}),
      }),
    );
  }

  /** GET a page with a form, then post it. */
  async submit(url: string, fields: Record<string, string | string[]>, action = url): Promise<LightMyRequestResponse> {
    await this.get(url);
    return this.post(action, fields);
  }
}

/** A clock tests can move. */
export function clock(start: string) {
  let t = new Date(start).getTime();
  return {
    now: () => new Date(t),
    advance(ms: number) {
      t += ms;
    },
  };
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** A browser signed in as `username`; fails the test if sign-in is refused. */
export async function signedInClient(app: FastifyInstance, username: string, password: string): Promise<Client> {
  const c = new Client(app);
  const res = await c.submit('/sign-in', { username, password });
  if (res.statusCode !== 303) throw new Error(`signing in as ${username} answered ${res.statusCode}`);
  return c;
}

/** The idempotency key a payment or refund form carries (`name="key"`), '' when there is none. */
export const formKey = (html: string): string => /name="key" value="([^"]+)"/.exec(html)?.[1] ?? '';

/** The version of the settings a Notification Settings page shows (`name="version"`), '' when there is none. */
export const formVersion = (html: string): string => /name="version" value="(\d+)"/.exec(html)?.[1] ?? '';
