import { createTestApp, TestApp } from './support/test-app';

/** Every migration has a working down: the whole chain reverts and re-applies cleanly. */
describe('Migrations', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const tables = async () => {
    const rows: { table_name: string }[] = await t.dataSource.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations' ORDER BY 1`,
    );
    return rows.map((row) => row.table_name);
  };

  it('should have applied every migration at start', async () => {
    await expect(t.dataSource.showMigrations()).resolves.toBe(false);
    expect(await tables()).toEqual([
      'audit_events',
      'email_tokens',
      'mfa_challenges',
      'mfa_recovery_codes',
      'products',
      'rotated_refresh_tokens',
      'sessions',
      'user_mfa',
      'users',
    ]);
  });

  it('should revert the whole chain and apply it again', async () => {
    for (let i = 0; i < t.dataSource.migrations.length; i++) await t.dataSource.undoLastMigration();
    expect(await tables()).toEqual([]);
    await t.dataSource.runMigrations();
    expect(await tables()).toEqual([
      'audit_events',
      'email_tokens',
      'mfa_challenges',
      'mfa_recovery_codes',
      'products',
      'rotated_refresh_tokens',
      'sessions',
      'user_mfa',
      'users',
    ]);
  });

  it('should match the entities exactly (no schema drift)', async () => {
    const sql = await t.dataSource.driver.createSchemaBuilder().log();
    expect(sql.upQueries.map((query) => query.query)).toEqual([]);
  });
});
