import cluster from 'node:cluster';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { databaseConfig } from '../config/database.config';
import { RevokedSession, SessionRevocationsService } from './session-revocations.service';

const CHANNEL = 'auth_session_revoked';
/** PostgreSQL's NOTIFY payload limit is 8000 bytes: ~190 session ids of 37 characters. */
const IDS_PER_MESSAGE = 150;
const IPC_TYPE = 'auth:session-revoked';

/**
 * The listener's connection runs `SELECT 1` this often and must answer within DATABASE_TIMEOUT.
 * A connection a NAT or load balancer dropped silently fires neither `error` nor `end`: this is
 * what notices it, within interval + timeout.
 */
const LIVENESS_INTERVAL_MS = 5_000;
/** TCP keep-alive after this much silence: the kernel, too, finds a peer that is gone. */
const KEEPALIVE_DELAY_MS = 10_000;
/**
 * Reconnection backoff. It stays short on purpose: while the database is down each attempt is a
 * refused or timed-out connect (cheap), and when it answers again the listener must be back, and
 * caught up, within about a second.
 *
 * A new attempt starts on this schedule even while earlier ones are still waiting: an attempt
 * begun while the database was unreachable without refusing (a host gone, a black-holed route)
 * would otherwise hold the next one back for up to DATABASE_TIMEOUT after the database is back.
 * The first attempt that gets through wins and the others are dropped; at most
 * DATABASE_TIMEOUT / RECONNECT_MAX_DELAY_MS + 1 (capped at MAX_PENDING_ATTEMPTS) are open at once,
 * the oldest dropped to make room.
 */
const RECONNECT_FIRST_DELAY_MS = 100;
const RECONNECT_MAX_DELAY_MS = 500;
const MAX_PENDING_ATTEMPTS = 20;
/**
 * The backstop: recent revocations are read from the sessions table this often whatever the
 * listener says, for a notification lost on a connection that looked alive, or never sent (a
 * revoking instance whose NOTIFY failed). Well under the access-token lifetime.
 */
const BACKSTOP_RELOAD_MS = 30_000;

export interface RevocationMessage {
  type: typeof IPC_TYPE;
  ids: string[];
  at: number;
}

export type BroadcastTransport = 'postgres' | 'cluster' | 'none';

/**
 * Makes a revocation on one instance reject the session's access tokens on every other instance
 * within a second, still without a database read per request.
 *
 * - On a PostgreSQL server: NOTIFY on a channel every instance LISTENs to on a connection of its
 *   own. That connection is watched (TCP keep-alive, a liveness query with a timeout); when it
 *   fails or goes silent it is dropped and replaced, and the new one reloads recent revocations
 *   from the sessions table before it counts as connected, so a notification missed meanwhile
 *   cannot leave a revoked token usable until it expires. A periodic reload backs this up.
 * - On the embedded database, whose LISTEN/NOTIFY does not cross connections: in-process only,
 *   or across `npm run start:cluster` workers through the cluster primary.
 */
