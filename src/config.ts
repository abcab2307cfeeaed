import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { indianStateCode } from './lib/places.js';

/** Every setting of the server, validated once at start-up. The only reader of process.env. */
export interface Config {
  readonly port: number;
  readonly host: string;
  /** PostgreSQL URL; null means the embedded PGlite database in `dataDir`. */
  readonly databaseUrl: string | null;
  readonly dataDir: string;
  readonly dbPoolMax: number;
  readonly jwtSecret: string;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  /**
   * How long a rotated refresh token, presented again, still yields the same successor pair
   * instead of ending its login (several tabs, client retries). 0: reuse always ends it.
   */
  readonly refreshReuseGraceSeconds: number;
  readonly razorpay: {
    readonly keyId: string | null;
    readonly keySecret: string | null;
    readonly webhookSecret: string | null;
    readonly apiBase: string;
    readonly timeoutMs: number;
  };
  /**
   * SHOP_STATE: the Indian state the shop ships from (name or two-letter code, stored as the
   * code): an order shipped within it splits its GST into CGST + SGST, otherwise IGST. Unset:
   * every order's tax is IGST.
   */
  readonly shopState: string | null;
  readonly orderPaymentTimeoutSeconds: number;
  readonly lowStockThreshold: number;
  readonly reportTimezone: string;
  readonly loginMaxFailures: number;
  readonly loginWindowSeconds: number;
  readonly rateLimitPerMinute: number;
  readonly redisUrl: string | null;
  /** Prefix of every Redis key, so that several shops (or test runs) can share one Redis. */
  readonly redisKeyPrefix: string;
  /** When set, GET /metrics needs `Authorization: Bearer <token>`. */
  readonly metricsToken: string | null;
  readonly corsOrigins: readonly string[];
  /**
   * Where clients reach the API (`https://api.shop.example`, optionally with a path prefix),
   * without a trailing slash: the base of every link the API writes. Null: see publicBase.
   */
  readonly publicUrl: string | null;
  /** Product images: where they are stored and the public base of their URLs (null: `<public base>/media`). */
  readonly media: MediaConfig;
  /**
   * Outgoing e-mail: SMTP_URL (smtp:// or smtps://, with credentials), else every message is
   * written to DATA_DIR/mail/ as a .eml file. Branding from SHOP_NAME and SHOP_URL.
   */
  readonly mail: {
    readonly smtpUrl: string | null;
    readonly from: string;
    readonly shopName: string;
    /** The storefront's address, without a trailing slash: links in e-mails (password reset). */
    readonly shopUrl: string;
  };
  /**
   * Outgoing webhooks may go to plain http and to private, loopback or link-local addresses
   * (WEBHOOK_ALLOW_PRIVATE=true: development and tests only). Off: https to public addresses only.
   */
  readonly webhookAllowPrivate: boolean;
  readonly logLevel: string;
  /**
   * LOG_FORMAT: `json` (one JSON object a line, ISO times), `pretty` (one coloured,
   * human-readable line per event) or `auto` (unset: pretty when stdout is a terminal).
   */
  readonly logFormat: LogFormat;
  readonly jobs: boolean;
  /**
   * Which proxies' X-Forwarded-For to believe: false (none), true (every hop — only when
   * the proxy overwrites the header), a number of hops, or a list of proxy IPs/CIDRs.
   */
  readonly trustProxy: boolean | number | string[];
  /** Worker processes (node:cluster) sharing the port; 1 runs the server in this process. */
  readonly webConcurrency: number;
  /**
   * Argon2id cost: one of OWASP's equivalent minimum settings, 12 MiB × 3 passes (measured here
   * at 1.7× the verifications per second of 19 MiB × 2: it stays in the CPU's caches).
   */
  readonly argon2: { readonly memoryCost: number; readonly timeCost: number };
}

type LogFormat = 'auto' | 'pretty' | 'json';

/** Where product images are stored (MEDIA_STORAGE) and how large an upload may be. */
export interface MediaConfig {
  /** MEDIA_PUBLIC_URL: a CDN or the bucket's public address; null serves local files at `<public base>/media`. */
  readonly publicUrl: string | null;
  readonly storage: 'local' | 's3';
  /** The largest accepted upload, in bytes (MEDIA_MAX_BYTES). */
  readonly maxBytes: number;
  /** Local storage's directory: DATA_DIR/media. */
  readonly dir: string;
  /** S3 settings; null unless MEDIA_STORAGE=s3. */
  readonly s3: S3Config | null;
}

