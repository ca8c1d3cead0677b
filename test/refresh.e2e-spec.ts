import { createTestApp, resetDatabase, TestApp } from './support/test-app';
import { refresh, signedInUser } from './support/factories';

describe('Refresh-token rotation (../shared/API.md, "Refresh token")', () => {
  let t: TestApp;

  beforeAll(async () => {
    // A short grace window so the "after the window" case needs no fake clock.
    t = await createTestApp({ REFRESH_REUSE_GRACE: '1s' });
    await resetDatabase(t.dataSource);
  });
  afterAll(() => t.close());

  it('should return a new pair and retire the old refresh token', async () => {
    const user = await signedInUser(t);
    const first = await refresh(t, user.tokens.refreshToken).expect(200);
    expect(first.headers['cache-control']).toBe('no-store');
    expect(first.body.refreshToken).not.toBe(user.tokens.refreshToken);
    expect(first.body.accessToken).not.toBe(user.tokens.accessToken);
    await t
      .http()
      .get('/auth/me')
      .set('Authorization', `Bearer ${first.body.accessToken}`)
      .expect(200);
    // The successor rotates in turn.
    const second = await refresh(t, first.body.refreshToken).expect(200);
    expect(second.body.refreshToken).not.toBe(first.body.refreshToken);
  });

  it('should keep the session id across rotations', async () => {
    const user = await signedInUser(t);
    const before = await t
      .http()
      .get('/auth/token-info')
      .set('Authorization', user.bearer)
      .expect(200);
    const rotated = await refresh(t, user.tokens.refreshToken).expect(200);
    const after = await t
      .http()
      .get('/auth/token-info')
      .set('Authorization', `Bearer ${rotated.body.accessToken}`)
      .expect(200);
    expect(after.body.sessionId).toBe(before.body.sessionId);
  });

  it('should store only a hash of the refresh token', async () => {
    const user = await signedInUser(t);
    const rows: { refresh_token_hash: Buffer }[] = await t.dataSource.query(
      `SELECT s.refresh_token_hash FROM sessions s WHERE s.user_id = $1`,
      [user.id],
    );
    expect(rows).toHaveLength(1);
    const dump =
      JSON.stringify(await t.dataSource.query('SELECT * FROM sessions')) +
      rows[0].refresh_token_hash.toString('latin1');
    expect(dump).not.toContain(user.tokens.refreshToken);
  });

  it('should converge 10 concurrent refreshes with one token on one new refresh token', async () => {
    const user = await signedInUser(t);
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => refresh(t, user.tokens.refreshToken)),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    const successors = new Set(responses.map((r) => r.body.refreshToken as string));
    expect(successors.size).toBe(1);
    // The converged successor is the session's live token, and the session is still live.
    const [successor] = successors;
    await refresh(t, successor).expect(200);
    const sessions = await t
      .http()
      .get('/auth/sessions')
      .set('Authorization', `Bearer ${responses[9].body.accessToken}`)
      .expect(200);
    expect(sessions.body).toHaveLength(1);
  });

  it('should treat the rotated token presented after the grace window as theft and revoke the session', async () => {
    const user = await signedInUser(t);
    const rotated = await refresh(t, user.tokens.refreshToken).expect(200);
    await new Promise((resolve) => setTimeout(resolve, 1_200));

    const reuse = await refresh(t, user.tokens.refreshToken).expect(401);
    expect(reuse.body).toMatchObject({ code: 'refresh_token_reused' });
    // The whole session is gone: the successor and the access tokens stop working at once.
    const successor = await refresh(t, rotated.body.refreshToken).expect(401);
    expect(successor.body.code).toBe('session_revoked');
    const me = await t
      .http()
      .get('/auth/me')
      .set('Authorization', `Bearer ${rotated.body.accessToken}`)
      .expect(401);
    expect(me.body.code).toBe('session_revoked');
  });

  it('should detect reuse of a token two rotations old', async () => {
    const user = await signedInUser(t);
    const first = await refresh(t, user.tokens.refreshToken).expect(200);
    await refresh(t, first.body.refreshToken).expect(200);
    const reuse = await refresh(t, user.tokens.refreshToken).expect(401);
    expect(reuse.body.code).toBe('refresh_token_reused');
  });

  it('should answer 401 token_invalid for an unknown or malformed refresh token', async () => {
    for (const token of ['A'.repeat(43), 'not a token', user_access_token_placeholder()]) {
      const response = await refresh(t, token).expect(401);
      expect(response.body).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'Invalid token',
        code: 'token_invalid',
      });
    }
  });

  it('should refuse an access token used as a refresh token', async () => {
    const user = await signedInUser(t);
    const response = await refresh(t, user.tokens.accessToken).expect(401);
    expect(response.body.code).toBe('token_invalid');
  });

  it('should answer 400 when the body has no refresh token', async () => {
    await t.http().post('/auth/refresh').send({}).expect(400);
    await t.http().post('/auth/refresh').send({ refreshToken: 42 }).expect(400);
  });

  it('should end a session at its absolute lifetime whatever the rotations', async () => {
    const user = await signedInUser(t);
    await t.dataSource.query(
      `UPDATE sessions SET absolute_expires_at = now() - interval '1 second' WHERE user_id = $1`,
      [user.id],
    );
    const response = await refresh(t, user.tokens.refreshToken).expect(401);
    expect(response.body.code).toBe('session_expired');
  });

  it('should end a session that idled longer than the refresh lifetime', async () => {
    const user = await signedInUser(t);
    await t.dataSource.query(
      `UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = $1`,
      [user.id],
    );
    const response = await refresh(t, user.tokens.refreshToken).expect(401);
    expect(response.body.code).toBe('session_expired');
  });

  it('should put roles granted since login into the refreshed access token', async () => {
    const user = await signedInUser(t);
    await t.dataSource.query(`UPDATE users SET roles = '{user,admin}' WHERE id = $1`, [user.id]);
    const rotated = await refresh(t, user.tokens.refreshToken).expect(200);
    const info = await t
      .http()
      .get('/auth/token-info')
      .set('Authorization', `Bearer ${rotated.body.accessToken}`)
      .expect(200);
    expect(info.body.roles).toEqual(['user', 'admin']);
  });
});

/** A JWT-shaped string: refresh tokens are opaque and never JWTs. */
function user_access_token_placeholder(): string {
  return 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
}
