import { createTestApp, resetDatabase, TestApp } from '../support/test-app';
import { login, PASSWORD, refresh, signedInUser, SignedInUser } from '../support/factories';

/** Every auth event leaves a row an admin can query; none holds a password, token or hash. */
describe('Security: audit log (GET /admin/audit-events)', () => {
  let t: TestApp;
  let admin: SignedInUser;
  let user: SignedInUser;
  const events = async (query = '') => {
    const response = await t
      .http()
      .get(`/admin/audit-events${query}`)
      .set('Authorization', admin.bearer)
      .expect(200);
    return response.body as {
      items: {
        type: string;
        userId: string | null;
        sessionId: string | null;
        ip: string | null;
        userAgent: string | null;
      }[];
      total: number;
    };
  };

  beforeAll(async () => {
    t = await createTestApp({ RATE_LIMIT_LOGIN_ACCOUNT: '2', REFRESH_REUSE_GRACE: '0s' });
    await resetDatabase(t.dataSource);
    admin = await signedInUser(t, { admin: true });
    user = await signedInUser(t);

    // One of each event.
    await t
      .http()
      .post('/auth/login')
      .set('User-Agent', 'audit-spec')
      .send({ email: user.email, password: 'wrong password' })
      .expect(401);
    await t
      .http()
      .post('/auth/login')
      .send({ email: user.email, password: 'wrong password' })
      .expect(401); // locks
    const stolen = await login(t, admin.email);
    await refresh(t, stolen.refreshToken).expect(200);
    await refresh(t, stolen.refreshToken).expect(401); // reuse
    const other = await login(t, admin.email);
    const [{ id: otherSession }] = (
      await t
        .http()
        .get('/auth/sessions')
        .set('Authorization', `Bearer ${other.accessToken}`)
        .expect(200)
    ).body;
    await t
      .http()
      .delete(`/auth/sessions/${otherSession}`)
      .set('Authorization', admin.bearer)
      .expect(204);
    const third = await login(t, admin.email);
    await t
      .http()
      .post('/auth/logout')
      .set('Authorization', `Bearer ${third.accessToken}`)
      .expect(204);
    const fourth = await login(t, admin.email);
    await t
      .http()
      .post('/auth/logout-all')
      .set('Authorization', `Bearer ${fourth.accessToken}`)
      .expect(204);
    // logout-all ended every admin session: sign in again to query.
    const fresh = await login(t, admin.email);
    admin = { ...admin, tokens: fresh, bearer: `Bearer ${fresh.accessToken}` };
  });
  afterAll(() => t.close());

  it('should record every kind of auth event', async () => {
    const { items } = await events('?limit=100');
    const types = new Set(items.map((e) => e.type));
    for (const type of [
      'register',
      'login_succeeded',
      'login_failed',
      'lockout',
      'refresh',
      'refresh_token_reused',
      'logout',
      'logout_all',
      'session_revoked',
    ]) {
      expect(types).toContain(type);
    }
  });

  it('should record who, which session, from where', async () => {
    const { items } = await events(`?type=login_failed&userId=${user.id}`);
    expect(items.length).toBe(2);
    expect(items.map((e) => e.userAgent)).toContain('audit-spec');
    expect(items.every((e) => e.userId === user.id && e.ip !== null)).toBe(true);
    const reuse = (await events('?type=refresh_token_reused')).items[0];
    expect(reuse.sessionId).toEqual(expect.any(String));
  });

  it('should list newest first and page', async () => {
    const all = await events('?limit=100');
    const page = await events('?limit=2&page=2');
    expect(page.items).toEqual(all.items.slice(2, 4));
    expect(page.total).toBe(all.total);
  });

  it('should filter by user and by type', async () => {
    const mine = await events(`?userId=${user.id}&limit=100`);
    expect(mine.items.every((e) => e.userId === user.id)).toBe(true);
    const logouts = await events('?type=logout');
    expect(logouts.items.map((e) => e.type)).toEqual(['logout']);
  });

  it('should never hold a password, token or hash', async () => {
    const rows = JSON.stringify(await t.dataSource.query('SELECT * FROM audit_events'));
    expect(rows).not.toContain(PASSWORD);
    expect(rows).not.toContain('wrong password');
    expect(rows).not.toContain(user.tokens.accessToken.split('.')[2]);
    expect(rows).not.toContain(user.tokens.refreshToken);
    expect(rows).not.toMatch(/\$2[aby]\$/);
  });

  it('should answer 403 to a plain user and 401 without a token', async () => {
    await t.http().get('/admin/audit-events').set('Authorization', user.bearer).expect(403);
    await t.http().get('/admin/audit-events').expect(401);
  });

  it.each(['userId=not-a-uuid', 'type=made_up', 'limit=1000'])(
    'should answer 400 for %s',
    async (query) => {
      await t
        .http()
        .get(`/admin/audit-events?${query}`)
        .set('Authorization', admin.bearer)
        .expect(400);
    },
  );
});
