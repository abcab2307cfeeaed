import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  loginKey,
  MemoryLoginLimiter,
  RedisLoginLimiter,
} from '../../src/modules/accounts/login-limiter.js';
import { unique } from '../helpers/app.js';

describe('loginKey', () => {
  it('is the trimmed, lower-cased username and the IP', () => {
    expect(loginKey('  Alice ', '10.0.0.1')).toBe('alice|10.0.0.1');
    expect(loginKey('ALICE', '10.0.0.1')).toBe(loginKey('alice', '10.0.0.1'));
    expect(loginKey('alice', '10.0.0.1')).not.toBe(loginKey('alice', '10.0.0.2'));
  });
});

describe('MemoryLoginLimiter', () => {
  let now: number;
  let limiter: MemoryLoginLimiter;
  const clock = () => now;
  const advance = (seconds: number) => {
    now += seconds * 1000;
  };

  beforeEach(() => {
    now = Date.UTC(2026, 0, 20, 10, 0, 0);
    limiter = new MemoryLoginLimiter(3, 60, clock);
  });

  async function fail(key: string, times: number) {
    for (let i = 0; i < times; i++) await limiter.recordFailure(key);
  }

  it('allows a key it has never seen', async () => {
    expect(await limiter.retryAfter('a|1')).toBe(0);
  });

  it('allows attempts below the limit', async () => {
    await fail('a|1', 2);
    expect(await limiter.retryAfter('a|1')).toBe(0);
  });

  it('blocks at the limit for the rest of the window', async () => {
    await fail('a|1', 3);
    expect(await limiter.retryAfter('a|1')).toBe(60);
    advance(10.5);
    expect(await limiter.retryAfter('a|1')).toBe(50); // 49.5 s, rounded up
    advance(49);
    expect(await limiter.retryAfter('a|1')).toBe(1); // 0.5 s left still waits a second
  });

  it('allows again once the window has passed, with a fresh count', async () => {
    await fail('a|1', 3);
    advance(60);
    expect(await limiter.retryAfter('a|1')).toBe(0);
    await fail('a|1', 2);
    expect(await limiter.retryAfter('a|1')).toBe(0);
    await fail('a|1', 1);
    expect(await limiter.retryAfter('a|1')).toBe(60);
  });

  it('starts the window at the first failure (a fixed window, not a sliding one)', async () => {
    await fail('a|1', 1);
    advance(30);
    await fail('a|1', 1);
    advance(29);
    await fail('a|1', 1);
    expect(await limiter.retryAfter('a|1')).toBe(1);
    advance(1);
    expect(await limiter.retryAfter('a|1')).toBe(0);
  });

  it('does not extend the window with failures while blocked', async () => {
    await fail('a|1', 3);
    advance(20);
    await fail('a|1', 5);
    expect(await limiter.retryAfter('a|1')).toBe(40);
  });

  it('forgets a failure older than the window', async () => {
    await fail('a|1', 2);
    advance(61);
    await fail('a|1', 2);
    expect(await limiter.retryAfter('a|1')).toBe(0);
  });

  it('reset clears the count', async () => {
    await fail('a|1', 3);
    await limiter.reset('a|1');
    expect(await limiter.retryAfter('a|1')).toBe(0);
    await fail('a|1', 2);
    expect(await limiter.retryAfter('a|1')).toBe(0);
  });

  it('keeps keys apart', async () => {
    await fail('a|1', 3);
    expect(await limiter.retryAfter('a|2')).toBe(0);
    expect(await limiter.retryAfter('b|1')).toBe(0);
    await limiter.reset('b|1');
    expect(await limiter.retryAfter('a|1')).toBe(60);
  });

  describe('acquire', () => {
    it('counts the attempt and lets it through up to the limit, then answers the wait', async () => {
      expect(await limiter.acquire('a|1')).toBe(0);
      expect(await limiter.acquire('a|1')).toBe(0);
      expect(await limiter.acquire('a|1')).toBe(0);
      // Three attempts were counted: the limit is reached.
      expect(await limiter.retryAfter('a|1')).toBe(60);
      advance(15);
      expect(await limiter.acquire('a|1')).toBe(45);
      expect(await limiter.acquire('a|1')).toBe(45);
    });

    it('shares one count with recordFailure', async () => {
      await fail('a|1', 2);
      expect(await limiter.acquire('a|1')).toBe(0);
      expect(await limiter.acquire('a|1')).toBe(60);
    });

    it('is forgotten after reset, and after the window', async () => {
      for (let i = 0; i < 3; i++) await limiter.acquire('a|1');
      await limiter.reset('a|1');
      expect(await limiter.acquire('a|1')).toBe(0);
      await limiter.acquire('a|1');
      await limiter.acquire('a|1');
      expect(await limiter.acquire('a|1')).toBe(60);
      advance(60);
      expect(await limiter.acquire('a|1')).toBe(0);
    });

    it('lets exactly the limit through when called concurrently', async () => {
      const waits = await Promise.all(Array.from({ length: 10 }, () => limiter.acquire('a|1')));
      expect(waits.filter((w) => w === 0)).toHaveLength(3);
      expect(waits.filter((w) => w === 60)).toHaveLength(7);
    });

    it('never answers a wait below one second', async () => {
      for (let i = 0; i < 3; i++) await limiter.acquire('a|1');
      advance(59.9);
      expect(await limiter.acquire('a|1')).toBe(1);
    });
  });

  it('honours maxFailures = 1', async () => {
    const strict = new MemoryLoginLimiter(1, 5, clock);
    expect(await strict.retryAfter('k')).toBe(0);
    await strict.recordFailure('k');
    expect(await strict.retryAfter('k')).toBe(5);
  });

  it('stays correct when it prunes after many keys', async () => {
    const big = new MemoryLoginLimiter(2, 10, clock);
    for (let i = 0; i <= 100_000; i++) await big.recordFailure(`old${i}`);
    await big.recordFailure('live');
    await big.recordFailure('live');
    advance(11);
    // The next new key prunes every expired entry; live counts are not confused.
    await big.recordFailure('fresh');
    expect(await big.retryAfter('old1')).toBe(0);
    expect(await big.retryAfter('live')).toBe(0);
    await big.recordFailure('fresh');
    expect(await big.retryAfter('fresh')).toBe(10);
  });
});

