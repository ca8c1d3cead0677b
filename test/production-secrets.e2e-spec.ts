import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthConfig, authConfig } from '../src/config/auth.config';
import { createTestApp, resetDatabase } from './support/test-app';
import { signedInUser } from './support/factories';
import { decodePart, kidOf } from './support/jwt';
import { SecretsManagerStub } from './support/secrets-manager-stub';

/** Where a production key comes from: a mounted file, or AWS Secrets Manager (the design's choice). */
describe('Signing key sources for production', () => {
  const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:jwt-AbCdEf';
  const JSON_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:jwt-json-XyZ';
  const fromManager = randomBytes(48).toString('base64url');
  const previousInManager = randomBytes(48).toString('base64url');
  let stub: SecretsManagerStub;
  const aws = () => ({
    JWT_SECRET: undefined,
    SECRETS_MANAGER_ENDPOINT: stub.url,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIATESTTESTTEST',
    AWS_SECRET_ACCESS_KEY: 'test-secret-access-key',
  });

  beforeAll(async () => {
    stub = await SecretsManagerStub.start({
      [ARN]: fromManager,
      [JSON_ARN]: JSON.stringify({
        JWT_SECRET: fromManager,
        JWT_PREVIOUS_SECRETS: previousInManager,
      }),
    });
  });
  afterAll(() => stub.stop());

  it('should sign with the key from JWT_SECRET_ARN, fetched with the AWS SDK', async () => {
    const t = await createTestApp({ ...aws(), JWT_SECRET_ARN: ARN });
    try {
      await resetDatabase(t.dataSource);
      const user = await signedInUser(t);
      expect(decodePart(user.tokens.accessToken, 0).kid).toBe(kidOf(fromManager));
      expect(stub.requests.at(-1)).toMatchObject({
        target: 'secretsmanager.GetSecretValue',
        secretId: ARN,
      });
      expect(stub.requests.at(-1)?.authorization).toMatch(/^AWS4-HMAC-SHA256 /);
    } finally {
      await t.close();
    }
  });

  it('should take previous keys from a JSON secret, for rotation', async () => {
    const t = await createTestApp({ ...aws(), JWT_SECRET_ARN: JSON_ARN });
    try {
      const config = t.app.get<AuthConfig>(authConfig.KEY);
      expect([...config.verificationKeys.keys()]).toEqual([
        kidOf(fromManager),
        kidOf(previousInManager),
      ]);
    } finally {
      await t.close();
    }
  });

  it('should refuse to start when the secret cannot be read, naming JWT_SECRET_ARN', async () => {
    await expect(createTestApp({ ...aws(), JWT_SECRET_ARN: `${ARN}-missing` })).rejects.toThrow(
      /JWT_SECRET_ARN could not be read/,
    );
  });

  it('should refuse JWT_SECRET_ARN together with JWT_SECRET', async () => {
    await expect(
      createTestApp({ ...aws(), JWT_SECRET: randomBytes(48).toString('hex'), JWT_SECRET_ARN: ARN }),
    ).rejects.toThrow(/only one of JWT_SECRET, JWT_SECRET_FILE and JWT_SECRET_ARN/);
  });

  it('should read the key from JWT_SECRET_FILE (a mounted secret)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jwt-secret-file-'));
    const secret = randomBytes(48).toString('base64url');
    writeFileSync(join(dir, 'jwt_secret'), `${secret}\n`, { mode: 0o600 });
    const t = await createTestApp({
      JWT_SECRET: undefined,
      JWT_SECRET_FILE: join(dir, 'jwt_secret'),
    });
    try {
      const user = await signedInUser(t);
      expect(decodePart(user.tokens.accessToken, 0).kid).toBe(kidOf(secret));
    } finally {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
