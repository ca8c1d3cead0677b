import { randomBytes } from 'node:crypto';
import { createTestApp, resetDatabase, TestApp } from './support/test-app';
import { signedInUser, SignedInUser } from './support/factories';
import { b64url, decodePart, kidOf, signJws, testKeyPair, thumbprintOf } from './support/jwt';

/**
 * The design's central claim (../shared/seed): a JWT is accepted by its signature and expiry
 * alone, so any change to header or payload breaks the signature and is rejected. The same holds
 * for every JWT_ALGORITHM (../shared/API.md, "Tokens other services can verify").
 */
describe.each(['HS256', 'EdDSA', 'ES256'] as const)(
  'Access-token verification with %s (../shared/API.md, "Tokens")',
  (algorithm) => {
    const secret = randomBytes(48).toString('base64url');
    const pair = algorithm === 'HS256' ? undefined : testKeyPair(algorithm);
    const kid = pair ? thumbprintOf(pair.publicPem) : kidOf(secret);
    const HEADER = { alg: algorithm, typ: 'JWT', kid };
    const signingKey = pair?.privatePem ?? secret;
    const sign = (header: object, claims: object, key: string | Buffer = signingKey) =>
      signJws(algorithm, header, claims, key);
    const anotherKey = () =>
      pair ? testKeyPair(algorithm as 'EdDSA' | 'ES256').privatePem : randomBytes(48);
    let t: TestApp;
    let user: SignedInUser;

    beforeAll(async () => {
      t = await createTestApp(
        pair
          ? { JWT_ALGORITHM: algorithm, JWT_PRIVATE_KEY: pair.privatePem }
          : { JWT_SECRET: secret },
      );
      await resetDatabase(t.dataSource);
      user = await signedInUser(t);
    });
    afterAll(() => t.close());

    const call = (token: string) =>
      t.http().get('/auth/token-info').set('Authorization', `Bearer ${token}`);
    const validClaims = () => ({ ...decodePart(user.tokens.accessToken, 1) });

    async function expectInvalid(token: string, code = 'token_invalid') {
      const response = await call(token).expect(401);
      expect(response.body).toMatchObject({ statusCode: 401, error: 'Unauthorized', code });
      expect(response.headers['www-authenticate']).toBe(
        'Bearer realm="api", error="invalid_token"',
      );
      expect(JSON.stringify(response.body)).not.toContain(secret);
      if (pair) expect(JSON.stringify(response.body)).not.toContain(pair.privatePem.split('\n')[1]);
    }

    it(`should carry header {alg: ${algorithm}, typ: JWT, kid} and the claims sub sid roles amr iat exp iss aud jti`, () => {
      expect(decodePart(user.tokens.accessToken, 0)).toEqual(HEADER);
      const claims = decodePart(user.tokens.accessToken, 1);
      expect(Object.keys(claims).sort()).toEqual([
        'amr',
        'aud',
        'exp',
        'iat',
        'iss',
        'jti',
        'roles',
        'sid',
        'sub',
      ]);
      expect(claims).toMatchObject({
        sub: user.id,
        roles: ['user'],
        amr: ['pwd'],
        iss: 'nest-jwt-auth',
        aud: 'nest-jwt-auth',
      });
      expect((claims.exp as number) - (claims.iat as number)).toBe(900);
    });

    it('should accept the untouched token', async () => {
      await call(user.tokens.accessToken).expect(200);
    });

    it('should reject a token whose payload was edited (roles: admin)', async () => {
      const [header, , signature] = user.tokens.accessToken.split('.');
      await expectInvalid(
        `${header}.${b64url({ ...validClaims(), roles: ['admin'] })}.${signature}`,
      );
    });

    it('should reject a token whose header was edited', async () => {
      const [, payload, signature] = user.tokens.accessToken.split('.');
      await expectInvalid(`${b64url({ ...HEADER, x: 1 })}.${payload}.${signature}`);
    });

    it('should reject a token with its signature stripped', async () => {
      const [header, payload] = user.tokens.accessToken.split('.');
      await expectInvalid(`${header}.${payload}.`);
      await expectInvalid(`${header}.${payload}`);
    });

    it('should reject alg "none"', async () => {
      const forged = `${b64url({ ...HEADER, alg: 'none' })}.${b64url(validClaims())}.`;
      await expectInvalid(forged);
    });

    it('should reject a token signed with another key', async () => {
      await expectInvalid(sign(HEADER, validClaims(), anotherKey()));
    });

    it('should reject an expired token with token_expired, so the client knows to refresh', async () => {
      const now = Math.floor(Date.now() / 1000);
      const expired = sign(HEADER, { ...validClaims(), iat: now - 1000, exp: now - 60 });
      await expectInvalid(expired, 'token_expired');
    });

    it('should accept a token expired by less than the 30 s clock tolerance', async () => {
      const now = Math.floor(Date.now() / 1000);
      const justExpired = sign(HEADER, { ...validClaims(), iat: now - 900, exp: now - 5 });
      await call(justExpired).expect(200);
    });

    it('should reject a token for another issuer or audience, even when correctly signed', async () => {
      const header = HEADER;
      await expectInvalid(sign(header, { ...validClaims(), iss: 'someone-else' }));
      await expectInvalid(sign(header, { ...validClaims(), aud: 'another-api' }));
    });

    it('should reject an unknown kid', async () => {
      await expectInvalid(sign({ ...HEADER, kid: 'unknown' }, validClaims()));
    });

    it('should reject a token over 8 kB without parsing it', async () => {
      const huge = sign(HEADER, { ...validClaims(), pad: 'x'.repeat(9000) });
      await expectInvalid(huge);
    });

    it('should reject a token signed correctly but missing the session claims', async () => {
      const { sid: _sid, ...withoutSid } = validClaims();
      await expectInvalid(sign(HEADER, withoutSid));
    });

    it('should not read a token from the query string', async () => {
      const response = await t
        .http()
        .get(`/auth/token-info?access_token=${user.tokens.accessToken}`)
        .expect(401);
      expect(response.body.code).toBe('token_missing');
    });

    it('should reject other authorization schemes', async () => {
      await t
        .http()
        .get('/auth/token-info')
        .set('Authorization', `Basic ${user.tokens.accessToken}`)
        .expect(401);
    });

    it('should accept the token without a database read', async () => {
      const queries: string[] = [];
      const original = t.dataSource.driver.createQueryRunner.bind(t.dataSource.driver);
      const spy = jest
        .spyOn(t.dataSource.driver, 'createQueryRunner')
        .mockImplementation((mode) => {
          queries.push(mode);
          return original(mode);
        });
      try {
        await call(user.tokens.accessToken).expect(200);
      } finally {
        spy.mockRestore();
      }
      expect(queries).toEqual([]);
    });

    it('should give every token a distinct jti', async () => {
      const again = await signedInUser(t);
      expect(decodePart(again.tokens.accessToken, 1).jti).toMatch(/^[0-9a-f-]{36}$/);
      expect(decodePart(again.tokens.accessToken, 1).jti).not.toBe(validClaims().jti);
    });
  },
);
