import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createTestApp, resetDatabase, TestApp } from './support/test-app';
import { registerUser } from './support/factories';

/** Runs a TypeScript entry point the way `npm run` does, and collects what it printed. */
function run(script: string, args: string[], env: Record<string, string | undefined>) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', script, ...args],
      {
        cwd: join(__dirname, '..'),
        env: { ...process.env, ...env, FORCE_COLOR: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

// Each case starts a TypeScript process (ts-node): seconds, not milliseconds.
jest.setTimeout(60_000);

describe('Operator command: npm run admin:grant -- <email>', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
    await resetDatabase(t.dataSource);
  });
  afterAll(() => t.close());

  it('should give an existing user the admin role', async () => {
    const user = await registerUser(t);
    const result = await run('src/cli/grant-admin.ts', [user.email.toUpperCase()], {});
    expect(result).toMatchObject({ code: 0 });
    expect(result.output).toContain(`${user.email} now has the roles: user, admin`);
    const [row] = await t.dataSource.query('SELECT roles FROM users WHERE id = $1', [user.id]);
    expect(row.roles).toEqual(['user', 'admin']);
  });

  it('should fail with a message for an unknown email', async () => {
    const result = await run('src/cli/grant-admin.ts', ['nobody@example.com'], {});
    expect(result.code).toBe(1);
    expect(result.output).toContain('No user with email nobody@example.com');
  });

  it('should print its usage without an email', async () => {
    const result = await run('src/cli/grant-admin.ts', [], {});
    expect(result.code).toBe(2);
    expect(result.output).toContain('Usage: npm run admin:grant -- <email>');
  });
});

describe('Start-up configuration checks (../shared/API.md, "Running and configuring")', () => {
  it('should stop with a message naming a variable that does not parse', async () => {
    const result = await run('src/main.ts', [], { JWT_ACCESS_TTL: 'fifteen minutes', PORT: '0' });
    expect(result.code).toBe(1);
    expect(result.output).toContain('JWT_ACCESS_TTL');
  });

  it('should refuse to start in production without a signing key, naming JWT_SECRET', async () => {
    const result = await run('src/main.ts', [], {
      NODE_ENV: 'production',
      JWT_SECRET: undefined,
      PORT: '0',
    });
    expect(result.code).toBe(1);
    expect(result.output).toContain('JWT_SECRET');
  });

  it('should refuse a placeholder key in production', async () => {
    const result = await run('src/main.ts', [], {
      NODE_ENV: 'production',
      JWT_SECRET: 'change-me-change-me-change-me-change-me',
      PORT: '0',
    });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/JWT_SECRET.*placeholder/);
  });

  it('should never print the configured secret or database password', async () => {
    const result = await run('src/main.ts', [], {
      NODE_ENV: 'production',
      JWT_SECRET: 'change-me-change-me-change-me-change-me',
      DATABASE_URL: 'postgres://app:hunter2-db-password@127.0.0.1:1/auth',
      PORT: '0',
    });
    expect(result.output).not.toContain('change-me-change-me');
    expect(result.output).not.toContain('hunter2-db-password');
  });
});
