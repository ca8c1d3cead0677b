import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { databaseConfig } from '../config/database.config';

// Any constant no other code uses as an advisory lock key.
const MIGRATION_LOCK = 0x6d696772;

/**
 * Applies pending migrations at start (DATABASE_MIGRATIONS_RUN, default true). TypeORM itself
 * takes no lock, so instances starting together on a new database would race to create the same
 * tables; a session advisory lock makes them take turns, and the later ones find nothing to do.
 * Runs in onModuleInit, before any onApplicationBootstrap hook reads a table.
 */
@Injectable()
export class MigrationsService implements OnModuleInit {
  private readonly logger = new Logger('Migrations');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(databaseConfig.KEY) private readonly config: ConfigType<typeof databaseConfig>,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.config.runMigrations) await this.run();
  }

  async run(): Promise<string[]> {
    const lock = this.dataSource.createQueryRunner();
    await lock.connect();
    try {
      await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      const applied = await this.dataSource.runMigrations({ transaction: 'each' });
      if (applied.length) this.logger.log(`Applied ${applied.map((m) => m.name).join(', ')}`);
      return applied.map((m) => m.name);
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
      await lock.release();
    }
  }
}
