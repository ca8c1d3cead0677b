import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthError, AuthErrorCode } from '../auth-errors';
import { AuthenticatedUser } from '../authenticated-user';
import { OPTIONAL_AUTH_KEY } from '../decorators/optional-auth.decorator';
import { IS_PUBLIC_KEY } from '../decorators/public.decorator';

/** Longer Authorization headers are refused before any parsing (../shared/API.md, "Tokens"). */
export const MAX_TOKEN_BYTES = 8 * 1024;

/**
 * Global guard: every route needs a valid access token unless marked @Public(). Failures are
 * 401 with a stable `code` and the RFC 6750 §3 `WWW-Authenticate` challenge.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)) return true;
    const authorization = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization;
    if (
      authorization === undefined &&
      this.reflector.getAllAndOverride<boolean>(OPTIONAL_AUTH_KEY, targets)
    ) {
      return true;
    }
    if (authorization !== undefined && authorization.length > MAX_TOKEN_BYTES + 'Bearer '.length) {
      throw this.reject(context, 'token_invalid');
    }
    return super.canActivate(context);
  }

  override handleRequest<TUser = AuthenticatedUser>(
    error: unknown,
    user: TUser | false,
    info: unknown,
    context: ExecutionContext,
  ): TUser {
    if (user && !error) return user;
    const cause = error ?? info;
    if (cause instanceof AuthError) throw this.reject(context, cause.code);
    if (cause instanceof Error && cause.name === 'TokenExpiredError')
      throw this.reject(context, 'token_expired');
    if (cause instanceof Error && cause.message === 'No auth token')
      throw this.reject(context, 'token_missing');
    throw this.reject(context, 'token_invalid');
  }

  private reject(context: ExecutionContext, code: AuthErrorCode): AuthError {
    const challenge =
      code === 'token_missing' ? 'Bearer realm="api"' : 'Bearer realm="api", error="invalid_token"';
    context.switchToHttp().getResponse<FastifyReply>().header('WWW-Authenticate', challenge);
    return AuthError.of(code);
  }
}
