import { Client } from 'pg';
import { RevocationBroadcastService } from '../src/users/revocation-broadcast.service';
import { SessionRevocationsService } from '../src/users/session-revocations.service';
import { createServerDatabase, serverServicesAnswer } from './support/instance';
import { TcpProxy, throughProxy } from './support/tcp-proxy';
import { createTestApp, TestApp } from './support/test-app';

jest.setTimeout(60_000);

async function until(check: () => boolean, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not true within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The connection that LISTENs for other instances' revocations can die silently (a NAT or load
 * balancer idle timeout, a host gone without a FIN): no `error`, no `end`. The listener must
 * notice by itself (a liveness query with a timeout), reconnect, and reload what it missed.
 * LISTEN/NOTIFY needs a PostgreSQL server; skipped without one.
 */
const withServer = serverServicesAnswer().postgres ? describe : describe.skip;
withServer('The revocation listener on a connection that goes silent', () => {
  let database: Awaited<ReturnType<typeof createServerDatabase>>;
  let proxy: TcpProxy;
  let t: TestApp;
  /** Plays another instance: reaches the database directly, not through the proxy. */
  let other: Client;
  let listener: RevocationBroadcastService;

  beforeAll(async () => {
    database = await createServerDatabase();
    const target = new URL(database!.url);
    proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
    t = await createTestApp({
      DATABASE_URL: throughProxy(database!.url, proxy),
      DATABASE_TIMEOUT: '500ms',
    });
    listener = t.app.get(RevocationBroadcastService);
    other = new Client({ connectionString: database!.url });
    await other.connect();
  });
  afterAll(async () => {
    await other?.end();
    await t?.close();
    await proxy?.stop();
    await database?.drop();
  });

  /** What another instance does on logout: marks the session revoked, then announces it. */
  async function revokeOnOtherInstance(): Promise<string> {
    const {
      rows: [user],
    } = await other.query<{ id: string }>(
      `INSERT INTO users (email, password_hash) VALUES ('l-' || gen_random_uuid() || '@example.com', 'x') RETURNING id`,
    );
    const {
      rows: [session],
    } = await other.query<{ id: string }>(
      `INSERT INTO sessions (user_id, refresh_token_hash, expires_at, absolute_expires_at, last_used_at, revoked_at)
       VALUES ($1, sha256(gen_random_uuid()::text::bytea), now() + interval '1 day', now() + interval '1 day', now(), now())
       RETURNING id`,
      [user.id],
    );
    await other.query('SELECT pg_notify($1, $2)', [
      'auth_session_revoked',
      JSON.stringify({ type: 'auth:session-revoked', ids: [session.id], at: Date.now() }),
    ]);
    return session.id;
  }

  it('should report the listener connected once the app has started', () => {
    expect(listener.listenerConnected).toBe(true);
  });

  it('should apply a revocation another instance announces', async () => {
    const sessionId = await revokeOnOtherInstance();
    await until(() => t.app.get(SessionRevocationsService).isRevoked(sessionId), 5_000);
  });

  it('should notice by itself that its connection went silent', async () => {
    proxy.stall();
    try {
      await until(() => !listener.listenerConnected, 15_000);
    } finally {
      proxy.restore();
    }
    await until(() => listener.listenerConnected, 15_000);
  });

  it('should reconnect and catch up on a revocation announced while its connection was silent', async () => {
    await until(() => listener.listenerConnected, 15_000);
    proxy.stall();
    let sessionId: string;
    try {
      sessionId = await revokeOnOtherInstance();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(t.app.get(SessionRevocationsService).isRevoked(sessionId)).toBe(false);
    } finally {
      proxy.restore();
    }
    await until(() => t.app.get(SessionRevocationsService).isRevoked(sessionId), 15_000);
  });
});
