import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { bearerChallenge } from '../../common/http/bearer-challenge';
import { AuthError, AuthErrorCode } from '../auth-errors';
import { AuthenticatedUser } from '../authenticated-user';
import { OPTIONAL_AUTH_KEY } from '../decorators/optional-auth.decorator';
import { IS_PUBLIC_KEY } from '../decorators/public.decorator';
import { JwtStrategy } from '../strategies/jwt.strategy';

/** Longer Authorization headers are refused before any parsing (../shared/API.md, "Tokens"). */
export const MAX_TOKEN_BYTES = 8 * 1024;

/**
 * Global guard: every route needs a valid access token unless marked @Public(). Failures are
 * 401 with a stable `code` and the RFC 6750 §3 `WWW-Authenticate` challenge (401s thrown after
 * the guard get theirs from the exception filter).
 *
 * It asks the passport-jwt strategy for its decision directly (JwtStrategy.authenticateRequest)
 * rather than through passport's per-request dispatcher, which costs every guarded request its
 * closures, promises and garbage for no decision of its own (BENCHMARKS.md). The strategy stays
 * registered with passport, so `@UseGuards(AuthGuard('jwt'))` still works for code that wants it.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly strategy: JwtStrategy,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)) return true;
    const request = context
      .switchToHttp()
      .getRequest<FastifyRequest & { user?: AuthenticatedUser }>();
    const authorization = request.headers.authorization;
    if (
      authorization === undefined &&
      this.reflector.getAllAndOverride<boolean>(OPTIONAL_AUTH_KEY, targets)
    ) {
      return true;
    }
    if (authorization !== undefined && authorization.length > MAX_TOKEN_BYTES + 'Bearer '.length) {
      throw this.reject(context, 'token_invalid');
    }
    let user: AuthenticatedUser | Promise<AuthenticatedUser>;
    try {
      user = this.strategy.authenticateRequest(request);
    } catch (error) {
      throw this.refusal(context, error);
    }
    if (!(user instanceof Promise)) {
      request.user = user;
      return true;
    }
    return user.then(
      (resolved) => {
        request.user = resolved;
        return true;
      },
      (error: unknown) => {
        throw this.refusal(context, error);
      },
    );
  }

  private refusal(context: ExecutionContext, error: unknown): unknown {
    return error instanceof AuthError ? this.reject(context, error.code) : error;
  }

  private reject(context: ExecutionContext, code: AuthErrorCode): AuthError {
    context
      .switchToHttp()
      .getResponse<FastifyReply>()
      .header('WWW-Authenticate', bearerChallenge(code !== 'token_missing'));
    return AuthError.of(code);
  }
}
