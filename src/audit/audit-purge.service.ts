import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { authConfig } from '../config/auth.config';
import { operationsConfig } from '../config/operations.config';

// Any constant no other code uses as an advisory lock key (the session purge uses 0x73657373).
const AUDIT_PURGE_LOCK = 0x61756474;

/** Rows deleted per statement: a year of events goes in short transactions, not one long lock. */
export const AUDIT_PURGE_BATCH = 1_000;

/**
 * Deletes audit events older than AUDIT_RETENTION (../shared/API.md, "Administration and
 * operations"), on the cleanup job's timer (SESSION_PURGE_INTERVAL). Every instance runs it; each
 * batch takes a transaction-scoped advisory lock, so one instance works while the others skip,
 * and the DELETE is idempotent anyway. The created_at index finds the old rows.
 */
@Injectable()
export class AuditPurgeService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuditPurgeService.name);
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(authConfig.KEY) private readonly auth: ConfigType<typeof authConfig>,
    @Inject(operationsConfig.KEY) private readonly config: ConfigType<typeof operationsConfig>,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.purge().catch((error: unknown) =>
        this.logger.warn(
          `Audit purge skipped: ${error instanceof Error ? error.message : 'error'}`,
        ),
      );
    }, this.auth.sessionPurgeIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** @returns how many events were deleted, or null when another instance holds the lock */
  async purge(now = new Date(), batch = AUDIT_PURGE_BATCH): Promise<number | null> {
    const cutoff = new Date(now.getTime() - this.config.auditRetentionMs);
    let total = 0;
    for (;;) {
      const deleted = await this.dataSource.transaction(async (manager) => {
        const [{ locked }]: { locked: boolean }[] = await manager.query(
          'SELECT pg_try_advisory_xact_lock($1) AS locked',
          [AUDIT_PURGE_LOCK],
        );
        if (!locked) return null;
        // TypeORM answers a DELETE on PostgreSQL with [rows, affected count].
        const result: [unknown, number] = await manager.query(
          `DELETE FROM audit_events WHERE id IN (
             SELECT id FROM audit_events WHERE created_at < $1 LIMIT $2)`,
          [cutoff, batch],
        );
        return result[1];
      });
      if (deleted === null) return total > 0 ? total : null;
      total += deleted;
      if (deleted < batch) break;
    }
    if (total > 0) this.logger.log(`Purged ${total} audit events older than AUDIT_RETENTION`);
    return total;
  }
}
