import { SessionsPurgeService } from '../../src/users/sessions-purge.service';
import { createTestApp, resetDatabase, TestApp } from '../support/test-app';
import { login, refresh, signedInUser } from '../support/factories';

/** Ended sessions do not pile up: a periodic purge deletes them once SESSION_PURGE_AFTER passed. */
describe('Security: purging ended sessions', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ SESSION_PURGE_AFTER: '1d' });
    await resetDatabase(t.dataSource);
  });
  afterAll(() => t.close());

  const count = async (where: string, params: unknown[] = []) => {
    const [row] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM sessions WHERE ${where}`,
      params,
    );
    return row.n as number;
  };

  it('should delete sessions revoked, idle or past their lifetime more than a day ago, and keep the rest', async () => {
    const live = await signedInUser(t);
    const revokedLongAgo = await signedInUser(t);
    const revokedJustNow = await signedInUser(t);
    const idle = await signedInUser(t);
    const old = await signedInUser(t);
    await refresh(t, revokedLongAgo.tokens.refreshToken).expect(200); // leaves rotated-token history
    await t.dataSource.query(
      `UPDATE sessions SET revoked_at = now() - interval '2 days' WHERE user_id = $1`,
      [revokedLongAgo.id],
    );
    await t.http().post('/auth/logout').set('Authorization', revokedJustNow.bearer).expect(204);
    await t.dataSource.query(
      `UPDATE sessions SET expires_at = now() - interval '2 days' WHERE user_id = $1`,
      [idle.id],
    );
    await t.dataSource.query(
      `UPDATE sessions SET absolute_expires_at = now() - interval '2 days' WHERE user_id = $1`,
      [old.id],
    );

    await expect(t.app.get(SessionsPurgeService).purge()).resolves.toBe(3);

    expect(await count('user_id = ANY($1)', [[revokedLongAgo.id, idle.id, old.id]])).toBe(0);
    expect(await count('user_id = ANY($1)', [[live.id, revokedJustNow.id]])).toBe(2);
    const [history] = await t.dataSource.query(
      'SELECT count(*)::int AS n FROM rotated_refresh_tokens',
    );
    expect(history.n).toBe(0);
    await t.http().get('/auth/me').set('Authorization', live.bearer).expect(200);
  });

  it('should be safe when several instances purge at the same moment', async () => {
    const user = await signedInUser(t);
    await login(t, user.email);
    await t.dataSource.query(
      `UPDATE sessions SET revoked_at = now() - interval '2 days' WHERE user_id = $1`,
      [user.id],
    );
    const service = t.app.get(SessionsPurgeService);
    const results = await Promise.all([service.purge(), service.purge(), service.purge()]);
    expect(results.reduce<number>((sum, n) => sum + (n ?? 0), 0)).toBe(2);
    expect(await count('user_id = $1', [user.id])).toBe(0);
  });
});
