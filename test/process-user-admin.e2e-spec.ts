import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Role } from '../src/users/role.enum';
import { UsersService } from '../src/users/users.service';
import { login, PASSWORD, refresh, registerUser, signedInUser } from './support/factories';
import { createTestApp, resetDatabase, TestApp } from './support/test-app';

/** Runs src/cli/user-admin.ts the way `npm run <command> -- <email>` does. */
function run(args: string[]) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'src/cli/user-admin.ts', ...args],
      {
        cwd: join(__dirname, '..'),
        env: { ...process.env, FORCE_COLOR: '0' },
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

/**
 * The operator commands admin:revoke, user:disable and user:enable (README, "Operating it"): the
 * same service, revocations and last-admin rule as the /admin/users routes.
 */
describe('Operator commands: admin:revoke, user:disable, user:enable', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
    await resetDatabase(t.dataSource);
  });
  afterAll(() => t.close());

  const rolesOf = async (id: string) =>
    (
      (await t.dataSource.query('SELECT roles FROM users WHERE id = $1', [id]))[0] as {
        roles: string[];
      }
    ).roles;

  it('should refuse to remove the admin role of the last enabled admin', async () => {
    const admin = await signedInUser(t, { admin: true });
    const result = await run(['admin:revoke', admin.email]);
    expect(result.code).toBe(1);
    expect(result.output).toContain('This would leave no enabled admin');
    expect(await rolesOf(admin.id)).toEqual(['user', 'admin']);
  });

  it('should remove the admin role while another admin remains', async () => {
    await signedInUser(t, { admin: true });
    const second = await registerUser(t);
    await t.app.get(UsersService).grantRole(second.email, Role.Admin);
    const result = await run(['admin:revoke', second.email.toUpperCase()]);
    expect(result).toMatchObject({ code: 0 });
    expect(result.output).toContain(`${second.email} now has the roles: user`);
    expect(await rolesOf(second.id)).toEqual(['user']);
  });

  it('should disable a user: the refresh token is refused and the login gives 403', async () => {
    const user = await signedInUser(t);
    const result = await run(['user:disable', user.email]);
    expect(result).toMatchObject({ code: 0 });
    expect(result.output).toContain(`${user.email} is disabled`);
    // The sessions are revoked in the database (the access tokens of running instances fail
    // through the broadcast: test/admin-multi-instance.e2e-spec.ts shows it for the same service).
    await refresh(t, user.tokens.refreshToken).expect(401);
    const response = await t
      .http()
      .post('/auth/login')
      .send({ email: user.email, password: PASSWORD })
      .expect(403);
    expect(response.body.code).toBe('account_disabled');
  });

  it('should enable a disabled user again', async () => {
    const user = await registerUser(t);
    expect((await run(['user:disable', user.email])).code).toBe(0);
    const result = await run(['user:enable', user.email]);
    expect(result).toMatchObject({ code: 0 });
    await login(t, user.email);
  });

  it('should audit the operator commands with the user agent cli', async () => {
    const user = await registerUser(t);
    await run(['user:disable', user.email]);
    const rows: { type: string; user_agent: string; actor_id: string | null }[] =
      await t.dataSource.query(
        'SELECT type, user_agent, actor_id FROM audit_events WHERE user_id = $1 AND type = $2',
        [user.id, 'admin_user_disabled'],
      );
    expect(rows).toEqual([{ type: 'admin_user_disabled', user_agent: 'cli', actor_id: null }]);
  });

  it('should fail with a message for an unknown email', async () => {
    const result = await run(['user:disable', 'nobody@example.com']);
    expect(result.code).toBe(1);
    expect(result.output).toContain('No user with email nobody@example.com');
  });

  it('should print its usage without an email', async () => {
    const result = await run(['user:enable']);
    expect(result.code).toBe(2);
    expect(result.output).toContain('Usage: npm run user:enable -- <email>');
  });
});
