import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AUTH_ERROR_CODES } from '../../auth/auth-errors';

/** The one error shape (../shared/API.md, "Errors"). */
export class ErrorResponseDto {
  @ApiProperty({ example: 401 })
  statusCode: number;

  @ApiProperty({ example: 'Unauthorized' })
  error: string;

  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: 'Invalid email or password',
    description: 'A sentence, or for validation errors one sentence per failed field',
  })
  message: string | string[];

  @ApiPropertyOptional({
    enum: [...AUTH_ERROR_CODES, 'insufficient_role', 'too_many_attempts', 'overloaded'],
    description:
      'On 401: token_expired → refresh; any other → log in again. On 429: too_many_attempts ' +
      '(see Retry-After). On 503: overloaded (too many logins at once; retry shortly).',
  })
  code?: string;
}

export const API_BEARER = 'bearer';

/** A documented error response, with an example body of its own status. */
const error = (description: string, example: Partial<ErrorResponseDto>) => ({
  description,
  type: ErrorResponseDto,
  example,
});

export const ApiValidationErrors = () =>
  ApiBadRequestResponse(
    error('Invalid body, query or path parameter', {
      statusCode: 400,
      error: 'Bad Request',
      message: ['email must be a valid email address', 'property roles should not exist'],
    }),
  );

/** A route behind the global JwtAuthGuard: bearer scheme plus the 401 it answers. */
export const ApiBearerRoute = () =>
  applyDecorators(
    ApiBearerAuth(API_BEARER),
    ApiUnauthorizedResponse(
      error(
        'Missing, malformed, forged, expired or revoked access token (WWW-Authenticate: Bearer)',
        {
          statusCode: 401,
          error: 'Unauthorized',
          message: 'Access token expired',
          code: 'token_expired',
        },
      ),
    ),
  );

export const ApiAdminRoute = () =>
  applyDecorators(
    ApiBearerRoute(),
    ApiForbiddenResponse(
      error('Authenticated, but not an admin', {
        statusCode: 403,
        error: 'Forbidden',
        message: 'Your role does not allow this',
        code: 'insufficient_role',
      }),
    ),
  );

export const ApiDatabaseErrors = () =>
  ApiResponse({
    status: 503,
    ...error(
      'The database is unreachable, or the service is overloaded; retry later (Retry-After)',
      {
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'Service temporarily unavailable',
      },
    ),
  });

export const ApiRateLimited = () =>
  ApiTooManyRequestsResponse({
    ...error('Rate limited (per IP on /auth/*, per account on login); see Retry-After', {
      statusCode: 429,
      error: 'Too Many Requests',
      message: 'Too many failed logins; retry later',
      code: 'too_many_attempts',
    }),
    headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } },
  });

export const ApiErrorResponse = (
  status: number,
  description: string,
  example: Partial<ErrorResponseDto>,
) => ApiResponse({ status, ...error(description, { statusCode: status, ...example }) });

export const errorExample = (
  statusCode: number,
  error: string,
  message: string,
  code?: string,
) => ({
  statusCode,
  error,
  message,
  ...(code ? { code } : {}),
});
