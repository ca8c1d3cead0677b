import { LoggerService } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { configureApp, createFastifyAdapter } from '../../src/app.setup';
import {
  OpenApiConformance,
  OpenApiDocument,
  parseBody,
  recordResponse,
} from './openapi-conformance';

export interface TestApp {
  app: NestFastifyApplication;
  url: string;
  http: () => ReturnType<typeof request>;
  dataSource: DataSource;
  close: () => Promise<void>;
}

/**
 * The real app, configured exactly as main.ts does it (configureApp), on the run's database.
 * `env` overrides variables for this app only.
 */
export async function createTestApp(
  env: Record<string, string | undefined> = {},
  options: { logger?: LoggerService } = {},
): Promise<TestApp> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete process.env[key];
  try {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    const app = moduleRef.createNestApplication<NestFastifyApplication>(createFastifyAdapter(), {
      logger: options.logger ?? false,
    });
    await configureApp(app);
    // Filled in once the app serves its document; responses before that are not checked.
    const checked: { conformance?: OpenApiConformance } = {};
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onSend', (request, reply, payload, done) => {
        const contentType = reply.getHeader('content-type');
        const type = typeof contentType === 'string' ? contentType : undefined;
        recordResponse(() => checked.conformance, {
          method: request.method,
          route: request.routeOptions.url,
          url: request.url,
          statusCode: reply.statusCode,
          headers: reply.getHeaders(),
          contentType: type,
          body: parseBody(payload, type),
        });
        done(null, payload);
      });
    // Listening on a real port (not supertest's per-request listen) lets requests run concurrently.
    await app.listen(0, '127.0.0.1');
    const url = await app.getUrl();
    // Every response is held to the document this very app serves (openapi-conformance.ts).
    const document = (await (await fetch(`${url}/docs-json`)).json()) as OpenApiDocument;
    checked.conformance = new OpenApiConformance(document);
    return {
      app,
      url,
      http: () => request(url),
      dataSource: app.get<DataSource>(getDataSourceToken()),
      close: () => app.close(),
    };
  } finally {
    process.env = saved;
  }
}

/** Each spec file starts from empty tables (migrations stay applied). */
export async function resetDatabase(dataSource: DataSource): Promise<void> {
  await dataSource.query(
    'TRUNCATE users, sessions, rotated_refresh_tokens, products, audit_events, user_mfa, mfa_recovery_codes, mfa_challenges, email_tokens CASCADE',
  );
}
