import { STATUS_CODES } from 'node:http';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { QueryFailedError } from 'typeorm';
import { bearerChallenge, concernsAccessToken } from './bearer-challenge';
import { TooManyRequestsError } from './too-many-requests.error';

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  code?: string;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

// Fastify's own errors (body parsing) are the client's fault; their messages are ours to choose.
const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'Request body is larger than 100 kB',
  FST_ERR_CTP_INVALID_JSON_BODY: 'Malformed JSON body',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Empty JSON body',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported content type; send application/json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body',
};

// Signs that the database, not the request, is the problem: connection refused or lost, pool
// timeout, server shutting down (SQLSTATE class 08 and 57P0x), out of connections, memory or
// disk (class 53), or a database closed to new connections for maintenance (55000 with
// `ALLOW_CONNECTIONS false`).
const DATABASE_DOWN_CLASSES = ['08', '53'];
const DATABASE_DOWN_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  '57P01',
  '57P02',
  '57P03',
]);
const DATABASE_DOWN_MESSAGES =
  /timeout exceeded when trying to connect|Connection terminated|Connection ended|connect ECONNREFUSED|Client has encountered a connection error|is not currently accepting connections/i;

/**
 * The SQLSTATE of a query the database refused because of a value in it (class 22, "data
 * exception": a NUL in text, a string too long, a number out of range, a malformed uuid). Input
 * validation should have caught it first; this keeps a gap there a 400 rather than a 500.
 */
export function dataExceptionCode(error: unknown): string | undefined {
  if (!(error instanceof QueryFailedError)) return undefined;
  const code = (error.driverError as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('22') ? code : undefined;
}

export function isDatabaseUnavailable(error: unknown): boolean {
  const candidates = [error, error instanceof QueryFailedError ? error.driverError : undefined];
  return candidates.some((candidate) => {
    if (!(candidate instanceof Error)) return false;
    const code = (candidate as { code?: unknown }).code;
    if (
      typeof code === 'string' &&
      (DATABASE_DOWN_CODES.has(code) || DATABASE_DOWN_CLASSES.includes(code.slice(0, 2)))
    )
      return true;
    return DATABASE_DOWN_MESSAGES.test(candidate.message);
  });
}

/**
 * The one place errors become responses. HTTP exceptions keep the NestJS body shape (plus `code`
 * on auth failures); a lost database is a 503 the client can retry; anything else is logged (by
 * name and message only: no stack, SQL or parameters, which may hold hashes) and answered with a
 * bare 500. See ../shared/API.md, "Errors".
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const body = this.toBody(exception);
    if (exception instanceof TooManyRequestsError)
      void reply.header('Retry-After', String(exception.retryAfterSeconds));
    else if (body.statusCode === 503) void reply.header('Retry-After', '5');
    // The guard sets its own challenge; a 401 thrown later (by a service) gets one here.
    else if (body.statusCode === 401 && !reply.hasHeader('WWW-Authenticate'))
      void reply.header(
        'WWW-Authenticate',
        bearerChallenge(
          concernsAccessToken(exception) &&
            wasLetInByBearerToken(http.getRequest<FastifyRequest>()),
        ),
      );
    void reply
      .status(body.statusCode)
      .header('Content-Type', 'application/json; charset=utf-8')
      .send(body);
  }

  private toBody(exception: unknown): ErrorBody {
    if (exception instanceof HttpException) return fromHttpException(exception);

    const fastifyError = exception as { statusCode?: unknown; code?: unknown };
    if (
      typeof fastifyError.statusCode === 'number' &&
      fastifyError.statusCode >= 400 &&
      fastifyError.statusCode < 500 &&
      typeof fastifyError.code === 'string' &&
      fastifyError.code.startsWith('FST_')
    ) {
      const statusCode = fastifyError.statusCode;
      return {
        statusCode,
        error: STATUS_TEXT[statusCode] ?? 'Bad Request',
        message: FASTIFY_MESSAGES[fastifyError.code] ?? 'Bad request',
      };
    }

    const dataException = dataExceptionCode(exception);
    if (dataException) {
      // The code tells an operator which check is missing; the message could echo the value.
      this.logger.warn(`Database refused a value from a request [${dataException}]`);
      return {
        statusCode: 400,
        error: STATUS_TEXT[400],
        message: 'A value in the request cannot be stored',
      };
    }

    if (isDatabaseUnavailable(exception)) {
      this.logger.warn(`Database unavailable: ${describe(exception)}`);
      return {
        statusCode: 503,
        error: STATUS_TEXT[503],
        message: 'Service temporarily unavailable',
      };
    }

    this.logger.error(`Unhandled ${describe(exception)}`);
    return { statusCode: 500, error: STATUS_TEXT[500], message: 'Internal server error' };
  }
}

function fromHttpException(exception: HttpException): ErrorBody {
  const statusCode = exception.getStatus();
  const response = exception.getResponse();
  const error = STATUS_TEXT[statusCode] ?? STATUS_CODES[statusCode] ?? 'Error';
  // A 5xx message is written by server code and may carry internals; only 503's is ours to show.
  if (statusCode >= 500 && statusCode !== 503)
    return { statusCode, error, message: 'Internal server error' };
  // Nest turns Fastify's body-limit error into a plain HttpException; one fixed sentence for it.
  if (statusCode === 413)
    return { statusCode, error, message: FASTIFY_MESSAGES.FST_ERR_CTP_BODY_TOO_LARGE };
  if (typeof response === 'string') return { statusCode, error, message: response };
  const { message, code } = response as { message?: unknown; code?: unknown };
  return {
    statusCode,
    error,
    message:
      typeof message === 'string' || Array.isArray(message)
        ? (message as string | string[])
        : error,
    ...(typeof code === 'string' ? { code } : {}),
  };
}

/**
 * Whether the request got past authentication with a bearer token, which a later 401 about an
 * access token therefore refuses (RFC 6750 `invalid_token`: the session was revoked, the user
 * deleted). A public route never looks at the header, so a token merely sent along to it (to
 * /auth/refresh, say) was not the one refused.
 */
function wasLetInByBearerToken(
  request: (FastifyRequest & { user?: unknown }) | undefined,
): boolean {
  const authorization = request?.headers.authorization;
  return (
    request?.user !== undefined &&
    typeof authorization === 'string' &&
    /^bearer /i.test(authorization)
  );
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.name}${typeof code === 'string' ? ` [${code}]` : ''}: ${error.message}`;
  }
  return typeof error;
}
