import { join } from 'node:path';
import { registerAs } from '@nestjs/config';
import { Env, EnvReader } from './env-parsers';

export interface DatabaseConfig {
  /** A real PostgreSQL server; undefined means "start the embedded one". */
  url?: string;
  runMigrations: boolean;
  /** Data directory of the embedded PostgreSQL (PGlite); "memory://" keeps nothing on disk. */
  embeddedDataDir: string;
  poolSize: number;
  /** How long a request waits for a connection or a query before the database counts as down. */
  timeoutMs: number;
}

export function loadDatabaseConfig(env: Env = process.env): DatabaseConfig {
  const read = new EnvReader(env);
  const { isProduction, nodeEnv } = read;
  const url = read.url('DATABASE_URL', ['postgres:', 'postgresql:']);
  if (isProduction && !url && !read.problems.length) {
    read.fail(
      `DATABASE_URL is required when NODE_ENV=${nodeEnv} (only development and test may use the embedded database)`,
    );
  }
  const config: DatabaseConfig = {
    url,
    runMigrations: read.bool('DATABASE_MIGRATIONS_RUN', true),
    embeddedDataDir: read.raw('EMBEDDED_DATABASE_DIR') ?? join(read.dataDir, 'pglite'),
    poolSize: read.int('DATABASE_POOL_SIZE', 10, 1, 200),
    timeoutMs: read.duration('DATABASE_TIMEOUT', '2s', 100),
  };
  read.done();
  return config;
}

export const databaseConfig = registerAs('database', () => loadDatabaseConfig());
