import { ConfigModule } from '@nestjs/config';
import { appConfig } from './app.config';
import { authConfig } from './auth.config';
import { databaseConfig } from './database.config';
import { mailConfig } from './mail.config';
import { mfaConfig } from './mfa.config';
import { operationsConfig } from './operations.config';

/** Every config namespace, validated when loaded; the app and the operator commands share it. */
export const AppConfigModule = ConfigModule.forRoot({
  isGlobal: true,
  cache: true,
  load: [appConfig, databaseConfig, authConfig, mfaConfig, mailConfig, operationsConfig],
  // Tests set their environment explicitly; a developer's .env must not leak into them.
  ignoreEnvFile: process.env.NODE_ENV === 'test',
});
