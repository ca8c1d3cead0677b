import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthConfig, authConfig } from '../src/config/auth.config';
import { createTestApp, resetDatabase } from './support/test-app';
import { signedInUser } from './support/factories';
import { decodePart, kidOf } from './support/jwt';
import { startMain } from './support/main-process';
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

/**
 * Only the exact words development and test relax the rules (../shared/API.md, "Running and
 * configuring"): any other NODE_ENV, misspelt or unfamiliar, gets production's. Each case boots
 * src/main.ts, which must refuse before it serves anything.
 */
describe('NODE_ENV: production rules unless development or test', () => {
  // Each case starts a TypeScript process (ts-node): seconds, not milliseconds.
  jest.setTimeout(60_000);

  describe.each(['staging', 'prod', 'Production', ' production '])('NODE_ENV=%p', (nodeEnv) => {
    it('should refuse to start without a signing key, naming JWT_SECRET', async () => {
      const result = await startMain({
        NODE_ENV: nodeEnv,
        JWT_SECRET: undefined,
        BCRYPT_COST: '12',
      });
      expect(result.code).toBe(1);
      expect(result.output).toMatch(/JWT_SECRET \(or JWT_SECRET_FILE\) is required/);
    });

    it('should refuse the embedded database, naming DATABASE_URL', async () => {
      const result = await startMain({
        NODE_ENV: nodeEnv,
        DATABASE_URL: undefined,
        BCRYPT_COST: '12',
      });
      expect(result.code).toBe(1);
      expect(result.output).toMatch(/DATABASE_URL is required/);
    });

    it('should refuse a bcrypt cost below 10, naming BCRYPT_COST', async () => {
      const result = await startMain({ NODE_ENV: nodeEnv, BCRYPT_COST: '9' });
      expect(result.code).toBe(1);
      expect(result.output).toMatch(/BCRYPT_COST must be a whole number from 10 to 15/);
    });
  });

  it('should start with NODE_ENV=development on a generated key and bcrypt cost 4', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'node-env-development-'));
    const t = await createTestApp({
      NODE_ENV: 'development',
      JWT_SECRET: undefined,
      DATA_DIR: dataDir,
      BCRYPT_COST: '4',
    });
    try {
      await resetDatabase(t.dataSource);
      const user = await signedInUser(t);
      const generated = readFileSync(join(dataDir, 'jwt-secret'), 'utf8').trim();
      expect(decodePart(user.tokens.accessToken, 0).kid).toBe(kidOf(generated));
      expect(t.app.get<AuthConfig>(authConfig.KEY).bcryptCost).toBe(4);
    } finally {
      await t.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  // Every other e2e app runs so (test/support/env.ts); this case says it on purpose.
  it('should start with NODE_ENV=test and bcrypt cost 4', async () => {
    const t = await createTestApp({ NODE_ENV: 'test', BCRYPT_COST: '4' });
    try {
      expect(t.app.get<AuthConfig>(authConfig.KEY).bcryptCost).toBe(4);
    } finally {
      await t.close();
    }
  });
});
