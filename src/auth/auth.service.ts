import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { authConfig } from '../config/auth.config';
import { SessionDto } from '../users/dto/session.dto';
import { UserDto } from '../users/dto/user.dto';
import { Session } from '../users/session.entity';
import { SessionsService } from '../users/sessions.service';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { AuthError } from './auth-errors';
import { AuthenticatedUser } from './authenticated-user';
import { ClientInfo } from './decorators/client-info.decorator';
import { RegisterDto } from './dto/register.dto';
import { TokenPairDto } from './dto/token-pair.dto';
import { PasswordService } from './password.service';
import { TokenService } from './token.service';

/** The protocol: register, log in, refresh, log out. Identity and session state live in users/. */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly passwords: PasswordService,
    private readonly tokens: TokenService,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {}

  async register(dto: RegisterDto): Promise<UserDto> {
    const passwordHash = await this.passwords.hash(dto.password);
    const user = await this.users.create({ email: dto.email, name: dto.name, passwordHash });
    return UserDto.from(user);
  }

  /**
   * Unknown email and wrong password take the same path length (a bcrypt compare each) and give
   * the same error, so neither the answer nor its timing tells which emails exist.
   */
  async validateCredentials(email: string, password: string): Promise<User> {
    const user = await this.users.findByEmailWithPasswordHash(email);
    const valid = user
      ? await this.passwords.verify(password, user.passwordHash)
      : await this.passwords.verifyAgainstNothing(password);
    if (!user || !valid) throw new AuthError('invalid_credentials');
    if (this.passwords.needsRehash(user.passwordHash)) {
      await this.users.updatePasswordHash(user.id, await this.passwords.hash(password));
    }
    return user;
  }

  async login(user: User, client: ClientInfo): Promise<TokenPairDto> {
    const refreshToken = this.tokens.newRefreshToken();
    const session = await this.sessions.create({
      userId: user.id,
      refreshTokenHash: this.tokens.hashRefreshToken(refreshToken),
      refreshTtlMs: this.config.refreshTtlSeconds * 1000,
      maxLifetimeMs: this.config.sessionMaxLifetimeSeconds * 1000,
      userAgent: client.userAgent,
      ip: client.ip,
    });
    return this.tokenPair(user, session, refreshToken);
  }

  async refresh(refreshToken: string): Promise<TokenPairDto> {
    if (!this.tokens.isWellFormedRefreshToken(refreshToken)) throw new AuthError('token_invalid');
    const result = await this.sessions.rotate(this.tokens.hashRefreshToken(refreshToken), {
      refreshTtlMs: this.config.refreshTtlSeconds * 1000,
      graceMs: this.config.refreshReuseGraceMs,
      successorHash: (nonce) =>
        this.tokens.hashRefreshToken(this.tokens.deriveSuccessor(refreshToken, nonce)),
    });
    switch (result.outcome) {
      case 'rotated':
      case 'grace':
        return this.tokenPair(
          result.session.user,
          result.session,
          this.tokens.deriveSuccessor(refreshToken, result.nonce),
        );
      case 'reused':
        throw new AuthError('refresh_token_reused');
      case 'revoked':
        throw new AuthError('session_revoked');
      case 'expired':
        throw new AuthError('session_expired');
      case 'unknown':
        throw new AuthError('token_invalid');
    }
  }

  /** Logout by access token (its session) or, when that has expired, by refresh token. */
  async logout(
    principal: AuthenticatedUser | undefined,
    refreshToken: string | undefined,
  ): Promise<void> {
    if (principal) {
      if (!(await this.sessions.revoke(principal.sessionId, 'logout')))
        throw new AuthError('session_revoked');
      return;
    }
    if (!this.tokens.isWellFormedRefreshToken(refreshToken)) throw new AuthError('token_invalid');
    const session = await this.sessions.findLiveByRefreshHash(
      this.tokens.hashRefreshToken(refreshToken),
    );
    if (!session || !(await this.sessions.revoke(session.id, 'logout')))
      throw new AuthError('token_invalid');
  }

  async logoutAll(principal: AuthenticatedUser): Promise<void> {
    await this.sessions.revokeAllForUser(principal.id, 'logout_all');
  }

  async me(principal: AuthenticatedUser): Promise<UserDto> {
    const user = await this.users.findById(principal.id);
    // The user was deleted after the token was issued.
    if (!user) throw new AuthError('session_revoked');
    return UserDto.from(user);
  }

  async listSessions(principal: AuthenticatedUser): Promise<SessionDto[]> {
    const sessions = await this.sessions.listLive(principal.id);
    return sessions.map((session) => SessionDto.from(session, principal.sessionId));
  }

  /** Another user's session is indistinguishable from an unknown one: both are 404. */
  async revokeSession(principal: AuthenticatedUser, sessionId: string): Promise<void> {
    if (!(await this.sessions.revoke(sessionId, 'revoked_by_user', principal.id))) {
      throw new NotFoundException('Session not found');
    }
  }

  private tokenPair(user: User, session: Session, refreshToken: string): TokenPairDto {
    const { accessToken, expiresIn } = this.tokens.signAccessToken(
      { userId: user.id, sessionId: session.id, roles: user.roles },
      session.absoluteExpiresAt,
    );
    return {
      tokenType: 'Bearer',
      accessToken,
      expiresIn,
      refreshToken,
      refreshExpiresIn: Math.max(0, Math.floor((session.expiresAt.getTime() - Date.now()) / 1000)),
    };
  }
}
