import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { databaseConfig } from '../config/database.config';
import { EmbeddedPostgres } from './embedded-postgres';

/** Resolves the database URL: the configured server, or an embedded PostgreSQL started on demand. */
@Injectable()
export class EmbeddedDatabaseService implements OnApplicationShutdown {
  private readonly logger = new Logger('Database');
  private embedded?: EmbeddedPostgres;

  constructor(
    @Inject(databaseConfig.KEY) private readonly config: ConfigType<typeof databaseConfig>,
  ) {}

  async resolveUrl(): Promise<string> {
    if (this.config.url) {
      this.logger.log('Using the PostgreSQL server from DATABASE_URL');
      return this.config.url;
    }
    const started = Date.now();
    this.embedded = await EmbeddedPostgres.start(
      this.config.embeddedDataDir,
      this.config.poolSize + 2,
    );
    this.logger.log(
      this.embedded.isOwner
        ? `No DATABASE_URL: embedded PostgreSQL (PGlite) in ${this.config.embeddedDataDir}, ready in ${Date.now() - started} ms`
        : `No DATABASE_URL: using the embedded PostgreSQL another process serves from ${this.config.embeddedDataDir}`,
    );
    return this.embedded.url;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.embedded?.stop();
  }
}
