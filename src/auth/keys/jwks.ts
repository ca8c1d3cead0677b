import { KeyObject } from 'node:crypto';
import { AuthConfig } from '../../config/auth.config';
import { JsonWebKeyDto, JsonWebKeySetDto } from './dto/jwks.dto';

/**
 * The JWK of a public key with the members a verifier needs, named explicitly: a private key's
 * `d` can never slip through, whatever KeyObject is passed in.
 */
export function toPublicJwk(key: KeyObject, kid: string, alg: 'EdDSA' | 'ES256'): JsonWebKeyDto {
  const jwk = (key.type === 'private' ? undefined : key.export({ format: 'jwk' })) ?? {};
  if (jwk.kty !== 'OKP' && jwk.kty !== 'EC') throw new Error('not an EdDSA or ES256 public key');
  return {
    kty: jwk.kty,
    crv: jwk.crv as JsonWebKeyDto['crv'],
    x: jwk.x!,
    ...(jwk.kty === 'EC' ? { y: jwk.y! } : {}),
    kid,
    alg,
    use: 'sig',
  };
}

/** The published set: current, previous, next (config/asymmetric-keys.ts); empty for HS256. */
export function buildJwks(
  config: Pick<AuthConfig, 'algorithm' | 'publishedKeys'>,
): JsonWebKeySetDto {
  const { algorithm } = config;
  if (algorithm === 'HS256') return { keys: [] };
  return { keys: config.publishedKeys.map(({ key, kid }) => toPublicJwk(key, kid, algorithm)) };
}
