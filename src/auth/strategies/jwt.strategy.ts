import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { authConfig } from '../../config/auth.config';
import {
  CLOCK_TOLERANCE_SECONDS,
  SessionRevocationsService,
} from '../../users/session-revocations.service';
import { SessionsService } from '../../users/sessions.service';
import { AuthError } from '../auth-errors';
import { AccessTokenVerifier } from '../access-token-verifier';
import { AccessTokenClaims, AuthenticatedUser } from '../authenticated-user';

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
      // Required by passport-jwt's constructor; verification itself is authenticate() below.
      secretOrKey: config.signingKey.key,
      algorithms: [config.algorithm],
    } as unknown as ConstructorParameters<typeof Strategy>[0]);
    this.verifier = new AccessTokenVerifier({
      algorithm: config.algorithm,
      keys: config.verificationKeys,
      issuer: config.issuer,
      audience: config.audience,
      clockToleranceSeconds: CLOCK_TOLERANCE_SECONDS,
    });
    this.checkSessionPerRequest = config.checkSessionPerRequest;
  }

  private readonly checkSessionPerRequest: boolean;
  private readonly verifier: AccessTokenVerifier;
  private readonly extract = ExtractJwt.fromAuthHeaderAsBearerToken();

  /**
   * The strategy's whole decision for one request, as a value: the caller, or a thrown AuthError.
   * Verification is one pass with node:crypto (AccessTokenVerifier) instead of jsonwebtoken, which
   * decoded the token again and built an Error with a stack for every refusal (BENCHMARKS.md).
   */
  authenticateRequest(request: {
    headers: Record<string, unknown>;
  }): AuthenticatedUser | Promise<AuthenticatedUser> {
    const token = this.extract(request as Parameters<typeof this.extract>[0]);
    if (!token) throw AuthError.of('token_missing');
    const result = this.verifier.verify(token);
    if (!result.ok) throw AuthError.of(result.code);
    return this.validate(result.claims);
  }

  /**
   * passport's entry point: the same decision, reported through passport's success / fail / error,
   * so AuthGuard('jwt') and passport's other machinery work with this strategy unchanged.
   */
  override authenticate(request: { headers: Record<string, unknown> }): void {
    const refuse = (error: unknown) =>
      error instanceof AuthError ? this.fail(error, 401) : this.error(error as Error);
    let user: AuthenticatedUser | Promise<AuthenticatedUser>;
    try {
      user = this.authenticateRequest(request);
    } catch (error) {
      return refuse(error);
    }
    if (!(user instanceof Promise)) return this.success(user);
    user.then((resolved) => this.success(resolved), refuse);
  }

  validate(claims: AccessTokenClaims): AuthenticatedUser | Promise<AuthenticatedUser> {
    const user = this.fromClaims(claims);
    if (!this.checkSessionPerRequest) return user;
    return this.sessions.isLive(user.sessionId).then((live) => {
      if (!live) throw AuthError.of('session_revoked');
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
      !claims.roles.every((role) => typeof role === 'string') ||
      (claims.amr !== undefined &&
        !(Array.isArray(claims.amr) && claims.amr.every((method) => typeof method === 'string')))
    ) {
      throw AuthError.of('token_invalid');
    }
    if (this.revocations.isRevoked(claims.sid)) throw AuthError.of('session_revoked');
    return {
      id: claims.sub,
      sessionId: claims.sid,
      roles: claims.roles,
      tokenId: claims.jti,
      expiresAt: claims.exp,
      amr: claims.amr ?? ['pwd'],
    };
  }
}