export interface S3Config {
  readonly bucket: string;
  readonly region: string;
  /** An S3-compatible endpoint (MinIO, R2, …); null: AWS. */
  readonly endpoint: string | null;
  readonly accessKeyId: string | null;
  readonly secretAccessKey: string | null;
  /** `https://endpoint/bucket/key` instead of `https://bucket.endpoint/key` (MinIO and most self-hosted stores). */
  readonly forcePathStyle: boolean;
}

/** A setting is missing or malformed; the message names it in one line. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function str(env: Env, name: string): string | null {
  const value = env[name]?.trim();
  return value ? value : null;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = str(env, name);
  if (raw === null) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(`${name} must be an integer, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) {
    throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

function url(env: Env, name: string, protocols: string[]): string | null {
  const raw = str(env, name);
  if (raw === null) return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  }
  return raw;
}

function timezone(env: Env, name: string): string {
  const zone = str(env, name) ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new ConfigError(`${name} is not a known IANA time zone: "${zone}"`);
  }
  return zone;
}

/**
 * With PostgreSQL the secret must be given (several instances must share it); on the
 * embedded database it is generated once and kept beside the data.
 */
function jwtSecret(env: Env, databaseUrl: string | null, dataDir: string): string {
  const given = str(env, 'JWT_SECRET');
  if (given !== null) {
    if (given.length < 32) throw new ConfigError('JWT_SECRET must be at least 32 characters');
    return given;
  }
  if (databaseUrl !== null) {
    throw new ConfigError('JWT_SECRET is required when DATABASE_URL is set');
  }
  const file = join(dataDir, 'jwt-secret');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(dataDir, { recursive: true });
    const secret = randomBytes(48).toString('base64url');
    writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
    return secret;
  }
}

