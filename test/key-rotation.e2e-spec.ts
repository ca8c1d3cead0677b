import { randomBytes } from 'node:crypto';
import { createTestApp, resetDatabase, TestApp } from './support/test-app';
import { signedInUser } from './support/factories';
import { decodePart, kidOf } from './support/jwt';

/**
 * Rotating the signing key without logging everybody out (../shared/API.md, "Secrets"): the old
 * key moves to JWT_PREVIOUS_SECRETS, where it verifies but never signs.
 *
 * Apps run one after another here, never side by side: passport keeps strategies in one
 * process-wide registry, so the last app created owns them.
 */
describe('Signing-key rotation', () => {
  const oldSecret = randomBytes(48).toString('base64url');
  const newSecret = randomBytes(48).toString('base64url');
  let accessToken: string;
  let refreshToken: string;

  beforeAll(async () => {
    const before = await createTestApp({ JWT_SECRET: oldSecret });
    await resetDatabase(before.dataSource);
    ({ accessToken, refreshToken } = (await signedInUser(before)).tokens);
    await before.close();
  });

  describe('with the old key in JWT_PREVIOUS_SECRETS', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({
        JWT_SECRET: newSecret,
        JWT_PREVIOUS_SECRETS: `${randomBytes(40).toString('hex')},${oldSecret}`,
      });
    });
    afterAll(() => t.close());

    it('should keep accepting access tokens signed with the old key', async () => {
      expect(decodePart(accessToken, 0).kid).toBe(kidOf(oldSecret));
      await t
        .http()
        .get('/auth/token-info')
        .set('Authorization', `Bearer ${accessToken}`)
        .expect(200);
    });

    it('should sign new tokens with the current key only', async () => {
      const response = await t.http().post('/auth/refresh').send({ refreshToken }).expect(200);
      expect(decodePart(response.body.accessToken, 0).kid).toBe(kidOf(newSecret));
      refreshToken = response.body.refreshToken;
    });
  });

  describe('after the old key is removed', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ JWT_SECRET: newSecret });
    });
    afterAll(() => t.close());

    it('should reject tokens signed with it', async () => {
      const response = await t
        .http()
        .get('/auth/token-info')
        .set('Authorization', `Bearer ${accessToken}`)
        .expect(401);
      expect(response.body.code).toBe('token_invalid');
    });

    it('should not affect refresh tokens, which are not signed', async () => {
      await t.http().post('/auth/refresh').send({ refreshToken }).expect(200);
    });
  });
});
