import { HttpStatus, UnauthorizedException } from '@nestjs/common';
import { AccessTokenRefusal } from '../common/http/bearer-challenge';

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

/**
 * The codes an access token can be refused with. The same codes also refuse refresh tokens, so
 * whether a given 401 refuses the request's bearer token is for the exception filter to tell from
 * the request (RFC 6750 §3 `invalid_token`); a wrong password never does.
 */
const ACCESS_TOKEN_CODES: ReadonlySet<AuthErrorCode> = new Set([
  'token_invalid',
  'token_expired',
  'session_revoked',
  'session_expired',
]);

export class AuthError extends UnauthorizedException implements AccessTokenRefusal {
  get concernsAccessToken(): boolean {
    return ACCESS_TOKEN_CODES.has(this.code);
  }

  constructor(readonly code: AuthErrorCode) {
    super({
      statusCode: HttpStatus.UNAUTHORIZED,
      error: 'Unauthorized',
      message: MESSAGES[code],
      code,
    });
  }

  private static readonly shared = new Map<AuthErrorCode, AuthError>();

  /**
   * One instance per code, built without a stack trace, for the hot rejection path: capturing
   * a stack on every refused token cost ~9 µs a request (BENCHMARKS.md), and the stack of an
   * auth failure says nothing the code does not. Nothing mutates an exception after it is
   * thrown, so sharing is safe.
   */
  static of(code: AuthErrorCode): AuthError {
    let error = AuthError.shared.get(code);
    if (!error) {
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 0;
      try {
        error = new AuthError(code);
      } finally {
        Error.stackTraceLimit = limit;
      }
      AuthError.shared.set(code, error);
    }
    return error;
  }
}
