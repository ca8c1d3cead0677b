import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { AuditEventType } from '../audit/audit-event-type';
import { AuditService } from '../audit/audit.service';
import { authConfig } from '../config/auth.config';
import { SessionDto } from '../users/dto/session.dto';
import { UserDto } from '../users/dto/user.dto';
import { Session } from '../users/session.entity';
import { SessionsService } from '../users/sessions.service';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { accountDisabled } from '../users/administration-errors';
import { AuthError } from './auth-errors';
import { AuthenticatedUser } from './authenticated-user';
import { emailUnverified } from './account-errors';
import { ClientInfo } from './decorators/client-info.decorator';
import { RegisterDto } from './dto/register.dto';
import { TokenPairDto } from './dto/token-pair.dto';
import { LoginAttemptsService } from './login-attempts.service';
import { EmailVerificationService } from './email-verification.service';
import { MfaService } from './mfa/mfa.service';
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
    private readonly attempts: LoginAttemptsService,
    private readonly audit: AuditService,
    private readonly mfa: MfaService,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
    private readonly verification: EmailVerificationService,
  ) {}

  async register(dto: RegisterDto, client: ClientInfo): Promise<UserDto> {
    const passwordHash = await this.passwords.hash(dto.password);
    const user = await this.users.create({ email: dto.email, name: dto.name, passwordHash });
    await this.audit.record(AuditEventType.Register, { userId: user.id, ...client });
    this.verification.sendAfterRegistration(user.id);
    return UserDto.from(user);
  }

  /**
   * Unknown email and wrong password take the same path (a bcrypt compare each), count against
   * the same lock and give the same error, so neither the answer nor its timing tells which
   * emails exist. The attempt is counted before the compare, so concurrent guesses cannot slip
   * past the limit while bcrypt runs. `reauthenticate`: a signed-in user confirming a change
   * (password change, account deletion) with the password; counted the same, but no login.
   */
  async validateCredentials(
    email: string,
    password: string,
    client: ClientInfo,
    purpose: 'login' | 'reauthenticate' = 'login',
  ): Promise<User> {
    const attempt = await this.attempts.begin(email, client.ip);
    let user: User | null;
    let valid: boolean;
    try {
      user = await this.users.findByEmailWithPasswordHash(email);
      valid = user
        ? await this.passwords.verify(password, user.passwordHash)
        : await this.passwords.verifyAgainstNothing(password);
    } catch (error) {
      // Nothing was checked (database down, hashing shed under load): a user retrying through an
      // outage must not lock themselves out.
      await this.attempts.cancel(attempt);
      throw error;
    }
    if (!user || !valid) {
      await this.audit.record(AuditEventType.LoginFailed, { userId: user?.id, ...client });
      if (attempt.locksOnFailure) {
        await this.audit.record(AuditEventType.Lockout, { userId: user?.id, ...client });
      }
      throw new AuthError('invalid_credentials');
    }
    // With a second factor the login is not over yet (LoginAttemptsService.passwordAccepted).
    if (purpose === 'login' && (await this.mfa.isEnabled(user.id)))
      await this.attempts.passwordAccepted(attempt);
    else await this.attempts.succeeded(attempt);
    if (this.passwords.needsRehash(user.passwordHash)) {
      await this.users.updatePasswordHash(user.id, await this.passwords.hash(password));
    }
    // Checked only once the password is right, so the 403 tells nothing to a guesser.
    if (purpose === 'login' && user.disabledAt) throw accountDisabled();
    if (purpose === 'login' && this.config.requireVerifiedEmail && !user.emailVerifiedAt) {
      await this.verification.sendForRefusedLogin(user.id);
      throw emailUnverified();
    }
    return user;
  }

  /** `amr`: how the login was authenticated; ['pwd', 'otp'] after a second factor (auth/mfa). */
  async login(user: User, client: ClientInfo, amr: string[] = ['pwd']): Promise<TokenPairDto> {
    const refreshToken = this.tokens.newRefreshToken();
    const session = await this.sessions.create({
      userId: user.id,
      refreshTokenHash: this.tokens.hashRefreshToken(refreshToken),
      refreshTtlMs: this.config.refreshTtlSeconds * 1000,
      maxLifetimeMs: this.config.sessionMaxLifetimeSeconds * 1000,
      userAgent: client.userAgent,
      ip: client.ip,
      amr,
    });
    // A disable that raced this login (UsersService.recordLogin) takes the session back.
    if ((await this.users.recordLogin(user.id)).disabled) {
      await this.sessions.revoke(session.id, 'account_disabled');
      throw accountDisabled();
    }
    await this.audit.record(AuditEventType.LoginSucceeded, {
      userId: user.id,
      sessionId: session.id,
      ...client,
    });
    return this.tokenPair(user, session, refreshToken);
  }

  async refresh(refreshToken: string, client: ClientInfo): Promise<TokenPairDto> {
    if (!this.tokens.isWellFormedRefreshToken(refreshToken)) throw new AuthError('token_invalid');
    const result = await this.sessions.rotate(this.tokens.hashRefreshToken(refreshToken), {
      refreshTtlMs: this.config.refreshTtlSeconds * 1000,
      graceMs: this.config.refreshReuseGraceMs,
      successorHash: (nonce) =>
        this.tokens.hashRefreshToken(this.tokens.deriveSuccessor(refreshToken, nonce)),
    });
    switch (result.outcome) {
      case 'rotated':
      case 'grace': {
        const { session } = result;
        if (result.outcome === 'rotated') {
          await this.audit.record(AuditEventType.Refresh, {
            userId: session.userId,
            sessionId: session.id,
            ...client,
          });
        }
        return this.tokenPair(
          session.user,
          session,
          this.tokens.deriveSuccessor(refreshToken, result.nonce),
        );
      }
      case 'reused':
        await this.audit.record(AuditEventType.RefreshTokenReused, {
          userId: result.userId,
          sessionId: result.sessionId,
          ...client,
        });
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
    client: ClientInfo,
  ): Promise<void> {
    let userId: string;
    let sessionId: string;
    if (principal) {
      if (!(await this.sessions.revoke(principal.sessionId, 'logout')))
        throw new AuthError('session_revoked');
      ({ id: userId, sessionId } = principal);
    } else {
      // Nothing at all to identify a session by is a missing credential, not a bad one.
      if (refreshToken === undefined) throw new AuthError('token_missing');
      if (!this.tokens.isWellFormedRefreshToken(refreshToken)) throw new AuthError('token_invalid');
      const session = await this.sessions.findLiveByRefreshHash(
        this.tokens.hashRefreshToken(refreshToken),
      );
      if (!session || !(await this.sessions.revoke(session.id, 'logout')))
        throw new AuthError('token_invalid');
      ({ userId, id: sessionId } = session);
    }
    await this.audit.record(AuditEventType.Logout, { userId, sessionId, ...client });
  }

  async logoutAll(principal: AuthenticatedUser, client: ClientInfo): Promise<void> {
    await this.sessions.revokeAllForUser(principal.id, 'logout_all');
    await this.audit.record(AuditEventType.LogoutAll, {
      userId: principal.id,
      sessionId: principal.sessionId,
      ...client,
    });
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
  async revokeSession(
    principal: AuthenticatedUser,
    sessionId: string,
    client: ClientInfo,
  ): Promise<void> {
    if (!(await this.sessions.revoke(sessionId, 'revoked_by_user', principal.id))) {
      throw new NotFoundException('Session not found');
    }
    await this.audit.record(AuditEventType.SessionRevoked, {
      userId: principal.id,
      sessionId,
      ...client,
    });
  }

  /** Also AccountService's, for the session a password change keeps. */
  tokenPair(user: User, session: Session, refreshToken: string): TokenPairDto {
    // The session was read before this point; a revocation that committed since (a logout that
    // waited on the row lock this refresh held, one heard from another instance meanwhile) must
    // not be answered with a token that would outlive the revocation set's entry.
    if (this.sessions.isRevoked(session.id)) throw new AuthError('session_revoked');
    const { accessToken, expiresIn } = this.tokens.signAccessToken(
      { userId: user.id, sessionId: session.id, roles: user.roles, amr: session.amr },
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
