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
  /** Adds a hit to `key`, opening a window of `windowMs` if none is open. */
  increment(key: string, windowMs: number): Promise<WindowCount>;
  get(key: string): Promise<WindowCount | undefined>;
  delete(key: string): Promise<void>;
  close?(): Promise<void>;
}

export const COUNTER_STORE = Symbol('COUNTER_STORE');

export class MemoryCounterStore implements CounterStore {
  private readonly windows = new Map<string, { count: number; expiresAt: number }>();
  private nextSweepAt = 0;

  async increment(key: string, windowMs: number, now = Date.now()): Promise<WindowCount> {
    this.sweep(now);
    let window = this.windows.get(key);
    if (!window || window.expiresAt <= now) {
      window = { count: 0, expiresAt: now + windowMs };
      this.windows.set(key, window);
    }
    window.count += 1;
    return { count: window.count, msLeft: window.expiresAt - now };
  }

  async get(key: string, now = Date.now()): Promise<WindowCount | undefined> {
    const window = this.windows.get(key);
    if (!window || window.expiresAt <= now) return undefined;
    return { count: window.count, msLeft: window.expiresAt - now };
  }

  async delete(key: string): Promise<void> {
    this.windows.delete(key);
  }

  /** Bounded memory: expired windows go at most once a minute, in one pass. */
  private sweep(now: number): void {
    if (now < this.nextSweepAt) return;
    this.nextSweepAt = now + 60_000;
    for (const [key, window] of this.windows) if (window.expiresAt <= now) this.windows.delete(key);
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

  increment(key: string, windowMs: number): Promise<WindowCount> {
    return this.attempt((store) => store.increment(key, windowMs));
  }

  get(key: string): Promise<WindowCount | undefined> {
    return this.attempt((store) => store.get(key));
  }

  async delete(key: string): Promise<void> {
    await Promise.all([this.attempt((store) => store.delete(key)), this.fallback.delete(key)]);
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
