import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { PassportStrategy } from '@nestjs/passport';
import type { KeyObject } from 'node:crypto';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { authConfig } from '../../config/auth.config';
import { SigningKey } from '../../config/signing-keys';
import {
  CLOCK_TOLERANCE_SECONDS,
  SessionRevocationsService,
} from '../../users/session-revocations.service';
import { SessionsService } from '../../users/sessions.service';
import { AuthError } from '../auth-errors';
import { AccessTokenClaims, AuthenticatedUser } from '../authenticated-user';

export const ACCESS_TOKEN_ALGORITHM = 'HS256';

/** Three non-empty base64url parts: Node's base64url decoder would silently skip anything else. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Headers no token of ours carries. `crit` names extensions we do not implement (RFC 7515
 * §4.1.11: must reject); jku, x5u, jwk and x5c bring their own key, the root of a whole family
 * of forgeries (RFC 8725 §3.10). The key is never fetched or taken from a token, but a token that
 * tries is refused outright.
 */
const FORBIDDEN_HEADERS = ['crit', 'jku', 'x5u', 'jwk', 'x5c'];

/**
 * Picks the verification key named by the token's `kid`, after refusing headers no token of ours
 * carries: another algorithm (`none` included), `crit` extensions we do not implement
 * (RFC 7515 §4.1.11), or a kid we do not know. Key-fetching headers (jku, x5u, jwk) are never
 * followed: the key only ever comes from our own map.
 */
export function selectVerificationKey(
  rawJwt: string,
  keys: ReadonlyMap<string, SigningKey>,
): KeyObject | undefined {
  if (!COMPACT_JWS.test(rawJwt)) return undefined;
  let header: unknown;
  try {
    header = JSON.parse(
      Buffer.from(rawJwt.slice(0, rawJwt.indexOf('.')), 'base64url').toString('utf8'),
    );
  } catch {
    return undefined;
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return undefined;
  const fields = header as Record<string, unknown>;
  if (fields.alg !== ACCESS_TOKEN_ALGORITHM || typeof fields.kid !== 'string') return undefined;
  if (FORBIDDEN_HEADERS.some((name) => name in fields)) return undefined;
  if (fields.typ !== undefined && fields.typ !== 'JWT') return undefined;
  return keys.get(fields.kid)?.key;
}

/**
 * Accepts an access token by signature, expiry, issuer and audience, then checks the session id
 * against the in-memory revocation set: no database read on this path.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    @Inject(authConfig.KEY) config: ConfigType<typeof authConfig>,
    private readonly revocations: SessionRevocationsService,
    private readonly sessions: SessionsService,
  ) {
    super({
      // Only the Authorization header: a token in a URL ends up in logs and Referer headers.
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKeyProvider: (
        _request: unknown,
        rawJwt: string,
        done: (error: unknown, key?: unknown) => void,
      ) => {
        const key = selectVerificationKey(rawJwt, config.verificationKeys);
        if (key) done(null, key);
        else done(new AuthError('token_invalid'));
      },
      algorithms: [ACCESS_TOKEN_ALGORITHM],
      issuer: config.issuer,
      audience: config.audience,
      jsonWebTokenOptions: { clockTolerance: CLOCK_TOLERANCE_SECONDS },
    } as ConstructorParameters<typeof Strategy>[0]);
    this.checkSessionPerRequest = config.checkSessionPerRequest;
  }

  private readonly checkSessionPerRequest: boolean;

  validate(claims: AccessTokenClaims): AuthenticatedUser | Promise<AuthenticatedUser> {
    const user = this.fromClaims(claims);
    if (!this.checkSessionPerRequest) return user;
    return this.sessions.isLive(user.sessionId).then((live) => {
      if (!live) throw new AuthError('session_revoked');
      return user;
    });
  }

  private fromClaims(claims: AccessTokenClaims): AuthenticatedUser {
    if (
      typeof claims.sub !== 'string' ||
      typeof claims.sid !== 'string' ||
      typeof claims.jti !== 'string' ||
      typeof claims.exp !== 'number' ||
      !Array.isArray(claims.roles) ||
      !claims.roles.every((role) => typeof role === 'string')
    ) {
      throw new AuthError('token_invalid');
    }
    if (this.revocations.isRevoked(claims.sid)) throw new AuthError('session_revoked');
    return {
      id: claims.sub,
      sessionId: claims.sid,
      roles: claims.roles,
      tokenId: claims.jti,
      expiresAt: claims.exp,
    };
  }
}
