/**
 * Everything the orders service needs to trust the auth service: where its public keys are
 * published, and what its tokens must say. Nothing here can sign a token.
 */
export interface OrdersConfig {
  port: number;
  /** The auth service's GET /.well-known/jwks.json. */
  jwksUrl: URL;
  /** The auth service's JWT_ISSUER and JWT_AUDIENCE. */
  issuer: string;
  audience: string;
  /** The auth service's JWT_ALGORITHM, pinned: a token naming any other is refused. */
  algorithm: 'EdDSA' | 'ES256';
  /** How long fetched keys are trusted before the set is fetched again (jose's cacheMaxAge). */
  jwksCacheMaxAgeMs: number;
  /** The least time between two fetches, whatever kids arrive (jose's cooldownDuration). */
  jwksCooldownMs: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): OrdersConfig {
  const problems: string[] = [];
  const int = (name: string, fallback: number) => {
    const value = env[name]?.trim();
    if (!value) return fallback;
    if (!/^\d+$/.test(value)) problems.push(`${name} must be a whole number (got "${value}")`);
    return Number(value);
  };
  let jwksUrl: URL;
  try {
    jwksUrl = new URL(env.AUTH_JWKS_URL?.trim() || 'http://127.0.0.1:3000/.well-known/jwks.json');
  } catch {
    problems.push('AUTH_JWKS_URL must be a URL');
    jwksUrl = new URL('http://invalid');
  }
  const algorithm = env.AUTH_ALGORITHM?.trim() || 'EdDSA';
  if (algorithm !== 'EdDSA' && algorithm !== 'ES256')
    problems.push(`AUTH_ALGORITHM must be EdDSA or ES256 (got "${algorithm}")`);
  const config: OrdersConfig = {
    port: int('PORT', 3001),
    jwksUrl,
    issuer: env.AUTH_ISSUER?.trim() || 'nest-jwt-auth',
    audience: env.AUTH_AUDIENCE?.trim() || 'nest-jwt-auth',
    algorithm: algorithm as OrdersConfig['algorithm'],
    jwksCacheMaxAgeMs: int('JWKS_CACHE_MAX_AGE_MS', 10 * 60_000),
    jwksCooldownMs: int('JWKS_COOLDOWN_MS', 30_000),
  };
  if (problems.length > 0)
    throw new Error(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return config;
}
