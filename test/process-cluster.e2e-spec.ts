import { spawn } from 'node:child_process';
import { createServer, Server } from 'node:net';
import { join } from 'node:path';
import { ensureBuilt, freePort } from './support/instance';

jest.setTimeout(120_000);

const CLUSTER = join(__dirname, '..', 'dist', 'cluster.js');

interface Cluster {
  /** Every line the primary and its workers wrote. */
  lines: string[];
  exitCode: Promise<number | null>;
  /** Resolves once `count` lines match `pattern` (or rejects after `ms`). */
  waitFor(pattern: RegExp, count: number, ms: number): Promise<string[]>;
  stop(): Promise<number | null>;
}

/** `npm run start:cluster` without the build step: the primary of dist/cluster.js. */
function startCluster(env: Record<string, string | undefined>): Cluster {
  const child = spawn(process.execPath, [CLUSTER], {
    cwd: join(__dirname, '..'),
    env: { ...process.env, DATABASE_URL: process.env.E2E_DATABASE_URL, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const collect = (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean));
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exitCode = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return {
    lines,
    exitCode,
    async waitFor(pattern, count, ms) {
      const deadline = Date.now() + ms;
      for (;;) {
        const matching = lines.filter((line) => pattern.test(line));
        if (matching.length >= count) return matching.slice(0, count);
        if (child.exitCode !== null || Date.now() > deadline)
          throw new Error(`${count} × ${pattern} not seen:\n${lines.join('\n')}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exitCode;
    },
  };
}

/** Runs the primary until it exits by itself, or stops it after `ms` and says so. */
async function runToExit(env: Record<string, string>, ms = 20_000) {
  const cluster = startCluster(env);
  const timer = setTimeout(() => void cluster.stop(), ms);
  const code = await cluster.exitCode;
  clearTimeout(timer);
  return { code, output: cluster.lines.join('\n') };
}

describe('Cluster mode (node dist/cluster.js)', () => {
  beforeAll(() => ensureBuilt());

  describe('CLUSTER_WORKERS', () => {
    it.each(['0', 'four', '2.5', '100000'])(
      'should refuse CLUSTER_WORKERS=%p: exit 1 with a message naming it, before starting any worker',
      async (value) => {
        const result = await runToExit({ CLUSTER_WORKERS: value, PORT: String(await freePort()) });
        expect(result.code).toBe(1);
        expect(result.output).toContain('CLUSTER_WORKERS');
        expect(result.output).not.toMatch(/Started \d+ workers/);
      },
    );
  });

  describe('a worker that fails at start (its port is taken)', () => {
    let blocker: Server;
    let cluster: Cluster;
    let restarts: { delayMs: number; time: number }[];
    let exitCode: number | null;

    beforeAll(async () => {
      // Every worker bootstraps, then fails to listen: a crash the primary cannot foresee.
      const port = await freePort();
      blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
      cluster = startCluster({ CLUSTER_WORKERS: '1', PORT: String(port), HOST: '127.0.0.1' });
      const exits = await cluster.waitFor(/Worker \d+ exited/, 3, 90_000);
      restarts = exits.map((line) => {
        const entry = JSON.parse(line) as { msg: string; time: number };
        return {
          delayMs: Number(/starting another in (\d+) ms/.exec(entry.msg)?.[1]),
          time: entry.time,
        };
      });
      exitCode = await cluster.stop();
    });

    afterAll(async () => {
      await cluster?.stop();
      await new Promise((resolve) => blocker?.close(resolve));
    });

    it('should wait 1 s, then 2 s, then 4 s before each replacement', () => {
      expect(restarts.map((restart) => restart.delayMs)).toEqual([1_000, 2_000, 4_000]);
    });

    it('should not start a replacement before its wait is over', () => {
      // A worker exits only after it was forked, so exits lie at least one wait apart.
      for (let i = 1; i < restarts.length; i++) {
        const gap = restarts[i].time - restarts[i - 1].time;
        expect({ gap, atLeast: gap >= restarts[i - 1].delayMs }).toEqual({ gap, atLeast: true });
      }
    });

    it('should exit 0 on SIGTERM while a replacement is still waiting', () => {
      expect(exitCode).toBe(0);
    });
  });
});
