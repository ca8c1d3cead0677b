import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Public } from '../auth/decorators/public.decorator';
import { ApiDatabaseErrors } from '../common/http/error-response.dto';
import { databaseConfig } from '../config/database.config';
import { RevocationBroadcastService } from '../users/revocation-broadcast.service';
import { LivenessDto, ReadinessDto } from './health.dto';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(databaseConfig.KEY) private readonly config: ConfigType<typeof databaseConfig>,
    private readonly broadcast: RevocationBroadcastService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ type: LivenessDto })
  live(): LivenessDto {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({
    summary: 'Readiness: the database answers and revocations from other instances are heard',
    description:
      '503 while the database does not answer, and, on a PostgreSQL server, while the connection ' +
      "that hears other instances' revocations is down (it retries every 500 ms).",
  })
  @ApiOkResponse({ type: ReadinessDto })
  @ApiDatabaseErrors()
  async ready(): Promise<ReadinessDto> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), this.config.timeoutMs);
    });
    try {
      await Promise.race([this.dataSource.query('SELECT 1'), timeout]);
    } catch {
      throw new ServiceUnavailableException('Database unavailable');
    } finally {
      clearTimeout(timer);
    }
    // Not ready while this instance cannot hear other instances' revocations (a PostgreSQL
    // server whose LISTEN connection is down): it would accept a logged-out session's access
    // tokens until the listener is back. The load balancer sends traffic elsewhere meanwhile,
    // usually for well under a second after the database answers again (the listener retries
    // every 500 ms and reloads what it missed). The other choice, staying ready with a database
    // read per request until then, keeps serving but adds load just when the database recovers.
    if (this.broadcast.transport === 'postgres' && !this.broadcast.listenerConnected) {
      throw new ServiceUnavailableException('Revocation listener not connected');
    }
    return { status: 'ok', database: 'up' };
  }
}
