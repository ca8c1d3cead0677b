import { ConflictException, ForbiddenException, HttpStatus } from '@nestjs/common';

/**
 * The error codes of administration (../shared/API.md, "Administration and operations"): a login
 * of a disabled account (403, sent only after the password was right, so it tells a guesser
 * nothing) and a change that would leave no enabled admin (409).
 */
export const ADMINISTRATION_ERROR_CODES = ['account_disabled', 'last_admin'] as const;

export function accountDisabled(): ForbiddenException {
  return new ForbiddenException({
    statusCode: HttpStatus.FORBIDDEN,
    error: 'Forbidden',
    message: 'This account is disabled',
    code: 'account_disabled',
  });
}

export function lastAdminConflict(): ConflictException {
  return new ConflictException({
    statusCode: HttpStatus.CONFLICT,
    error: 'Conflict',
    message: 'This would leave no enabled admin',
    code: 'last_admin',
  });
}
