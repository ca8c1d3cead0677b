import { randomBytes } from 'node:crypto';
import { PASSWORD, uniqueEmail } from './support/factories';
import {
  createServerDatabase,
  ensureBuilt,
  freePort,
  Instance,
  REDIS_URL,
  serverServicesAnswer,
  startInstance,
} from './support/instance';
import { decodePart, testKeyPair } from './support/jwt';
import { TcpProxy, throughProxy } from './support/tcp-proxy';

jest.setTimeout(120_000);

const json = (
  url: string,
  path: string,
  init: { method?: string; body?: unknown; token?: string } = {},
) =>
  fetch(`${url}${path}`, {
    method: init.method ?? (init.body ? 'POST' : 'GET'),
    headers: {
      ...(init.body ? { 'Content-Type': 'application/json' } : {}),
      ...(init.token ? { Authorization: `Bearer ${init.token}` } : {}),
    },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });

/** Polls until `check` holds; resolves with how long that took, or fails after `withinMs`. */
async function timeUntil(check: () => Promise<boolean>, withinMs: number): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > withinMs) throw new Error(`not true within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - started;
}

const services = serverServicesAnswer();
const withServices = services.postgres && services.redis ? describe : describe.skip;
if (!services.postgres || !services.redis) {
  console.warn(
    'PostgreSQL server or Redis not answering on 127.0.0.1: the multi-instance suite is skipped',
  );
}

/**
 * Two instances of the built app (node dist/main.js, NODE_ENV=production) on one PostgreSQL
 * server and one Redis, as behind a load balancer. Needs both services; skipped otherwise.
 */
withServices.each(['HS256', 'EdDSA'] as const)(
  'Several instances on one PostgreSQL and Redis, signing with %s',
  (algorithm) => {
    let database: Awaited<ReturnType<typeof createServerDatabase>>;
    let a: Instance;
    let b: Instance;
    let proxy: TcpProxy | undefined;
    const env = () => ({
      NODE_ENV: 'production',
      DATABASE_URL: database!.url,
      REDIS_URL,
      ...(algorithm === 'HS256'
        ? { JWT_SECRET: secret }
        : { JWT_ALGORITHM: algorithm, JWT_PRIVATE_KEY: keys!.privatePem }),
      BCRYPT_COST: '10',
      RATE_LIMIT_LOGIN_ACCOUNT: '4',
      RATE_LIMIT_AUTH_IP: '100000',
      LOG_LEVEL: 'warn',
    });
    const secret = randomBytes(48).toString('base64url');
    const keys = algorithm === 'HS256' ? undefined : testKeyPair(algorithm);

    beforeAll(async () => {
      database = await createServerDatabase();
      if (!database) throw new Error('the PostgreSQL server stopped answering');
      ensureBuilt();
      a = await startInstance(env(), await freePort());
      // B reaches PostgreSQL through a proxy the fault cases can cut or stall.
      const target = new URL(database.url);
      proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
      b = await startInstance(
        { ...env(), DATABASE_URL: throughProxy(database.url, proxy) },
        await freePort(),
      );
    });

    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await proxy?.stop();
      await database?.drop();
    });

    async function signIn(on: Instance) {
      const email = uniqueEmail();
      await json(on.url, '/auth/register', { body: { email, password: PASSWORD } });
      const response = await json(on.url, '/auth/login', { body: { email, password: PASSWORD } });
      expect(response.status).toBe(200);
      return {
        email,
        ...((await response.json()) as { accessToken: string; refreshToken: string }),
      };
    }
    const statusOn = async (on: Instance, token: string) =>
      (await json(on.url, '/auth/token-info', { token })).status;

    it(`should accept a ${algorithm} token issued by the other instance`, async () => {
      const session = await signIn(a);
      expect(decodePart(session.accessToken, 0).alg).toBe(algorithm);
      expect(await statusOn(b, session.accessToken)).toBe(200);
    });

    it('should reject a session logged out on A on B within one second, without a database read', async () => {
      const session = await signIn(a);
      expect(await statusOn(b, session.accessToken)).toBe(200);
      expect(
        (await json(a.url, '/auth/logout', { method: 'POST', token: session.accessToken })).status,
      ).toBe(204);
      const took = await timeUntil(
        async () => (await statusOn(b, session.accessToken)) === 401,
        1_000,
      );
      expect(took).toBeLessThan(1_000);
    });

    it('should spread logout-all and detected reuse the same way', async () => {
      const first = await signIn(b);
      const second = await json(b.url, '/auth/login', {
        body: { email: first.email, password: PASSWORD },
      }).then((r) => r.json() as Promise<{ accessToken: string; refreshToken: string }>);
      await json(b.url, '/auth/logout-all', { method: 'POST', token: first.accessToken });
      await timeUntil(
        async () =>
          (await statusOn(a, first.accessToken)) === 401 &&
          (await statusOn(a, second.accessToken)) === 401,
        1_000,
      );

      // Reuse detected on B (a token two rotations old) revokes the session A just refreshed.
      const victim = await signIn(a);
      const refreshOn = async (on: Instance, refreshToken: string) =>
        (await json(on.url, '/auth/refresh', { body: { refreshToken } })).json() as Promise<{
          accessToken: string;
          refreshToken: string;
        }>;
      const rotated = await refreshOn(a, victim.refreshToken);
      const third = await refreshOn(a, rotated.refreshToken);
      expect(await statusOn(a, third.accessToken)).toBe(200);
      expect(
        (await json(b.url, '/auth/refresh', { body: { refreshToken: victim.refreshToken } }))
          .status,
      ).toBe(401);
      await timeUntil(async () => (await statusOn(a, third.accessToken)) === 401, 1_000);
    });

    it('should share the per-account login limit through Redis: 2 failures on A and 2 on B lock the account', async () => {
      const email = uniqueEmail();
      for (const on of [a, a, b, b])
        expect(
          (await json(on.url, '/auth/login', { body: { email, password: 'not the password' } }))
            .status,
        ).toBe(401);
      const locked = await json(a.url, '/auth/login', {
        body: { email, password: 'not the password' },
      });
      expect(locked.status).toBe(429);
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    });

    it('should share the per-IP budget: each instance sees the other’s requests', async () => {
      const remaining = async (on: Instance) =>
        Number((await json(on.url, '/auth/me')).headers.get('x-ratelimit-remaining'));
      const first = await remaining(a);
      const second = await remaining(b);
      const third = await remaining(a);
      expect(second).toBe(first - 1);
      expect(third).toBe(first - 2);
    });

    it('should catch up on revocations it missed while cut off from the database', async () => {
      const session = await signIn(a);
      expect(await statusOn(b, session.accessToken)).toBe(200);
      proxy!.cut();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(
        (await json(a.url, '/auth/logout', { method: 'POST', token: session.accessToken })).status,
      ).toBe(204);
      // B cannot hear the notification, and needs no database to accept a token: still 200.
      expect(await statusOn(b, session.accessToken)).toBe(200);
      expect((await json(b.url, '/health/ready')).status).toBe(503);
      proxy!.restore();
      // Its listener retries every half second at most, and reloads recent revocations.
      await timeUntil(async () => (await statusOn(b, session.accessToken)) === 401, 15_000);
      expect((await json(b.url, '/health/ready')).status).toBe(200);
    });

    // Last: B's pool keeps the connections the stall killed, as a real one would.
    it('should hear revocations again after its connection went silent, without a restart', async () => {
      const session = await signIn(a);
      expect(await statusOn(b, session.accessToken)).toBe(200);
      // Every connection of B now loses every byte, and neither side is told.
      proxy!.stall();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(
        (await json(a.url, '/auth/logout', { method: 'POST', token: session.accessToken })).status,
      ).toBe(204);
      // The notification went into the black hole.
      expect(await statusOn(b, session.accessToken)).toBe(200);
      proxy!.restore();
      // The liveness query (every 5 s, answered within DATABASE_TIMEOUT) finds the listener dead;
      // a new connection works again and the reload brings the missed revocation.
      await timeUntil(async () => (await statusOn(b, session.accessToken)) === 401, 15_000);
    });
  },
);
