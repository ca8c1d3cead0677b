import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as bcrypt from 'bcrypt';
import { createTestApp, resetDatabase, TestApp } from '../support/test-app';
import { PASSWORD, registerUser } from '../support/factories';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The longest the event loop went without turning while `during` ran, in ms. */
async function longestStall(during: () => Promise<unknown>): Promise<number> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  try {
    await during();
    // One more turn of the loop, so that a stall at the very end is recorded too.
    await sleep(20);
  } finally {
    histogram.disable();
  }
  return histogram.max / 1e6;
}

/** How long one hash at `cost` takes on this machine now, in ms (on this thread: it blocks). */
function timeOneHash(cost: number): number {
  const started = performance.now();
  bcrypt.hashSync(PASSWORD, cost);
  return performance.now() - started;
}

/** The lowest cost at which one hash takes at least `ms` here (each step up doubles the work). */
function costTakingAtLeast(ms: number): number {
  let cost = 10;
  while (cost < 15 && timeOneHash(cost) < ms) cost++;
  return cost;
}

/** bcrypt under load: bounded, off the event loop, shedding instead of queueing forever. */
describe('Security: password hashing under load', () => {
  describe('with one bcrypt slot and room for two waiters', () => {
    let t: TestApp;
    let email: string;

    beforeAll(async () => {
      t = await createTestApp({
        BCRYPT_COST: '10',
        PASSWORD_HASH_CONCURRENCY: '1',
        PASSWORD_HASH_QUEUE: '2',
      });
      await resetDatabase(t.dataSource);
      ({ email } = await registerUser(t));
    });
    afterAll(() => t.close());

    it('should shed the excess of a login burst with 503 and Retry-After, and serve the rest', async () => {
      const responses = await Promise.all(
        Array.from({ length: 8 }, () =>
          t.http().post('/auth/login').send({ email, password: PASSWORD }),
        ),
      );
      const statuses = responses.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(3);
      expect(statuses.filter((s) => s === 503).length).toBeGreaterThanOrEqual(1);
      expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
      const shed = responses.find((r) => r.status === 503)!;
      expect(shed.body).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'Too many logins in progress; retry shortly',
        code: 'overloaded',
      });
      expect(shed.headers['retry-after']).toBeDefined();
    });
  });

  /**
   * bcrypt on the event loop would stop every other request for the whole hash. What is measured
   * is the event loop itself (this process runs the app), against the duration of one hash
   * measured just before, with a factor of two either way: no absolute threshold to flake on a
   * busy machine.
   */
  describe('at a cost where one hash takes a quarter of a second or more', () => {
    let t: TestApp;
    let email: string;
    let cost: number;

    beforeAll(async () => {
      cost = costTakingAtLeast(250);
      t = await createTestApp({
        BCRYPT_COST: String(cost),
        PASSWORD_HASH_CONCURRENCY: '2',
        PASSWORD_HASH_QUEUE: '100',
      });
      await resetDatabase(t.dataSource);
      ({ email } = await registerUser(t));
    });
    afterAll(() => t.close());

    it('should measure a stall as long as a hash when bcrypt runs on the event loop (the measurement can fail)', async () => {
      let hashMs = 0;
      const stall = await longestStall(async () => {
        await sleep(20);
        hashMs = timeOneHash(cost);
      });
      expect(stall).toBeGreaterThan(hashMs / 2);
    });

    it('should keep the event loop turning while concurrent logins hash', async () => {
      const hashMs = timeOneHash(cost);
      let statuses: number[] = [];
      const stall = await longestStall(async () => {
        const responses = await Promise.all(
          Array.from({ length: 4 }, () =>
            t.http().post('/auth/login').send({ email, password: PASSWORD }),
          ),
        );
        statuses = responses.map((response) => response.status);
      });
      expect(statuses).toEqual([200, 200, 200, 200]);
      expect(stall).toBeLessThan(hashMs / 2);
    });
  });

  describe('a hash made at a lower cost', () => {
    it('should be re-hashed at BCRYPT_COST on the next successful login', async () => {
      const before = await createTestApp({ BCRYPT_COST: '4' });
      await resetDatabase(before.dataSource);
      const user = await registerUser(before);
      await before.close();

      const after = await createTestApp({ BCRYPT_COST: '5' });
      try {
        const read = async () => {
          const [row] = await after.dataSource.query(
            'SELECT password_hash FROM users WHERE id = $1',
            [user.id],
          );
          return row.password_hash as string;
        };
        expect(bcrypt.getRounds(await read())).toBe(4);
        await after
          .http()
          .post('/auth/login')
          .send({ email: user.email, password: 'wrong password' })
          .expect(401);
        expect(bcrypt.getRounds(await read())).toBe(4);
        await after
          .http()
          .post('/auth/login')
          .send({ email: user.email, password: PASSWORD })
          .expect(200);
        expect(bcrypt.getRounds(await read())).toBe(5);
        await after
          .http()
          .post('/auth/login')
          .send({ email: user.email, password: PASSWORD })
          .expect(200);
      } finally {
        await after.close();
      }
    });
  });
});
