import { randomBytes } from 'node:crypto';
import { PASSWORD, uniqueEmail } from '../support/factories';
import { ensureBuilt, freePort, Instance, startInstance } from '../support/instance';
import { testKeyPair } from '../support/jwt';

jest.setTimeout(120_000);

/**
 * The EdDSA private key never reaches a log line or a response: the built app in production at
 * LOG_LEVEL=trace, driven through the flows that sign and publish (login, refresh, the JWKS).
 */
describe('Security: no EdDSA private key in what production logs or answers', () => {
  const key = testKeyPair('EdDSA');
  /** Every line of the PEM's body, and the body joined: a leak in any form is found. */
  const privateParts = (() => {
    const body = key.privatePem.split('\n').filter((line) => line && !line.startsWith('-----'));
    return [...body, body.join('')];
  })();
  let instance: Instance;
  const answers: string[] = [];

  beforeAll(async () => {
    ensureBuilt();
    instance = await startInstance(
      {
        NODE_ENV: 'production',
        LOG_LEVEL: 'trace',
        JWT_SECRET: '',
        JWT_ALGORITHM: 'EdDSA',
        JWT_PRIVATE_KEY: key.privatePem,
        DATA_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
        DATABASE_URL: process.env.E2E_DATABASE_URL!,
        BCRYPT_COST: '10',
      },
      await freePort(),
    );
    const call = async (path: string, body?: object) => {
      const response = await fetch(`${instance.url}${path}`, {
        method: body ? 'POST' : 'GET',
        headers: body ? { 'Content-Type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await response.text();
      answers.push(text);
      return text.startsWith('{') ? (JSON.parse(text) as Record<string, string>) : {};
    };
    const email = uniqueEmail('no-secrets-eddsa');
    await call('/auth/register', { email, password: PASSWORD });
    const { refreshToken } = await call('/auth/login', { email, password: PASSWORD });
    await call('/auth/refresh', { refreshToken });
    await call('/.well-known/jwks.json');
    await call('/docs-json');
  });
  afterAll(() => instance?.stop());

  it('should have signed tokens and published the public key', () => {
    expect(answers.some((text) => text.includes('"accessToken"'))).toBe(true);
    expect(answers.some((text) => text.includes('"alg":"EdDSA"'))).toBe(true);
  });

  it('should write no part of the private key to any log line', () => {
    expect(instance.lines.length).toBeGreaterThan(0);
    for (const part of privateParts)
      expect(instance.lines.filter((line) => line.includes(part))).toEqual([]);
  });

  it('should send no part of the private key in any response', () => {
    for (const part of privateParts)
      expect(answers.filter((text) => text.includes(part))).toEqual([]);
  });
});
