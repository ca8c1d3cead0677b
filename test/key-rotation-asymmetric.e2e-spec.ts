import { createTestApp, resetDatabase, TestApp } from './support/test-app';
import { signedInUser } from './support/factories';
import { decodePart, testKeyPair, thumbprintOf } from './support/jwt';

/**
 * The README runbook "Rotating an EdDSA / ES256 key without logging anybody out", walked with two
 * instances behind one imaginary load balancer, each step one configuration change and a rolling
 * restart (one instance after the other):
 *
 *   1. publish next   JWT_NEXT_PUBLIC_KEY = new public key
 *   2. switch signing JWT_PRIVATE_KEY = new private key, the old public key in JWT_PREVIOUS_PUBLIC_KEYS
 *   3. retire         JWT_PREVIOUS_PUBLIC_KEYS removed, once the longest access token has expired
 *
 * Two in-process apps serve side by side: each app's global JwtAuthGuard asks its own JwtStrategy
 * (not passport's process-wide registry), so each verifies with its own configuration.
 */
describe('EdDSA key rotation across two instances (README runbook)', () => {
  const oldKey = testKeyPair('EdDSA');
  const newKey = testKeyPair('EdDSA');
  const base = { JWT_ALGORITHM: 'EdDSA' };
  const steps = {
    before: { ...base, JWT_PRIVATE_KEY: oldKey.privatePem },
    published: {
      ...base,
      JWT_PRIVATE_KEY: oldKey.privatePem,
      JWT_NEXT_PUBLIC_KEY: newKey.publicPem,
    },
    switched: {
      ...base,
      JWT_PRIVATE_KEY: newKey.privatePem,
      JWT_PREVIOUS_PUBLIC_KEYS: oldKey.publicPem,
    },
    retired: { ...base, JWT_PRIVATE_KEY: newKey.privatePem },
  };
  const instances: { a?: TestApp; b?: TestApp } = {};

  /** One rolling-restart step for one instance: stop it, start it with the new configuration. */
  async function restart(name: 'a' | 'b', env: Record<string, string>): Promise<TestApp> {
    await instances[name]?.close();
    instances[name] = await createTestApp(env);
    return instances[name];
  }

  const status = async (on: TestApp, token: string) =>
    (await on.http().get('/auth/token-info').set('Authorization', `Bearer ${token}`)).status;
  const kidsOn = async (on: TestApp) =>
    (
      (await on.http().get('/.well-known/jwks.json').expect(200)).body as {
        keys: { kid: string }[];
      }
    ).keys.map((key) => key.kid);
  const signIn = async (on: TestApp) => (await signedInUser(on)).tokens;

  let oldToken: string;
  let oldRefresh: string;
  let newToken: string;

  beforeAll(async () => {
    const a = await restart('a', steps.before);
    await restart('b', steps.before);
    await resetDatabase(a.dataSource);
    ({ accessToken: oldToken, refreshToken: oldRefresh } = await signIn(a));
  });
  afterAll(async () => {
    await instances.a?.close();
    await instances.b?.close();
  });

  it('should sign with the old key before the rotation', () => {
    expect(decodePart(oldToken, 0).kid).toBe(thumbprintOf(oldKey.publicPem));
  });

  describe('step 1: publish next', () => {
    it('should publish the next key on a restarted instance while it still signs with the old one', async () => {
      const a = await restart('a', steps.published);
      expect(await kidsOn(a)).toEqual([
        thumbprintOf(oldKey.publicPem),
        thumbprintOf(newKey.publicPem),
      ]);
      expect(decodePart((await signIn(a)).accessToken, 0).kid).toBe(thumbprintOf(oldKey.publicPem));
    });

    it('should keep every token valid on both instances during and after the restart', async () => {
      expect(await status(instances.a!, oldToken)).toBe(200);
      expect(await status(instances.b!, oldToken)).toBe(200);
      const b = await restart('b', steps.published);
      expect(await status(b, oldToken)).toBe(200);
    });
  });

  describe('step 2: switch signing', () => {
    it('should sign new tokens with the new key on a restarted instance', async () => {
      const a = await restart('a', steps.switched);
      newToken = (await signIn(a)).accessToken;
      expect(decodePart(newToken, 0).kid).toBe(thumbprintOf(newKey.publicPem));
    });

    it('should accept them on the instance not yet restarted, which knows the key from step 1', async () => {
      expect(await status(instances.b!, newToken)).toBe(200);
    });

    it('should keep accepting tokens signed with the old key, and their refresh tokens', async () => {
      expect(await status(instances.a!, oldToken)).toBe(200);
      const refreshed = await instances
        .a!.http()
        .post('/auth/refresh')
        .send({ refreshToken: oldRefresh })
        .expect(200);
      oldRefresh = refreshed.body.refreshToken;
      expect(decodePart(refreshed.body.accessToken, 0).kid).toBe(thumbprintOf(newKey.publicPem));
    });

    it('should accept old and new tokens on both instances once both restarted', async () => {
      const b = await restart('b', steps.switched);
      for (const on of [instances.a!, b])
        for (const token of [oldToken, newToken]) expect(await status(on, token)).toBe(200);
    });
  });

  describe('step 3: retire the old key (after the longest access-token lifetime)', () => {
    it('should stop publishing and accepting the old key on each restarted instance', async () => {
      for (const name of ['a', 'b'] as const) {
        const on = await restart(name, steps.retired);
        expect(await kidsOn(on)).toEqual([thumbprintOf(newKey.publicPem)]);
        const response = await on
          .http()
          .get('/auth/token-info')
          .set('Authorization', `Bearer ${oldToken}`)
          .expect(401);
        expect(response.body.code).toBe('token_invalid');
      }
    });

    it('should keep new tokens and every refresh token working', async () => {
      for (const on of [instances.a!, instances.b!]) expect(await status(on, newToken)).toBe(200);
      await instances
        .b!.http()
        .post('/auth/refresh')
        .send({ refreshToken: oldRefresh })
        .expect(200);
    });
  });

  describe('skipping step 1', () => {
    it('should refuse the new key on an instance still without it: why "publish next" comes first', async () => {
      const lagging = await restart('b', steps.before);
      expect(await status(lagging, newToken)).toBe(401);
    });
  });
});
