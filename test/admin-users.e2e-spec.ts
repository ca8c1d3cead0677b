import { randomUUID } from 'node:crypto';
import {
  login,
  PASSWORD,
  refresh,
  registerUser,
  signedInUser,
  SignedInUser,
} from './support/factories';
import { createTestApp, resetDatabase, TestApp } from './support/test-app';

/**
 * User management by admins (../shared/API.md, "Administration and operations"): each route's
 * effect, its 403 for a plain user, its 404 for an unknown id, the audit record naming the
 * acting admin, and the last enabled admin protected.
 */
describe('Admin user management', () => {
  let t: TestApp;
  let admin: SignedInUser;

  beforeAll(async () => {
    t = await createTestApp();
    await resetDatabase(t.dataSource);
    admin = await signedInUser(t, { admin: true });
  });
  afterAll(() => t.close());

  const as = (who: SignedInUser) => ({
    get: (path: string) => t.http().get(path).set('Authorization', who.bearer),
    post: (path: string) => t.http().post(path).set('Authorization', who.bearer),
    put: (path: string, body: object) =>
      t.http().put(path).set('Authorization', who.bearer).send(body),
    delete: (path: string) => t.http().delete(path).set('Authorization', who.bearer),
  });
  const tokenStatus = async (accessToken: string) =>
    (await t.http().get('/auth/me').set('Authorization', `Bearer ${accessToken}`)).status;
  const auditOf = async (userId: string, type: string) =>
    (await as(admin).get(`/admin/audit-events?userId=${userId}&type=${type}`).expect(200)).body
      .items as { actorId: string | null; userId: string }[];

  // First, while `admin` is the only admin (later specs promote users).
  describe('the last enabled admin', () => {
    it('should refuse to remove its admin role with 409 last_admin', async () => {
      const response = await as(admin)
        .put(`/admin/users/${admin.id}/roles`, { roles: ['user'] })
        .expect(409);
      expect(response.body.code).toBe('last_admin');
    });

    it('should refuse to disable it with 409 last_admin', async () => {
      const response = await as(admin).post(`/admin/users/${admin.id}/disable`).expect(409);
      expect(response.body.code).toBe('last_admin');
    });

    it('should refuse to delete it with 409 last_admin', async () => {
      const response = await as(admin).delete(`/admin/users/${admin.id}`).expect(409);
      expect(response.body.code).toBe('last_admin');
    });

    it('should let another admin be demoted and deleted', async () => {
      const second = await signedInUser(t, { admin: true });
      await as(admin)
        .put(`/admin/users/${second.id}/roles`, { roles: ['user'] })
        .expect(200);
      await as(admin).delete(`/admin/users/${second.id}`).expect(204);
    });
  });

  describe('for a plain user', () => {
    const routes: [string, (who: SignedInUser, id: string) => Promise<{ status: number }>][] = [
      ['GET /admin/users', (who) => as(who).get('/admin/users')],
      ['GET /admin/users/:id', (who, id) => as(who).get(`/admin/users/${id}`)],
      ['POST /admin/users/:id/disable', (who, id) => as(who).post(`/admin/users/${id}/disable`)],
      ['POST /admin/users/:id/enable', (who, id) => as(who).post(`/admin/users/${id}/enable`)],
      [
        'PUT /admin/users/:id/roles',
        (who, id) => as(who).put(`/admin/users/${id}/roles`, { roles: ['user', 'admin'] }),
      ],
      [
        'POST /admin/users/:id/logout-all',
        (who, id) => as(who).post(`/admin/users/${id}/logout-all`),
      ],
      ['DELETE /admin/users/:id', (who, id) => as(who).delete(`/admin/users/${id}`)],
    ];
    it.each(routes)('should answer %s with 403 insufficient_role', async (_name, call) => {
      const user = await signedInUser(t);
      const response = (await call(user, user.id)) as { status: number; body: { code: string } };
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('insufficient_role');
    });
  });

  describe('GET /admin/users', () => {
    it('should list users with their admin view', async () => {
      const user = await signedInUser(t);
      const response = await as(admin).get(`/admin/users?query=${user.email}`).expect(200);
      expect(response.body).toMatchObject({ page: 1, limit: 20, total: 1 });
      expect(response.body.items[0]).toMatchObject({
        id: user.id,
        email: user.email,
        roles: ['user'],
        disabled: false,
        mfaEnabled: false,
        liveSessions: 1,
      });
      expect(Date.parse(response.body.items[0].lastLoginAt)).not.toBeNaN();
    });

    it('should match the email or the name case-insensitively', async () => {
      const named = await registerUser(t, { name: 'Grace HOPPER-search' });
      const response = await as(admin).get('/admin/users?query=hopper-SEARCH').expect(200);
      expect(response.body.items.map((user: { id: string }) => user.id)).toEqual([named.id]);
    });

    it('should take % and _ in the query literally', async () => {
      await registerUser(t, { name: 'percent-free name' });
      const response = await as(admin).get('/admin/users?query=%25').expect(200);
      expect(response.body.total).toBe(0);
    });

    it('should page the list', async () => {
      const response = await as(admin).get('/admin/users?page=1&limit=1').expect(200);
      expect(response.body.items).toHaveLength(1);
      expect(response.body.total).toBeGreaterThan(1);
    });
  });

  describe('GET /admin/users/:id', () => {
    it('should return one user', async () => {
      const user = await signedInUser(t);
      const response = await as(admin).get(`/admin/users/${user.id}`).expect(200);
      expect(response.body).toMatchObject({ id: user.id, email: user.email, disabled: false });
    });

    it('should answer 404 for an unknown id', async () => {
      await as(admin).get(`/admin/users/${randomUUID()}`).expect(404);
    });

    it('should answer 400 for an id that is not a UUID', async () => {
      await as(admin).get('/admin/users/not-a-uuid').expect(400);
    });
  });

  describe('POST /admin/users/:id/disable', () => {
    it('should refuse the user’s live access token at once', async () => {
      const user = await signedInUser(t);
      await as(admin).post(`/admin/users/${user.id}/disable`).expect(204);
      expect(await tokenStatus(user.tokens.accessToken)).toBe(401);
    });

    it('should refuse the user’s refresh token', async () => {
      const user = await signedInUser(t);
      await as(admin).post(`/admin/users/${user.id}/disable`).expect(204);
      await refresh(t, user.tokens.refreshToken).expect(401);
    });

    it('should refuse a right password with 403 account_disabled', async () => {
      const user = await signedInUser(t);
      await as(admin).post(`/admin/users/${user.id}/disable`).expect(204);
      const response = await t
        .http()
        .post('/auth/login')
        .send({ email: user.email, password: PASSWORD })
        .expect(403);
      expect(response.body.code).toBe('account_disabled');
    });

    it('should answer a wrong password with the usual 401 (no oracle)', async () => {
      const user = await signedInUser(t);
      await as(admin).post(`/admin/users/${user.id}/disable`).expect(204);
      const response = await t
        .http()
        .post('/auth/login')
        .send({ email: user.email, password: 'wrong password here' })
        .expect(401);
      expect(response.body.code).toBe('invalid_credentials');
    });

    it('should audit the change with the acting admin', async () => {
      const user = await signedInUser(t);
      await as(admin).post(`/admin/users/${user.id}/disable`).expect(204);
      expect(await auditOf(user.id, 'admin_user_disabled')).toEqual([
        expect.objectContaining({ userId: user.id, actorId: admin.id }),
      ]);
    });

    it('should answer 404 for an unknown id', async () => {
      await as(admin).post(`/admin/users/${randomUUID()}/disable`).expect(404);
    });
  });

  describe('POST /admin/users/:id/enable', () => {
    it('should let the user log in again', async () => {
      const user = await signedInUser(t);
      await as(admin).post(`/admin/users/${user.id}/disable`).expect(204);
      await as(admin).post(`/admin/users/${user.id}/enable`).expect(204);
      await login(t, user.email);
      expect(await auditOf(user.id, 'admin_user_enabled')).toEqual([
        expect.objectContaining({ actorId: admin.id }),
      ]);
    });

    it('should answer 404 for an unknown id', async () => {
      await as(admin).post(`/admin/users/${randomUUID()}/enable`).expect(404);
    });
  });

  describe('PUT /admin/users/:id/roles', () => {
    it('should set the roles and revoke the sessions so no token keeps the old roles', async () => {
      const user = await signedInUser(t);
      const response = await as(admin)
        .put(`/admin/users/${user.id}/roles`, { roles: ['user', 'admin'] })
        .expect(200);
      expect(response.body).toMatchObject({ id: user.id, roles: ['user', 'admin'] });
      expect(await tokenStatus(user.tokens.accessToken)).toBe(401);
      const fresh = await login(t, user.email);
      await t
        .http()
        .get('/admin/users')
        .set('Authorization', `Bearer ${fresh.accessToken}`)
        .expect(200);
      expect(await auditOf(user.id, 'admin_roles_changed')).toEqual([
        expect.objectContaining({ actorId: admin.id }),
      ]);
    });

    it('should reject a role that does not exist', async () => {
      const user = await signedInUser(t);
      await as(admin)
        .put(`/admin/users/${user.id}/roles`, { roles: ['root'] })
        .expect(400);
    });

    it('should answer 404 for an unknown id', async () => {
      await as(admin)
        .put(`/admin/users/${randomUUID()}/roles`, { roles: ['user'] })
        .expect(404);
    });
  });

  describe('POST /admin/users/:id/logout-all', () => {
    it('should revoke every session of the user', async () => {
      const user = await signedInUser(t);
      const other = await login(t, user.email);
      await as(admin).post(`/admin/users/${user.id}/logout-all`).expect(204);
      expect(await tokenStatus(user.tokens.accessToken)).toBe(401);
      expect(await tokenStatus(other.accessToken)).toBe(401);
      expect(await auditOf(user.id, 'admin_logout_all')).toEqual([
        expect.objectContaining({ actorId: admin.id }),
      ]);
    });

    it('should answer 404 for an unknown id', async () => {
      await as(admin).post(`/admin/users/${randomUUID()}/logout-all`).expect(404);
    });
  });

  describe('DELETE /admin/users/:id', () => {
    it('should delete the user and refuse their tokens at once', async () => {
      const user = await signedInUser(t);
      await as(admin).delete(`/admin/users/${user.id}`).expect(204);
      expect(await tokenStatus(user.tokens.accessToken)).toBe(401);
      await as(admin).get(`/admin/users/${user.id}`).expect(404);
      expect(await auditOf(user.id, 'admin_user_deleted')).toEqual([
        expect.objectContaining({ actorId: admin.id }),
      ]);
    });

    it('should answer 404 for an unknown id', async () => {
      await as(admin).delete(`/admin/users/${randomUUID()}`).expect(404);
    });
  });
});
