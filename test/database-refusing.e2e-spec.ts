import { Client } from 'pg';
import { signedInUser, SignedInUser } from './support/factories';
import { createServerDatabase, SERVER_ADMIN_URL, serverServicesAnswer } from './support/instance';
import { createTestApp, TestApp } from './support/test-app';

const describeOnServer = serverServicesAnswer().postgres ? describe : describe.skip;

/**
 * ../shared/API.md, "Errors": a database that answers but refuses connections (maintenance with
 * `ALLOW_CONNECTIONS false`, SQLSTATE 55000; too many clients, class 53) is as unavailable as one
 * that is gone: 503 with Retry-After, never a 500. Needs a PostgreSQL server of its own to
 * refuse; skipped without one.
 */
describeOnServer('When the database refuses connections', () => {
  let database: { url: string; drop(): Promise<void> };
  let name: string;
  let t: TestApp;
  let user: SignedInUser;

  const admin = async (sql: string) => {
    const client = new Client({ connectionString: SERVER_ADMIN_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    database = (await createServerDatabase())!;
    name = new URL(database.url).pathname.slice(1);
    t = await createTestApp({ DATABASE_URL: database.url, DATABASE_TIMEOUT: '1s' });
    user = await signedInUser(t);
    await admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
    await admin(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`,
    );
  });
  afterAll(async () => {
    await admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
    await t.close();
    await database.drop();
  });

  it('should answer a login with 503 and Retry-After, not 500', async () => {
    const response = await t
      .http()
      .post('/auth/login')
      .send({ email: user.email, password: user.password })
      .expect(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'Service temporarily unavailable',
    });
  });

  it('should say not ready', async () => {
    await t.http().get('/health/ready').expect(503);
  });

  it('should serve again once the database accepts connections', async () => {
    await admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
    await t
      .http()
      .post('/auth/login')
      .send({ email: user.email, password: user.password })
      .expect(200);
  });
});
