import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { authConfig } from '../config/auth.config';
import {
  COUNTER_STORE,
  CounterStore,
  FallbackCounterStore,
  MemoryCounterStore,
} from './counter-store';
import { RedisCounterStore } from './redis-counter-store';

/** The counters behind both rate limits: Redis when REDIS_URL is set, else this process. */
@Global()
@Module({
  providers: [
    {
      provide: COUNTER_STORE,
      inject: [authConfig.KEY],
      useFactory: (config: ConfigType<typeof authConfig>): CounterStore =>
        config.redisUrl
          ? new FallbackCounterStore(new RedisCounterStore(config.redisUrl))
          : new MemoryCounterStore(),
    },
  ],
  exports: [COUNTER_STORE],
})
export class RateLimitModule implements OnApplicationShutdown {
  constructor(@Inject(COUNTER_STORE) private readonly store: CounterStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close?.();
  }
}
