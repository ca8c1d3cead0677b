import { AuditPurgeService } from '../src/audit/audit-purge.service';
import { createTestApp, resetDatabase, TestApp } from './support/test-app';

const DAY_MS = 86_400_000;

/**
 * Audit events older than AUDIT_RETENTION are purged by the cleanup job, in batches
 * (../shared/API.md, "Administration and operations").
 */
describe('Audit retention', () => {
  let t: TestApp;
  let purge: AuditPurgeService;

  beforeAll(async () => {
    t = await createTestApp({ AUDIT_RETENTION: '30d' });
    purge = t.app.get(AuditPurgeService);
  });
  beforeEach(() => resetDatabase(t.dataSource));
  afterAll(() => t.close());

  const insertEvents = (count: number, ageDays: number) =>
    t.dataSource.query(
      `INSERT INTO audit_events (type, created_at)
       SELECT 'login_failed', now() - make_interval(days => $2) FROM generate_series(1, $1)`,
      [count, ageDays],
    );
  const countEvents = async () =>
    Number((await t.dataSource.query('SELECT count(*) AS n FROM audit_events'))[0].n);

  it('should delete the events older than AUDIT_RETENTION and keep the newer ones', async () => {
    await insertEvents(3, 31);
    await insertEvents(2, 29);
    await expect(purge.purge()).resolves.toBe(3);
    expect(await countEvents()).toBe(2);
  });

  it('should delete in batches until none is left', async () => {
    await insertEvents(25, 400);
    await expect(purge.purge(new Date(), 10)).resolves.toBe(25);
    expect(await countEvents()).toBe(0);
  });

  it('should keep everything younger than the retention', async () => {
    await insertEvents(4, 1);
    await expect(purge.purge(new Date(Date.now() + 2 * DAY_MS))).resolves.toBe(0);
    expect(await countEvents()).toBe(4);
  });

  // The embedded database serves one connection at a time: a second holder cannot exist there.
  const onServer = process.env.TEST_DATABASE_URL ? it : it.skip;

  onServer('should skip the work while another instance holds the purge lock', async () => {
    await insertEvents(2, 400);
    const runner = t.dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      await runner.query('SELECT pg_advisory_xact_lock($1)', [0x61756474]);
      await expect(purge.purge()).resolves.toBeNull();
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
    expect(await countEvents()).toBe(2);
  });
});
