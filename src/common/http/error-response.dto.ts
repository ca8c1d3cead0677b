import {
  ApiBadRequestResponse,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  ApiTooManyRequestsResponse,
  OpenAPIObject,
  SchemaObject,
} from '@nestjs/swagger';

/**
 * The one error shape (../shared/API.md, "Errors"). Which `code`s it can carry is for the features
 * that send them to say (documentErrorCodes); shared code knows no feature.
 */
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

  @ApiPropertyOptional({ type: String, description: 'A stable, machine-readable reason' })
  code?: string;
}

/** What the `code` of an error body may be, and what a client should do about each. */
export interface ErrorCodes {
  enum: readonly string[];
  description: string;
}

/** Lists the codes on the error shape of a built document (app.setup.ts, which knows the features). */
export function documentErrorCodes(document: OpenAPIObject, codes: ErrorCodes): void {
  const schema = document.components?.schemas?.[ErrorResponseDto.name] as SchemaObject | undefined;
  if (!schema?.properties) throw new Error(`${ErrorResponseDto.name} is not in the document`);
  schema.properties.code = {
    type: 'string',
    enum: [...codes.enum],
    description: codes.description,
  };
}

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
