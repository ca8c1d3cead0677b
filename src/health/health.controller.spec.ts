import { ServiceUnavailableException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DatabaseConfig } from '../config/database.config';
import {
  BroadcastTransport,
  RevocationBroadcastService,
} from '../users/revocation-broadcast.service';
import { HealthController } from './health.controller';

/**
 * Readiness tells the truth about revocations: an instance that cannot hear the others' (its
 * LISTEN connection to the PostgreSQL server is down) is not ready, even though its database
 * answers. Against a real server, through a proxy that is cut: revocation-outage.e2e-spec.
 */
describe('HealthController: readiness', () => {
  const controller = (transport: BroadcastTransport, listenerConnected: boolean) =>
    new HealthController(
      { query: async () => [{ '?column?': 1 }] } as unknown as DataSource,
      { timeoutMs: 500 } as DatabaseConfig,
      { transport, listenerConnected } as RevocationBroadcastService,
    );

  it('should be ready when the database answers and the listener is connected', async () => {
    await expect(controller('postgres', true).ready()).resolves.toEqual({
      status: 'ok',
      database: 'up',
    });
  });

  it('should answer 503 while the revocation listener is not connected on a PostgreSQL server', async () => {
    await expect(controller('postgres', false).ready()).rejects.toThrow(
      new ServiceUnavailableException('Revocation listener not connected'),
    );
  });

  it('should be ready on the embedded database, which has no listener to wait for', async () => {
    await expect(controller('none', false).ready()).resolves.toEqual({
      status: 'ok',
      database: 'up',
    });
  });
});
