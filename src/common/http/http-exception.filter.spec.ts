import {
  ArgumentsHost,
  BadRequestException,
  ConflictException,
  HttpException,
  HttpStatus,
  Logger,
  NotFoundException,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { AuthError } from '../../auth/auth-errors';
import { HttpExceptionFilter, isDatabaseUnavailable } from './http-exception.filter';

interface RecordedReply {
  statusCode?: number;
  headers: Record<string, string>;
  body?: unknown;
}

interface FakeRequest {
  headers: Record<string, string>;
  user?: unknown;
}

function fakeHost(request: FakeRequest = { headers: {} }): {
  host: ArgumentsHost;
  reply: RecordedReply;
} {
  const recorded: RecordedReply = { headers: {} };
  const reply = {
    status(code: number) {
      recorded.statusCode = code;
      return reply;
    },
    header(name: string, value: string) {
      recorded.headers[name.toLowerCase()] = value;
      return reply;
    },
    hasHeader(name: string) {
      return name.toLowerCase() in recorded.headers;
    },
    send(body: unknown) {
      recorded.body = body;
      return reply;
    },
  };
  const host = {
    switchToHttp: () => ({ getResponse: () => reply, getRequest: () => request }),
  } as unknown as ArgumentsHost;
  return { host, reply: recorded };
}

const withCode = (error: Error, code: string) => Object.assign(error, { code });

describe('HttpExceptionFilter', () => {
  const filter = new HttpExceptionFilter();

  function handle(exception: unknown, request?: FakeRequest): RecordedReply {
    const { host, reply } = fakeHost(request);
    filter.catch(exception, host);
    return reply;
  }

  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  it('should keep the NestJS body of a NotFoundException', () => {
    const reply = handle(new NotFoundException('Session not found'));
    expect(reply.statusCode).toBe(404);
    expect(reply.body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'Session not found',
    });
  });

  it('should answer in JSON', () => {
    expect(handle(new NotFoundException()).headers['content-type']).toBe(
      'application/json; charset=utf-8',
    );
  });

  it('should keep the code of an AuthError', () => {
    const reply = handle(new AuthError('token_expired'));
    expect(reply.statusCode).toBe(401);
    expect(reply.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Access token expired',
      code: 'token_expired',
    });
  });

  describe('the WWW-Authenticate challenge every 401 carries (RFC 9110 §15.5.2)', () => {
    it('should challenge a 401 raised without a bearer token, without an error code', () => {
      const reply = handle(new AuthError('invalid_credentials'));
      expect(reply.headers['www-authenticate']).toBe('Bearer realm="api"');
    });

    it('should say invalid_token when the bearer token the request was let in with is refused later', () => {
      const reply = handle(new AuthError('session_revoked'), {
        headers: { authorization: 'Bearer a.b.c' },
        user: { id: 'u' },
      });
      expect(reply.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token"');
    });

    it('should not say invalid_token when a request let in by its bearer token fails on a password', () => {
      const reply = handle(new AuthError('invalid_credentials'), {
        headers: { authorization: 'Bearer a.b.c' },
        user: { id: 'u' },
      });
      expect(reply.headers['www-authenticate']).toBe('Bearer realm="api"');
    });

    it('should not say invalid_token for a 401 that is no AuthError', () => {
      const reply = handle(new UnauthorizedException(), {
        headers: { authorization: 'Bearer a.b.c' },
        user: { id: 'u' },
      });
      expect(reply.headers['www-authenticate']).toBe('Bearer realm="api"');
    });

    it('should not say invalid_token for a bearer token a public route never looked at', () => {
      const reply = handle(new AuthError('token_invalid'), {
        headers: { authorization: 'Bearer a.b.c' },
      });
      expect(reply.headers['www-authenticate']).toBe('Bearer realm="api"');
    });

    it('should keep a challenge already set by the guard', () => {
      const { host, reply } = fakeHost();
      reply.headers['www-authenticate'] = 'Bearer realm="api", error="invalid_token"';
      filter.catch(new AuthError('token_expired'), host);
      expect(reply.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token"');
    });

    it('should not challenge other statuses', () => {
      expect(handle(new NotFoundException()).headers['www-authenticate']).toBeUndefined();
    });
  });

  it.each([
    ['22021', 'invalid byte sequence for encoding "UTF8": 0x00'],
    ['22P02', 'invalid input syntax for type uuid: "nope"'],
    ['22001', 'value too long for type character varying(200)'],
    ['22003', 'numeric field overflow'],
  ])(
    'should answer 400 with a generic message to a value the database refused (SQLSTATE %s)',
    (code, message) => {
      const driverError = withCode(new Error(message), code);
      const reply = handle(
        new QueryFailedError('INSERT INTO users (name) VALUES ($1)', ['a\u0000b'], driverError),
      );
      expect(reply.statusCode).toBe(400);
      expect(reply.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: 'A value in the request cannot be stored',
      });
      expect(Logger.prototype.error).not.toHaveBeenCalled();
    },
  );

  it('should log a refused value as a warning naming the SQLSTATE, without the query or the value', () => {
    const driverError = withCode(
      new Error('invalid input syntax for type uuid: "s3cret"'),
      '22P02',
    );
    handle(new QueryFailedError('SELECT * FROM users WHERE id = $1', ['s3cret'], driverError));
    expect(Logger.prototype.warn).toHaveBeenCalledTimes(1);
    const [line] = jest.mocked(Logger.prototype.warn).mock.calls[0] as [string];
    expect(line).toContain('22P02');
    expect(line).not.toMatch(/s3cret|SELECT/);
  });

  it('should keep the message array of a validation error', () => {
    const messages = [
      'email must be an email',
      'password must be longer than or equal to 8 characters',
    ];
    const reply = handle(new BadRequestException(messages));
    expect(reply.statusCode).toBe(400);
    expect(reply.body).toEqual({ statusCode: 400, error: 'Bad Request', message: messages });
  });

  it('should keep a plain string response as the message', () => {
    const reply = handle(new HttpException('Email already registered', HttpStatus.CONFLICT));
    expect(reply.body).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: 'Email already registered',
    });
  });

  it('should fall back to the status text when the response has no message', () => {
    const reply = handle(new ConflictException({ detail: 'whatever' }));
    expect(reply.body).toEqual({ statusCode: 409, error: 'Conflict', message: 'Conflict' });
  });

  it('should give a body-too-large error one fixed sentence', () => {
    const reply = handle(
      new HttpException('FST_ERR_CTP_BODY_TOO_LARGE: /tmp/x', HttpStatus.PAYLOAD_TOO_LARGE),
    );
    expect(reply.statusCode).toBe(413);
    expect(reply.body).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: 'Request body is larger than 100 kB',
    });
  });

  it('should map a Fastify malformed-JSON error to 400 with its own message', () => {
    const error = Object.assign(new SyntaxError('Unexpected token } in JSON at position 12'), {
      statusCode: 400,
      code: 'FST_ERR_CTP_INVALID_JSON_BODY',
    });
    const reply = handle(error);
    expect(reply.statusCode).toBe(400);
    expect(reply.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'Malformed JSON body',
    });
  });

  it('should answer 503 with Retry-After when the database refuses connections', () => {
    const reply = handle(
      withCode(new Error('connect ECONNREFUSED 127.0.0.1:5432'), 'ECONNREFUSED'),
    );
    expect(reply.statusCode).toBe(503);
    expect(reply.headers['retry-after']).toMatch(/^\d+$/);
    expect(reply.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'Service temporarily unavailable',
    });
  });

  it('should answer 503 for a query that failed because the server shut down (57P01)', () => {
    const driverError = withCode(
      new Error('terminating connection due to administrator command'),
      '57P01',
    );
    const reply = handle(
      new QueryFailedError('SELECT * FROM users WHERE id = $1', ['x'], driverError),
    );
    expect(reply.statusCode).toBe(503);
    expect(reply.headers['retry-after']).toBeDefined();
  });

  it('should keep a deliberate ServiceUnavailableException a 503', () => {
    const reply = handle(new ServiceUnavailableException('Database unavailable'));
    expect(reply.statusCode).toBe(503);
    expect(reply.body).toMatchObject({ message: 'Database unavailable' });
  });

  it('should answer a bare 500 to an unexpected error', () => {
    const reply = handle(new Error('boom at /secret/path SELECT password_hash'));
    expect(reply.statusCode).toBe(500);
    expect(reply.body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'Internal server error',
    });
  });

  it('should not leak the message, path or SQL of an unexpected error', () => {
    const body = JSON.stringify(
      handle(new Error('boom at /secret/path SELECT password_hash')).body,
    );
    for (const leak of ['boom', '/secret/path', 'SELECT', 'password_hash', 'stack']) {
      expect(body).not.toContain(leak);
    }
  });

  it('should answer a bare 500 to a failed query that is not about the connection', () => {
    const driverError = withCode(
      new Error('duplicate key value violates unique constraint'),
      '23505',
    );
    const reply = handle(
      new QueryFailedError('INSERT INTO users ...', ['$2b$12$hash'], driverError),
    );
    expect(reply.statusCode).toBe(500);
    expect(JSON.stringify(reply.body)).not.toMatch(/INSERT|\$2b\$|duplicate/);
  });

  it('should answer a bare 500 to a thrown non-error', () => {
    const reply = handle('a string thrown by a library');
    expect(reply.statusCode).toBe(500);
    expect(reply.body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'Internal server error',
    });
  });

  it('should log an unexpected error', () => {
    handle(new Error('boom'));
    expect(Logger.prototype.error).toHaveBeenCalledTimes(1);
  });

  it('should hide the message of a 5xx HttpException other than 503', () => {
    const reply = handle(
      new HttpException('pool exhausted at /srv/app/db.ts', HttpStatus.BAD_GATEWAY),
    );
    expect(reply.body).toEqual({
      statusCode: 502,
      error: 'Bad Gateway',
      message: 'Internal server error',
    });
  });

  it('should name statuses outside its own table in words', () => {
    const reply = handle(new HttpException('Nope', HttpStatus.UNPROCESSABLE_ENTITY));
    expect(reply.body).toEqual({ statusCode: 422, error: 'Unprocessable Entity', message: 'Nope' });
  });
});

