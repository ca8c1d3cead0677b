import { COUNTER_STORE, CounterStore } from '../src/rate-limit/counter-store';
import { startMain } from './support/main-process';
import { createTestApp, resetDatabase, TestApp } from './support/test-app';
import { PASSWORD, signedInUser, SignedInUser, uniqueEmail } from './support/factories';

/**
 * Who the client is (../shared/API.md, "Client addresses and rate-limit keys"): the socket's peer
 * unless TRUST_PROXY names the proxies in front, and then only what those proxies added. The test
 * client connects from 127.0.0.1, so it plays either a client sending whatever X-Forwarded-For it
 * likes, or — when TRUST_PROXY trusts 127.0.0.1 — the last proxy, which appends the address it saw
 * as nginx's $proxy_add_x_forwarded_for does. Each test gets a fresh app, so fresh budgets.
 * (Apps in this file run one after another: passport's strategy registry is process-wide.)
 */
describe('Client addresses (TRUST_PROXY)', () => {
  const LIMIT = 20;
  const REQUESTS = 130;
  let t: TestApp | undefined;

  async function start(env: Record<string, string | undefined>): Promise<TestApp> {
    t = await createTestApp({ RATE_LIMIT_AUTH_IP: String(LIMIT), ...env });
    await resetDatabase(t.dataSource);
    return t;
  }
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  /** What REQUESTS sequential GET /auth/me answered: how many of each status. */
  async function statusCounts(
    app: TestApp,
    user: SignedInUser,
    forwardedFor: (i: number) => string,
  ): Promise<Record<number, number>> {
    const counts: Record<number, number> = {};
    for (let i = 0; i < REQUESTS; i++) {
      const { status } = await app
        .http()
        .get('/auth/me')
        .set('Authorization', user.bearer)
        .set('X-Forwarded-For', forwardedFor(i));
      counts[status] = (counts[status] ?? 0) + 1;
    }
    return counts;
  }

  /**
   * Registers, fails a login and logs in, every request with this X-Forwarded-For; answers the IP
   * the new session shows and the IPs of the user's audit events (as an admin sees them).
   */
  async function recordedAddresses(app: TestApp, forwardedFor: string) {
    const admin = await signedInUser(app, { admin: true });
    const email = uniqueEmail();
    const send = (path: string, body: object) =>
      app.http().post(path).set('X-Forwarded-For', forwardedFor).send(body);
    const { id } = (await send('/auth/register', { email, password: PASSWORD }).expect(201)).body;
    await send('/auth/login', { email, password: 'wrong password' }).expect(401);
    const { accessToken } = (await send('/auth/login', { email, password: PASSWORD }).expect(200))
      .body;
    const sessions = await app
      .http()
      .get('/auth/sessions')
      .set('Authorization', `Bearer ${accessToken}`)
      .expect(200);
    const events = await app
      .http()
      .get(`/admin/audit-events?userId=${id}&limit=100`)
      .set('Authorization', admin.bearer)
      .expect(200);
    const eventIps = (events.body.items as { ip: string | null }[]).map((event) => event.ip);
    expect(eventIps.length).toBeGreaterThanOrEqual(3); // register, login_failed, login_succeeded
    return {
      session: (sessions.body as { ip: string | null }[])[0].ip,
      audit: [...new Set(eventIps)],
    };
  }

  /** A different made-up chain on every request: what a client rotating spoofed headers sends. */
  const spoofed = (i: number) => `203.0.113.${i % 250}, 198.18.${i >> 8}.${i & 0xff}`;

  describe('without TRUST_PROXY (the default)', () => {
    it('should answer 429 once RATE_LIMIT_AUTH_IP is spent, whatever X-Forwarded-For each request claims', async () => {
      const app = await start({ TRUST_PROXY: undefined });
      const user = await signedInUser(app); // register and login spend 2 of the budget
      expect(await statusCounts(app, user, spoofed)).toEqual({
        200: LIMIT - 2,
        429: REQUESTS - LIMIT + 2,
      });
    });

    it('should record the socket peer on sessions and audit events, not X-Forwarded-For', async () => {
      const app = await start({ TRUST_PROXY: undefined });
      expect(await recordedAddresses(app, '203.0.113.7')).toEqual({
        session: '127.0.0.1',
        audit: ['127.0.0.1'],
      });
    });
  });

  describe('TRUST_PROXY=1 (one proxy that appends the address it saw)', () => {
    it('should take the right-most X-Forwarded-For entry, not the one the client sent', async () => {
      const app = await start({ TRUST_PROXY: '1' });
      expect(await recordedAddresses(app, '203.0.113.7, 198.51.100.23')).toEqual({
        session: '198.51.100.23',
        audit: ['198.51.100.23'],
      });
    });

    it('should answer 429 once one client has spent RATE_LIMIT_AUTH_IP, whatever it prepends', async () => {
      const app = await start({ TRUST_PROXY: '1' });
      const user = await signedInUser(app); // from 127.0.0.1: another budget
      expect(await statusCounts(app, user, (i) => `${spoofed(i)}, 198.51.100.23`)).toEqual({
        200: LIMIT,
        429: REQUESTS - LIMIT,
      });
    });

    it('should give another client behind the same proxy its own budget', async () => {
      const app = await start({ TRUST_PROXY: '1' });
      const user = await signedInUser(app);
      await statusCounts(app, user, () => '198.51.100.23');
      await app
        .http()
        .get('/auth/me')
        .set('Authorization', user.bearer)
        .set('X-Forwarded-For', '198.51.100.24')
        .expect(200);
    });

    it('should give every address of one IPv6 /64 one budget', async () => {
      const app = await start({ TRUST_PROXY: '1' });
      const user = await signedInUser(app);
      expect(
        await statusCounts(app, user, (i) => `2001:db8:1:2:${i.toString(16)}::${i + 1}`),
      ).toEqual({ 200: LIMIT, 429: REQUESTS - LIMIT });
    });

    it('should give the neighbouring /64 its own budget', async () => {
      const app = await start({ TRUST_PROXY: '1' });
      const user = await signedInUser(app);
      await statusCounts(app, user, (i) => `2001:db8:1:2::${i.toString(16)}`);
      await app
        .http()
        .get('/auth/me')
        .set('Authorization', user.bearer)
        .set('X-Forwarded-For', '2001:db8:1:3::1')
        .expect(200);
    });
  });

  describe('TRUST_PROXY as proxy CIDRs', () => {
    it('should take X-Forwarded-For from a peer inside the list (127.0.0.0/8)', async () => {
      const app = await start({ TRUST_PROXY: '127.0.0.0/8' });
      expect(await recordedAddresses(app, '203.0.113.7, 198.51.100.23')).toEqual({
        session: '198.51.100.23',
        audit: ['198.51.100.23'],
      });
    });

    it('should walk back through every listed proxy to the first address none of them owns', async () => {
      const app = await start({ TRUST_PROXY: '127.0.0.0/8, 10.0.0.0/8' });
      expect(await recordedAddresses(app, '203.0.113.7, 198.51.100.23, 10.1.2.3')).toEqual({
        session: '198.51.100.23',
        audit: ['198.51.100.23'],
      });
    });

    it('should ignore X-Forwarded-For from a peer outside the list (10.0.0.0/8)', async () => {
      const app = await start({ TRUST_PROXY: '10.0.0.0/8' });
      expect(await recordedAddresses(app, '203.0.113.7, 198.51.100.23')).toEqual({
        session: '127.0.0.1',
        audit: ['127.0.0.1'],
      });
    });

    it('should count a peer outside the list by its own address, whatever it claims', async () => {
      const app = await start({ TRUST_PROXY: '10.0.0.0/8' });
      const user = await signedInUser(app);
      expect(await statusCounts(app, user, spoofed)).toEqual({
        200: LIMIT - 2,
        429: REQUESTS - LIMIT + 2,
      });
    });
  });

  describe('an address that is not one (more hops trusted than there are proxies)', () => {
    const junk = (i: number) => `${'x'.repeat(8000)}-${i}, 198.51.100.23`;

    it('should keep every rate-limit key short', async () => {
      const app = await start({ TRUST_PROXY: '2' });
      const user = await signedInUser(app);
      const store = app.app.get<CounterStore>(COUNTER_STORE);
      const increment = jest.spyOn(store, 'increment');
      for (let i = 0; i < 3; i++) {
        await app
          .http()
          .get('/auth/me')
          .set('Authorization', user.bearer)
          .set('X-Forwarded-For', junk(i))
          .expect(200);
      }
      const keys = increment.mock.calls.map(([key]) => key);
      expect(keys.length).toBeGreaterThanOrEqual(3);
      for (const key of keys) expect(key.length).toBeLessThanOrEqual(64);
    });

    it('should record at most 64 characters of it', async () => {
      const app = await start({ TRUST_PROXY: '2' });
      const { session, audit } = await recordedAddresses(app, junk(0));
      expect(session).toBe('x'.repeat(64));
      expect(audit).toEqual(['x'.repeat(64)]);
    });
  });

  it('should refuse to start with the old TRUST_PROXY=true, asking for a hop count or CIDRs', async () => {
    const result = await startMain({ TRUST_PROXY: 'true' });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/TRUST_PROXY .*hop count.*CIDRs/);
  }, 60_000);
});