describe.skipIf(!process.env.TEST_REDIS_URL)('RedisLoginLimiter', () => {
  let redis: Redis;
  const prefix = `test:login-failures:${unique('')}:`;

  beforeAll(async () => {
    redis = new Redis(process.env.TEST_REDIS_URL!, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
  });
  afterAll(async () => {
    if (!redis) return;
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  const make = (max = 3, windowSeconds = 60) =>
    new RedisLoginLimiter(redis, max, windowSeconds, prefix);

  async function fail(limiter: RedisLoginLimiter, key: string, times: number) {
    for (let i = 0; i < times; i++) await limiter.recordFailure(key);
  }

  it('allows below the limit and blocks at it for the window', async () => {
    const limiter = make();
    const key = unique('k');
    expect(await limiter.retryAfter(key)).toBe(0);
    await fail(limiter, key, 2);
    expect(await limiter.retryAfter(key)).toBe(0);
    await fail(limiter, key, 1);
    const wait = await limiter.retryAfter(key);
    expect(wait).toBeGreaterThanOrEqual(59);
    expect(wait).toBeLessThanOrEqual(60);
  });

  it('sets the expiry at the first failure only', async () => {
    const limiter = make(3, 60);
    const key = unique('k');
    await fail(limiter, key, 1);
    expect(await redis.ttl(prefix + key)).toBeGreaterThan(55);
    // Pretend the window is nearly over: later failures must not push it back.
    await redis.pexpire(prefix + key, 5_000);
    await fail(limiter, key, 3);
    expect(await redis.pttl(prefix + key)).toBeLessThanOrEqual(5_000);
    const wait = await limiter.retryAfter(key);
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(5);
  });

  it('allows again once the window has passed', async () => {
    const limiter = make(2, 1);
    const key = unique('k');
    await fail(limiter, key, 2);
    expect(await limiter.retryAfter(key)).toBe(1);
    await sleep(1_100);
    expect(await limiter.retryAfter(key)).toBe(0);
    expect(await redis.exists(prefix + key)).toBe(0);
  });

  it('reset clears the count', async () => {
    const limiter = make();
    const key = unique('k');
    await fail(limiter, key, 3);
    await limiter.reset(key);
    expect(await limiter.retryAfter(key)).toBe(0);
    expect(await redis.exists(prefix + key)).toBe(0);
  });

  it('keeps keys apart', async () => {
    const limiter = make();
    const key = unique('k');
    await fail(limiter, key, 3);
    expect(await limiter.retryAfter(`${key}-other`)).toBe(0);
  });

  it('shares the count between limiters on one Redis', async () => {
    const a = make();
    const b = make();
    const key = unique('k');
    await fail(a, key, 2);
    await fail(b, key, 1);
    expect(await a.retryAfter(key)).toBeGreaterThan(0);
    expect(await b.retryAfter(key)).toBeGreaterThan(0);
    await b.reset(key);
    expect(await a.retryAfter(key)).toBe(0);
  });

  it('acquire lets exactly the limit through, even from concurrent limiters', async () => {
    const a = make(3, 60);
    const b = make(3, 60);
    const key = unique('k');
    const waits = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).acquire(key)),
    );
    expect(waits.filter((w) => w === 0)).toHaveLength(3);
    for (const wait of waits.filter((w) => w !== 0)) {
      expect(wait).toBeGreaterThanOrEqual(59);
      expect(wait).toBeLessThanOrEqual(60);
    }
    expect(await redis.get(prefix + key)).toBe('10');
    expect(await redis.ttl(prefix + key)).toBeGreaterThan(55);
  });

  it('acquire shares one count with recordFailure and is cleared by reset', async () => {
    const limiter = make(3, 60);
    const key = unique('k');
    await fail(limiter, key, 2);
    expect(await limiter.acquire(key)).toBe(0);
    expect(await limiter.acquire(key)).toBeGreaterThan(0);
    await limiter.reset(key);
    expect(await limiter.acquire(key)).toBe(0);
  });

  it('counts every one of many concurrent failures', async () => {
    const limiter = make(20, 60);
    const key = unique('k');
    await Promise.all(Array.from({ length: 20 }, () => limiter.recordFailure(key)));
    expect(await redis.get(prefix + key)).toBe('20');
    expect(await limiter.retryAfter(key)).toBeGreaterThan(0);
  });
});

describe('RedisLoginLimiter when Redis is unreachable', () => {
  let dead: Redis;
  beforeAll(() => {
    // Nothing listens on port 1: every command fails at once.
    dead = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 0, lazyConnect: true, retryStrategy: () => null });
    dead.on('error', () => {});
  });
  afterAll(() => dead.disconnect());

  it('keeps limiting in this instance and reports each failure', async () => {
    const errors: unknown[] = [];
    const limiter = new RedisLoginLimiter(dead, 2, 60, 'x:', (err) => errors.push(err));
    const key = loginKey('down', '10.0.0.9');
    expect(await limiter.acquire(key)).toBe(0);
    expect(await limiter.acquire(key)).toBe(0);
    expect(await limiter.acquire(key)).toBeGreaterThan(0);
    expect(await limiter.retryAfter(key)).toBeGreaterThan(0);
    await limiter.reset(key);
    expect(await limiter.retryAfter(key)).toBe(0);
    expect(errors.length).toBeGreaterThanOrEqual(5);
  });
});
