import { registerAs } from '@nestjs/config';
import { Env, EnvReader } from './env-parsers';

export interface AppConfig {
  nodeEnv: string;
  isProduction: boolean;
  host: string;
  port: number;
  /** Where development state lives: the embedded database and a generated secret. */
  dataDir: string;
  /** Trust X-Forwarded-For from a proxy in front (affects the IP recorded per session). */
  trustProxy: boolean;
  /** Fill an empty products table with demo rows at start. */
  seedDemoData: boolean;
  /** Browser origins allowed to call the API with credentials (CORS) and to use the cookie mode. */
  corsOrigins: string[];
  /** Cookies get `Secure` and the `__Secure-`/`__Host-` prefixes (always in production). */
  cookieSecure: boolean;
  logLevel: LogLevel;
  /** On SIGTERM, how long in-flight requests may take before the process exits anyway. */
  shutdownTimeoutMs: number;
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function loadAppConfig(env: Env = process.env): AppConfig {
  const read = new EnvReader(env);
  const { nodeEnv, isProduction } = read;
  const config: AppConfig = {
    nodeEnv,
    isProduction,
    host: read.string('HOST', '0.0.0.0'),
    port: read.int('PORT', 3000, 0, 65535),
    dataDir: read.dataDir,
    trustProxy: read.bool('TRUST_PROXY', false),
    seedDemoData: read.bool('SEED_DEMO_DATA', !isProduction),
    corsOrigins: parseOrigins(read),
    cookieSecure: read.bool('COOKIE_SECURE', isProduction),
    logLevel: read.string('LOG_LEVEL', 'info') as LogLevel,
    shutdownTimeoutMs: read.duration('SHUTDOWN_TIMEOUT', '10s', 100),
  };
  if (!LOG_LEVELS.includes(config.logLevel))
    read.fail(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  if (isProduction && !config.cookieSecure)
    read.fail('COOKIE_SECURE cannot be false when NODE_ENV=production');
  read.done();
  return config;
}

export const appConfig = registerAs('app', () => loadAppConfig());

/** CORS_ORIGINS: comma-separated origins such as https://app.example.com (no paths, no wildcards). */
function parseOrigins(read: EnvReader): string[] {
  const list = read.raw('CORS_ORIGINS');
  if (!list) return [];
  const origins = list
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of origins) {
    let valid = false;
    try {
      valid = new URL(origin).origin === origin;
    } catch {
      valid = false;
    }
    if (!valid)
      read.fail(`CORS_ORIGINS must list origins like https://app.example.com (got "${origin}")`);
  }
  return origins;
}
