import { mkdirSync } from 'node:fs';
import type { PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * A PostgreSQL a newcomer does not have to install: PGlite (Postgres compiled to WASM) served on
 * loopback by pglite-socket, so TypeORM talks to it with its ordinary `pg` driver exactly as it
 * would to a server.
 *
 * Limits measured here: PGlite runs one transaction at a time across all socket connections
 * (so code must never wait on a second connection while holding a transaction), LISTEN/NOTIFY
 * does not cross connections, and a cold start costs ~2.5 s and a few hundred MB.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    readonly url: string,
  ) {}

  /** @param dataDir a directory to keep data in, or "memory://" for a throwaway database */
  static async start(dataDir: string, maxConnections = 20): Promise<EmbeddedPostgres> {
    // Loaded lazily: a deployment with DATABASE_URL never pays for the WASM module.
    const { PGlite } = await import('@electric-sql/pglite');
    const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
    if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
    const db = await PGlite.create(dataDir);
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections });
    await server.start();
    const [host, port] = server.getServerConn().split(':');
    return new EmbeddedPostgres(db, server, `postgres://postgres@${host}:${port}/postgres`);
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
  }
}
