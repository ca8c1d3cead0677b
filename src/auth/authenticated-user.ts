import { Role } from '../users/role.enum';

/** Who an access token says is calling; built from its claims alone, no database read. */
export interface AuthenticatedUser {
  id: string;
  sessionId: string;
  roles: Role[];
  tokenId: string;
  expiresAt: number;
  /** How the session was authenticated: ['pwd'] or ['pwd', 'otp'] (RFC 8176). */
  amr: string[];
}

/** The claims of an access token (../shared/API.md, "Tokens"). */
export interface AccessTokenClaims {
  sub: string;
  sid: string;
  roles: Role[];
  /** Absent from tokens signed before MFA existed: those were password logins. */
  amr?: string[];
  iat: number;
  exp: number;
  iss: string;
  aud: string;
  jti: string;
}
