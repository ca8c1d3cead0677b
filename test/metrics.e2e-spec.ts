import { randomUUID } from 'node:crypto';
import { login, refresh, registerUser, signedInUser } from './support/factories';
import { createTestApp, resetDatabase, TestApp } from './support/test-app';

const TOKEN = 'metrics-token-for-the-e2e-spec-0123456789';

/** The value of one sample of the Prometheus text, 0 when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = (match[2] ?? '').split(',');
    if (wanted.every((label) => present.includes(label))) return Number(match[3]);
  }
  return 0;
}

/**
 * GET /metrics (../shared/API.md, "Administration and operations"): Prometheus text for the
 * METRICS_TOKEN bearer token only, otherwise the same 404 as an unknown route; counters that move
 * with the flow they count; route labels from the route pattern, never the raw URL.
 */
describe('GET /metrics', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ METRICS_TOKEN: TOKEN, RATE_LIMIT_LOGIN_ACCOUNT: '2' });
    await resetDatabase(t.dataSource);
  });
  afterAll(() => t.close());

  const scrape = async () => {
    const response = await t.http().get('/metrics').set('Authorization', `Bearer ${TOKEN}`);
    expect(response.status).toBe(200);
    return response.text;
  };

  it('should answer Prometheus text with the default process metrics', async () => {
    const response = await t
      .http()
      .get('/metrics')
      .set('Authorization', `Bearer ${TOKEN}`)
      .expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.text).toContain('process_cpu_user_seconds_total');
    expect(response.text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('should count login successes, failures and lockouts', async () => {
    const before = await scrape();
    const user = await registerUser(t);
    await login(t, user.email);
    for (let i = 0; i < 2; i++) {
      await t.http().post('/auth/login').send({ email: user.email, password: 'wrong password!' });
    }
    const after = await scrape();
    const delta = (outcome: string) =>
      sample(after, 'auth_logins_total', { outcome }) -
      sample(before, 'auth_logins_total', { outcome });
    expect([delta('success'), delta('failure'), delta('lockout')]).toEqual([1, 2, 1]);
  });

  it('should count refreshes and reuse detections', async () => {
    const before = await scrape();
    const user = await signedInUser(t);
    const second = await refresh(t, user.tokens.refreshToken).expect(200);
    await refresh(t, second.body.refreshToken as string).expect(200);
    // Two rotations back: not the grace-window race, but a stolen token.
    await refresh(t, user.tokens.refreshToken).expect(401);
    const after = await scrape();
    expect(sample(after, 'auth_refreshes_total') - sample(before, 'auth_refreshes_total')).toBe(2);
    expect(
      sample(after, 'auth_refresh_reuse_detected_total') -
        sample(before, 'auth_refresh_reuse_detected_total'),
    ).toBe(1);
  });

  it('should report the revocation set growing when a session is revoked', async () => {
    const before = sample(await scrape(), 'auth_revoked_sessions');
    const user = await signedInUser(t);
    await t.http().post('/auth/logout').set('Authorization', user.bearer).expect(204);
    expect(sample(await scrape(), 'auth_revoked_sessions')).toBe(before + 1);
  });

  it('should report the password-hash queue and the database pool', async () => {
    const text = await scrape();
    expect(text).toMatch(/^auth_password_hash_queue_depth 0$/m);
    expect(sample(text, 'db_pool_connections', { state: 'total' })).toBeGreaterThan(0);
  });

  it('should label requests with the route pattern, not the URL', async () => {
    const admin = await signedInUser(t, { admin: true });
    const id = randomUUID();
    await t.http().get(`/admin/users/${id}`).set('Authorization', admin.bearer).expect(404);
    const text = await scrape();
    expect(
      sample(text, 'http_requests_total', {
        method: 'GET',
        route: '/admin/users/:id',
        status: '404',
      }),
    ).toBe(1);
    expect(text).not.toContain(id);
    expect(
      sample(text, 'http_request_duration_seconds_count', {
        route: '/admin/users/:id',
        status: '404',
      }),
    ).toBe(1);
  });

  it('should put every unknown path under one label', async () => {
    const path = `/no-such-${randomUUID()}`;
    await t.http().get(path).expect(404);
    const text = await scrape();
    expect(text).not.toContain(path);
    expect(
      sample(text, 'http_requests_total', { route: '(unmatched)', status: '404' }),
    ).toBeGreaterThan(0);
  });

  describe('without the token', () => {
    const comparable = (response: { status: number; headers: Record<string, string> }) => {
      const { date: _date, 'x-request-id': _id, ...headers } = response.headers;
      return { status: response.status, headers };
    };

    it('should answer 404 exactly as an unknown route does', async () => {
      // As long as /metrics, so that even the content length matches.
      const unknown = await t.http().get('/metricz');
      const metrics = await t.http().get('/metrics');
      expect(comparable(metrics)).toEqual(comparable(unknown));
      expect(metrics.body).toEqual({ ...unknown.body, message: 'Cannot GET /metrics' });
      expect(unknown.body.message).toBe('Cannot GET /metricz');
    });

    it('should answer 404 to a wrong bearer token', async () => {
      await t.http().get('/metrics').set('Authorization', 'Bearer wrong-token').expect(404);
    });

    it('should answer 404 to a user’s access token', async () => {
      const user = await signedInUser(t);
      await t.http().get('/metrics').set('Authorization', user.bearer).expect(404);
    });
  });
});

describe('GET /metrics without METRICS_TOKEN', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ METRICS_TOKEN: undefined });
  });
  afterAll(() => t.close());

  it('should answer 404 whatever the bearer token', async () => {
    await t.http().get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(404);
  });
});
