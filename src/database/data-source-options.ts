import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { migrations } from './migrations';

/** What the app and the TypeORM CLI (ormconfig.ts) share, so both see one schema. */
export function dataSourceOptions(
  url: string,
  poolSize = 10,
  timeoutMs = 2_000,
): PostgresConnectionOptions {
  return {
    type: 'postgres',
    url,
    migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    // Schema changes only ever come from reviewed migrations.
    synchronize: false,
    // TypeORM's query logger prints parameters, which include password and token hashes.
    logging: false,
    extra: {
      max: poolSize,
      // A lost database must turn into a quick 503, not a request that hangs.
      connectionTimeoutMillis: timeoutMs,
      // ...and so must a connection that went silent (a network cut without a reset).
      query_timeout: timeoutMs * 2,
      application_name: 'nest-jwt-auth',
    },
  };
}
