import { REDIS_URL, serverServicesAnswer } from '../support/instance';
import { createTestApp, resetDatabase, TestApp } from '../support/test-app';
import { PASSWORD, registerUser, uniqueEmail } from '../support/factories';

const REDIS = serverServicesAnswer().redis;
const WRONG = 'wrong password';

/**
 * OWASP Authentication Cheat Sheet: limit guessing per account and per client, answer 429 with
 * Retry-After, and never let the lock reveal whether an account exists. ../shared/API.md, "Client
 * addresses and rate-limit keys": the lock is per account and client address under an
 * account-wide ceiling, and attempts are counted before the password is checked.
 * (Apps in this file run one after another: passport's strategy registry is process-wide.)
 */
describe('Security: brute force', () => {
  // Both stores behind the lock must keep the same promises; the Redis one only where Redis answers.
  describeLock('in-process counters', {});
  describeLock('Redis counters (REDIS_URL)', { REDIS_URL }, REDIS ? describe : describe.skip);

  describe('per-IP limit on /auth/* (RATE_LIMIT_AUTH_IP=5)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ RATE_LIMIT_AUTH_IP: '5' });
    });
    afterAll(() => t.close());

    it('should allow 5 requests a minute across all /auth routes, then answer 429 with Retry-After', async () => {
      await t
        .http()
        .post('/auth/login')
        .send({ email: uniqueEmail(), password: WRONG })
        .expect(401);
      await t.http().post('/auth/refresh').send({ refreshToken: 'x' }).expect(401);
      await t.http().get('/auth/me').expect(401);
      await t.http().post('/auth/register').send({ email: 'bad' }).expect(400);
      await t
        .http()
        .post('/auth/login')
        .send({ email: uniqueEmail(), password: WRONG })
        .expect(401);

      const limited = await t
        .http()
        .post('/auth/login')
        .send({ email: uniqueEmail(), password: PASSWORD })
        .expect(429);
      expect(limited.body).toMatchObject({ statusCode: 429, code: 'too_many_attempts' });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    });

    it('should not limit routes outside /auth', async () => {
      await t.http().get('/health').expect(200);
      await t.http().get('/products').expect(401);
    });
  });

  (REDIS ? describe : describe.skip)('with a shared store (REDIS_URL)', () => {
    it('should share one budget between instances, so N instances do not give N times the guesses', async () => {
      const env = { REDIS_URL, RATE_LIMIT_LOGIN_ACCOUNT: '4' };
      const first = await createTestApp(env);
      const email = uniqueEmail();
      try {
        for (let i = 0; i < 2; i++)
          await first.http().post('/auth/login').send({ email, password: WRONG }).expect(401);
      } finally {
        await first.close();
      }
      const second = await createTestApp(env);
      try {
        for (let i = 0; i < 2; i++)
          await second.http().post('/auth/login').send({ email, password: WRONG }).expect(401);
        await second.http().post('/auth/login').send({ email, password: WRONG }).expect(429);
      } finally {
        await second.close();
      }
    });
  });

  describe('when the shared store is down', () => {
    let t: TestApp;
    beforeAll(async () => {
      // Nothing listens on port 1: every Redis command fails at once.
      t = await createTestApp({ REDIS_URL: 'redis://127.0.0.1:1', RATE_LIMIT_LOGIN_ACCOUNT: '2' });
      await resetDatabase(t.dataSource);
    });
    afterAll(() => t.close());

    it('should keep serving logins (never a 500) and keep limiting per instance', async () => {
      const { email } = await registerUser(t);
      await t.http().post('/auth/login').send({ email, password: PASSWORD }).expect(200);
      await t.http().post('/auth/login').send({ email, password: WRONG }).expect(401);
      await t.http().post('/auth/login').send({ email, password: WRONG }).expect(401);
      await t.http().post('/auth/login').send({ email, password: PASSWORD }).expect(429);
    });
  });
});

