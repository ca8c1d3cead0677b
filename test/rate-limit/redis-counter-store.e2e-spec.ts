import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { RedisCounterStore } from '../../src/rate-limit/redis-counter-store';
import { REDIS_URL, serverServicesAnswer } from '../support/instance';

const WINDOW = 60_000;

/**
 * The shared store's counters on a real Redis: each operation one atomic script, so concurrent
 * instances can neither lose a hit nor take a count below zero.
 */
(serverServicesAnswer().redis ? describe : describe.skip)('RedisCounterStore', () => {
  let store: RedisCounterStore;
  let redis: Redis;
  let prefix: string;

  beforeAll(async () => {
    store = new RedisCounterStore(REDIS_URL);
    redis = new Redis(REDIS_URL);
    // The store refuses commands while it connects (the app's fallback store covers that time).
    for (let tries = 0; ; tries++) {
      try {
        await store.get('spec-connected');
        break;
      } catch (error) {
        if (tries === 100) throw error;
        await sleep(20);
      }
    }
  });
  afterAll(async () => {
    await store.close();
    redis.disconnect();
  });
  beforeEach(() => {
    // Other suites may share this Redis: every test uses keys of its own.
    prefix = `spec-${randomUUID()}`;
  });

  describe('decrement', () => {
    it('should take back one hit and keep the window’s end', async () => {
      await store.increment(`${prefix}:k`, WINDOW);
      await store.increment(`${prefix}:k`, WINDOW);
      await store.decrement(`${prefix}:k`);
      const window = await store.get(`${prefix}:k`);
      expect(window?.count).toBe(1);
      expect(window?.msLeft).toBeGreaterThan(WINDOW - 5_000);
      expect(window?.msLeft).toBeLessThanOrEqual(WINDOW);
    });

    it('should never take a count below zero, however many decrements race', async () => {
      await store.increment(`${prefix}:k`, WINDOW);
      await store.increment(`${prefix}:k`, WINDOW);
      await Promise.all(Array.from({ length: 20 }, () => store.decrement(`${prefix}:k`)));
      expect((await store.get(`${prefix}:k`))?.count).toBe(0);
      expect((await store.increment(`${prefix}:k`, WINDOW)).count).toBe(1);
    });

    it('should not open a window', async () => {
      await store.decrement(`${prefix}:k`);
      expect(await store.get(`${prefix}:k`)).toBeUndefined();
    });
  });

  it('should give each of many concurrent increments its own count', async () => {
    const counts = await Promise.all(
      Array.from({ length: 50 }, () => store.increment(`${prefix}:k`, WINDOW, prefix)),
    );
    expect(counts.map(({ count }) => count).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
  });

  describe('groups', () => {
    it('should delete every key of a group at once', async () => {
      await store.increment(`${prefix}:1`, WINDOW, prefix);
      await store.increment(`${prefix}:2`, WINDOW, prefix);
      await store.deleteGroup(prefix);
      expect(await store.get(`${prefix}:1`)).toBeUndefined();
      expect(await store.get(`${prefix}:2`)).toBeUndefined();
    });

    it('should leave other groups and ungrouped keys alone', async () => {
      await store.increment(`${prefix}:1`, WINDOW, prefix);
      await store.increment(`${prefix}:other`, WINDOW, `${prefix}-other`);
      await store.increment(`${prefix}:plain`, WINDOW);
      await store.deleteGroup(prefix);
      expect((await store.get(`${prefix}:other`))?.count).toBe(1);
      expect((await store.get(`${prefix}:plain`))?.count).toBe(1);
    });

    it('should keep the group at least as long as its longest window', async () => {
      await store.increment(`${prefix}:short`, 10_000, prefix);
      await store.increment(`${prefix}:long`, WINDOW, prefix);
      expect(await redis.pttl(`auth:ratelimit-group:${prefix}`)).toBeGreaterThan(WINDOW - 5_000);
    });

    it('should drop ended windows from the group, so it does not grow with every key it ever had', async () => {
      for (let i = 0; i < 20; i++) await store.increment(`${prefix}:${i}`, 50, prefix);
      await sleep(200); // well past the 50 ms windows, on Redis's clock as on ours
      await store.increment(`${prefix}:fresh`, WINDOW, prefix);
      expect(await redis.zcard(`auth:ratelimit-group:${prefix}`)).toBe(1);
    });
  });
});
