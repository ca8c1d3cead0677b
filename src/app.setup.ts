import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { API_BEARER } from './common/http/error-response.dto';
import { loadAppConfig } from './config/app.config';

/** ../shared/API.md: a body over 100 kB is a 413. */
export const BODY_LIMIT_BYTES = 100 * 1024;

/** The HTTP server: Fastify (≈10× Express for guarded routes here). Used by main.ts and the e2e app. */
export function createFastifyAdapter(): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: loadAppConfig().trustProxy,
    // Requests carrying tokens must not be logged by the framework.
    logger: false,
  });
}

/** Everything that must be set on the app object itself, shared by main.ts and the e2e tests. */
export function configureApp(app: NestFastifyApplication): NestFastifyApplication {
  app.enableShutdownHooks();
  setupSwagger(app);
  return app;
}

function setupSwagger(app: NestFastifyApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('nest-jwt-auth')
      .setDescription(
        'Email + password login, short-lived HS256 access tokens and rotating refresh tokens.\n\n' +
          'Try it: `POST /auth/register`, then `POST /auth/login`, copy `accessToken`, press **Authorize** ' +
          'and paste it. When a call answers 401 with `code: token_expired`, exchange the refresh token at ' +
          '`POST /auth/refresh`. `POST /auth/logout` ends the session.',
      )
      .setVersion('0.1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, API_BEARER)
      .build(),
  );
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true },
  });
}
