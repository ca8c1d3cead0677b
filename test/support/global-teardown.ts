import type { EmbeddedPostgres } from '../../src/database/embedded-postgres';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __EMBEDDED_POSTGRES__?: EmbeddedPostgres }).__EMBEDDED_POSTGRES__?.stop();
}
