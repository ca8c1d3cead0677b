import Redis from 'ioredis';
import { CounterStore, WindowCount } from './counter-store';

// INCR and the window's expiry in one round trip, atomically: no key can be left without a TTL.
// With a group (KEYS[2], a sorted set of key → end of its window) the key is filed there too; ended
// windows leave the set on the way, and the set lives as long as its longest window.
const INCREMENT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
if KEYS[2] then
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  redis.call('ZADD', KEYS[2], now + ttl, KEYS[1])
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
end
return {count, ttl}
`;

// Check and DECR in one step, so two concurrent decrements cannot take a count below zero; DECR
// keeps the key's TTL, and a missing key stays missing.
const DECREMENT = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 0 then redis.call('DECR', KEYS[1]) end
return 0
`;

// The group's keys and the group itself in one step, so no increment lands in between. The keys
// are read from the set rather than declared: fine on one Redis, which is what REDIS_URL names.
const DELETE_GROUP = `
local keys = redis.call('ZRANGE', KEYS[1], 0, -1)
for _, key in ipairs(keys) do redis.call('DEL', key) end
redis.call('DEL', KEYS[1])
return #keys
`;

const KEY_PREFIX = 'auth:ratelimit:';
const GROUP_PREFIX = 'auth:ratelimit-group:';

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

  async increment(key: string, windowMs: number, group?: string): Promise<WindowCount> {
    const keys =
      group === undefined ? [KEY_PREFIX + key] : [KEY_PREFIX + key, GROUP_PREFIX + group];
    const [count, msLeft] = (await this.redis.eval(INCREMENT, keys.length, ...keys, windowMs)) as [
      number,
      number,
    ];
    return { count, msLeft };
  }

  async decrement(key: string): Promise<void> {
    await this.redis.eval(DECREMENT, 1, KEY_PREFIX + key);
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

  async deleteGroup(group: string): Promise<void> {
    await this.redis.eval(DELETE_GROUP, 1, GROUP_PREFIX + group);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
