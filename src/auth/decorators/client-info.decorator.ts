import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

/**
 * The longest IP kept: an IPv6 address with a zone id fits, and so does the `ip` column. With
 * more TRUST_PROXY hops than there are proxies, request.ip is whatever the client wrote there.
 */
export const MAX_CLIENT_IP_LENGTH = 64;

/** The device a request comes from, as recorded on sessions and audit events. */
export function clientInfo(request: FastifyRequest): ClientInfo {
  const userAgent = request.headers['user-agent'];
  return {
    ip: request.ip ? request.ip.slice(0, MAX_CLIENT_IP_LENGTH) : null,
    userAgent: typeof userAgent === 'string' ? userAgent : null,
  };
}

export const Client = createParamDecorator((_data: unknown, ctx: ExecutionContext): ClientInfo =>
  clientInfo(ctx.switchToHttp().getRequest<FastifyRequest>()),
);
