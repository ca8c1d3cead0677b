import { createPublicKey, verify } from 'node:crypto';
import { createTestApp, resetDatabase, TestApp } from './support/test-app';
import { signedInUser } from './support/factories';
import { decodePart, testKeyPair, thumbprintOf } from './support/jwt';

/**
 * GET /.well-known/jwks.json (../shared/API.md, "Tokens other services can verify"): what a
 * second service needs to verify access tokens, and nothing it could sign with.
 */
describe('GET /.well-known/jwks.json', () => {
  describe('with HS256 (the default)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp();
    });
    afterAll(() => t.close());

    it('should answer an empty set without authentication: a shared secret is never published', async () => {
      const response = await t.http().get('/.well-known/jwks.json').expect(200);
      expect(response.body).toEqual({ keys: [] });
    });

    it('should let caches keep it for five minutes', async () => {
      const response = await t.http().get('/.well-known/jwks.json').expect(200);
      expect(response.headers['cache-control']).toBe('public, max-age=300');
    });
  });

  describe.each(['EdDSA', 'ES256'] as const)('with %s', (algorithm) => {
    const current = testKeyPair(algorithm);
    const previous = testKeyPair(algorithm);
    const next = testKeyPair(algorithm);
    let t: TestApp;
    let keys: Record<string, string>[];

    beforeAll(async () => {
      t = await createTestApp({
        JWT_ALGORITHM: algorithm,
        JWT_PRIVATE_KEY: current.privatePem,
        JWT_PREVIOUS_PUBLIC_KEYS: previous.publicPem,
        JWT_NEXT_PUBLIC_KEY: next.publicPem,
      });
      await resetDatabase(t.dataSource);
      const response = await t.http().get('/.well-known/jwks.json').expect(200);
      expect(response.headers['cache-control']).toBe('public, max-age=300');
      keys = response.body.keys;
    });
    afterAll(() => t.close());

    it('should publish the current, previous and next keys under their RFC 7638 thumbprints', () => {
      expect(keys.map((key) => key.kid)).toEqual(
        [current, previous, next].map(({ publicPem }) => thumbprintOf(publicPem)),
      );
    });

    it(`should mark every key alg ${algorithm} and use sig`, () => {
      for (const key of keys) expect(key).toMatchObject({ alg: algorithm, use: 'sig' });
    });

    it('should publish no private member', () => {
      for (const key of keys) {
        expect(Object.keys(key).sort()).toEqual(
          algorithm === 'EdDSA'
            ? ['alg', 'crv', 'kid', 'kty', 'use', 'x']
            : ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'],
        );
      }
      expect(JSON.stringify(keys)).not.toContain('"d"');
    });

    it('should publish the key that verifies a token from login, named by its kid', async () => {
      const { accessToken } = (await signedInUser(t)).tokens;
      const jwk = keys.find((key) => key.kid === decodePart(accessToken, 0).kid)!;
      expect(jwk.kid).toBe(thumbprintOf(current.publicPem));
      const publicKey = createPublicKey({ key: jwk, format: 'jwk' });
      const [header, payload, signature] = accessToken.split('.');
      const input = Buffer.from(`${header}.${payload}`);
      const bytes = Buffer.from(signature, 'base64url');
      expect(
        algorithm === 'EdDSA'
          ? verify(null, input, publicKey, bytes)
          : verify('sha256', input, { key: publicKey, dsaEncoding: 'ieee-p1363' }, bytes),
      ).toBe(true);
    });
  });
});
