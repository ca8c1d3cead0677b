import { createTestApp, resetDatabase, TestApp } from './support/test-app';
import { login, refresh, signedInUser } from './support/factories';

describe('Logout and sessions (../shared/API.md, /auth/logout, /auth/logout-all, /auth/sessions)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
    await resetDatabase(t.dataSource);
  });
  afterAll(() => t.close());

  describe('POST /auth/logout', () => {
    it('should revoke the session of the access token: its refresh and access tokens fail at once', async () => {
      const user = await signedInUser(t);
      await t.http().post('/auth/logout').set('Authorization', user.bearer).expect(204);

      const me = await t.http().get('/auth/me').set('Authorization', user.bearer).expect(401);
      expect(me.body.code).toBe('session_revoked');
      expect(me.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token"');
      const refreshed = await refresh(t, user.tokens.refreshToken).expect(401);
      expect(refreshed.body.code).toBe('session_revoked');
    });

    it('should answer 401 when logging out twice', async () => {
      const user = await signedInUser(t);
      await t.http().post('/auth/logout').set('Authorization', user.bearer).expect(204);
      await t.http().post('/auth/logout').set('Authorization', user.bearer).expect(401);
    });

    it('should log out with the refresh token alone, for a client whose access token expired', async () => {
      const user = await signedInUser(t);
      await t
        .http()
        .post('/auth/logout')
        .send({ refreshToken: user.tokens.refreshToken })
        .expect(204);
      await refresh(t, user.tokens.refreshToken).expect(401);
      await t.http().get('/auth/me').set('Authorization', user.bearer).expect(401);
      await t
        .http()
        .post('/auth/logout')
        .send({ refreshToken: user.tokens.refreshToken })
        .expect(401);
    });

    it('should leave the other sessions of the user alive', async () => {
      const user = await signedInUser(t);
      const other = await login(t, user.email);
      await t.http().post('/auth/logout').set('Authorization', user.bearer).expect(204);
      await t
        .http()
        .get('/auth/me')
        .set('Authorization', `Bearer ${other.accessToken}`)
        .expect(200);
      await refresh(t, other.refreshToken).expect(200);
    });

    it('should answer 401 token_missing with a bearer challenge when neither token is given', async () => {
      const response = await t.http().post('/auth/logout').send({}).expect(401);
      expect(response.body.code).toBe('token_missing');
      expect(response.headers['www-authenticate']).toBe('Bearer realm="api"');
    });

    it('should answer the same to a logout with no body at all', async () => {
      const response = await t.http().post('/auth/logout').expect(401);
      expect(response.body.code).toBe('token_missing');
      expect(response.headers['www-authenticate']).toBe('Bearer realm="api"');
    });

    it('should not let an invalid bearer token fall back to anonymous', async () => {
      const user = await signedInUser(t);
      const response = await t
        .http()
        .post('/auth/logout')
        .set('Authorization', 'Bearer not.a.token')
        .send({ refreshToken: user.tokens.refreshToken })
        .expect(401);
      expect(response.body.code).toBe('token_invalid');
      await refresh(t, user.tokens.refreshToken).expect(200);
    });
  });

  describe('POST /auth/logout-all', () => {
    it('should revoke every session of the caller and no one else’s', async () => {
      const user = await signedInUser(t);
      const second = await login(t, user.email);
      const stranger = await signedInUser(t);

      await t.http().post('/auth/logout-all').set('Authorization', user.bearer).expect(204);

      await t.http().get('/auth/me').set('Authorization', user.bearer).expect(401);
      await t
        .http()
        .get('/auth/me')
        .set('Authorization', `Bearer ${second.accessToken}`)
        .expect(401);
      await refresh(t, second.refreshToken).expect(401);
      await t.http().get('/auth/me').set('Authorization', stranger.bearer).expect(200);
    });

    it('should need a bearer token', async () => {
      await t.http().post('/auth/logout-all').expect(401);
    });
  });

  describe('GET /auth/sessions', () => {
    it('should list the caller’s live sessions and mark the current one', async () => {
      const user = await signedInUser(t);
      await login(t, user.email);
      const revoked = await login(t, user.email);
      await t
        .http()
        .post('/auth/logout')
        .set('Authorization', `Bearer ${revoked.accessToken}`)
        .expect(204);

      const response = await t
        .http()
        .get('/auth/sessions')
        .set('Authorization', user.bearer)
        .set('User-Agent', 'spec')
        .expect(200);
      expect(response.body).toHaveLength(2);
      expect(response.body.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
      expect(Object.keys(response.body[0]).sort()).toEqual([
        'createdAt',
        'current',
        'expiresAt',
        'id',
        'ip',
        'lastUsedAt',
        'userAgent',
      ]);
    });
  });

  describe('DELETE /auth/sessions/:id', () => {
    async function sessionsOf(bearer: string) {
      const response = await t
        .http()
        .get('/auth/sessions')
        .set('Authorization', bearer)
        .expect(200);
      return response.body as { id: string; current: boolean }[];
    }

    it('should revoke one of the caller’s sessions', async () => {
      const user = await signedInUser(t);
      const phone = await login(t, user.email);
      const target = (await sessionsOf(user.bearer)).find((s) => !s.current)!;

      await t
        .http()
        .delete(`/auth/sessions/${target.id}`)
        .set('Authorization', user.bearer)
        .expect(204);

      await t
        .http()
        .get('/auth/me')
        .set('Authorization', `Bearer ${phone.accessToken}`)
        .expect(401);
      expect((await sessionsOf(user.bearer)).map((s) => s.id)).not.toContain(target.id);
    });

    it('should answer 404 for another user’s session and leave it alive', async () => {
      const user = await signedInUser(t);
      const stranger = await signedInUser(t);
      const [strangerSession] = await sessionsOf(stranger.bearer);

      const response = await t
        .http()
        .delete(`/auth/sessions/${strangerSession.id}`)
        .set('Authorization', user.bearer)
        .expect(404);
      expect(response.body).toEqual({
        statusCode: 404,
        error: 'Not Found',
        message: 'Session not found',
      });
      await t.http().get('/auth/me').set('Authorization', stranger.bearer).expect(200);
    });

    it('should answer 404 for an unknown session id', async () => {
      const user = await signedInUser(t);
      await t
        .http()
        .delete('/auth/sessions/00000000-0000-4000-8000-000000000000')
        .set('Authorization', user.bearer)
        .expect(404);
    });

    it('should answer 400 for an id that is not a UUID', async () => {
      const user = await signedInUser(t);
      await t
        .http()
        .delete("/auth/sessions/1'%20OR%201=1")
        .set('Authorization', user.bearer)
        .expect(400);
    });
  });
});
