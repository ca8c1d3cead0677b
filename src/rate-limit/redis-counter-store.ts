import Redis from 'ioredis';
import { CounterStore, WindowCount } from './counter-store';

// INCR and the window's expiry in one round trip, atomically: no key can be left without a TTL.
const INCREMENT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}
`;

const KEY_PREFIX = 'auth:ratelimit:';

export class RedisCounterStore implements CounterStore {
  private readonly redis: Redis;

  constructor(url: string) {
    this.redis = new Redis(url, {
      // Fail a command at once while disconnected (the fallback store takes over) instead of
      // queueing it until Redis returns.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 1_000,
      lazyConnect: false,
    });
    // Without a listener an 'error' event would crash the process; FallbackCounterStore reports.
    this.redis.on('error', () => undefined);
  }

  async increment(key: string, windowMs: number): Promise<WindowCount> {
    const [count, msLeft] = (await this.redis.eval(INCREMENT, 1, KEY_PREFIX + key, windowMs)) as [
      number,
      number,
    ];
    return { count, msLeft };
  }

  async get(key: string): Promise<WindowCount | undefined> {
    const [[, count], [, msLeft]] = (await this.redis
      .multi()
      .get(KEY_PREFIX + key)
      .pttl(KEY_PREFIX + key)
      .exec()) as [[Error | null, string | null], [Error | null, number]];
    if (count === null || msLeft < 0) return undefined;
    return { count: Number(count), msLeft };
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(KEY_PREFIX + key);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
