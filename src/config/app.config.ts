import { isIP } from 'node:net';
import { registerAs } from '@nestjs/config';
import { Env, EnvReader } from './env-parsers';

export interface AppConfig {
  nodeEnv: string;
  isProduction: boolean;
  host: string;
  port: number;
  /** Where development state lives: the embedded database and a generated secret. */
  dataDir: string;
  /**
   * Whose X-Forwarded-For entries are believed: the number of proxy hops in front (0: none, the
   * client is the socket's peer) or the proxies' CIDRs. Fastify's `trustProxy` takes either.
   */
  trustProxy: number | string[];
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
    trustProxy: parseTrustProxy(read),
    seedDemoData: read.bool('SEED_DEMO_DATA', !isProduction),
    corsOrigins: parseOrigins(read),
    cookieSecure: read.bool('COOKIE_SECURE', isProduction),
    logLevel: read.string('LOG_LEVEL', 'info') as LogLevel,
    shutdownTimeoutMs: read.duration('SHUTDOWN_TIMEOUT', '10s', 100),
  };
  if (!LOG_LEVELS.includes(config.logLevel))
    read.fail(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  if (isProduction && !config.cookieSecure)
    read.fail(
      `COOKIE_SECURE cannot be false when NODE_ENV=${nodeEnv} (only development and test may turn it off)`,
    );
  read.done();
  return config;
}

export const appConfig = registerAs('app', () => loadAppConfig());

/** More hops than any real chain of proxies: a larger number is a typo. */
const MAX_PROXY_HOPS = 32;

/**
 * TRUST_PROXY (../shared/API.md, "Client addresses and rate-limit keys"). `true` used to mean
 * "believe X-Forwarded-For from anyone", which let every client pick its own address; it is
 * refused rather than reinterpreted, so an old deployment stops with instructions instead of
 * silently changing whom it trusts.
 */
function parseTrustProxy(read: EnvReader): number | string[] {
  const value = read.raw('TRUST_PROXY');
  if (value === undefined || /^(false|no|off)$/i.test(value)) return 0;
  if (/^(true|yes|on)$/i.test(value)) {
    read.fail(
      `TRUST_PROXY no longer accepts "${value}" (it believed X-Forwarded-For from any client): ` +
        'give the hop count of the proxies in front (1 behind one nginx) or their CIDRs (10.0.0.0/8)',
    );
    return 0;
  }
  if (/^\d+$/.test(value)) return read.int('TRUST_PROXY', 0, 0, MAX_PROXY_HOPS);
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const invalid = entries.filter((entry) => !isCidr(entry));
  if (entries.length === 0 || invalid.length > 0) {
    read.fail(
      'TRUST_PROXY must be a hop count (1 behind one nginx) or comma-separated proxy CIDRs ' +
        `such as 10.0.0.0/8, fd00::/8 (got "${invalid.join('", "') || value}")`,
    );
    return 0;
  }
  return entries;
}

/** An IPv4 or IPv6 address, optionally with a /prefix; no zone id, no netmask notation. */
function isCidr(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || address.includes('%') || rest.length > 0) return false;
  if (prefix === undefined) return true;
  // A /0 would trust every peer, which is what TRUST_PROXY=true did.
  return (
    /^\d{1,3}$/.test(prefix) && Number(prefix) >= 1 && Number(prefix) <= (version === 4 ? 32 : 128)
  );
}

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
