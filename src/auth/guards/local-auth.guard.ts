import { ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { createValidationPipe } from '../../common/validation/validation-pipe';
import { AuthError } from '../auth-errors';
import { LoginDto } from '../dto/login.dto';

/**
 * Guards run before pipes, so passport-local would see the raw body and answer a malformed one
 * with 401. Validating it here first, with the app's one pipeline, keeps bad input a 400.
 */
@Injectable()
export class LocalAuthGuard extends AuthGuard('local') {
  private readonly validation = createValidationPipe();

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    request.body = await this.validation.transform(request.body, {
      type: 'body',
      metatype: LoginDto,
    });
    return (await super.canActivate(context)) as boolean;
  }

  override handleRequest<TUser>(error: unknown, user: TUser | false): TUser {
    if (error) throw error as Error;
    if (!user) throw new AuthError('invalid_credentials');
    return user;
  }
}