function trustProxy(env: Env): boolean | number | string[] {
  const raw = str(env, 'TRUST_PROXY');
  if (raw === null) return false;
  if (/^\d+$/.test(raw)) return int(env, 'TRUST_PROXY', 0, 0, 100);
  if (/^[0-9a-f:.,/\s]+$/i.test(raw) && /[.:]/.test(raw)) {
    return raw.split(',').map((part) => part.trim()).filter(Boolean);
  }
  const lower = raw.toLowerCase();
  if (['true', 'yes', 'on'].includes(lower)) return true;
  if (['false', 'no', 'off'].includes(lower)) return false;
  throw new ConfigError(
    `TRUST_PROXY must be true, false, a number of proxy hops or a list of proxy addresses, got "${raw}"`,
  );
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = str(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['true', 'yes', 'on', '1'].includes(raw)) return true;
  if (['false', 'no', 'off', '0'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

/** A base URL without a trailing slash, query or fragment (PUBLIC_URL, MEDIA_PUBLIC_URL). */
function baseUrl(env: Env, name: string): string | null {
  const raw = url(env, name, ['http:', 'https:']);
  if (raw === null) return null;
  const parsed = new URL(raw);
  if (parsed.search || parsed.hash || raw.includes('?') || raw.includes('#')) {
    throw new ConfigError(`${name} must not have a query or fragment, got "${raw}"`);
  }
  if (parsed.username || parsed.password) {
    throw new ConfigError(`${name} must not carry a user name or password`);
  }
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}

function s3Config(env: Env): S3Config {
  const bucket = str(env, 'S3_BUCKET');
  if (bucket === null) throw new ConfigError('S3_BUCKET is required when MEDIA_STORAGE is s3');
  const accessKeyId = str(env, 'S3_ACCESS_KEY_ID');
  const secretAccessKey = str(env, 'S3_SECRET_ACCESS_KEY');
  if (accessKeyId && !secretAccessKey) {
    throw new ConfigError('S3_SECRET_ACCESS_KEY is required when S3_ACCESS_KEY_ID is set');
  }
  if (secretAccessKey && !accessKeyId) {
    throw new ConfigError('S3_ACCESS_KEY_ID is required when S3_SECRET_ACCESS_KEY is set');
  }
  return {
    bucket,
    region: str(env, 'S3_REGION') ?? 'us-east-1',
    endpoint: url(env, 'S3_ENDPOINT', ['http:', 'https:']),
    accessKeyId,
    secretAccessKey,
    forcePathStyle: bool(env, 'S3_FORCE_PATH_STYLE', false),
  };
}

function mediaConfig(env: Env, dataDir: string): MediaConfig {
  const storage = (str(env, 'MEDIA_STORAGE') ?? 'local').toLowerCase();
  if (storage !== 'local' && storage !== 's3') {
    throw new ConfigError(`MEDIA_STORAGE must be local or s3, got "${storage}"`);
  }
  const publicUrl = baseUrl(env, 'MEDIA_PUBLIC_URL');
  // The API serves local files only: a bucket's images need the address clients load them from.
  if (storage === 's3' && publicUrl === null) {
    throw new ConfigError('MEDIA_PUBLIC_URL is required when MEDIA_STORAGE is s3 (the address images are loaded from)');
  }
  return {
    publicUrl,
    storage,
    maxBytes: int(env, 'MEDIA_MAX_BYTES', 10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    dir: join(dataDir, 'media'),
    s3: storage === 's3' ? s3Config(env) : null,
  };
}

function metricsToken(env: Env): string | null {
  const token = str(env, 'METRICS_TOKEN');
  if (token !== null && token.length < 16) throw new ConfigError('METRICS_TOKEN must be at least 16 characters');
  return token;
}

function shopState(env: Env): string | null {
  const raw = str(env, 'SHOP_STATE');
  if (raw === null) return null;
  const code = indianStateCode(raw);
  if (!code) throw new ConfigError(`SHOP_STATE must be an Indian state or union territory (name or code, e.g. KA), got "${raw}"`);
  return code;
}

function redisKeyPrefix(env: Env): string {
  const prefix = str(env, 'REDIS_KEY_PREFIX') ?? 'shop:';
  if (!/^[\w.:-]{1,64}$/.test(prefix)) {
    throw new ConfigError(`REDIS_KEY_PREFIX must be 1-64 letters, digits or _.:-, got "${prefix}"`);
  }
  return prefix;
}

function mailSettings(env: Env, publicBase: string | null): Config['mail'] {
  const shopName = str(env, 'SHOP_NAME') ?? 'Shop';
  if (shopName.length > 100 || /[\r\n]/.test(shopName)) throw new ConfigError('SHOP_NAME must be one line of at most 100 characters');
  const shopUrl = url(env, 'SHOP_URL', ['http:', 'https:']);
  // The default sender names the shop; a name with one of RFC 5322's specials ("Chai, Tea &
  // Co", "A <B>") is a quoted string, or it would read as two addresses or a broken one.
  const displayName = /["(),.:;<>@[\]\\]/.test(shopName) ? `"${shopName.replace(/["\\]/g, (c) => `\\${c}`)}"` : shopName;
  const given = str(env, 'MAIL_FROM');
  const from = given ?? `${displayName} <shop@localhost>`;
  // "Name <address>" or a bare address; no line breaks (they would forge headers).
  if (given !== null && (/[\r\n]/.test(from) || !/^([^<>]*<[^<>\s@]+@[^<>\s@]+>|[^<>\s@]+@[^<>\s@]+)$/.test(from))) {
    throw new ConfigError(`MAIL_FROM must look like "Shop <shop@example.com>" or shop@example.com, got "${from}"`);
  }
  return {
    smtpUrl: url(env, 'SMTP_URL', ['smtp:', 'smtps:']),
    from,
    shopName,
    shopUrl: (shopUrl ?? publicBase ?? 'http://localhost:3000').replace(/\/+$/, ''),
  };
}

/** Reads and validates the environment; throws ConfigError naming the first bad setting. */
export function loadConfig(env: Env = process.env): Config {
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const dataDir = resolve(str(env, 'DATA_DIR') ?? './data');
  const keyId = str(env, 'RAZORPAY_KEY_ID');
  const keySecret = str(env, 'RAZORPAY_KEY_SECRET');
  if (keyId && !keySecret) {
    throw new ConfigError('RAZORPAY_KEY_SECRET is required when RAZORPAY_KEY_ID is set');
  }
  if (keySecret && !keyId) {
    throw new ConfigError('RAZORPAY_KEY_ID is required when RAZORPAY_KEY_SECRET is set');
  }
  const logLevel = str(env, 'LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const logFormat = (str(env, 'LOG_FORMAT') ?? 'auto').toLowerCase();
  if (logFormat !== 'auto' && logFormat !== 'pretty' && logFormat !== 'json') {
    throw new ConfigError(`LOG_FORMAT must be pretty, json or auto, got "${logFormat}"`);
  }
  const corsOrigins = (str(env, 'CORS_ORIGINS') ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of corsOrigins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new ConfigError(
        `CORS_ORIGINS entries must look like https://shop.example.com (no path), got "${origin}"`,
      );
    }
  }
  const jobsRaw = (str(env, 'JOBS') ?? 'on').toLowerCase();
  if (!['on', 'off'].includes(jobsRaw)) throw new ConfigError(`JOBS must be on or off, got "${jobsRaw}"`);
  const webhookAllowPrivate = (str(env, 'WEBHOOK_ALLOW_PRIVATE') ?? 'false').toLowerCase();
  if (!['true', 'false'].includes(webhookAllowPrivate)) {
    throw new ConfigError(`WEBHOOK_ALLOW_PRIVATE must be true or false, got "${webhookAllowPrivate}"`);
  }
  const webConcurrency = int(env, 'WEB_CONCURRENCY', 1, 1, 64);
  if (webConcurrency > 1 && databaseUrl === null) {
    throw new ConfigError(
      'WEB_CONCURRENCY above 1 needs DATABASE_URL: the embedded database belongs to one process',
    );
  }

  const config: Config = {
    port: int(env, 'PORT', 3000, 0, 65535),
    host: str(env, 'HOST') ?? '0.0.0.0',
    databaseUrl,
    dataDir,
    dbPoolMax: int(env, 'DB_POOL_MAX', 10, 1, 1000),
    jwtSecret: jwtSecret(env, databaseUrl, dataDir),
    accessTokenTtlSeconds: int(env, 'ACCESS_TOKEN_TTL_SECONDS', 900, 10, 86_400),
    refreshTokenTtlSeconds: int(env, 'REFRESH_TOKEN_TTL_SECONDS', 604_800, 60, 31_536_000),
    refreshReuseGraceSeconds: int(env, 'REFRESH_REUSE_GRACE_SECONDS', 0, 0, 300),
    razorpay: {
      keyId,
      keySecret,
      webhookSecret: str(env, 'RAZORPAY_WEBHOOK_SECRET') ?? keySecret,
      apiBase: (url(env, 'RAZORPAY_API_BASE', ['http:', 'https:']) ?? 'https://api.razorpay.com')
        .replace(/\/+$/, ''),
      timeoutMs: int(env, 'RAZORPAY_TIMEOUT_MS', 10_000, 100, 120_000),
    },
    orderPaymentTimeoutSeconds: int(env, 'ORDER_PAYMENT_TIMEOUT_SECONDS', 1800, 1, 31_536_000),
    shopState: shopState(env),
    lowStockThreshold: int(env, 'LOW_STOCK_THRESHOLD', 10, 0, 1_000_000),
    reportTimezone: timezone(env, 'REPORT_TIMEZONE'),
    loginMaxFailures: int(env, 'LOGIN_MAX_FAILURES', 5, 1, 1000),
    loginWindowSeconds: int(env, 'LOGIN_WINDOW_SECONDS', 900, 1, 86_400),
    rateLimitPerMinute: int(env, 'RATE_LIMIT_PER_MINUTE', 0, 0, 10_000_000),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    redisKeyPrefix: redisKeyPrefix(env),
    metricsToken: metricsToken(env),
    corsOrigins,
    publicUrl: baseUrl(env, 'PUBLIC_URL'),
    media: mediaConfig(env, dataDir),
    mail: mailSettings(env, baseUrl(env, 'PUBLIC_URL')),
    webhookAllowPrivate: webhookAllowPrivate === 'true',
    logLevel,
    logFormat,
    jobs: jobsRaw === 'on',
    trustProxy: trustProxy(env),
    webConcurrency,
    argon2: {
      memoryCost: int(env, 'ARGON2_MEMORY_KIB', 12_288, 1024, 4_194_304),
      timeCost: int(env, 'ARGON2_ITERATIONS', 3, 1, 100),
    },
  };
  return Object.freeze(config);
}
