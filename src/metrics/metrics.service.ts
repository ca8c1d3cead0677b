import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { AuditEventType } from '../audit/audit-event-type';
import { AuditService } from '../audit/audit.service';
import { PasswordService } from '../auth/password.service';
import { SessionRevocationsService } from '../users/session-revocations.service';

/** Methods Fastify routes; anything else is counted as OTHER, so a client cannot add labels. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** A request no route matched: one label value, whatever the URL was. */
export const UNMATCHED_ROUTE = '(unmatched)';

const LOGIN_OUTCOMES: Partial<Record<AuditEventType, string>> = {
  [AuditEventType.LoginSucceeded]: 'success',
  [AuditEventType.LoginFailed]: 'failure',
  [AuditEventType.Lockout]: 'lockout',
};

/** The pg Pool behind TypeORM's PostgreSQL driver (the embedded database is reached the same way). */
interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/**
 * The Prometheus metrics of GET /metrics (../shared/API.md, "Administration and operations").
 * A registry of its own (not prom-client's global one), so two apps in one process (the e2e
 * suites) do not share counters. Every label value comes from a bounded set: the route is the
 * pattern Fastify matched (`/admin/users/:id`), never the raw URL, so ids and probes of unknown
 * paths cannot grow the series without limit.
 */
@Injectable()
export class MetricsService implements OnModuleInit {
  readonly registry = new Registry();

  private readonly requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  private readonly latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  private readonly logins = new Counter({
    name: 'auth_logins_total',
    help: 'Password checks at login: success, failure, and failures that locked the account',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  private readonly refreshes = new Counter({
    name: 'auth_refreshes_total',
    help: 'Refresh tokens rotated',
    registers: [this.registry],
  });

  private readonly reuses = new Counter({
    name: 'auth_refresh_reuse_detected_total',
    help: 'Rotated refresh tokens presented again (the session was revoked as stolen)',
    registers: [this.registry],
  });

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly audit: AuditService,
    revocations: SessionRevocationsService,
    passwords: PasswordService,
    @InjectDataSource() dataSource: DataSource,
  ) {
    collectDefaultMetrics({ register: this.registry });
    for (const outcome of ['success', 'failure', 'lockout']) this.logins.inc({ outcome }, 0);
    new Gauge({
      name: 'auth_revoked_sessions',
      help: 'Revoked sessions this instance refuses access tokens of (the revocation set)',
      registers: [this.registry],
      collect() {
        this.set(revocations.size);
      },
    });
    new Gauge({
      name: 'auth_password_hash_queue_depth',
      help: 'Password hashes waiting for a worker (beyond the queue limit, logins get 503)',
      registers: [this.registry],
      collect() {
        this.set(passwords.load.waiting);
      },
    });
    new Gauge({
      name: 'auth_password_hash_running',
      help: 'Password hashes running now',
      registers: [this.registry],
      collect() {
        this.set(passwords.load.running);
      },
    });
    new Gauge({
      name: 'db_pool_connections',
      help: 'Database pool connections: total open, idle, and requests waiting for one',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const pool = (dataSource.driver as { master?: Partial<PgPool> }).master;
        this.set({ state: 'total' }, pool?.totalCount ?? 0);
        this.set({ state: 'idle' }, pool?.idleCount ?? 0);
        this.set({ state: 'waiting' }, pool?.waitingCount ?? 0);
      },
    });
  }

  onModuleInit(): void {
    this.audit.onRecorded((type) => {
      const outcome = LOGIN_OUTCOMES[type];
      if (outcome) this.logins.inc({ outcome });
      else if (type === AuditEventType.Refresh) this.refreshes.inc();
      else if (type === AuditEventType.RefreshTokenReused) this.reuses.inc();
    });
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    // One hook, a few map lookups: no allocation beyond the label object.
    fastify?.addHook('onResponse', (request, reply, done) => {
      const labels = {
        method: METHODS.has(request.method) ? request.method : 'OTHER',
        route: request.routeOptions.url ?? UNMATCHED_ROUTE,
        status: String(reply.statusCode),
      };
      this.requests.inc(labels);
      this.latency.observe(labels, reply.elapsedTime / 1000);
      done();
    });
  }

  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
