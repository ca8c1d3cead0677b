import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { createRemoteJWKSet, errors, JWTPayload, jwtVerify } from 'jose';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { OrdersConfig } from './config';

export const ORDERS_CONFIG = Symbol('ORDERS_CONFIG');

/** Who is calling, as the auth service's token says. */
export interface Caller {
  userId: string;
  sessionId: string;
  roles: string[];
}

/**
 * passport-jwt, with the signature checked by jose against the auth service's JWKS instead of a
 * shared secret. passport-jwt verifies through jsonwebtoken, which has no EdDSA; so this strategy
 * keeps passport-jwt's extraction and its success / fail protocol, and verifies with jose's
 * jwtVerify: algorithm pinned, issuer and audience checked, exp required.
 *
 * createRemoteJWKSet keeps the fetched keys (cacheMaxAge), fetches again when a token names a kid
 * it has not seen (a rotation's new key), and at most once per cooldown whatever arrives: a flood
 * of made-up kids cannot turn into a flood of requests to the auth service.
 */
@Injectable()
export class JwksStrategy extends PassportStrategy(Strategy, 'jwt') {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;
  private readonly extract = ExtractJwt.fromAuthHeaderAsBearerToken();

  constructor(@Inject(ORDERS_CONFIG) private readonly config: OrdersConfig) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // passport-jwt insists on a key source; authenticate() below never asks it (nor its
      // `algorithms`, whose jsonwebtoken list has no EdDSA: jose pins the algorithm instead).
      secretOrKeyProvider: (_request: unknown, _token: string, done: (error: Error) => void) =>
        done(new Error('verified with jose')),
    });
    this.keys = createRemoteJWKSet(config.jwksUrl, {
      cacheMaxAge: config.jwksCacheMaxAgeMs,
      cooldownDuration: config.jwksCooldownMs,
      timeoutDuration: 5_000,
    });
  }

  override authenticate(request: Parameters<typeof this.extract>[0]): void {
    const token = this.extract(request);
    if (!token) return this.fail({ code: 'token_missing' }, 401);
    jwtVerify(token, this.keys, {
      algorithms: [this.config.algorithm],
      issuer: this.config.issuer,
      audience: this.config.audience,
      requiredClaims: ['exp', 'sub', 'sid'],
      clockTolerance: 30,
    }).then(
      ({ payload }) => {
        const caller = this.validate(payload);
        return caller ? this.success(caller) : this.fail({ code: 'token_invalid' }, 401);
      },
      (error: unknown) =>
        this.fail(
          { code: error instanceof errors.JWTExpired ? 'token_expired' : 'token_invalid' },
          401,
        ),
    );
  }

  validate(payload: JWTPayload): Caller | undefined {
    const { sub, sid, roles } = payload as JWTPayload & { sid?: unknown; roles?: unknown };
    if (typeof sub !== 'string' || typeof sid !== 'string') return undefined;
    const roleList = Array.isArray(roles)
      ? roles.filter((r): r is string => typeof r === 'string')
      : [];
    return { userId: sub, sessionId: sid, roles: roleList };
  }
}
