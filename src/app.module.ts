import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { ConfigType } from '@nestjs/config';
import { ThrottlerModule, ThrottlerModuleOptions } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { AdminModule } from './admin/admin.module';
import { MetricsModule } from './metrics/metrics.module';
import { AuditModule } from './audit/audit.module';
import { AccountController } from './auth/account.controller';
import { AuthController } from './auth/auth.controller';
import { AuthModule } from './auth/auth.module';
import { AuthThrottlerGuard } from './auth/guards/auth-throttler.guard';
import { COUNTER_STORE, CounterStore } from './rate-limit/counter-store';
import { CounterThrottlerStorage } from './rate-limit/counter-throttler-storage';
import { clientAddressKey } from './rate-limit/client-key';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { JwtAuthGuard } from './auth/guards/jwt-auth.guard';
import { RolesGuard } from './auth/guards/roles.guard';
import { HealthModule } from './health/health.module';
import { LoggingModule } from './common/logging/logging.module';
import { HttpExceptionFilter } from './common/http/http-exception.filter';
import { createValidationPipe } from './common/validation/validation-pipe';
import { authConfig } from './config/auth.config';
import { AppConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { ProductsModule } from './products/products.module';
import { UsersModule } from './users/users.module';

@Module({
  imports: [
    AppConfigModule,
    LoggingModule,
    DatabaseModule,
    UsersModule,
    AuthModule,
    ProductsModule,
    AuditModule,
    AdminModule,
    MetricsModule,
    HealthModule,
    RateLimitModule,
    ThrottlerModule.forRootAsync({
      inject: [authConfig.KEY, COUNTER_STORE],
      useFactory: (
        config: ConfigType<typeof authConfig>,
        store: CounterStore,
      ): ThrottlerModuleOptions => ({
        throttlers: [{ name: 'default', ttl: 60_000, limit: config.rateLimitAuthIp }],
        storage: new CounterThrottlerStorage(store),
        // One budget per client address across every /auth route, not one per route. The tracker
        // is request.ip as TRUST_PROXY resolved it; clientAddressKey groups IPv6 by /64 and turns
        // anything else into a short digest, so no key holds more than a few dozen bytes.
        getTracker: (request) => (request as FastifyRequest).ip,
        generateKey: (_context, tracker) => `auth:${clientAddressKey(tracker)}`,
        skipIf: (context) =>
          context.getClass() !== AuthController && context.getClass() !== AccountController,
      }),
    }),
  ],
  providers: [
    // Order matters: count the attempt, authenticate, then authorize.
    { provide: APP_GUARD, useClass: AuthThrottlerGuard },
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
    { provide: APP_PIPE, useFactory: createValidationPipe },
    { provide: APP_FILTER, useClass: HttpExceptionFilter },
  ],
})
export class AppModule {}
