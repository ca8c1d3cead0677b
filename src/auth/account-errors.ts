import {
  BadRequestException,
  ForbiddenException,
  HttpStatus,
  ServiceUnavailableException,
} from '@nestjs/common';

/**
 * The account lifecycle's error codes (../shared/API.md, "Account lifecycle (email)"): a link
 * that cannot be used (400), mail that cannot be sent (503), a login refused until the address
 * is verified (403).
 */
export const ACCOUNT_ERROR_CODES = [
  'link_invalid',
  'link_expired',
  'mail_unavailable',
  'email_unverified',
] as const;

export function linkRefused(reason: 'link_invalid' | 'link_expired'): BadRequestException {
  return new BadRequestException({
    statusCode: HttpStatus.BAD_REQUEST,
    error: 'Bad Request',
    message:
      reason === 'link_expired'
        ? 'This link has expired; ask for a new one'
        : 'This link is invalid or has already been used',
    code: reason,
  });
}

export function mailUnavailable(): ServiceUnavailableException {
  return new ServiceUnavailableException({
    statusCode: HttpStatus.SERVICE_UNAVAILABLE,
    error: 'Service Unavailable',
    message: 'This service cannot send mail',
    code: 'mail_unavailable',
  });
}

export function emailUnverified(): ForbiddenException {
  return new ForbiddenException({
    statusCode: HttpStatus.FORBIDDEN,
    error: 'Forbidden',
    message: 'Verify your email address before logging in',
    code: 'email_unverified',
  });
}
