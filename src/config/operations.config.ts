import { registerAs } from '@nestjs/config';
import { Env, EnvReader } from './env-parsers';

/** A shorter bearer token could be guessed; 16 characters of `openssl rand -hex 16` are 64 bits. */
export const MIN_METRICS_TOKEN_LENGTH = 16;

const DAY_MS = 86_400_000;

export interface OperationsConfig {
  /** METRICS_TOKEN: GET /metrics answers only this bearer token; unset, the route is a 404. */
  metricsToken?: string;
  /** AUDIT_RETENTION: audit events older than this are purged by the cleanup job. */
  auditRetentionMs: number;
}

export function loadOperationsConfig(env: Env = process.env): OperationsConfig {
  const read = new EnvReader(env);
  const metricsToken = read.raw('METRICS_TOKEN');
  if (metricsToken !== undefined && metricsToken.length < MIN_METRICS_TOKEN_LENGTH) {
    // Never echo the value: it is a secret.
    read.fail(
      `METRICS_TOKEN must be at least ${MIN_METRICS_TOKEN_LENGTH} characters (e.g. openssl rand -hex 16)`,
    );
  }
  const auditRetentionMs = read.duration('AUDIT_RETENTION', '365d', DAY_MS);
  read.done();
  return { metricsToken, auditRetentionMs };
}

export const operationsConfig = registerAs('operations', () => loadOperationsConfig());
