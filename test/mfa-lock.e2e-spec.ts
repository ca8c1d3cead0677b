import { PASSWORD, signedInUser } from './support/factories';
import { enrolTotp, totpCode } from './support/mfa';
import { createTestApp, resetDatabase, TestApp } from './support/test-app';

/**
 * Wrong second-factor codes count in the account's failed-login lock (../shared/API.md,
 * "Multi-factor authentication" and "Client addresses and rate-limit keys"), and a right password
 * alone does not wipe that count: only a finished login does.
 */
describe('MFA: wrong codes and the failed-login lock', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ RATE_LIMIT_LOGIN_ACCOUNT: '3' });
    await resetDatabase(t.dataSource);
  });
  afterAll(() => t.close());

  async function enrolled() {
    const user = await signedInUser(t);
    return { ...user, ...(await enrolTotp(t, user.bearer)) };
  }
  async function challenge(email: string): Promise<string> {
    const response = await t.http().post('/auth/login').send({ email, password: PASSWORD });
    expect(response.status).toBe(200);
    return response.body.mfaToken as string;
  }
  const verify = (mfaToken: string, code: string) =>
    t.http().post('/auth/mfa/verify').send({ mfaToken, code });

  it('should lock the account at this address after wrong codes: 429 with Retry-After, even for the right code', async () => {
    const user = await enrolled();
    const mfaToken = await challenge(user.email);
    await verify(mfaToken, totpCode(user.secret, 5)).expect(401);
    await verify(mfaToken, totpCode(user.secret, 6)).expect(401);
    const locked = await verify(mfaToken, totpCode(user.secret, 1)).expect(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(locked.body.code).toBe('too_many_attempts');
  });

  it('should record the lockout in the audit log', async () => {
    const user = await enrolled();
    const mfaToken = await challenge(user.email);
    await verify(mfaToken, totpCode(user.secret, 5)).expect(401);
    await verify(mfaToken, totpCode(user.secret, 6)).expect(401);
    const rows = await t.dataSource.query<{ type: string }[]>(
      `SELECT type FROM audit_events WHERE user_id = $1 AND type = 'lockout'`,
      [user.id],
    );
    expect(rows).toHaveLength(1);
  });

  it('should not let the right password reset the count of wrong codes', async () => {
    const user = await enrolled();
    await verify(await challenge(user.email), totpCode(user.secret, 5)).expect(401);
    const second = await challenge(user.email);
    await verify(second, totpCode(user.secret, 1)).expect(429);
  });

  it('should start afresh at this address once a login with a code succeeded', async () => {
    const user = await enrolled();
    const first = await challenge(user.email);
    await verify(first, totpCode(user.secret, 5)).expect(401);
    await verify(first, totpCode(user.secret, 1)).expect(200);
    // The count was wiped: one login and two wrong codes fit under the limit of three again.
    const mfaToken = await challenge(user.email);
    await verify(mfaToken, totpCode(user.secret, 5)).expect(401);
    await verify(mfaToken, totpCode(user.secret, 6)).expect(401);
  });
});
