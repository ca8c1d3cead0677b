import { ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';

/** A 401 that says why, with the auth service's codes: token_missing, token_invalid, token_expired. */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  override handleRequest<TUser>(
    error: unknown,
    user: TUser | false,
    info: { code?: string } | undefined,
    _context: ExecutionContext,
  ): TUser {
    if (error || !user) {
      throw new UnauthorizedException({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'Invalid or missing access token',
        code: info?.code ?? 'token_invalid',
      });
    }
    return user;
  }
}
