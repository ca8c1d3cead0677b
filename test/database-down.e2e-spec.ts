import { createTestApp, resetDatabase, TestApp } from './support/test-app';
import { signedInUser, SignedInUser } from './support/factories';
import { TcpProxy, throughProxy } from './support/tcp-proxy';

/**
 * ../shared/API.md, "Errors": a dependency the request needs being down is a 503; the process
 * stays up, routes that need no database keep working, and it recovers on its own.
 */
describe('When the database goes away', () => {
  let proxy: TcpProxy;
  let t: TestApp;
  let user: SignedInUser;

  beforeAll(async () => {
    const target = new URL(process.env.E2E_DATABASE_URL!);
    proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
    t = await createTestApp({
      DATABASE_URL: throughProxy(process.env.E2E_DATABASE_URL!, proxy),
      DATABASE_TIMEOUT: '1s',
    });
    await resetDatabase(t.dataSource);
    user = await signedInUser(t);
    proxy.cut();
  });
  afterAll(async () => {
    await t.close();
    await proxy.stop();
  });

  it('GET /health/ready should answer 503 within 2 s', async () => {
    const started = Date.now();
    const response = await t.http().get('/health/ready').expect(503);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(response.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'Database unavailable',
    });
  });

  it('should answer 503, not 500, on a route that needs the database, with Retry-After', async () => {
    const response = await t.http().get('/products').set('Authorization', user.bearer).expect(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'Service temporarily unavailable',
    });
  });

  it('should answer 503 to a login rather than a misleading 401', async () => {
    await t
      .http()
      .post('/auth/login')
      .send({ email: user.email, password: user.password })
      .expect(503);
  });

  it('should keep accepting access tokens, which need no database', async () => {
    await t.http().get('/auth/token-info').set('Authorization', user.bearer).expect(200);
  });

  it('should keep /health at 200: the process is alive', async () => {
    await t.http().get('/health').expect(200);
  });

  it('should recover by itself when the database returns', async () => {
    proxy.restore();
    // On a PostgreSQL server readiness also waits for the revocation listener (it retries every
    // 500 ms): ready within about a second, not necessarily at once.
    const restoredAt = Date.now();
    while ((await t.http().get('/health/ready')).status !== 200) {
      if (Date.now() - restoredAt > 2_000) throw new Error('not ready 2 s after the database');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await t.http().get('/products').set('Authorization', user.bearer).expect(200);
  });
});
