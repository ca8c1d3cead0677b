import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Inject, NotFoundException, Req, Res } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { API_BEARER } from '../auth/auth-api-docs';
import { Public } from '../auth/decorators/public.decorator';
import { ApiErrorResponse } from '../common/http/error-response.dto';
import { operationsConfig } from '../config/operations.config';
import { MetricsService } from './metrics.service';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * GET /metrics (../shared/API.md, "Administration and operations"): Prometheus text, only for the
 * METRICS_TOKEN bearer token. Without the right token — or with none configured — the answer is
 * the very 404 an unknown route gets, so a scanner cannot tell that metrics exist here.
 * @Public for the JWT guard: the token is not a JWT, it is checked here.
 */
@ApiTags('operations')
@Public()
@Controller('metrics')
export class MetricsController {
  private readonly expected?: Buffer;

  constructor(
    private readonly metrics: MetricsService,
    @Inject(operationsConfig.KEY) config: ConfigType<typeof operationsConfig>,
  ) {
    this.expected = config.metricsToken === undefined ? undefined : digest(config.metricsToken);
  }

  @Get()
  @ApiBearerAuth(API_BEARER)
  @ApiOperation({
    summary: 'Prometheus metrics (METRICS_TOKEN as the bearer token)',
    description:
      'Process metrics plus http_requests_total and http_request_duration_seconds by method, ' +
      'route pattern and status; auth_logins_total by outcome (success, failure, lockout); ' +
      'auth_refreshes_total; auth_refresh_reuse_detected_total; auth_revoked_sessions; ' +
      'auth_password_hash_queue_depth; db_pool_connections by state. Only when METRICS_TOKEN ' +
      'is set and sent as `Authorization: Bearer <METRICS_TOKEN>`; otherwise 404, as for a ' +
      'route that does not exist.',
  })
  @ApiOkResponse({
    description: 'Prometheus text exposition format 0.0.4',
    content: { 'text/plain': { schema: { type: 'string' } } },
    headers: { 'Cache-Control': { schema: { type: 'string', example: 'no-store' } } },
  })
  @ApiErrorResponse(404, 'METRICS_TOKEN is not set, or the bearer token is not it', {
    error: 'Not Found',
    message: 'Cannot GET /metrics',
  })
  async scrape(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    if (!this.authorized(request.headers.authorization)) {
      // The message Nest gives a request no route matches, from the same exception filter.
      throw new NotFoundException(`Cannot ${request.method} ${request.url}`);
    }
    const body = await this.metrics.scrape();
    // Set here, not by @Header: the 404 must carry exactly the headers of an unknown route's.
    void reply.header('Content-Type', this.metrics.contentType).header('Cache-Control', 'no-store');
    return body;
  }

  private authorized(header: string | undefined): boolean {
    if (!this.expected || !header?.startsWith('Bearer ')) return false;
    // Digests of equal length: the comparison takes the same time whatever was sent.
    return timingSafeEqual(digest(header.slice('Bearer '.length)), this.expected);
  }
}
