import cluster from 'node:cluster';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { SessionRevocationsService } from './session-revocations.service';

const CHANNEL = 'auth_session_revoked';
/** PostgreSQL's NOTIFY payload limit is 8000 bytes: ~190 session ids of 37 characters. */
const IDS_PER_MESSAGE = 150;
const IPC_TYPE = 'auth:session-revoked';

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
 *   own. After that connection drops and comes back, the instance reloads recent revocations
 *   from the sessions table, so a notification missed while disconnected cannot leave a revoked
 *   token usable until it expires.
 * - On the embedded database, whose LISTEN/NOTIFY does not cross connections: in-process only,
 *   or across `npm run start:cluster` workers through the cluster primary.
 */
@Injectable()
export class RevocationBroadcastService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RevocationBroadcast');
  private listener?: Client;
  private reconnectTimer?: NodeJS.Timeout;
  private reconnectDelayMs = 500;
  private stopped = false;
  transport: BroadcastTransport = 'none';

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly revocations: SessionRevocationsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const [{ version }] = await this.dataSource.query<{ version: string }[]>('SELECT version()');
    if (!/PGlite|emscripten/i.test(version)) {
      this.transport = 'postgres';
      await this.listen();
    } else if (cluster.isWorker && process.send) {
      this.transport = 'cluster';
      process.on('message', this.onIpcMessage);
    }
    this.logger.log(`Revocations reach other instances through: ${this.transport}`);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    process.off('message', this.onIpcMessage);
    await this.listener?.end().catch(() => undefined);
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
      // The others still learn of it when their listener reconnects (reload) or at expiry.
      this.logger.warn(
        `Revocation not broadcast: ${error instanceof Error ? error.message : 'error'}`,
      );
    }
  }

  private readonly onIpcMessage = (message: unknown): void => {
    if (isRevocationMessage(message)) this.apply(message);
  };

  private apply(message: RevocationMessage): void {
    for (const id of message.ids) this.revocations.add(id, message.at);
  }

  private async listen(): Promise<void> {
    const options = this.dataSource.options as { url?: string };
    const client = new Client({ connectionString: options.url, connectionTimeoutMillis: 2_000 });
    client.on('notification', (notification) => {
      try {
        const message: unknown = JSON.parse(notification.payload ?? '');
        if (isRevocationMessage(message)) this.apply(message);
      } catch {
        // Not ours: ignore.
      }
    });
    client.on('error', () => this.scheduleReconnect(client));
    client.on('end', () => this.scheduleReconnect(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      this.listener = client;
      this.reconnectDelayMs = 500;
      // Listening first, then reading: a revocation between the two is seen at least once.
      await this.revocations.reload();
    } catch (error) {
      this.logger.warn(
        `Revocation listener not connected: ${error instanceof Error ? error.message : 'error'}`,
      );
      this.scheduleReconnect(client);
    }
  }

  private scheduleReconnect(client: Client): void {
    if (this.stopped || this.reconnectTimer || (this.listener && this.listener !== client)) return;
    this.listener = undefined;
    client.removeAllListeners();
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      // listen() reloads: it catches up on whatever was revoked while this instance could not hear.
      void this.listen();
    }, this.reconnectDelayMs);
    this.reconnectTimer.unref();
    this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, 10_000);
  }
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
