import { QueryRunner } from 'typeorm';
import { SessionTombstones1795689000000 } from '../src/database/migrations/1795689000000-session-tombstones';
import { createTestApp, resetDatabase, TestApp } from './support/test-app';

/**
 * The migration that lets sessions outlive their user (revoked rows kept until the purge).
 * Each case runs in a transaction that is rolled back, so the shared database keeps its schema.
 */
describe('Migration SessionTombstones: sessions outlive their user', () => {
  let t: TestApp;
  let runner: QueryRunner;
  const migration = new SessionTombstones1795689000000();

  beforeAll(async () => {
    t = await createTestApp();
    await resetDatabase(t.dataSource);
  });
  afterAll(() => t.close());

  beforeEach(async () => {
    runner = t.dataSource.createQueryRunner();
    await runner.startTransaction();
  });
  afterEach(async () => {
    await runner.rollbackTransaction();
    await runner.release();
  });

  const deleteRule = async () => {
    const [{ delete_rule }]: { delete_rule: string }[] = await runner.query(
      `SELECT delete_rule FROM information_schema.referential_constraints
       WHERE constraint_name = 'FK_sessions_user_id'`,
    );
    return delete_rule;
  };

  /** A user with one session, both created in the open transaction; returns their ids. */
  const userWithSession = async () => {
    const [{ id: userId }]: { id: string }[] = await runner.query(
      `INSERT INTO users (email, password_hash) VALUES ('gone-' || gen_random_uuid() || '@example.com', 'x') RETURNING id`,
    );
    const [{ id: sessionId }]: { id: string }[] = await runner.query(
      `INSERT INTO sessions (user_id, refresh_token_hash, expires_at, absolute_expires_at, last_used_at, revoked_at)
       VALUES ($1, sha256(gen_random_uuid()::text::bytea), now() + interval '1 day', now() + interval '1 day', now(), now())
       RETURNING id`,
      [userId],
    );
    return { userId, sessionId };
  };

  it('should keep a session, without its user, when the user row is deleted', async () => {
    expect(await deleteRule()).toBe('SET NULL');
    const { userId, sessionId } = await userWithSession();
    await runner.query('DELETE FROM users WHERE id = $1', [userId]);
    const rows: { user_id: string | null }[] = await runner.query(
      'SELECT user_id FROM sessions WHERE id = $1',
      [sessionId],
    );
    expect(rows).toEqual([{ user_id: null }]);
  });

  it('should revert even with sessions of deleted users in the table, dropping those rows', async () => {
    const { userId, sessionId } = await userWithSession();
    await runner.query('DELETE FROM users WHERE id = $1', [userId]);

    await migration.down(runner);

    expect(await deleteRule()).toBe('CASCADE');
    const rows = await runner.query('SELECT id FROM sessions WHERE id = $1', [sessionId]);
    expect(rows).toEqual([]);
    await expect(
      runner.query(
        `INSERT INTO sessions (refresh_token_hash, expires_at, absolute_expires_at, last_used_at)
         VALUES (sha256(gen_random_uuid()::text::bytea), now(), now(), now())`,
      ),
    ).rejects.toThrow(/null value in column "user_id"/);
  });
});
