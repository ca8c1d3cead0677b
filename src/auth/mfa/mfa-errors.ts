import { ForbiddenException, HttpStatus, UnauthorizedException } from '@nestjs/common';

/**
 * A wrong, reused or malformed second factor: 401 `mfa_invalid` (../shared/API.md, "Multi-factor
 * authentication"). Asking for the code again is the answer, not logging in again.
 */
export class MfaInvalidError extends UnauthorizedException {
  constructor() {
    super({
      statusCode: HttpStatus.UNAUTHORIZED,
      error: 'Unauthorized',
      message: 'Invalid or already used code',
      code: 'mfa_invalid',
    });
  }
}

/** A route for a role in REQUIRE_MFA_FOR_ROLES, called with a password-only token. */
export class MfaRequiredError extends ForbiddenException {
  constructor() {
    super({
      statusCode: HttpStatus.FORBIDDEN,
      error: 'Forbidden',
      message: 'This route needs a login with a second factor',
      code: 'mfa_required',
    });
  }
}
