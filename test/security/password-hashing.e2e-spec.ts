import * as bcrypt from 'bcrypt';
import { createTestApp, resetDatabase, TestApp } from '../support/test-app';
import { PASSWORD, registerUser } from '../support/factories';

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

    it('should keep answering other requests while bcrypt is busy', async () => {
      const logins = Promise.all(
        Array.from({ length: 3 }, () =>
          t.http().post('/auth/login').send({ email, password: PASSWORD }),
        ),
      );
      const started = Date.now();
      await t.http().get('/health').expect(200);
      expect(Date.now() - started).toBeLessThan(500);
      await logins;
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
