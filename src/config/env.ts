/**
 * Environment configuration, parsed once at start-up by one zod schema. A wrong value stops the
 * process with a message naming the variable, what it must be and what it was.
 */
import path from 'node:path';
import { z } from 'zod';

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'].includes(v), {
    message: 'must be true or false',
  })
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

/** Names proxy-addr (Fastify's trustProxy) understands besides addresses: 127.0.0.1/8 and ::1; link-local; private ranges. */
const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'] as const;
const proxyAddress = z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6(), z.enum(PROXY_NAMES)]);
const TRUST_PROXY_HELP =
  'the number of proxies in front of Homeroom (TRUST_PROXY=1 for one load balancer) or their addresses, comma-separated (TRUST_PROXY=10.0.0.0/8,192.0.2.7)';

/**
 * Whose X-Forwarded-For (and -Proto, -Host) to believe. Unset, `false` or `0`: nobody's. A whole
 * number: that many proxies in front, so the address is the one the farthest of them saw. A list of
 * addresses and CIDR ranges: hops from those proxies are skipped. `true` is refused: it would believe
 * the left-most entry, which the client writes.
 */
const trustProxy = z
  .string()
  .trim()
  .transform((v, ctx): false | number | string[] => {
    const lower = v.toLowerCase();
    if (['false', 'no', 'off', '0'].includes(lower)) return false;
    if (['true', 'yes', 'on'].includes(lower)) {
      ctx.addIssue({ code: 'custom', message: `must not be ${lower}, which would trust the addresses clients write themselves; set it to ${TRUST_PROXY_HELP}` });
      return z.NEVER;
    }
    if (/^\d+$/.test(v)) {
      const hops = Number(v);
      if (hops > 10) {
        ctx.addIssue({ code: 'custom', message: 'must be a number of proxies between 0 and 10, or their addresses' });
        return z.NEVER;
      }
      return hops;
    }
    const entries = v.split(',').map((e) => e.trim());
    const wrong = entries.find((e) => !proxyAddress.safeParse(e).success);
    if (wrong !== undefined) {
      ctx.addIssue({ code: 'custom', message: `must be ${TRUST_PROXY_HELP}; ${JSON.stringify(wrong)} is not an IP address or CIDR range` });
      return z.NEVER;
    }
    return entries;
  });

const databaseUrl = z
  .string()
  .trim()
  .refine((v) => /^(postgres|postgresql):\/\/.+/.test(v) || /^sqlite:.+/.test(v), {
    message: 'must start with postgres:// (PostgreSQL) or sqlite: followed by a file path',
  });

