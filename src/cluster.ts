/**
 * npm run start:cluster — one worker per core (CLUSTER_WORKERS to choose), all on one port.
 *
 * The primary only supervises: it forks the workers, replaces one that dies (after a wait that
 * grows while they keep dying: restart-backoff.ts), relays revocation messages between them when
 * they share the embedded database (whose LISTEN/NOTIFY does not cross connections; on a
 * PostgreSQL server the workers use NOTIFY themselves), and on SIGTERM asks every worker to drain
 * and exits 0 once they have.
 */
import cluster, { Worker } from 'node:cluster';
import { performance } from 'node:perf_hooks';
import { loadClusterConfig } from './config/cluster.config';
import { loadDatabaseConfig } from './config/database.config';
import { ConfigError } from './config/env-parsers';
import { EmbeddedPostgres } from './database/embedded-postgres';
import { RestartBackoff } from './restart-backoff';
import { isRevocationMessage } from './users/revocation-broadcast.service';

function log(msg: string, level = 'info'): void {
  process.stdout.write(
    JSON.stringify({ level, time: Date.now(), pid: process.pid, context: 'Cluster', msg }) + '\n',
  );
}

async function primary(): Promise<void> {
  const count = loadClusterConfig().workers;
  let embedded: EmbeddedPostgres | undefined;
  const database = loadDatabaseConfig();
  if (!database.url) {
    // One embedded database for all workers, served by the primary.
    embedded = await EmbeddedPostgres.start(
      database.embeddedDataDir,
      count * (database.poolSize + 2),
    );
    process.env.DATABASE_URL = embedded.url;
    log(
      `No DATABASE_URL: embedded PostgreSQL in ${database.embeddedDataDir}, shared by the workers`,
    );
  }

  let stopping = false;
  const backoff = new RestartBackoff();
  const startedAt = new Map<number, number>();
  const waiting = new Set<NodeJS.Timeout>();
  const fork = (): Worker => {
    const worker = cluster.fork();
    startedAt.set(worker.id, performance.now());
    worker.on('message', (message: unknown) => {
      if (!isRevocationMessage(message)) return;
      for (const other of Object.values(cluster.workers ?? {}))
        if (other && other !== worker) other.send(message);
    });
    return worker;
  };
  for (let i = 0; i < count; i++) fork();
  log(`Started ${count} workers`);

  cluster.on('exit', (worker, code, signal) => {
    const uptimeMs = Math.round(performance.now() - (startedAt.get(worker.id) ?? 0));
    startedAt.delete(worker.id);
    if (stopping) return;
    const delayMs = backoff.delayAfterExit(uptimeMs);
    log(
      `Worker ${worker.process.pid} exited (${signal ?? code}) after ${uptimeMs} ms; ` +
        `starting another in ${delayMs} ms`,
      'warn',
    );
    const timer = setTimeout(() => {
      waiting.delete(timer);
      fork();
    }, delayMs);
    waiting.add(timer);
  });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: draining the workers`);
    for (const timer of waiting) clearTimeout(timer);
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => Boolean(w));
    let left = workers.length;
    const done = async () => {
      await embedded?.stop();
      process.exit(0);
    };
    if (left === 0) void done();
    for (const worker of workers) {
      worker.once('exit', () => {
        left -= 1;
        if (left === 0) void done();
      });
      worker.process.kill('SIGTERM');
    }
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (cluster.isPrimary) {
  primary().catch((error: unknown) => {
    // A configuration error names the variable; anything else is reported without a stack.
    const message =
      error instanceof ConfigError
        ? error.message
        : `Failed to start: ${error instanceof Error ? error.message : String(error)}`;
    log(message, 'fatal');
    process.exit(1);
  });
} else {
  // Each worker is a whole instance: main.ts bootstraps on import.
  void import('./main');
}