@Injectable()
export class RevocationBroadcastService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RevocationBroadcast');
  /** The listener's connection once it LISTENs and has caught up, until it is given up. */
  private client?: Client;
  /** Connections being opened, LISTENed on and caught up; the first to finish becomes `client`. */
  private readonly attempts = new Set<Client>();
  private connected = false;
  private lostAt?: number;
  private probing = false;
  private livenessTimer?: NodeJS.Timeout;
  private reconnectTimer?: NodeJS.Timeout;
  private backstopTimer?: NodeJS.Timeout;
  private reconnectDelayMs = RECONNECT_FIRST_DELAY_MS;
  private stopped = false;
  transport: BroadcastTransport = 'none';

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly revocations: SessionRevocationsService,
    @Inject(databaseConfig.KEY) private readonly config: ConfigType<typeof databaseConfig>,
  ) {}

  /**
   * Whether revocations from other instances reach this one right now: the listener is
   * LISTENing on a connection that answered its last liveness query, and has caught up since it
   * (re)connected. Always false unless the transport is `postgres`. /health/ready answers 503
   * while it is false on the `postgres` transport (health.controller.ts).
   */
  get listenerConnected(): boolean {
    return this.connected;
  }

  async onApplicationBootstrap(): Promise<void> {
    const [{ version }] = await this.dataSource.query<{ version: string }[]>('SELECT version()');
    if (!/PGlite|emscripten/i.test(version)) {
      this.transport = 'postgres';
      this.backstopTimer = setInterval(() => void this.backstopReload(), BACKSTOP_RELOAD_MS);
      this.backstopTimer.unref();
      await this.attempt();
    } else if (cluster.isWorker && process.send) {
      this.transport = 'cluster';
      process.on('message', this.onIpcMessage);
    }
    this.logger.log(`Revocations reach other instances through: ${this.transport}`);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.livenessTimer);
    clearInterval(this.backstopTimer);
    process.off('message', this.onIpcMessage);
    for (const pending of this.attempts) discard(pending);
    this.attempts.clear();
    const client = this.client;
    const wasConnected = this.connected;
    this.client = undefined;
    this.connected = false;
    if (!client) return;
    if (wasConnected) {
      // A polite goodbye when the server is there to hear it, but never a shutdown that hangs.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        client.end().catch(() => undefined),
        new Promise((resolve) => (timer = setTimeout(resolve, this.config.timeoutMs))),
      ]);
      clearTimeout(timer);
    }
    discard(client);
  }

  /** Tells the other instances. Local revocation is the caller's: it must not wait on this. */
  async publish(ids: string[], at = Date.now()): Promise<void> {
    if (ids.length === 0) return;
    try {
      for (let i = 0; i < ids.length; i += IDS_PER_MESSAGE) {
        const message: RevocationMessage = {
          type: IPC_TYPE,
          ids: ids.slice(i, i + IDS_PER_MESSAGE),
          at,
        };
        if (this.transport === 'postgres') {
          await this.dataSource.query('SELECT pg_notify($1, $2)', [
            CHANNEL,
            JSON.stringify(message),
          ]);
        } else if (this.transport === 'cluster') {
          process.send?.(message);
        }
      }
    } catch (error) {
      // The others still learn of it from their periodic reload, or at expiry.
      this.logger.warn(`Revocation not broadcast: ${messageOf(error)}`);
    }
  }

  private readonly onIpcMessage = (message: unknown): void => {
    if (isRevocationMessage(message)) this.apply(message);
  };

  private apply(message: RevocationMessage): void {
    for (const id of message.ids) this.revocations.add(id, message.at);
  }

  /**
   * Opens a connection, LISTENs and catches up on it; when it is the first attempt to get that
   * far it becomes the listener's connection. A failed attempt is dropped: the retry schedule
   * started by lost() goes on until one succeeds.
   */
  private async attempt(): Promise<void> {
    const options = this.dataSource.options as { url?: string };
    const client = new Client({
      connectionString: options.url,
      connectionTimeoutMillis: this.config.timeoutMs,
      query_timeout: this.config.timeoutMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
      application_name: 'nest-jwt-auth-revocations',
    });
    this.attempts.add(client);
    client.on('notification', (notification) => {
      try {
        const message: unknown = JSON.parse(notification.payload ?? '');
        if (isRevocationMessage(message)) this.apply(message);
      } catch {
        // Not ours: ignore.
      }
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      // Listening first, then reading: a revocation between the two is seen at least once. Read
      // on this connection, which has just answered: the pool may still hold connections that
      // the same fault killed.
      await this.revocations.reload(Date.now(), (since) => readRevokedSince(client, since));
    } catch (error) {
      this.giveUpAttempt(client, error);
      return;
    }
    if (!this.attempts.delete(client)) return;
    if (this.stopped || this.connected) return void discard(client);
    this.adopt(client);
  }

  private adopt(client: Client): void {
    for (const pending of this.attempts) discard(pending);
    this.attempts.clear();
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.client = client;
    this.connected = true;
    this.reconnectDelayMs = RECONNECT_FIRST_DELAY_MS;
    if (this.lostAt !== undefined) {
      this.logger.log(
        `Revocation listener reconnected after ${Date.now() - this.lostAt} ms; missed revocations reloaded`,
      );
      this.lostAt = undefined;
    }
    this.livenessTimer = setInterval(() => this.checkLiveness(client), LIVENESS_INTERVAL_MS);
    this.livenessTimer.unref();
  }

  private giveUpAttempt(client: Client, error: unknown): void {
    if (!this.attempts.delete(client)) return;
    discard(client);
    // The first attempt at boot failed: start the retry schedule (later ones already run it).
    if (this.client === undefined && !this.connected) this.noteLost(error);
  }

  private checkLiveness(client: Client): void {
    if (this.probing) return;
    this.probing = true;
    // query_timeout turns a silent connection into a rejection after DATABASE_TIMEOUT.
    client
      .query('SELECT 1')
      .catch((error: unknown) => this.lost(client, error))
      .finally(() => (this.probing = false));
  }

  /** Gives the connection up and tries new ones; the first failure in a row is logged. */
  private lost(client: Client, error: unknown): void {
    if (this.attempts.has(client)) return void this.giveUpAttempt(client, error);
    if (client !== this.client) return;
    this.client = undefined;
    this.connected = false;
    clearInterval(this.livenessTimer);
    discard(client);
    this.noteLost(error);
  }

  private noteLost(error: unknown): void {
    if (this.stopped) return;
    if (this.lostAt === undefined) {
      this.lostAt = Date.now();
      this.logger.warn(
        `Revocation listener not connected (${messageOf(error)}); revocations from other instances wait until it is back`,
      );
    }
    this.scheduleAttempt();
  }

  /**
   * The retry schedule: 100, 200, 400 ms, then every 500 ms until an attempt succeeds, whether
   * the earlier attempts have failed yet or are still waiting on a silent network.
   */
  private scheduleAttempt(): void {
    if (this.reconnectTimer || this.stopped || this.connected) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.stopped || this.connected) return;
      const cap = Math.min(
        MAX_PENDING_ATTEMPTS,
        Math.ceil(this.config.timeoutMs / RECONNECT_MAX_DELAY_MS) + 1,
      );
      // Past the cap the oldest attempt is dropped: it has waited about DATABASE_TIMEOUT anyway.
      if (this.attempts.size >= cap) {
        const [oldest] = this.attempts;
        this.giveUpAttempt(oldest, new Error('superseded'));
      }
      void this.attempt();
      this.scheduleAttempt();
    }, this.reconnectDelayMs);
    this.reconnectTimer.unref();
    this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, RECONNECT_MAX_DELAY_MS);
  }

  private async backstopReload(): Promise<void> {
    try {
      await this.revocations.reload();
    } catch (error) {
      this.logger.warn(`Periodic reload of revocations failed: ${messageOf(error)}`);
    }
  }
}

async function readRevokedSince(client: Client, since: Date): Promise<RevokedSession[]> {
  const { rows } = await client.query<{ id: string; revoked_at: Date }>(
    'SELECT id, revoked_at FROM sessions WHERE revoked_at > $1',
    [since],
  );
  return rows.map((row) => ({ id: row.id, revokedAt: row.revoked_at }));
}

/**
 * Closes the socket at once: end() would wait for the server's goodbye, which a connection that
 * went silent never sends.
 */
function discard(client: Client): void {
  client.removeAllListeners();
  client.on('error', () => undefined);
  client.connection.stream.destroy();
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : 'error';
}

export function isRevocationMessage(message: unknown): message is RevocationMessage {
  const candidate = message as RevocationMessage | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    candidate.type === IPC_TYPE &&
    Array.isArray(candidate.ids) &&
    candidate.ids.every((id) => typeof id === 'string') &&
    typeof candidate.at === 'number'
  );
}
