import Redis from 'ioredis';
import { REDIS_URL, redisAnswers } from '../support/instance';
import { createTestApp, resetDatabase, TestApp } from '../support/test-app';
import { PASSWORD, registerUser, uniqueEmail } from '../support/factories';

/**
 * OWASP Authentication Cheat Sheet: limit guessing per account and per client, answer 429 with
 * Retry-After, and never let the lock reveal whether an account exists.
 * (Apps in this file run one after another: passport's strategy registry is process-wide.)
 */
describe('Security: brute force', () => {
  describe('per-account failed-login limit (RATE_LIMIT_LOGIN_ACCOUNT=3)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ RATE_LIMIT_LOGIN_ACCOUNT: '3' });
      await resetDatabase(t.dataSource);
    });
    afterAll(() => t.close());

    const attempt = (email: string, password: string) =>
      t.http().post('/auth/login').send({ email, password });

    it('should lock the account after 3 failures, even against the right password, with Retry-After', async () => {
      const { email } = await registerUser(t);
      for (let i = 0; i < 3; i++) await attempt(email, 'wrong password').expect(401);

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

    it('should lock an unknown email exactly like an existing one', async () => {
      const existing = (await registerUser(t)).email;
      const unknown = uniqueEmail('ghost');
      for (const email of [existing, unknown])
        for (let i = 0; i < 3; i++) await attempt(email, 'wrong password').expect(401);

      const [a, b] = await Promise.all([
        attempt(existing, 'wrong password'),
        attempt(unknown, 'wrong password'),
      ]);
      expect(a.status).toBe(429);
      expect(b.status).toBe(429);
      expect(a.body).toEqual(b.body);
    });

    it('should count case and spacing variants of an email as the same account', async () => {
      const { email } = await registerUser(t);
      await attempt(email.toUpperCase(), 'wrong password').expect(401);
      await attempt(` ${email}`, 'wrong password').expect(401);
      await attempt(email, 'wrong password').expect(401);
      await attempt(email, PASSWORD).expect(429);
    });

    it('should leave other accounts alone', async () => {
      const victim = await registerUser(t);
      const bystander = await registerUser(t);
      for (let i = 0; i < 3; i++) await attempt(victim.email, 'wrong password').expect(401);
      await attempt(bystander.email, PASSWORD).expect(200);
    });

    it('should clear the count after a successful login', async () => {
      const { email } = await registerUser(t);
      await attempt(email, 'wrong password').expect(401);
      await attempt(email, 'wrong password').expect(401);
      await attempt(email, PASSWORD).expect(200);
      await attempt(email, 'wrong password').expect(401);
      await attempt(email, 'wrong password').expect(401);
      await attempt(email, PASSWORD).expect(200);
    });
  });

  describe('per-IP limit on /auth/* (RATE_LIMIT_AUTH_IP=5)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ RATE_LIMIT_AUTH_IP: '5' });
    });
    afterAll(() => t.close());

    it('should allow 5 requests a minute across all /auth routes, then answer 429 with Retry-After', async () => {
      await t.http().post('/auth/login').send({ email: uniqueEmail(), password: 'x' }).expect(401);
      await t.http().post('/auth/refresh').send({ refreshToken: 'x' }).expect(401);
      await t.http().get('/auth/me').expect(401);
      await t.http().post('/auth/register').send({ email: 'bad' }).expect(400);
      await t.http().post('/auth/login').send({ email: uniqueEmail(), password: 'x' }).expect(401);

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

  describe('with a shared store (REDIS_URL)', () => {
    let available = false;
    beforeAll(async () => {
      available = await redisAnswers();
      if (!available) {
        console.warn(`Redis does not answer at ${REDIS_URL}: the shared-store checks are skipped`);
        return;
      }
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys('auth:ratelimit:*');
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    });

    it('should share one budget between instances, so N instances do not give N times the guesses', async () => {
      if (!available) return;
      const env = { REDIS_URL, RATE_LIMIT_LOGIN_ACCOUNT: '4' };
      const first = await createTestApp(env);
      const email = uniqueEmail();
      try {
        for (let i = 0; i < 2; i++)
          await first.http().post('/auth/login').send({ email, password: 'wrong' }).expect(401);
      } finally {
        await first.close();
      }
      const second = await createTestApp(env);
      try {
        for (let i = 0; i < 2; i++)
          await second.http().post('/auth/login').send({ email, password: 'wrong' }).expect(401);
        await second.http().post('/auth/login').send({ email, password: 'wrong' }).expect(429);
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
      await t.http().post('/auth/login').send({ email, password: 'wrong' }).expect(401);
      await t.http().post('/auth/login').send({ email, password: 'wrong' }).expect(401);
      await t.http().post('/auth/login').send({ email, password: PASSWORD }).expect(429);
    });
  });
});
