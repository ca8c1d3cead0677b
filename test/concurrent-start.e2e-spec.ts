import {
  createServerDatabase,
  ensureBuilt,
  freePort,
  Instance,
  startInstance,
} from './support/instance';

jest.setTimeout(120_000);

/** Instances started together on an empty database must not race to create the same tables. */
describe('Instances starting together on a new database', () => {
  it('should apply every migration once and all come up', async () => {
    const database = await createServerDatabase();
    if (!database) {
      console.warn('No PostgreSQL server on 127.0.0.1:5432: the concurrent-start check is skipped');
      return;
    }
    ensureBuilt();
    let instances: Instance[] = [];
    try {
      const env = { DATABASE_URL: database.url, LOG_LEVEL: 'info', SEED_DEMO_DATA: 'true' };
      instances = await Promise.all(
        [1, 2, 3].map(async () => startInstance(env, await freePort())),
      );
      const applied = instances.flatMap((i) =>
        i.lines.filter((line) => line.includes('Applied Init')),
      );
      expect(applied).toHaveLength(1);
      const seeded = instances.flatMap((i) =>
        i.lines.filter((line) => line.includes('Seeded 50 demo products')),
      );
      expect(seeded).toHaveLength(1);
    } finally {
      await Promise.all(instances.map((i) => i.stop()));
      await database.drop();
    }
  });
});
