import { Role } from '../users/role.enum';

/** Who an access token says is calling; built from its claims alone, no database read. */
export interface AuthenticatedUser {
  id: string;
  sessionId: string;
  roles: Role[];
  tokenId: string;
  expiresAt: number;
}

/** The claims of an access token (../shared/API.md, "Tokens"). */
export interface AccessTokenClaims {
  sub: string;
  sid: string;
  roles: Role[];
  iat: number;
  exp: number;
  iss: string;
  aud: string;
  jti: string;
}
