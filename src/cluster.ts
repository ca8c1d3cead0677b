/**
 * npm run start:cluster — one worker per core (CLUSTER_WORKERS to choose), all on one port.
 *
 * The primary only supervises: it forks the workers, restarts one that dies, relays revocation
 * messages between them when they share the embedded database (whose LISTEN/NOTIFY does not
 * cross connections; on a PostgreSQL server the workers use NOTIFY themselves), and on SIGTERM
 * asks every worker to drain and exits 0 once they have.
 */
import cluster, { Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { loadDatabaseConfig } from './config/database.config';
import { EmbeddedPostgres } from './database/embedded-postgres';
import { isRevocationMessage } from './users/revocation-broadcast.service';

function log(msg: string, level = 'info'): void {
  process.stdout.write(
    JSON.stringify({ level, time: Date.now(), pid: process.pid, context: 'Cluster', msg }) + '\n',
  );
}

async function primary(): Promise<void> {
  const count = Number(process.env.CLUSTER_WORKERS) || availableParallelism();
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
  const fork = (): Worker => {
    const worker = cluster.fork();
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
    if (stopping) return;
    log(`Worker ${worker.process.pid} exited (${signal ?? code}); starting another`, 'warn');
    fork();
  });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: draining the workers`);
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
    log(`Failed to start: ${error instanceof Error ? error.message : String(error)}`, 'fatal');
    process.exit(1);
  });
} else {
  // Each worker is a whole instance: main.ts bootstraps on import.
  void import('./main');
}
