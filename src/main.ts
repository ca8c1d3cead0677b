import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { configureApp, createFastifyAdapter } from './app.setup';
import { appConfig } from './config/app.config';
import { ConfigError } from './config/env-parsers';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, createFastifyAdapter());
  await configureApp(app);
  const config = app.get<ReturnType<typeof appConfig>>(appConfig.KEY);
  await app.listen(config.port, config.host);
  const url = `http://localhost:${config.port}`;
  new Logger('Bootstrap').log(`Listening on ${url} (Swagger UI: ${url}/docs)`);
}

bootstrap().catch((error: unknown) => {
  // A configuration error names the variable; anything else is reported without a stack.
  const message =
    error instanceof ConfigError
      ? error.message
      : `Failed to start: ${error instanceof Error ? error.message : String(error)}`;
  new Logger('Bootstrap').error(message);
  process.exit(1);
});
