import { randomBytes } from 'node:crypto';
import { PASSWORD, uniqueEmail } from './support/factories';
import {
  createServerDatabase,
  ensureBuilt,
  freePort,
  Instance,
  serverServicesAnswer,
  startInstance,
} from './support/instance';
import { totpCode } from './support/mfa';

jest.setTimeout(120_000);

const services = serverServicesAnswer();
const withServer = services.postgres ? describe : describe.skip;
if (!services.postgres) {
  console.warn(
    'PostgreSQL server not answering on 127.0.0.1: the MFA multi-instance suite is skipped',
  );
}

/**
 * A TOTP code works once across instances, and an mfaToken from one instance is answered on
 * another: both live in the database (../shared/API.md, "Multi-factor authentication"). Two
 * built instances (node dist/main.js, production) on one PostgreSQL server, sharing the keys.
 */
withServer('MFA across two instances on one PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createServerDatabase>>;
  let a: Instance;
  let b: Instance;
  const env = () => ({
    NODE_ENV: 'production',
    DATABASE_URL: database!.url,
    JWT_SECRET: randomBytes(48).toString('base64url'),
    DATA_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    BCRYPT_COST: '10',
    RATE_LIMIT_AUTH_IP: '100000',
    LOG_LEVEL: 'warn',
  });

  beforeAll(async () => {
    database = await createServerDatabase();
    if (!database) throw new Error('the PostgreSQL server stopped answering');
    ensureBuilt();
    const shared = env();
    a = await startInstance(shared, await freePort());
    b = await startInstance(shared, await freePort());
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await database?.drop();
  });

  const post = (on: Instance, path: string, body?: unknown, token?: string) =>
    fetch(`${on.url}${path}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body ?? {}),
    });

  /** Registered and enrolled on A. */
  async function enrolledOnA() {
    const email = uniqueEmail();
    expect((await post(a, '/auth/register', { email, password: PASSWORD })).status).toBe(201);
    const tokens = (await (await post(a, '/auth/login', { email, password: PASSWORD })).json()) as {
      accessToken: string;
    };
    const setup = (await (
      await post(a, '/auth/mfa/totp/setup', {}, tokens.accessToken)
    ).json()) as {
      secret: string;
    };
    const confirm = await post(
      a,
      '/auth/mfa/totp/confirm',
      { code: totpCode(setup.secret) },
      tokens.accessToken,
    );
    expect(confirm.status).toBe(200);
    return { email, secret: setup.secret };
  }

  async function mfaTokenFrom(on: Instance, email: string): Promise<string> {
    const response = await post(on, '/auth/login', { email, password: PASSWORD });
    expect(response.status).toBe(200);
    return ((await response.json()) as { mfaToken: string }).mfaToken;
  }

  it('should refuse on B a code already accepted on A (replay on a second instance)', async () => {
    const user = await enrolledOnA();
    const code = totpCode(user.secret, 1);
    const first = await post(a, '/auth/mfa/verify', {
      mfaToken: await mfaTokenFrom(a, user.email),
      code,
    });
    expect(first.status).toBe(200);
    const replay = await post(b, '/auth/mfa/verify', {
      mfaToken: await mfaTokenFrom(b, user.email),
      code,
    });
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { code: string }).code).toBe('mfa_invalid');
  });

  it('should answer on B an mfaToken that A gave, with a token pair', async () => {
    const user = await enrolledOnA();
    const response = await post(b, '/auth/mfa/verify', {
      mfaToken: await mfaTokenFrom(a, user.email),
      code: totpCode(user.secret, 1),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { refreshToken: string }).refreshToken).toEqual(
      expect.any(String),
    );
  });

  it('should accept a code only once when A and B receive it at the same moment', async () => {
    const user = await enrolledOnA();
    const code = totpCode(user.secret, 1);
    const [onA, onB] = await Promise.all([
      mfaTokenFrom(a, user.email),
      mfaTokenFrom(b, user.email),
    ]);
    const statuses = (
      await Promise.all([
        post(a, '/auth/mfa/verify', { mfaToken: onA, code }),
        post(b, '/auth/mfa/verify', { mfaToken: onB, code }),
      ])
    ).map((response) => response.status);
    expect(statuses.sort()).toEqual([200, 401]);
  });
});