export const envSchema = z.object({
  PORT: z.coerce
    .number({ message: 'must be a whole number' })
    .int('must be a whole number')
    .min(0, 'must be between 0 and 65535')
    .max(65535, 'must be between 0 and 65535')
    .default(3000),
  HOST: z.string().trim().min(1, 'must not be empty').default('127.0.0.1'),
  DATA_DIR: z.string().trim().min(1, 'must not be empty').default('data'),
  DATABASE_URL: databaseUrl.optional(),
  BASE_URL: z
    .string()
    .trim()
    .url('must be a full URL such as https://portal.example.org')
    .refine((v) => /^https?:\/\//.test(v), { message: 'must start with http:// or https://' })
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DEMO_MODE: bool.default(false),
  TRUST_PROXY: trustProxy.default(false),
  SMTP_URL: z
    .string()
    .trim()
    .refine((v) => /^smtps?:\/\/[^\s]+$/.test(v), { message: 'must look like smtp://user:password@host:587 or smtps://…' })
    .optional(),
  // SMTP conversations at once (pooled connections); a process killed mid-round leaves at most this many "outcome unknown".
  MAIL_CONNECTIONS: z.coerce
    .number({ message: 'must be a whole number from 1 to 50' })
    .int('must be a whole number from 1 to 50')
    .min(1, 'must be a whole number from 1 to 50')
    .max(50, 'must be a whole number from 1 to 50')
    .default(1),
  IMPORT_DIR: z.string().trim().min(1, 'must not be empty').optional(),
  IMPORT_UPLOAD_MAX_MB: z.coerce
    .number({ message: 'must be a whole number of megabytes' })
    .int('must be a whole number of megabytes')
    .min(1, 'must be between 1 and 16384')
    .max(16384, 'must be between 1 and 16384')
    .default(1024),
  MAIL_FROM: z
    .string()
    .trim()
    .refine((v) => /^[^<>@\s]+@[^<>@\s]+$/.test(v) || /^[^<>]*<[^<>@\s]+@[^<>@\s]+>$/.test(v), {
      message: 'must be an address, e.g. portal@district.example.org or "Portal <portal@district.example.org>"',
    })
    .optional(),
  WEB_PROCESSES: z.coerce
    .number({ message: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, 'must be between 1 and 64')
    .max(64, 'must be between 1 and 64')
    .default(1),
  METRICS_TOKEN: z
    .string()
    .trim()
    .min(32, 'must be at least 32 characters (e.g. from `openssl rand -hex 32`)')
    .max(512, 'must be at most 512 characters')
    .refine((v) => /^[\x21-\x7e]+$/.test(v), { message: 'must be printable ASCII without spaces' })
    .optional(),
  SQLITE_SYNCHRONOUS: z.string().trim().toLowerCase().pipe(z.enum(['normal', 'full'], { message: 'must be normal or full' })).default('normal'),
  DB_POOL_SIZE: z.coerce
    .number({ message: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, 'must be between 1 and 100')
    .max(100, 'must be between 1 and 100')
    .default(10),
  // Paying fees online (ADR 0047): the district's own Stripe account. Both keys, or neither (no online payment).
  STRIPE_SECRET_KEY: z
    .string()
    .trim()
    .refine((v) => /^(sk|rk)_(test|live)_[A-Za-z0-9]{8,}$/.test(v), { message: 'must be a Stripe secret or restricted key (sk_live_…, sk_test_…, rk_live_…)' })
    .optional(),
  STRIPE_WEBHOOK_SECRET: z
    .string()
    .trim()
    .refine((v) => /^whsec_[A-Za-z0-9+/=_-]{8,}$/.test(v), { message: 'must be the signing secret of the webhook endpoint at Stripe (whsec_…)' })
    .optional(),
  // Where the Stripe client sends its requests: Stripe's own API unless set (the tests point it at a local server).
  STRIPE_API_URL: z
    .string()
    .trim()
    .refine((v) => /^https?:\/\/[^/\s:]+(:\d{1,5})?\/?$/.test(v), { message: 'must be an address such as https://api.stripe.com or http://127.0.0.1:12111, with no path' })
    .optional(),
});

/** Variables whose values are secrets: a message about them gives only their length. */
const SECRETS = new Set(['METRICS_TOKEN', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET']);
/** Variables that may carry a password in their address (`scheme://user:password@host`): shown without it. */
const ADDRESSES = new Set(['DATABASE_URL', 'SMTP_URL']);

/** An address with the password part of its user information hidden, however malformed the rest. */
export function withoutPassword(value: string): string {
  return value.replace(/^((?:[^@/]*\/\/)?)([^@/]*)@/, (_all, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return `${scheme}${colon === -1 ? userinfo : `${userinfo.slice(0, colon)}:***`}@`;
  });
}

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string;
  baseUrl: string;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  demoMode: boolean;
  /**
   * whose X-Forwarded-* headers count: false (nobody's), a number of proxies in front (hops), or the
   * proxies' addresses and CIDR ranges (proxy-addr's names loopback, linklocal, uniquelocal too)
   */
  trustProxy: false | number | string[];
  /** web processes `homeroom serve` starts on its port (one per core is the most that helps) */
  webProcesses: number;
  dbPoolSize: number;
  /** SQLite only: how often the write-ahead log is synced to disk (ADR 0016) */
  sqliteSynchronous: 'normal' | 'full';
  /** SMTP server for email; without it, email goes to files under DATA_DIR/outbox */
  smtpUrl: string | null;
  /** SMTP conversations at once (MAIL_CONNECTIONS) */
  mailConnections: number;
  mailFrom: string;
  /** the folder the SIS drops OneRoster packages into, read every night at the district's import hour; null: no nightly import */
  importDir: string | null;
  /** the largest package the upload page takes, in bytes (the nightly folder has no limit) */
  importUploadMaxBytes: number;
  /** the bearer token /metrics asks for; without it /metrics is not served */
  metricsToken: string | null;
  /** true when the public URL is https, so cookies get the Secure flag */
  secure: boolean;
  /** the district's Stripe account for paying fees online; null: online payment is not offered */
  stripe: StripeConfig | null;
}

export interface StripeConfig {
  secretKey: string;
  webhookSecret: string;
  /** where the client sends its requests; null: Stripe's API */
  api: { protocol: 'http' | 'https'; host: string; port: number } | null;
}

function stripeApi(url: string | undefined): StripeConfig['api'] {
  if (!url) return null;
  const u = new URL(url);
  const protocol = u.protocol === 'http:' ? 'http' : 'https';
  return { protocol, host: u.hostname, port: u.port ? Number(u.port) : protocol === 'http' ? 80 : 443 };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Configuration error:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parse configuration from an environment (process.env by default). Throws ConfigError. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = env[key];
    // An empty variable counts as unset, as in most shells' `VAR= cmd`.
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = envSchema.safeParse(input);
  if (parsed.success && Boolean(parsed.data.STRIPE_SECRET_KEY) !== Boolean(parsed.data.STRIPE_WEBHOOK_SECRET)) {
    const missing = parsed.data.STRIPE_SECRET_KEY ? 'STRIPE_WEBHOOK_SECRET' : 'STRIPE_SECRET_KEY';
    throw new ConfigError([`${missing} must be set too: online payment needs both the secret key and the webhook's signing secret`]);
  }
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const key = String(issue.path[0] ?? '');
        const got = input[key];
        // A secret is never repeated in the message (it goes to logs): only its length.
        const shown =
          got === undefined
            ? ''
            : SECRETS.has(key)
              ? ` (got ${got.trim().length} characters)`
              : ` (got ${JSON.stringify(ADDRESSES.has(key) ? withoutPassword(got) : got)})`;
        return `${key} ${issue.message}${shown}`;
      }),
    );
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  const baseUrl = (e.BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    databaseUrl: e.DATABASE_URL ?? `sqlite:${path.join(dataDir, 'homeroom.sqlite')}`,
    baseUrl,
    logLevel: e.LOG_LEVEL,
    demoMode: e.DEMO_MODE,
    trustProxy: e.TRUST_PROXY === 0 ? false : e.TRUST_PROXY,
    dbPoolSize: e.DB_POOL_SIZE,
    sqliteSynchronous: e.SQLITE_SYNCHRONOUS,
    webProcesses: e.WEB_PROCESSES,
    smtpUrl: e.SMTP_URL ?? null,
    mailConnections: e.MAIL_CONNECTIONS,
    mailFrom: e.MAIL_FROM ?? 'Homeroom <no-reply@localhost>',
    importDir: e.IMPORT_DIR ? path.resolve(e.IMPORT_DIR) : null,
    importUploadMaxBytes: e.IMPORT_UPLOAD_MAX_MB * 1024 * 1024,
    metricsToken: e.METRICS_TOKEN ?? null,
    secure: baseUrl.startsWith('https://'),
    stripe: e.STRIPE_SECRET_KEY && e.STRIPE_WEBHOOK_SECRET ? { secretKey: e.STRIPE_SECRET_KEY, webhookSecret: e.STRIPE_WEBHOOK_SECRET, api: stripeApi(e.STRIPE_API_URL) } : null,
  };
}
