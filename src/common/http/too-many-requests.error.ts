import { HttpException, HttpStatus } from '@nestjs/common';

/** A 429 that carries when to retry; the exception filter turns that into `Retry-After`. */
export class TooManyRequestsError extends HttpException {
  constructor(
    readonly retryAfterSeconds: number,
    message = 'Too many requests; retry later',
  ) {
    super(
      {
        statusCode: HttpStatus.TOO_MANY_REQUESTS,
        error: 'Too Many Requests',
        message,
        code: 'too_many_attempts',
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
