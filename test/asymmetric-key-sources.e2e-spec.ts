import { createTestApp, resetDatabase } from './support/test-app';
import { signedInUser } from './support/factories';
import { decodePart, testKeyPair, thumbprintOf } from './support/jwt';
import { SecretsManagerStub } from './support/secrets-manager-stub';

/**
 * Where an EdDSA / ES256 signing key comes from in production (README, "Tokens other services can
 * verify"): the secrets manager as for JWT_SECRET, and never a generated key.
 */
describe('EdDSA signing-key sources', () => {
  const PEM_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:jwt-ed25519-AbCdEf';
  const JSON_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:jwt-ed25519-json-XyZ';
  const current = testKeyPair('EdDSA');
  const previous = testKeyPair('EdDSA');
  const next = testKeyPair('EdDSA');
  let stub: SecretsManagerStub;
  const aws = () => ({
    JWT_SECRET: undefined,
    JWT_ALGORITHM: 'EdDSA',
    SECRETS_MANAGER_ENDPOINT: stub.url,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIATESTTESTTEST',
    AWS_SECRET_ACCESS_KEY: 'test-secret-access-key',
  });

  beforeAll(async () => {
    stub = await SecretsManagerStub.start({
      [PEM_ARN]: current.privatePem,
      [JSON_ARN]: JSON.stringify({
        JWT_PRIVATE_KEY: current.privatePem,
        JWT_PREVIOUS_PUBLIC_KEYS: previous.publicPem,
        JWT_NEXT_PUBLIC_KEY: next.publicPem,
      }),
    });
  });
  afterAll(() => stub.stop());

  it('should sign with the PEM private key held in JWT_SECRET_ARN', async () => {
    const t = await createTestApp({ ...aws(), JWT_SECRET_ARN: PEM_ARN });
    try {
      await resetDatabase(t.dataSource);
      const { accessToken } = (await signedInUser(t)).tokens;
      expect(decodePart(accessToken, 0)).toMatchObject({
        alg: 'EdDSA',
        kid: thumbprintOf(current.publicPem),
      });
    } finally {
      await t.close();
    }
  });

  it('should take previous and next public keys from a JSON secret, for rotation', async () => {
    const t = await createTestApp({ ...aws(), JWT_SECRET_ARN: JSON_ARN });
    try {
      const response = await t.http().get('/.well-known/jwks.json').expect(200);
      expect(response.body.keys.map((key: { kid: string }) => key.kid)).toEqual(
        [current, previous, next].map(({ publicPem }) => thumbprintOf(publicPem)),
      );
    } finally {
      await t.close();
    }
  });

  it('should refuse JWT_SECRET_ARN together with JWT_PRIVATE_KEY', async () => {
    await expect(
      createTestApp({ ...aws(), JWT_SECRET_ARN: PEM_ARN, JWT_PRIVATE_KEY: current.privatePem }),
    ).rejects.toThrow(/only one of JWT_PRIVATE_KEY, JWT_PRIVATE_KEY_FILE and JWT_SECRET_ARN/);
  });

  it.each(['production', 'staging'])(
    'should refuse to start under NODE_ENV=%s without a private key, naming JWT_PRIVATE_KEY',
    async (nodeEnv) => {
      await expect(
        createTestApp({
          NODE_ENV: nodeEnv,
          JWT_ALGORITHM: 'EdDSA',
          JWT_SECRET: undefined,
          DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none',
        }),
      ).rejects.toThrow(/JWT_PRIVATE_KEY \(or JWT_PRIVATE_KEY_FILE\) is required/);
    },
  );
});
