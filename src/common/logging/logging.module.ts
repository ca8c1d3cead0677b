import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import { appConfig } from '../../config/app.config';

const REQUEST_ID = /^[\w.:-]{1,64}$/;

/**
 * Fastify's request id: the caller's X-Request-Id when it looks like one (a proxy's), else a new
 * UUID. app.setup.ts echoes it in the response; pino-http logs it on every line.
 */
export function requestId(request: IncomingMessage): string {
  const incoming = request.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * Structured JSON logs (pino), one line per event, each carrying the request id of the request
 * it belongs to (nestjs-pino binds it through AsyncLocalStorage, so Nest's Logger calls get it
 * too). Credentials never reach a line: the Authorization, Cookie and CSRF headers and Set-Cookie
 * are redacted, bodies are not logged at all, and URLs are logged without their query string.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [appConfig.KEY],
      useFactory: (config: ConfigType<typeof appConfig>) => ({
        pinoHttp: {
          level: config.logLevel,
          // The id Fastify gave the request (see requestId above).
          genReqId: (request: IncomingMessage) => {
            const id = (request as { id?: unknown }).id;
            return typeof id === 'string' ? id : requestId(request);
          },
          customAttributeKeys: { reqId: 'requestId' },
          redact: {
            paths: [
              'req.headers.authorization',
              'req.headers.cookie',
              'req.headers["x-csrf-token"]',
              'res.headers["set-cookie"]',
            ],
            censor: '[redacted]',
          },
          serializers: {
            req: (request: {
              id: string;
              method: string;
              url: string;
              headers: Record<string, unknown>;
            }) => ({
              id: request.id,
              method: request.method,
              path: request.url.split('?')[0],
              userAgent: request.headers['user-agent'],
            }),
            res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
          },
        },
      }),
    }),
  ],
})
export class LoggingModule {}
