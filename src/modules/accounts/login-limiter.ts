import type { Redis } from 'ioredis';

/**
 * Counts failed logins per (username, IP) in a fixed window that starts at the first
 * attempt since the last success. In-process by default; in Redis when several instances
 * must share the count.
 */
export interface LoginLimiter {
  /** Seconds until attempts are allowed again, or 0 when they are allowed now. */
  retryAfter(key: string): Promise<number>;
  /**
   * Counts an attempt before its password is checked, in one atomic step, so that
   * concurrent attempts cannot all slip under the limit. Answers 0 when this attempt may
   * go ahead (it stays counted as a failure unless `reset` follows), else seconds to wait.
   */
  acquire(key: string): Promise<number>;
  recordFailure(key: string): Promise<void>;
  reset(key: string): Promise<void>;
}

export function loginKey(username: string, ip: string): string {
  return `${username.trim().toLowerCase()}|${ip}`;
}

export class MemoryLoginLimiter implements LoginLimiter {
  private readonly entries = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  retryAfter(key: string): Promise<number> {
    const entry = this.live(key);
    const wait = entry && entry.count >= this.maxFailures ? (entry.resetAt - this.now()) / 1000 : 0;
    return Promise.resolve(Math.max(0, Math.ceil(wait)));
  }

  acquire(key: string): Promise<number> {
    let entry = this.live(key);
    if (entry) entry.count += 1;
    else {
      if (this.entries.size > 100_000) this.prune();
      entry = { count: 1, resetAt: this.now() + this.windowSeconds * 1000 };
      this.entries.set(key, entry);
    }
    if (entry.count <= this.maxFailures) return Promise.resolve(0);
    return Promise.resolve(Math.max(1, Math.ceil((entry.resetAt - this.now()) / 1000)));
  }

  async recordFailure(key: string): Promise<void> {
    await this.acquire(key);
  }

  reset(key: string): Promise<void> {
    this.entries.delete(key);
    return Promise.resolve();
  }

  private live(key: string) {
    const entry = this.entries.get(key);
    if (entry && entry.resetAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private prune() {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.resetAt <= now) this.entries.delete(key);
  }
}

/**
 * The count in Redis, shared by every instance. When Redis fails, the count falls back to
 * this instance's memory (logins keep working and stay limited, per instance) rather than
 * answering 500 to every login.
 */
export class RedisLoginLimiter implements LoginLimiter {
  private readonly fallback: MemoryLoginLimiter;

  constructor(
    private readonly redis: Redis,
    private readonly maxFailures: number,
    private readonly windowSeconds: number,
    private readonly prefix = 'shop:login-failures:',
    private readonly onError: (err: unknown) => void = () => {},
  ) {
    this.fallback = new MemoryLoginLimiter(maxFailures, windowSeconds);
  }

  retryAfter(key: string): Promise<number> {
    return this.guard(() => this.redisRetryAfter(key), () => this.fallback.retryAfter(key));
  }

  acquire(key: string): Promise<number> {
    return this.guard(() => this.redisAcquire(key), () => this.fallback.acquire(key));
  }

  async recordFailure(key: string): Promise<void> {
    await this.acquire(key);
  }

  reset(key: string): Promise<void> {
    return this.guard(
      async () => {
        await this.redis.del(this.prefix + key);
        await this.fallback.reset(key);
      },
      () => this.fallback.reset(key),
    );
  }

  private async guard<T>(primary: () => Promise<T>, fallback: () => Promise<T>): Promise<T> {
    try {
      return await primary();
    } catch (err) {
      this.onError(err);
      return fallback();
    }
  }

  private async redisRetryAfter(key: string): Promise<number> {
    const [[, count], [, ttl]] = (await this.redis
      .multi()
      .get(this.prefix + key)
      .pttl(this.prefix + key)
      .exec()) as [[null, string | null], [null, number]];
    if (Number(count ?? 0) < this.maxFailures) return 0;
    return ttl > 0 ? Math.ceil(ttl / 1000) : 0;
  }

  private async redisAcquire(key: string): Promise<number> {
    // The window starts with the first failure: NX sets the expiry only then.
    const replies = await this.redis
      .multi()
      .incr(this.prefix + key)
      .expire(this.prefix + key, this.windowSeconds, 'NX')
      .pttl(this.prefix + key)
      .exec();
    const failed = replies?.find(([err]) => err);
    if (!replies || failed) throw failed?.[0] ?? new Error('Redis transaction aborted');
    const [[, count], , [, ttl]] = replies as [[null, number], unknown, [null, number]];
    if (count <= this.maxFailures) return 0;
    return Math.max(1, Math.ceil(ttl / 1000));
  }
}
