import { HttpStatus, UnauthorizedException } from '@nestjs/common';

/**
 * Stable, machine-readable reasons for a 401 (../shared/API.md, "Errors"), so a client can tell
 * "refresh now" (token_expired) from "log in again" (everything else).
 */
export type AuthErrorCode =
  | 'token_missing'
  | 'token_invalid'
  | 'token_expired'
  | 'session_revoked'
  | 'session_expired'
  | 'refresh_token_reused'
  | 'invalid_credentials';

const MESSAGES: Record<AuthErrorCode, string> = {
  token_missing: 'Missing bearer token',
  token_invalid: 'Invalid token',
  token_expired: 'Access token expired',
  session_revoked: 'Session revoked',
  session_expired: 'Session expired',
  refresh_token_reused: 'Refresh token reuse detected; the session has been revoked',
  invalid_credentials: 'Invalid email or password',
};

export const AUTH_ERROR_CODES = Object.keys(MESSAGES) as AuthErrorCode[];

export class AuthError extends UnauthorizedException {
  constructor(readonly code: AuthErrorCode) {
    super({
      statusCode: HttpStatus.UNAUTHORIZED,
      error: 'Unauthorized',
      message: MESSAGES[code],
      code,
    });
  }
}
