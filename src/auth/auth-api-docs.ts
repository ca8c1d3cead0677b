import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';
import { ApiErrorResponse, ErrorCodes } from '../common/http/error-response.dto';
import { ACCOUNT_ERROR_CODES } from './account-errors';
import { ADMINISTRATION_ERROR_CODES } from '../users/administration-errors';
import { AUTH_ERROR_CODES } from './auth-errors';

/** The name of the bearer security scheme: app.setup.ts declares it, guarded routes refer to it. */
export const API_BEARER = 'bearer';

/**
 * Every `code` an error body carries. Auth sends them all: 401s, the role and CSRF 403s, the
 * login lock and rate limit (429) and the hashing queue (503).
 */
export const ERROR_CODES: ErrorCodes = {
  enum: [
    ...AUTH_ERROR_CODES,
    'insufficient_role',
    'csrf_failed',
    'too_many_attempts',
    'overloaded',
    'mfa_invalid',
    'mfa_required',
    ...ACCOUNT_ERROR_CODES,
    ...ADMINISTRATION_ERROR_CODES,
  ],
  description:
    'On 401: token_expired → refresh; mfa_invalid → the code was wrong or already used, ask ' +
    'for another; any other → log in again. On 403: mfa_required → log in again with a second ' +
    'factor. On 429: too_many_attempts ' +
    '(see Retry-After). On 503: overloaded (too many logins at once; retry shortly). ' +
    'On 400: link_invalid or link_expired → ask for a new mail. On 403: email_unverified → ' +
    'open the link in the verification mail first. On 503: mail_unavailable → this service ' +
    'sends no mail. On 403: account_disabled → an admin disabled the account (sent only after a ' +
    'right password). On 409: last_admin → the change would leave no enabled admin.',
};

const BEARER_REFUSED = ApiErrorResponse(
  401,
  'Missing, malformed, forged, expired or revoked access token (WWW-Authenticate: Bearer)',
  { error: 'Unauthorized', message: 'Access token expired', code: 'token_expired' },
);

/** A route behind the global JwtAuthGuard: bearer scheme plus the 401 it answers. */
export const ApiBearerRoute = () => applyDecorators(ApiBearerAuth(API_BEARER), BEARER_REFUSED);

/**
 * An @OptionalAuth() route: a bearer token if there is one, or none at all (the empty security
 * requirement), since the route takes other credentials too.
 */
export const ApiOptionalBearerRoute = () =>
  applyDecorators(ApiBearerAuth(API_BEARER), ApiSecurity({}), BEARER_REFUSED);

/** A route for the admin role (RolesGuard): the bearer route's 401 plus the 403 of a plain user. */
export const ApiAdminRoute = () =>
  applyDecorators(
    ApiBearerRoute(),
    ApiErrorResponse(
      403,
      'Authenticated, but not an admin (insufficient_role), or an admin whose token lacks a second ' +
        'factor while REQUIRE_MFA_FOR_ROLES names admin (mfa_required)',
      {
        error: 'Forbidden',
        message: 'Your role does not allow this',
        code: 'insufficient_role',
      },
    ),
  );
