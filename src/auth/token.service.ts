import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { authConfig } from '../config/auth.config';
import { Role } from '../users/role.enum';
import { AuthError } from './auth-errors';
import { AccessTokenSigner } from './keys/access-token-signer';

/** 256 bits from the CSPRNG, base64url: 43 characters. */
const REFRESH_TOKEN_BYTES = 32;
const REFRESH_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface SignedAccessToken {
  accessToken: string;
  expiresIn: number;
}

/**
 * Minting and hashing of tokens. Access tokens are JWTs signed with the current key of
 * JWT_ALGORITHM (HS256, EdDSA or ES256; keys/access-token-signer.ts); refresh tokens are opaque
 * random strings of which the database only ever sees a SHA-256.
 */
@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: AccessTokenSigner,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {}

  /** An access token never outlives its session's absolute end. */
  signAccessToken(
    subject: { userId: string; sessionId: string; roles: Role[]; amr?: string[] },
    sessionEndsAt: Date,
    now = Date.now(),
  ): SignedAccessToken {
    const untilSessionEnd = Math.floor((sessionEndsAt.getTime() - now) / 1000);
    if (untilSessionEnd < 1) throw new AuthError('session_expired');
    const expiresIn = Math.min(this.config.accessTtlSeconds, untilSessionEnd);
    const accessToken = this.jwt.sign(
      // amr (RFC 8176): how the session was authenticated; RolesGuard reads it for step-up.
      { sid: subject.sessionId, roles: subject.roles, amr: subject.amr ?? ['pwd'] },
      { subject: subject.userId, jwtid: randomUUID(), expiresIn },
    );
    return { accessToken, expiresIn };
  }

  newRefreshToken(): string {
    return randomBytes(REFRESH_TOKEN_BYTES).toString('base64url');
  }

  /** Lets a malformed value fail before it costs a database round trip. */
  isWellFormedRefreshToken(token: unknown): token is string {
    return typeof token === 'string' && REFRESH_TOKEN_PATTERN.test(token);
  }

  hashRefreshToken(token: string): Buffer {
    return createHash('sha256').update(token, 'utf8').digest();
  }

  /**
   * The token that replaces `token` on rotation: HMAC-SHA256 keyed with the presented token over
   * a fresh random nonce. Only someone holding `token` can compute it, and the database keeps
   * only the nonce and hashes — yet a client racing with the same token within the grace window
   * can be handed the very same successor (see SessionsService.rotate).
   */
  deriveSuccessor(token: string, nonce: Buffer): string {
    return createHmac('sha256', token).update(nonce).digest('base64url');
  }
}