/** The failed-login lock on one store. Every request names its client through a trusted proxy. */
function describeLock(
  store: string,
  storeEnv: Record<string, string>,
  describeOrSkip: jest.Describe = describe,
): void {
  const LIMIT = 10;
  const CEILING = 25;

  describeOrSkip(
    `failed-login lock on ${store} (per address ${LIMIT}, account-wide ${CEILING})`,
    () => {
      let t: TestApp;
      beforeAll(async () => {
        t = await createTestApp({
          ...storeEnv,
          RATE_LIMIT_LOGIN_ACCOUNT: String(LIMIT),
          RATE_LIMIT_LOGIN_ACCOUNT_GLOBAL: String(CEILING),
          // The test client is the proxy in front: the address it forwards is the client's.
          TRUST_PROXY: '127.0.0.1/8',
        });
        await resetDatabase(t.dataSource);
      });
      afterAll(() => t.close());

      const STRANGER = '203.0.113.66';
      const OWNER = '198.51.100.10';
      const attempt = (email: string, password: string, from = STRANGER) =>
        t.http().post('/auth/login').set('X-Forwarded-For', from).send({ email, password });
      const fail = async (email: string, times: number, from = STRANGER) => {
        for (let i = 0; i < times; i++) await attempt(email, WRONG, from).expect(401);
      };

      it(`should check the password of at most ${LIMIT} of 60 concurrent wrong logins and refuse the rest with 429`, async () => {
        const { email } = await registerUser(t);
        const responses = await Promise.all(
          Array.from({ length: 60 }, () => attempt(email, WRONG)),
        );
        const statuses = responses.map((response) => response.status);
        expect(statuses.filter((status) => status === 401)).toHaveLength(LIMIT);
        expect(statuses.filter((status) => status === 429)).toHaveLength(60 - LIMIT);
        for (const response of responses.filter(({ status }) => status === 429))
          expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
      });

      it('should lock the address after the limit, even against the right password, with Retry-After', async () => {
        const { email } = await registerUser(t);
        await fail(email, LIMIT);

        const locked = await attempt(email, PASSWORD).expect(429);
        expect(locked.body).toEqual({
          statusCode: 429,
          error: 'Too Many Requests',
          message: 'Too many failed logins; retry later',
          code: 'too_many_attempts',
        });
        const retryAfter = Number(locked.headers['retry-after']);
        expect(retryAfter).toBeGreaterThan(800);
        expect(retryAfter).toBeLessThanOrEqual(900);
      });

      it('should let the owner, from another address, log in while a stranger is locked out', async () => {
        const { email } = await registerUser(t);
        await fail(email, LIMIT, STRANGER);
        for (let i = 0; i < 30; i++) await attempt(email, WRONG, STRANGER).expect(429);
        await attempt(email, PASSWORD, OWNER).expect(200);
      });

      it('should count IPv6 clients of one /64 as one address', async () => {
        const { email } = await registerUser(t);
        await fail(email, LIMIT, '2001:db8:1:2::1');
        await attempt(email, PASSWORD, '2001:db8:1:2:ffff::9').expect(429);
        await attempt(email, PASSWORD, '2001:db8:1:3::1').expect(200);
      });

      it(`should lock every address once the account has had ${CEILING} failures`, async () => {
        const { email } = await registerUser(t);
        await fail(email, LIMIT, '192.0.2.1');
        await fail(email, LIMIT, '192.0.2.2');
        await fail(email, CEILING - 2 * LIMIT, '192.0.2.3');

        const locked = await attempt(email, PASSWORD, OWNER).expect(429);
        expect(locked.body.code).toBe('too_many_attempts');
        expect(Number(locked.headers['retry-after'])).toBeGreaterThan(800);
        await attempt(email, PASSWORD, '192.0.2.4').expect(429);
      });

      it('should not let successful logins use up the account-wide ceiling', async () => {
        const { email } = await registerUser(t);
        for (let i = 0; i < CEILING + 5; i++) await attempt(email, PASSWORD, OWNER).expect(200);
        await attempt(email, PASSWORD, STRANGER).expect(200);
      });

      it('should lock an unknown email exactly like an existing one', async () => {
        const existing = (await registerUser(t)).email;
        const unknown = uniqueEmail('ghost');
        for (const email of [existing, unknown]) await fail(email, LIMIT);

        const [a, b] = await Promise.all([attempt(existing, WRONG), attempt(unknown, WRONG)]);
        expect(a.status).toBe(429);
        expect(b.status).toBe(429);
        expect(a.body).toEqual(b.body);
      });

      it('should count case and spacing variants of an email as the same account', async () => {
        const { email } = await registerUser(t);
        for (let i = 0; i < LIMIT; i++) {
          const variant = [email.toUpperCase(), ` ${email}`, email][i % 3];
          await attempt(variant, WRONG).expect(401);
        }
        await attempt(email, PASSWORD).expect(429);
      });

      it('should leave other accounts alone', async () => {
        const victim = await registerUser(t);
        const bystander = await registerUser(t);
        await fail(victim.email, LIMIT);
        await attempt(bystander.email, PASSWORD).expect(200);
      });

      it('should give the address its whole budget again after the right password', async () => {
        const { email } = await registerUser(t);
        await fail(email, LIMIT - 1);
        await attempt(email, PASSWORD).expect(200);
        await fail(email, LIMIT);
        await attempt(email, PASSWORD).expect(429);
      });
    },
  );
}
