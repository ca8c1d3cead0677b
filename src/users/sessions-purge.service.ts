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

// Any constant no other code uses as an advisory lock key.
const PURGE_LOCK = 0x73657373;

/**
 * Deletes sessions that ended (revoked, idle past their refresh lifetime, or past their absolute
 * lifetime) more than SESSION_PURGE_AFTER ago, with their rotated-token history. Every instance
 * runs the timer; a transaction-scoped advisory lock lets one of them do the work per tick and
 * the others skip, and the DELETE itself is idempotent anyway.
 */
@Injectable()
export class SessionsPurgeService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SessionsPurgeService.name);
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.purge().catch((error: unknown) =>
        this.logger.warn(
          `Session purge skipped: ${error instanceof Error ? error.message : 'error'}`,
        ),
      );
    }, this.config.sessionPurgeIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** @returns how many sessions were deleted, or null when another instance holds the lock */
  async purge(now = new Date()): Promise<number | null> {
    const cutoff = new Date(now.getTime() - this.config.sessionPurgeAfterMs);
    return this.dataSource.transaction(async (manager) => {
      const lock: { locked: boolean }[] = await manager.query(
        'SELECT pg_try_advisory_xact_lock($1) AS locked',
        [PURGE_LOCK],
      );
      const [{ locked }] = lock;
      if (!locked) return null;
      // TypeORM answers a DELETE on PostgreSQL with [rows, affected count].
      const result: [unknown, number] = await manager.query(
        `DELETE FROM sessions WHERE revoked_at < $1 OR expires_at < $1 OR absolute_expires_at < $1`,
        [cutoff],
      );
      const deleted = result[1];
      if (deleted > 0) this.logger.log(`Purged ${deleted} ended sessions`);
      return deleted;
    });
  }
}
