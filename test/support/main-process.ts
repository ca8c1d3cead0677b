import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** More than a refusing start ever needs; a process still up then has started, and is stopped. */
const GIVE_UP_MS = 45_000;

/**
 * Starts src/main.ts as `npm start` would (ts-node, transpile only) with the e2e environment plus
 * `env` (undefined unsets), and resolves with its exit code and everything it printed: for cases
 * where the service must refuse to start. One that starts anyway is killed, so the case fails on
 * its exit code instead of hanging.
 */
export function startMain(
  env: Record<string, string | undefined>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'src/main.ts'],
      {
        cwd: join(__dirname, '..', '..'),
        env: { ...process.env, PORT: '0', ...env, FORCE_COLOR: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const giveUp = setTimeout(() => child.kill('SIGKILL'), GIVE_UP_MS);
    child.on('close', (code) => {
      clearTimeout(giveUp);
      resolve({ code, output });
    });
  });
}
