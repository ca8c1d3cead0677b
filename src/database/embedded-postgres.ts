import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** Written into the data directory by the process that serves it. */
const OWNER_FILE = 'embedded-server.json';

/**
 * A PostgreSQL a newcomer does not have to install: PGlite (Postgres compiled to WASM) served on
 * loopback by pglite-socket, so TypeORM talks to it with its ordinary `pg` driver exactly as it
 * would to a server.
 *
 * Limits measured here: PGlite runs one transaction at a time across all socket connections
 * (so code must never wait on a second connection while holding a transaction), LISTEN/NOTIFY
 * does not cross connections, and a cold start costs ~2.5 s and a few hundred MB.
 *
 * A data directory has one owner at a time (two PGlite processes on one directory would corrupt
 * it). A second process — an operator command while `npm start` runs, say — finds the owner's
 * address in the directory and connects to it instead of opening the files itself.
 */
export class EmbeddedPostgres {
  private constructor(
    readonly url: string,
    private readonly owned?: { db: PGlite; server: PGLiteSocketServer; ownerFile?: string },
  ) {}

  /** @param dataDir a directory to keep data in, or "memory://" for a throwaway database */
  static async start(dataDir: string, maxConnections = 20): Promise<EmbeddedPostgres> {
    const inMemory = dataDir.startsWith('memory://');
    const ownerFile = inMemory ? undefined : join(dataDir, OWNER_FILE);
    const running = ownerFile ? runningOwner(ownerFile) : undefined;
    if (running) return new EmbeddedPostgres(running);

    // Loaded lazily: a deployment with DATABASE_URL never pays for the WASM module.
    const { PGlite } = await import('@electric-sql/pglite');
    const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
    if (!inMemory) mkdirSync(dataDir, { recursive: true });
    const db = await PGlite.create(dataDir);
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections });
    await server.start();
    const [host, port] = server.getServerConn().split(':');
    const url = `postgres://postgres@${host}:${port}/postgres`;
    if (ownerFile) writeFileSync(ownerFile, JSON.stringify({ pid: process.pid, url }));
    return new EmbeddedPostgres(url, { db, server, ownerFile });
  }

  /** Whether this process serves the database (false: it connected to another's). */
  get isOwner(): boolean {
    return this.owned !== undefined;
  }

  async stop(): Promise<void> {
    if (!this.owned) return;
    await this.owned.server.stop();
    await this.owned.db.close();
    if (this.owned.ownerFile) rmSync(this.owned.ownerFile, { force: true });
  }
}

function runningOwner(ownerFile: string): string | undefined {
  if (!existsSync(ownerFile)) return undefined;
  try {
    const { pid, url } = JSON.parse(readFileSync(ownerFile, 'utf8')) as {
      pid: number;
      url: string;
    };
    if (pid === process.pid) return undefined;
    process.kill(pid, 0); // throws when no such process: the file is stale
    return url;
  } catch {
    return undefined;
  }
}
