import { join } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { documentHttpConventions } from './common/openapi/http-conventions';
import {
  documentValidationConstraints,
  validatedSchemaNames,
} from './common/openapi/validation-constraints';
import { API_BEARER, ERROR_CODES } from './auth/auth-api-docs';
import { CSRF_HEADER } from './auth/browser-session.service';
import { documentErrorCodes } from './common/http/error-response.dto';
import { securityHeaders } from './common/http/security-headers';
import { requestId } from './common/logging/logging.module';
import { appConfig, loadAppConfig } from './config/app.config';

/** ../shared/API.md: a body over 100 kB is a 413. */
export const BODY_LIMIT_BYTES = 100 * 1024;

/** The demo page: static files, no build step (public/). */
export const PUBLIC_DIR = join(__dirname, '..', 'public');

/** The HTTP server: Fastify (≈10× Express for guarded routes here). Used by main.ts and the e2e app. */
export function createFastifyAdapter(): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    // A hop count or proxy CIDRs (0: none): request.ip is then the client's address as the trusted
    // proxies saw it, never an entry the client wrote itself (../shared/API.md, "Client addresses").
    trustProxy: loadAppConfig().trustProxy,
    // Requests carrying tokens must not be logged by the framework; LoggingModule logs them.
    logger: false,
    genReqId: requestId,
  });
}

/** Everything that must be set on the app object itself, shared by main.ts and the e2e tests. */
export async function configureApp(app: NestFastifyApplication): Promise<NestFastifyApplication> {
  const config = app.get<ReturnType<typeof appConfig>>(appConfig.KEY);
  await app.register(fastifyCookie);
  const headers = securityHeaders({
    // Tight enough to matter, loose enough for Swagger UI (inline styles, data: images) and the
    // demo page (own scripts only). Nothing is loaded from another origin.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        // Helmet's default would send plain-HTTP development hosts to https and break every asset.
        upgradeInsecureRequests: config.isProduction ? [] : null,
      },
    },
    crossOriginEmbedderPolicy: false,
  });
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => {
      void reply.headers(headers).header('X-Request-Id', request.id);
      done();
    });
  // Only listed origins, and no CORS hook at all without any: it would cost every request
  // ~20 µs to answer no (BENCHMARKS.md). The demo page is same-origin.
  if (config.corsOrigins.length) {
    app.enableCors({
      origin: config.corsOrigins,
      credentials: true,
      allowedHeaders: ['Authorization', 'Content-Type', CSRF_HEADER],
      exposedHeaders: ['Retry-After', 'WWW-Authenticate'],
      maxAge: 600,
    });
  }
  app.useStaticAssets({ root: PUBLIC_DIR, prefix: '/', index: ['index.html'], wildcard: false });
  setupSwagger(app);
  return app;
}

/**
 * Swagger UI at /docs. Outside production it keeps the token pasted into "Authorize" across
 * reloads, in localStorage; in production a token must not outlive the tab in a store that any
 * script on the origin can read.
 */
function setupSwagger(app: NestFastifyApplication): void {
  const persistAuthorization = !app.get<ReturnType<typeof appConfig>>(appConfig.KEY).isProduction;
  // The request rules come from the validators that enforce them, never restated by hand.
  documentValidationConstraints();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('nest-jwt-auth')
      .setDescription(
        [
          'Email + password login, short-lived HS256 access tokens and rotating refresh tokens.',
          '',
          '**Try it here:**',
          '1. `POST /auth/register` — create an account (Try it out → Execute).',
          '2. `POST /auth/login` — copy `accessToken` from the response.',
          '3. Press **Authorize** (top right), paste the token, Authorize.' +
            (persistAuthorization ? ' It is remembered across reloads.' : ''),
          '4. Call `GET /products` or `GET /auth/me`.',
          '5. When a call answers 401 with `code: token_expired`, send the `refreshToken` to `POST /auth/refresh`',
          '   and Authorize again with the new `accessToken`. The old refresh token stops working.',
          '6. `POST /auth/logout` ends the session: its tokens fail from then on.',
          '',
          'Browser clients: add `?mode=cookie` to login and refresh to get the refresh token as an HttpOnly ' +
            'cookie instead, and echo the returned `csrfToken` in `X-CSRF-Token` when refreshing or logging out ' +
            'by cookie. A demo page at `/` does exactly that.',
        ].join('\n'),
      )
      .setVersion('0.1.0')
      .setLicense('MIT', 'https://opensource.org/license/mit')
      .addServer('/', 'This service')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, API_BEARER)
      .build(),
  );
  documentErrorCodes(document, ERROR_CODES);
  documentHttpConventions(document, validatedSchemaNames());
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization },
  });
}
