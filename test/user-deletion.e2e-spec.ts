import { SessionsPurgeService } from '../src/users/sessions-purge.service';
import { UsersService } from '../src/users/users.service';
import { login, refresh, signedInUser } from './support/factories';
import { decodePart } from './support/jwt';
import { createServerDatabase, serverServicesAnswer } from './support/instance';
import { createTestApp, resetDatabase, TestApp } from './support/test-app';

/**
 * Deleting a user (UsersService.delete, what DELETE /auth/me and the admin routes call) revokes
 * every session of the user at once, here and on every other instance, and the revocations
 * survive the user row: the sessions stay as revoked rows without a user until the purge, so a
 * restarted instance reloads them too (../shared/API.md, "DELETE /auth/me").
 */
describe('Deleting a user', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
    await resetDatabase(t.dataSource);
  });
  afterAll(() => t.close());

  // token-info answers from the token alone: it shows what the revocation set decides.
  const statusOf = async (app: TestApp, accessToken: string) =>
    (await app.http().get('/auth/token-info').set('Authorization', `Bearer ${accessToken}`)).status;

  it('should refuse the access tokens of every session of the user at once', async () => {
    const user = await signedInUser(t);
    const other = await login(t, user.email);

    await expect(t.app.get(UsersService).delete(user.id)).resolves.toBe(true);

    for (const accessToken of [user.tokens.accessToken, other.accessToken]) {
      const response = await t
        .http()
        .get('/auth/token-info')
        .set('Authorization', `Bearer ${accessToken}`)
        .expect(401);
      expect(response.body.code).toBe('session_revoked');
    }
  });

  it('should refuse the refresh tokens of the user', async () => {
    const user = await signedInUser(t);
    await t.app.get(UsersService).delete(user.id);
    await refresh(t, user.tokens.refreshToken).expect(401);
  });

  it('should keep the sessions as revoked rows without a user', async () => {
    const user = await signedInUser(t);
    const sessionId = decodePart(user.tokens.accessToken, 1).sid as string;
    await t.app.get(UsersService).delete(user.id);

    const rows = await t.dataSource.query<
      { user_id: string | null; revoked_at: Date | null; revoked_reason: string | null }[]
    >('SELECT user_id, revoked_at, revoked_reason FROM sessions WHERE id = $1', [sessionId]);
    expect(rows).toEqual([
      { user_id: null, revoked_at: expect.any(Date), revoked_reason: 'user_deleted' },
    ]);
    const users = await t.dataSource.query('SELECT id FROM users WHERE id = $1', [user.id]);
    expect(users).toEqual([]);
  });

  it('should still refuse the access tokens after a restart', async () => {
    const user = await signedInUser(t);
    await t.app.get(UsersService).delete(user.id);

    await t.close();
    t = await createTestApp();
    expect(await statusOf(t, user.tokens.accessToken)).toBe(401);
  });

  it('should leave the sessions of other users alone', async () => {
    const user = await signedInUser(t);
    const bystander = await signedInUser(t);
    await t.app.get(UsersService).delete(user.id);
    expect(await statusOf(t, bystander.tokens.accessToken)).toBe(200);
    await refresh(t, bystander.tokens.refreshToken).expect(200);
  });

  it('should answer false for an unknown user', async () => {
    await expect(
      t.app.get(UsersService).delete('00000000-0000-4000-8000-000000000000'),
    ).resolves.toBe(false);
  });

  it('should let the purge delete the revoked rows once they are old enough', async () => {
    const user = await signedInUser(t);
    const sessionId = decodePart(user.tokens.accessToken, 1).sid as string;
    await t.app.get(UsersService).delete(user.id);

    const aYearOn = new Date(Date.now() + 365 * 24 * 3_600_000);
    await t.app.get(SessionsPurgeService).purge(aYearOn);
    const rows = await t.dataSource.query('SELECT id FROM sessions WHERE id = $1', [sessionId]);
    expect(rows).toEqual([]);
  });

  const withServer = serverServicesAnswer().postgres ? describe : describe.skip;
  withServer('with two instances on a PostgreSQL server', () => {
    let database: Awaited<ReturnType<typeof createServerDatabase>>;
    let a: TestApp;
    let b: TestApp;

    beforeAll(async () => {
      database = await createServerDatabase();
      a = await createTestApp({ DATABASE_URL: database!.url });
      // Passport's strategies are process-wide and the app created last registers them: B, the
      // instance whose revocation set is under test, must be the last one.
      b = await createTestApp({ DATABASE_URL: database!.url });
    });
    afterAll(async () => {
      await Promise.all([a?.close(), b?.close()]);
      await database?.drop();
    });

    it('should refuse the access tokens on the other instance too', async () => {
      const user = await signedInUser(a);
      expect(await statusOf(b, user.tokens.accessToken)).toBe(200);

      await a.app.get(UsersService).delete(user.id);

      const deadline = Date.now() + 5_000;
      while ((await statusOf(b, user.tokens.accessToken)) !== 401) {
        if (Date.now() > deadline) throw new Error('still accepted on the other instance');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    });
  });
});