describe('isDatabaseUnavailable', () => {
  it('should recognise a pool timeout', () => {
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
  });

  it('should recognise a terminated connection', () => {
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P03', '08006', '53300', '53100'])(
    'should recognise the error code %s',
    (code) => {
      expect(isDatabaseUnavailable(withCode(new Error('x'), code))).toBe(true);
    },
  );

  it('should recognise a database closed to new connections (ALLOW_CONNECTIONS false, 55000)', () => {
    const refusal = withCode(
      new Error('database "auth" is not currently accepting connections'),
      '55000',
    );
    expect(isDatabaseUnavailable(refusal)).toBe(true);
  });

  it('should not treat every 55000 as a lost database', () => {
    expect(isDatabaseUnavailable(withCode(new Error('currval is not yet defined'), '55000'))).toBe(
      false,
    );
  });

  it('should recognise a QueryFailedError whose driver error is a lost connection', () => {
    const driverError = withCode(new Error('terminating connection'), '57P01');
    expect(isDatabaseUnavailable(new QueryFailedError('SELECT 1', [], driverError))).toBe(true);
  });

  it('should not treat a constraint violation as a lost database', () => {
    expect(isDatabaseUnavailable(withCode(new Error('duplicate key'), '23505'))).toBe(false);
  });

  it('should not treat an ordinary error as a lost database', () => {
    expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
  });

  it.each([undefined, null, 'ECONNREFUSED', { code: 'ECONNREFUSED' }])(
    'should not treat the non-error %p as a lost database',
    (value) => {
      expect(isDatabaseUnavailable(value)).toBe(false);
    },
  );
});
