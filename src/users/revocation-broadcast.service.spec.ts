import { EventEmitter } from 'node:events';
import { DatabaseConfig } from '../config/database.config';
import { DataSource } from 'typeorm';
import { RevocationBroadcastService } from './revocation-broadcast.service';
import { RevocationSource, SessionRevocationsService } from './session-revocations.service';

/** Stands in for pg's Client: each test decides how its connect and queries answer. */
class MockClient extends EventEmitter {
  static created: MockClient[] = [];
  static connect: () => Promise<void> = async () => undefined;
  static query: (sql: string) => Promise<{ rows: unknown[] }> = async () => ({ rows: [] });
  readonly connection = { stream: { destroy: jest.fn() } };
  readonly queries: string[] = [];
  constructor(readonly options: Record<string, unknown>) {
    super();
    MockClient.created.push(this);
  }
  connect = () => MockClient.connect();
  query = (sql: string) => {
    this.queries.push(sql);
    return MockClient.query(sql);
  };
  end = jest.fn(async () => undefined);
}

jest.mock('pg', () => ({
  Client: jest.fn((options: Record<string, unknown>) => new MockClient(options)),
}));

/**
 * The watch over the LISTEN connection, with pg faked and the clock in the test's hands. The
 * same behaviour against a real server, through a proxy that stalls: revocation-listener.e2e-spec.
 */
describe('RevocationBroadcastService: the listener connection', () => {
  const TIMEOUT_MS = 500;
  let reload: jest.Mock<Promise<void>, [number?, RevocationSource?]>;
  let service: RevocationBroadcastService;

  const lastClient = () => MockClient.created[MockClient.created.length - 1];

  beforeEach(async () => {
    jest.useFakeTimers();
    MockClient.created = [];
    MockClient.connect = async () => undefined;
    MockClient.query = async () => ({ rows: [] });
    reload = jest.fn(async (_now?: number, source?: RevocationSource) => {
      await source?.(new Date(0));
    });
    service = new RevocationBroadcastService(
      {
        query: async () => [{ version: 'PostgreSQL 16.4 on x86_64-pc-linux-gnu' }],
        options: { url: 'postgres://db.invalid/app' },
      } as unknown as DataSource,
      { reload, add: jest.fn() } as unknown as SessionRevocationsService,
      { timeoutMs: TIMEOUT_MS } as DatabaseConfig,
    );
    await service.onApplicationBootstrap();
  });

  afterEach(async () => {
    await service.onApplicationShutdown();
    jest.useRealTimers();
  });

  it('should ask for TCP keep-alive and bound connecting and every query by DATABASE_TIMEOUT', () => {
    expect(lastClient().options).toMatchObject({
      keepAlive: true,
      connectionTimeoutMillis: TIMEOUT_MS,
      query_timeout: TIMEOUT_MS,
    });
  });

  it('should count as connected once it LISTENs and has reloaded on its own connection', () => {
    expect(service.listenerConnected).toBe(true);
    expect(lastClient().queries).toEqual([
      'LISTEN auth_session_revoked',
      expect.stringMatching(/^SELECT id, revoked_at FROM sessions/),
    ]);
  });

  it('should send a liveness query every 5 s', async () => {
    await jest.advanceTimersByTimeAsync(5_000);
    expect(lastClient().queries).toContain('SELECT 1');
  });

  it('should drop the connection when the liveness query fails, and count as disconnected', async () => {
    const first = lastClient();
    MockClient.query = async (sql) => {
      if (sql === 'SELECT 1') throw new Error('Query read timeout');
      return { rows: [] };
    };
    await jest.advanceTimersByTimeAsync(5_000);
    expect(first.connection.stream.destroy).toHaveBeenCalled();
    expect(service.listenerConnected).toBe(false);
  });

  it('should reconnect and reload after the liveness query failed', async () => {
    MockClient.query = async (sql) => {
      if (sql === 'SELECT 1') throw new Error('Query read timeout');
      return { rows: [] };
    };
    await jest.advanceTimersByTimeAsync(5_000);
    MockClient.query = async () => ({ rows: [] });
    reload.mockClear();

    await jest.advanceTimersByTimeAsync(100);

    expect(MockClient.created).toHaveLength(2);
    expect(reload).toHaveBeenCalledWith(expect.any(Number), expect.any(Function));
    expect(service.listenerConnected).toBe(true);
  });

  it('should not count as connected while the reload fails', async () => {
    lastClient().emit('end');
    reload.mockRejectedValue(new Error('Query read timeout'));
    await jest.advanceTimersByTimeAsync(100);
    expect(MockClient.created).toHaveLength(2);
    expect(service.listenerConnected).toBe(false);
  });

  it('should retry at least every half second while the database does not answer', async () => {
    MockClient.connect = async () => {
      throw new Error('connect ECONNREFUSED');
    };
    lastClient().emit('end');
    await jest.advanceTimersByTimeAsync(5_000);
    // 100 + 200 + 400 ms, then every 500 ms: 12 attempts in 5 s.
    expect(MockClient.created.length - 1).toBeGreaterThanOrEqual(10);

    MockClient.connect = async () => undefined;
    await jest.advanceTimersByTimeAsync(500);
    expect(service.listenerConnected).toBe(true);
  });

  it('should start a new attempt every half second while earlier ones still hang', async () => {
    // A black-holed network: connecting neither succeeds nor fails until DATABASE_TIMEOUT.
    MockClient.connect = () => new Promise<void>(() => undefined);
    lastClient().emit('end');
    await jest.advanceTimersByTimeAsync(1_200);
    const hanging = MockClient.created.length - 1;
    expect(hanging).toBeGreaterThanOrEqual(3);
    expect(service.listenerConnected).toBe(false);

    // The database answers again: the next attempt gets through without waiting for the others.
    MockClient.connect = async () => undefined;
    await jest.advanceTimersByTimeAsync(500);
    expect(service.listenerConnected).toBe(true);
    for (const client of MockClient.created.slice(1, 1 + hanging)) {
      expect(client.connection.stream.destroy).toHaveBeenCalled();
    }
  });

  it('should keep no more attempts open than DATABASE_TIMEOUT leaves time for', async () => {
    MockClient.connect = () => new Promise<void>(() => undefined);
    lastClient().emit('end');
    await jest.advanceTimersByTimeAsync(10_000);
    // DATABASE_TIMEOUT 500 ms / 500 ms + 1: two open at once, pg's own timeout ends the others.
    const open = MockClient.created
      .slice(1)
      .filter((client) => !client.connection.stream.destroy.mock.calls.length);
    expect(open.length).toBeLessThanOrEqual(2);
  });

  it('should ignore a late error from a connection it already gave up', async () => {
    const first = lastClient();
    first.emit('end');
    await jest.advanceTimersByTimeAsync(100);
    const created = MockClient.created.length;
    first.emit('error', new Error('late'));
    await jest.advanceTimersByTimeAsync(1_000);
    expect(MockClient.created).toHaveLength(created);
    expect(service.listenerConnected).toBe(true);
  });

  it('should reload from the sessions table every 30 s as a backstop', async () => {
    reload.mockClear();
    await jest.advanceTimersByTimeAsync(30_000);
    expect(reload).toHaveBeenCalledWith();
  });
});
