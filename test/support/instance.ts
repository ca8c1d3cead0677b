import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';
import Redis from 'ioredis';

const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** `npm run build` unless dist/ is newer than every source file: these suites run the built app. */
export function ensureBuilt(): void {
  if (existsSync(MAIN) && statSync(MAIN).mtimeMs >= newestMtime(join(ROOT, 'src'))) return;
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js'), 'build'],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
}

export interface Instance {
  url: string;
  process: ChildProcess;
  /** Every line the process wrote to stdout and stderr. */
  lines: string[];
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `node dist/main.js` on a free port and waits until /health/ready answers 200. */
export async function startInstance(
  env: Record<string, string | undefined>,
  port: number,
): Promise<Instance> {
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const collect = (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean));
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`instance exited during start:\n${lines.join('\n')}`);
    try {
      if ((await fetch(`${url}/health/ready`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`instance not ready in 30 s:\n${lines.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    process: child,
    lines,
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

export const SERVER_ADMIN_URL =
  process.env.TEST_POSTGRES_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * A fresh database on the PostgreSQL server for suites that need a real one (LISTEN/NOTIFY),
 * or undefined when no server answers.
 */
export async function createServerDatabase(): Promise<
  { url: string; drop(): Promise<void> } | undefined
> {
  const admin = new Client({ connectionString: SERVER_ADMIN_URL, connectionTimeoutMillis: 1_000 });
  try {
    await admin.connect();
  } catch {
    return undefined;
  }
  const name = `auth_instances_${Date.now()}_${process.pid}`;
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(SERVER_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new Client({ connectionString: SERVER_ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export async function redisAnswers(url = REDIS_URL): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 500,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return true;
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

let answering: { postgres: boolean; redis: boolean } | undefined;

/**
 * Whether the PostgreSQL server and Redis answer, asked synchronously (from a child process) so
 * that a spec file can pick `describe` or `describe.skip` while Jest collects its tests: Jest
 * cannot skip from an async hook, and a test that returns early is reported as passed.
 */
export function serverServicesAnswer(): { postgres: boolean; redis: boolean } {
  if (answering) return answering;
  const probe = `
    const { Client } = require('pg');
    const Redis = require('ioredis');
    const postgres = async () => {
      const client = new Client({ connectionString: process.env.PROBE_POSTGRES, connectionTimeoutMillis: 1000 });
      try { await client.connect(); await client.query('SELECT 1'); return true; }
      catch { return false; }
      finally { await client.end().catch(() => undefined); }
    };
    const redis = async () => {
      const client = new Redis(process.env.PROBE_REDIS, {
        lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null,
      });
      client.on('error', () => undefined);
      try { await client.connect(); await client.ping(); return true; }
      catch { return false; }
      finally { client.disconnect(); }
    };
    Promise.all([postgres(), redis()]).then(([postgres, redis]) => {
      process.stdout.write(JSON.stringify({ postgres, redis }));
      process.exit(0);
    });`;
  const result = spawnSync(process.execPath, ['-e', probe], {
    cwd: ROOT,
    env: { ...process.env, PROBE_POSTGRES: SERVER_ADMIN_URL, PROBE_REDIS: REDIS_URL },
    encoding: 'utf8',
    timeout: 10_000,
  });
  try {
    answering = JSON.parse(result.stdout) as { postgres: boolean; redis: boolean };
  } catch {
    answering = { postgres: false, redis: false };
  }
  return answering;
}

/** A port nothing listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
