import { Logger } from '@nestjs/common';

export interface WindowCount {
  count: number;
  /** Milliseconds until the window (and so the count) ends. */
  msLeft: number;
}

/**
 * Fixed-window counters: the one primitive both rate limits need. In memory for one instance,
 * in Redis when several instances must share a budget (REDIS_URL).
 */
export interface CounterStore {
  /**
   * Adds a hit to `key`, opening a window of `windowMs` if none is open. With `group`, the key is
   * also remembered under that name (while its window lasts), so deleteGroup can find it.
   */
  increment(key: string, windowMs: number, group?: string): Promise<WindowCount>;
  /** Takes one hit back from an open window: never below zero, never opening a window. */
  decrement(key: string): Promise<void>;
  get(key: string): Promise<WindowCount | undefined>;
  delete(key: string): Promise<void>;
  /** Deletes every key incremented with this group. */
  deleteGroup(group: string): Promise<void>;
  close?(): Promise<void>;
}

export const COUNTER_STORE = Symbol('COUNTER_STORE');

export class MemoryCounterStore implements CounterStore {
  private readonly windows = new Map<
    string,
    { count: number; expiresAt: number; group?: string }
  >();
  /** group → its keys with an open (or not yet swept) window */
  private readonly groups = new Map<string, Set<string>>();
  private nextSweepAt = 0;

  async increment(
    key: string,
    windowMs: number,
    group?: string,
    now = Date.now(),
  ): Promise<WindowCount> {
    this.sweep(now);
    let window = this.windows.get(key);
    if (!window || window.expiresAt <= now) {
      this.remove(key);
      window = { count: 0, expiresAt: now + windowMs, group };
      this.windows.set(key, window);
      if (group !== undefined) {
        const keys = this.groups.get(group) ?? new Set<string>();
        this.groups.set(group, keys.add(key));
      }
    }
    window.count += 1;
    return { count: window.count, msLeft: window.expiresAt - now };
  }

  async decrement(key: string, now = Date.now()): Promise<void> {
    const window = this.windows.get(key);
    if (window && window.expiresAt > now && window.count > 0) window.count -= 1;
  }

  async get(key: string, now = Date.now()): Promise<WindowCount | undefined> {
    const window = this.windows.get(key);
    if (!window || window.expiresAt <= now) return undefined;
    return { count: window.count, msLeft: window.expiresAt - now };
  }

  async delete(key: string): Promise<void> {
    this.remove(key);
  }

  async deleteGroup(group: string): Promise<void> {
    for (const key of this.groups.get(group) ?? []) this.windows.delete(key);
    this.groups.delete(group);
  }

  /** Bounded memory: expired windows (and their place in a group) go at most once a minute. */
  private sweep(now: number): void {
    if (now < this.nextSweepAt) return;
    this.nextSweepAt = now + 60_000;
    for (const [key, window] of this.windows) if (window.expiresAt <= now) this.remove(key);
  }

  private remove(key: string): void {
    const group = this.windows.get(key)?.group;
    this.windows.delete(key);
    if (group === undefined) return;
    const keys = this.groups.get(group);
    keys?.delete(key);
    if (keys?.size === 0) this.groups.delete(group);
  }
}

/**
 * The shared store, and the local one when the shared one fails. While Redis is unreachable each
 * instance keeps enforcing its own limits: failing open would hand an attacker unlimited
 * guesses exactly when Redis is down, failing closed would lock every user out of login. Never
 * a 500, and a warning at most every 30 s.
 */
export class FallbackCounterStore implements CounterStore {
  private readonly logger = new Logger('RateLimit');
  private lastWarningAt = 0;

  constructor(
    private readonly primary: CounterStore,
    private readonly fallback: CounterStore = new MemoryCounterStore(),
  ) {}

  increment(key: string, windowMs: number, group?: string): Promise<WindowCount> {
    return this.attempt((store) => store.increment(key, windowMs, group));
  }

  decrement(key: string): Promise<void> {
    return this.attempt((store) => store.decrement(key));
  }

  get(key: string): Promise<WindowCount | undefined> {
    return this.attempt((store) => store.get(key));
  }

  async delete(key: string): Promise<void> {
    await Promise.all([this.attempt((store) => store.delete(key)), this.fallback.delete(key)]);
  }

  /** From both stores: what was counted locally during an outage must be lifted too. */
  async deleteGroup(group: string): Promise<void> {
    await Promise.all([
      this.attempt((store) => store.deleteGroup(group)),
      this.fallback.deleteGroup(group),
    ]);
  }

  async close(): Promise<void> {
    await this.primary.close?.();
  }

  private async attempt<T>(operation: (store: CounterStore) => Promise<T>): Promise<T> {
    try {
      return await operation(this.primary);
    } catch (error) {
      if (Date.now() - this.lastWarningAt > 30_000) {
        this.lastWarningAt = Date.now();
        this.logger.warn(
          `Shared rate-limit store unavailable (${error instanceof Error ? error.message : 'error'}); ` +
            'limits are enforced per instance until it returns',
        );
      }
      return operation(this.fallback);
    }
  }
}
