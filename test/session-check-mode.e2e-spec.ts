import { createTestApp, resetDatabase, TestApp } from './support/test-app';
import { signedInUser } from './support/factories';

/**
 * The two ways of accepting an access token. The default reads no database and learns of
 * revocations through this process's revocation set; AUTH_CHECK_SESSION=true reads the session
 * row on every request (the session-auth cost the design avoids) and sees any revocation at once,
 * however it was written.
 */
describe('Accepting access tokens', () => {
  const revokeBehindTheAppsBack = (t: TestApp, userId: string) =>
    t.dataSource.query(`UPDATE sessions SET revoked_at = now() WHERE user_id = $1`, [userId]);

  describe('by default (signature only)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp();
      await resetDatabase(t.dataSource);
    });
    afterAll(() => t.close());

    it('should not see a revocation it was not told about until the token expires', async () => {
      const user = await signedInUser(t);
      await revokeBehindTheAppsBack(t, user.id);
      await t.http().get('/auth/token-info').set('Authorization', user.bearer).expect(200);
      // The refresh token, checked against the database, stops working at once.
      await t
        .http()
        .post('/auth/refresh')
        .send({ refreshToken: user.tokens.refreshToken })
        .expect(401);
    });
  });

  describe('with AUTH_CHECK_SESSION=true', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ AUTH_CHECK_SESSION: 'true' });
    });
    afterAll(() => t.close());

    it('should accept a token of a live session', async () => {
      const user = await signedInUser(t);
      await t.http().get('/auth/token-info').set('Authorization', user.bearer).expect(200);
    });

    it('should reject a token as soon as its session row is revoked', async () => {
      const user = await signedInUser(t);
      await revokeBehindTheAppsBack(t, user.id);
      const response = await t
        .http()
        .get('/auth/token-info')
        .set('Authorization', user.bearer)
        .expect(401);
      expect(response.body.code).toBe('session_revoked');
    });
  });
});
