import { EmbeddedPostgres } from '../../src/database/embedded-postgres';

/**
 * One database for the whole e2e run: TEST_DATABASE_URL when set (CI points it at a fresh
 * database on a real server), otherwise an in-memory embedded PostgreSQL started once here
 * (~2.5 s), never once per test.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_DATABASE_URL) {
    process.env.E2E_DATABASE_URL = process.env.TEST_DATABASE_URL;
    console.log('\ne2e: PostgreSQL server from TEST_DATABASE_URL');
    return;
  }
  const embedded = await EmbeddedPostgres.start('memory://');
  (globalThis as { __EMBEDDED_POSTGRES__?: EmbeddedPostgres }).__EMBEDDED_POSTGRES__ = embedded;
  process.env.E2E_DATABASE_URL = embedded.url;
  console.log('\ne2e: embedded PostgreSQL (PGlite, in memory)');
}
