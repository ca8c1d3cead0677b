import { resolve } from 'node:path';
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
}

export function loadAppConfig(env: Env = process.env): AppConfig {
  const read = new EnvReader(env);
  const nodeEnv = read.string('NODE_ENV', 'development');
  const isProduction = nodeEnv === 'production';
  const config: AppConfig = {
    nodeEnv,
    isProduction,
    host: read.string('HOST', '0.0.0.0'),
    port: read.int('PORT', 3000, 0, 65535),
    dataDir: resolve(read.string('DATA_DIR', '.data')),
    trustProxy: read.bool('TRUST_PROXY', false),
    seedDemoData: read.bool('SEED_DEMO_DATA', !isProduction),
  };
  read.done();
  return config;
}

export const appConfig = registerAs('app', () => loadAppConfig());
