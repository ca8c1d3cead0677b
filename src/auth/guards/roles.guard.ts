import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
} from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import { mfaConfig } from '../../config/mfa.config';
import { MfaRequiredError } from '../mfa/mfa-errors';
import type { FastifyRequest } from 'fastify';
import { Role } from '../../users/role.enum';
import { AuthenticatedUser } from '../authenticated-user';
import { ROLES_KEY } from '../decorators/roles.decorator';

/** Authorization, after authentication: the roles come from the verified token's claims. */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(mfaConfig.KEY) private readonly mfa: ConfigType<typeof mfaConfig>,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!required?.length) return true;
    const user = context
      .switchToHttp()
      .getRequest<FastifyRequest & { user?: AuthenticatedUser }>().user;
    const granting = user ? required.filter((role) => user.roles.includes(role)) : [];
    if (user && granting.length > 0) {
      // Step-up (REQUIRE_MFA_FOR_ROLES): when only such roles let the caller in, the token must
      // come from a login with a second factor.
      const needsSecondFactor = granting.every((role) =>
        this.mfa.requireMfaForRoles.includes(role),
      );
      if (needsSecondFactor && !user.amr.includes('otp')) throw new MfaRequiredError();
      return true;
    }
    throw new ForbiddenException({
      statusCode: 403,
      error: 'Forbidden',
      message: 'Your role does not allow this',
      code: 'insufficient_role',
    });
  }
}
