import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { PASSWORD, uniqueEmail } from './support/factories';
import {
  createServerDatabase,
  ensureBuilt,
  freePort,
  Instance,
  REDIS_URL,
  serverServicesAnswer,
  startInstance,
} from './support/instance';

jest.setTimeout(120_000);

const json = (
  url: string,
  path: string,
  init: { method?: string; body?: unknown; token?: string } = {},
) =>
  fetch(`${url}${path}`, {
    method: init.method ?? (init.body ? 'POST' : 'GET'),
    headers: {
      ...(init.body ? { 'Content-Type': 'application/json' } : {}),
      ...(init.token ? { Authorization: `Bearer ${init.token}` } : {}),
    },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });

/** Polls until `check` holds, or fails after `withinMs`. */
async function until(check: () => Promise<boolean>, withinMs: number): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > withinMs) throw new Error(`not true within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const services = serverServicesAnswer();
const withServices = services.postgres && services.redis ? describe : describe.skip;

/**
 * An admin acting on instance A ends the user's access on instance B at once (../shared/API.md,
 * "Administration and operations": "every session revoked at once"): the revocation is announced
 * to every instance, so B refuses the token from its revocation set without waiting for expiry.
 * Two built instances on one PostgreSQL server and Redis; skipped without them.
 */
withServices('Admin changes across instances', () => {
  let database: Awaited<ReturnType<typeof createServerDatabase>>;
  let a: Instance;
  let b: Instance;
  let adminToken: string;
  const env = () => ({
    NODE_ENV: 'production',
    DATABASE_URL: database!.url,
    REDIS_URL,
    JWT_SECRET: secret,
    DATA_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    BCRYPT_COST: '10',
    RATE_LIMIT_AUTH_IP: '100000',
    LOG_LEVEL: 'warn',
  });
  const secret = randomBytes(48).toString('base64url');

  async function signIn(on: Instance, email = uniqueEmail()) {
    await json(on.url, '/auth/register', { body: { email, password: PASSWORD } });
    const response = await json(on.url, '/auth/login', { body: { email, password: PASSWORD } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { accessToken: string };
    const me = (await (await json(on.url, '/auth/me', { token: body.accessToken })).json()) as {
      id: string;
    };
    return { email, id: me.id, accessToken: body.accessToken };
  }
  const statusOn = async (on: Instance, token: string) =>
    (await json(on.url, '/auth/me', { token })).status;

  beforeAll(async () => {
    database = await createServerDatabase();
    if (!database) throw new Error('the PostgreSQL server stopped answering');
    ensureBuilt();
    const shared = env();
    a = await startInstance(shared, await freePort());
    b = await startInstance(shared, await freePort());
    // The first admin, as the operator command would grant it.
    const admin = await signIn(a);
    const client = new Client({ connectionString: database.url });
    await client.connect();
    await client.query(`UPDATE users SET roles = '{user,admin}' WHERE id = $1`, [admin.id]);
    await client.end();
    const login = await json(a.url, '/auth/login', {
      body: { email: admin.email, password: PASSWORD },
    });
    adminToken = ((await login.json()) as { accessToken: string }).accessToken;
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await database?.drop();
  });

  it('should refuse a disabled user’s live access token on the other instance at once', async () => {
    const user = await signIn(b);
    expect(await statusOn(b, user.accessToken)).toBe(200);
    const disabled = await json(a.url, `/admin/users/${user.id}/disable`, {
      method: 'POST',
      token: adminToken,
    });
    expect(disabled.status).toBe(204);
    await until(async () => (await statusOn(b, user.accessToken)) === 401, 1_000);
  });

  it('should refuse the disabled user’s login on either instance with 403', async () => {
    const user = await signIn(b);
    await json(a.url, `/admin/users/${user.id}/disable`, { method: 'POST', token: adminToken });
    for (const on of [a, b]) {
      const response = await json(on.url, '/auth/login', {
        body: { email: user.email, password: PASSWORD },
      });
      expect(response.status).toBe(403);
    }
  });

  it('should refuse a token with an old role on the other instance once roles change', async () => {
    const user = await signIn(b);
    const changed = await json(a.url, `/admin/users/${user.id}/roles`, {
      method: 'PUT',
      body: { roles: ['user', 'admin'] },
      token: adminToken,
    });
    expect(changed.status).toBe(200);
    await until(async () => (await statusOn(b, user.accessToken)) === 401, 1_000);
  });
});
