import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const base = { JWT_SECRET: 'x'.repeat(32) };

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig(base);
    expect(c.port).toBe(3000);
    expect(c.host).toBe('0.0.0.0');
    expect(c.databaseUrl).toBeNull();
    expect(c.accessTokenTtlSeconds).toBe(900);
    expect(c.refreshTokenTtlSeconds).toBe(604_800);
    expect(c.refreshReuseGraceSeconds).toBe(0);
    expect(c.orderPaymentTimeoutSeconds).toBe(1800);
    expect(c.lowStockThreshold).toBe(10);
    expect(c.reportTimezone).toBe('UTC');
    expect(c.loginMaxFailures).toBe(5);
    expect(c.loginWindowSeconds).toBe(900);
    expect(c.rateLimitPerMinute).toBe(0);
    expect(c.redisUrl).toBeNull();
    expect(c.corsOrigins).toEqual([]);
    expect(c.razorpay.apiBase).toBe('https://api.razorpay.com');
    expect(c.razorpay.keyId).toBeNull();
    expect(c.jobs).toBe(true);
    expect(c.argon2).toEqual({ memoryCost: 12_288, timeCost: 3 });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it.each([
    [{ PORT: 'abc' }, /PORT must be an integer/],
    [{ PORT: '70000' }, /PORT must be between 0 and 65535/],
    [{ REFRESH_REUSE_GRACE_SECONDS: '301' }, /REFRESH_REUSE_GRACE_SECONDS must be between 0 and 300/],
    [{ REFRESH_REUSE_GRACE_SECONDS: '-1' }, /REFRESH_REUSE_GRACE_SECONDS must be between 0 and 300/],
    [{ REFRESH_REUSE_GRACE_SECONDS: '1.5' }, /REFRESH_REUSE_GRACE_SECONDS must be an integer/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must start with postgres:\/\/ or postgresql:\/\//],
    [{ DATABASE_URL: 'postgres://localhost/shop', JWT_SECRET: '' }, /JWT_SECRET is required when DATABASE_URL is set/],
    [{ JWT_SECRET: 'short' }, /JWT_SECRET must be at least 32 characters/],
    [{ RAZORPAY_KEY_ID: 'rzp_test_1' }, /RAZORPAY_KEY_SECRET is required when RAZORPAY_KEY_ID is set/],
    [{ RAZORPAY_KEY_SECRET: 's' }, /RAZORPAY_KEY_ID is required/],
    [{ RAZORPAY_API_BASE: 'ftp://x' }, /RAZORPAY_API_BASE must start with http/],
    [{ REPORT_TIMEZONE: 'Mars/Olympus' }, /REPORT_TIMEZONE is not a known IANA time zone/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ CORS_ORIGINS: 'shop.example.com' }, /CORS_ORIGINS entries must look like/],
    [{ REDIS_URL: 'http://localhost' }, /REDIS_URL must start with redis:/],
    [{ JOBS: 'maybe' }, /JOBS must be on or off/],
    [{ TRUST_PROXY: 'sometimes' }, /TRUST_PROXY must be true, false, a number of proxy hops or a list of proxy addresses/],
    [{ ACCESS_TOKEN_TTL_SECONDS: '-5' }, /ACCESS_TOKEN_TTL_SECONDS must be between/],
    [{ WEB_CONCURRENCY: '2' }, /WEB_CONCURRENCY above 1 needs DATABASE_URL/],
    [{ WEB_CONCURRENCY: '0' }, /WEB_CONCURRENCY must be between 1 and 64/],
    [{ REDIS_KEY_PREFIX: 'shop prefix' }, /REDIS_KEY_PREFIX must be/],
    [{ METRICS_TOKEN: 'short' }, /METRICS_TOKEN must be at least 16 characters/],
  ])('rejects %o with one clear line', (env, message) => {
    const load = () => loadConfig({ ...base, ...env } as Record<string, string>);
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(message);
  });

  it.each([
    ['true', true],
    ['off', false],
    ['2', 2],
    ['10.0.0.1, 10.1.0.0/16', ['10.0.0.1', '10.1.0.0/16']],
  ])('reads TRUST_PROXY=%s as %o', (value, expected) => {
    expect(loadConfig({ ...base, TRUST_PROXY: value } as Record<string, string>).trustProxy).toEqual(expected);
  });

  it('parses lists, URLs and the webhook secret fallback', () => {
    const c = loadConfig({
      ...base,
      DATABASE_URL: 'postgres://u:p@db:5432/shop',
      CORS_ORIGINS: 'https://a.example.com, http://localhost:5173',
      RAZORPAY_KEY_ID: 'rzp_test_1',
      RAZORPAY_KEY_SECRET: 'secret',
      RAZORPAY_API_BASE: 'http://127.0.0.1:9999/',
      REPORT_TIMEZONE: 'Asia/Kolkata',
    });
    expect(c.databaseUrl).toBe('postgres://u:p@db:5432/shop');
    expect(c.corsOrigins).toEqual(['https://a.example.com', 'http://localhost:5173']);
    expect(c.razorpay.webhookSecret).toBe('secret');
    expect(c.razorpay.apiBase).toBe('http://127.0.0.1:9999');
    expect(c.reportTimezone).toBe('Asia/Kolkata');
  });

  it('generates the JWT secret once into DATA_DIR on the embedded database', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shop-config-'));
    const first = loadConfig({ DATA_DIR: dir }).jwtSecret;
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(join(dir, 'jwt-secret'), 'utf8').trim()).toBe(first);
    expect(loadConfig({ DATA_DIR: dir }).jwtSecret).toBe(first);
  });
});
