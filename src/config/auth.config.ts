import { availableParallelism } from 'node:os';
import { registerAs } from '@nestjs/config';
import { Env, EnvReader } from './env-parsers';
import { JWT_ALGORITHMS, JwtAlgorithm, resolveAsymmetricKeys } from './asymmetric-keys';
import { withSecretsManagerSecret } from './secrets-manager';
import {
  resolveCurrentSecret,
  resolvePreviousSecrets,
  SigningKey,
  toSigningKey,
} from './signing-keys';

export interface AuthConfig {
  /** JWT_ALGORITHM: the one algorithm access tokens are signed and accepted with. */
  algorithm: JwtAlgorithm;
  /** Signs new tokens: the HS256 secret, or the EdDSA / ES256 private key. */
  signingKey: SigningKey;
  /**
   * kid → key for verification. HS256: the signing key plus JWT_PREVIOUS_SECRETS (verify only).
   * EdDSA / ES256: the public keys of the current, previous and next keys.
   */
  verificationKeys: ReadonlyMap<string, SigningKey>;
  /** Public keys for GET /.well-known/jwks.json: none with HS256, whose key is a secret. */
  publishedKeys: readonly SigningKey[];
  issuer: string;
  audience: string;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
  refreshReuseGraceMs: number;
  sessionMaxLifetimeSeconds: number;
  bcryptCost: number;
  /** Failed logins per account and client address per 15 minutes. */
  rateLimitLoginAccount: number;
  /** Failed logins per account from all addresses per 15 minutes: the distributed-guessing cap. */
  rateLimitLoginAccountGlobal: number;
  rateLimitAuthIp: number;
  redisUrl?: string;
  /**
   * Also look the session up in the database on every request. Off by default: it is the
   * session-auth cost the design avoids, kept for comparison (npm run bench) and for deployments
   * that want revocation to be exact at any instant, whatever the propagation delay.
   */
  checkSessionPerRequest: boolean;
  /** REQUIRE_VERIFIED_EMAIL: a correct login of an unverified address is 403 email_unverified. */
  requireVerifiedEmail: boolean;
  /** bcrypt operations running at once (each holds a libuv thread for ~250 ms at cost 12). */
  passwordHashConcurrency: number;
  /** bcrypt operations allowed to wait; beyond that a login is shed with 503 instead of queueing. */
  passwordHashQueue: number;
  sessionPurgeIntervalMs: number;
  /** Ended sessions (revoked or expired) are deleted this long after they ended. */
  sessionPurgeAfterMs: number;
}

export function loadAuthConfig(env: Env = process.env): AuthConfig {
  const read = new EnvReader(env);
  const { isProduction, dataDir } = read;

  const algorithm = read.string('JWT_ALGORITHM', 'HS256') as JwtAlgorithm;
  if (!JWT_ALGORITHMS.includes(algorithm))
    read.fail(`JWT_ALGORITHM must be one of ${JWT_ALGORITHMS.join(', ')} (got "${algorithm}")`);
  // Only the chosen algorithm's keys are resolved: an EdDSA deployment needs no JWT_SECRET.
  const asymmetric =
    algorithm === 'EdDSA' || algorithm === 'ES256'
      ? resolveAsymmetricKeys(read, algorithm, isProduction, dataDir)
      : undefined;
  const current =
    algorithm === 'HS256' ? resolveCurrentSecret(read, isProduction, dataDir) : undefined;
  const previous = algorithm === 'HS256' ? resolvePreviousSecrets(read) : [];
  const accessTtl = read.duration('JWT_ACCESS_TTL', '15m', 10_000);
  const refreshTtl = read.duration('JWT_REFRESH_TTL', '7d', 60_000);
  const maxLifetime = read.duration('SESSION_MAX_LIFETIME', '30d', 60_000);
  const grace = read.duration('REFRESH_REUSE_GRACE', '10s', 0);
  if (refreshTtl <= accessTtl) read.fail('JWT_REFRESH_TTL must be longer than JWT_ACCESS_TTL');
  if (grace > 60_000)
    read.fail('REFRESH_REUSE_GRACE must be at most 60s: it is a race window, not a lifetime');

  const config = {
    issuer: read.string('JWT_ISSUER', 'nest-jwt-auth'),
    audience: read.string('JWT_AUDIENCE', 'nest-jwt-auth'),
    accessTtlSeconds: Math.floor(accessTtl / 1000),
    refreshTtlSeconds: Math.floor(refreshTtl / 1000),
    refreshReuseGraceMs: grace,
    sessionMaxLifetimeSeconds: Math.floor(maxLifetime / 1000),
    // 4 is bcrypt's floor and only sensible in tests; 15 already costs seconds per login.
    bcryptCost: read.int('BCRYPT_COST', 12, isProduction ? 10 : 4, 15),
    rateLimitLoginAccount: read.int('RATE_LIMIT_LOGIN_ACCOUNT', 10, 1, 1_000_000),
    rateLimitLoginAccountGlobal: read.int('RATE_LIMIT_LOGIN_ACCOUNT_GLOBAL', 100, 1, 1_000_000),
    rateLimitAuthIp: read.int('RATE_LIMIT_AUTH_IP', 100, 1, 1_000_000),
    redisUrl: read.url('REDIS_URL', ['redis:', 'rediss:']),
    checkSessionPerRequest: read.bool('AUTH_CHECK_SESSION', false),
    requireVerifiedEmail: read.bool('REQUIRE_VERIFIED_EMAIL', false),
    passwordHashConcurrency: read.int('PASSWORD_HASH_CONCURRENCY', availableParallelism(), 1, 64),
    passwordHashQueue: read.int('PASSWORD_HASH_QUEUE', 100, 0, 100_000),
    sessionPurgeIntervalMs: read.duration('SESSION_PURGE_INTERVAL', '1h', 1_000),
    sessionPurgeAfterMs: read.duration('SESSION_PURGE_AFTER', '1d', 60_000),
  };
  // Below the per-address limit the ceiling would be the only lock, and one stranger could set it.
  if (config.rateLimitLoginAccountGlobal < config.rateLimitLoginAccount) {
    read.fail('RATE_LIMIT_LOGIN_ACCOUNT_GLOBAL must be at least RATE_LIMIT_LOGIN_ACCOUNT');
  }
  // The revocation set reloads revocations younger than an access token's life at start; the
  // rows must still be there then.
  if (config.sessionPurgeAfterMs < accessTtl + 60_000) {
    read.fail('SESSION_PURGE_AFTER must be longer than JWT_ACCESS_TTL plus a minute');
  }
  read.done();

  if (asymmetric) {
    const verificationKeys = new Map(asymmetric.verificationKeys.map((key) => [key.kid, key]));
    const { signingKey, publishedKeys } = asymmetric;
    return { ...config, algorithm, signingKey, verificationKeys, publishedKeys };
  }
  const signingKey = toSigningKey(current!);
  const verificationKeys = new Map<string, SigningKey>();
  for (const key of [signingKey, ...previous.map(toSigningKey)]) verificationKeys.set(key.kid, key);
  return { ...config, algorithm, signingKey, verificationKeys, publishedKeys: [] };
}

/** The key may come from AWS Secrets Manager (JWT_SECRET_ARN), so this namespace loads async. */
export const authConfig = registerAs('auth', async () =>
  loadAuthConfig(await withSecretsManagerSecret(process.env)),
);
