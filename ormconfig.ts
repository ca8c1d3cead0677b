/**
 * The DataSource the TypeORM CLI uses (`npm run migration:*`). Same options as the app; with no
 * DATABASE_URL it starts the same embedded PostgreSQL the app would, on the same data directory.
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadDatabaseConfig } from './src/config/database.config';
import { dataSourceOptions } from './src/database/data-source-options';
import { EmbeddedPostgres } from './src/database/embedded-postgres';

async function createDataSource(): Promise<DataSource> {
  const config = loadDatabaseConfig();
  let url = config.url;
  if (!url) {
    const embedded = await EmbeddedPostgres.start(config.embeddedDataDir);
    url = embedded.url;
    // The CLI exits when its command is done; the embedded server must not keep it alive.
    process.once('beforeExit', () => void embedded.stop());
  }
  return new DataSource({
    ...dataSourceOptions(url),
    entities: ['src/**/*.entity.ts'],
  });
}

export default createDataSource();
