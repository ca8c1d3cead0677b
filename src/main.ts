import 'reflect-metadata';
import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { configureApp, createFastifyAdapter } from './app.setup';
import { appConfig } from './config/app.config';
import { ConfigError } from './config/env-parsers';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, createFastifyAdapter(), {
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  await configureApp(app);
  const config = app.get<ReturnType<typeof appConfig>>(appConfig.KEY);
  drainOnSignals(app, config.shutdownTimeoutMs);
  await app.listen(config.port, config.host);
  const url = `http://localhost:${config.port}`;
  new NestLogger('Bootstrap').log(`Listening on ${url} (Swagger UI: ${url}/docs)`);
}

/**
 * SIGTERM/SIGINT: stop accepting connections, let in-flight requests finish (at most
 * SHUTDOWN_TIMEOUT), close the database pool and the embedded database, exit 0. Nest's own
 * shutdown hooks would re-raise the signal and exit 143, which orchestrators count as a crash.
 */
function drainOnSignals(app: NestFastifyApplication, timeoutMs: number): void {
  const logger = new NestLogger('Shutdown');
  let draining = false;
  // A response finished while draining closes its keep-alive connection; otherwise a client that
  // keeps connections open (as fetch does) would hold the server open until the timeout.
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', async (_request, reply) => {
      if (draining) void reply.header('Connection', 'close');
    });
  const drain = (signal: NodeJS.Signals) => {
    if (draining) return;
    draining = true;
    logger.log(`${signal}: draining in-flight requests`);
    setTimeout(() => {
      logger.error(`Still busy after ${timeoutMs} ms: exiting anyway`);
      process.exit(1);
    }, timeoutMs).unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(`Shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', drain);
  process.once('SIGINT', drain);
}

bootstrap().catch((error: unknown) => {
  // A configuration error names the variable; anything else is reported without a stack.
  const message =
    error instanceof ConfigError
      ? error.message
      : `Failed to start: ${error instanceof Error ? error.message : String(error)}`;
  // Written directly: with bufferLogs, Nest's logger would hold the line until a logger is attached.
  NestLogger.flush();
  process.stderr.write(
    JSON.stringify({ level: 'fatal', time: Date.now(), context: 'Bootstrap', msg: message }) + '\n',
  );
  process.exit(1);
});
