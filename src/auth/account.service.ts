import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { AuditEventType } from '../audit/audit-event-type';
import { AuditService } from '../audit/audit.service';
import { authConfig } from '../config/auth.config';
import { CredentialsService } from '../users/credentials.service';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { AuthError } from './auth-errors';
import { AuthService } from './auth.service';
import { AuthenticatedUser } from './authenticated-user';
import { ClientInfo } from './decorators/client-info.decorator';
import { TokenPairDto } from './dto/token-pair.dto';
import { PasswordService } from './password.service';
import { TokenService } from './token.service';

/**
 * What a signed-in user does to their own account (../shared/API.md, "Account lifecycle
 * (email)"): change the password, delete the account. Both ask for the password again, checked
 * as a login is (AuthService.validateCredentials): a wrong one is 401 invalid_credentials and
 * counts toward the account's lock, so a stolen access token cannot be used to guess it.
 */
@Injectable()
export class AccountService {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
    private readonly credentials: CredentialsService,
    private readonly passwords: PasswordService,
    private readonly tokens: TokenService,
    private readonly audit: AuditService,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {}

  /**
   * The calling session continues with a new token pair (its old refresh token stops working);
   * every other session is revoked at once, on every instance; outstanding reset links die.
   */
  async changePassword(
    principal: AuthenticatedUser,
    currentPassword: string,
    newPassword: string,
    client: ClientInfo,
  ): Promise<TokenPairDto> {
    const user = await this.reauthenticate(principal, currentPassword, client);
    const passwordHash = await this.passwords.hash(newPassword);
    const refreshToken = this.tokens.newRefreshToken();
    const session = await this.credentials.changePassword(user.id, passwordHash, {
      id: principal.sessionId,
      refreshTokenHash: this.tokens.hashRefreshToken(refreshToken),
      refreshTtlMs: this.config.refreshTtlSeconds * 1000,
    });
    // The calling session was revoked (or the user deleted) while this ran: nothing changed.
    if (!session) throw new AuthError('session_revoked');
    await this.audit.record(AuditEventType.PasswordChanged, {
      userId: user.id,
      sessionId: session.id,
      ...client,
    });
    return this.auth.tokenPair(session.user, session, refreshToken);
  }

  /** Deletes the account; UsersService.delete revokes every session at once, on every instance. */
  async deleteAccount(
    principal: AuthenticatedUser,
    password: string,
    client: ClientInfo,
  ): Promise<void> {
    const user = await this.reauthenticate(principal, password, client);
    if (!(await this.users.delete(user.id))) throw new AuthError('session_revoked');
    // Audit events have no foreign key: the record keeps the id of the user who is gone.
    await this.audit.record(AuditEventType.AccountDeleted, {
      userId: user.id,
      sessionId: principal.sessionId,
      ...client,
    });
  }

  private async reauthenticate(
    principal: AuthenticatedUser,
    password: string,
    client: ClientInfo,
  ): Promise<User> {
    const user = await this.users.findById(principal.id);
    if (!user) throw new AuthError('session_revoked');
    return this.auth.validateCredentials(user.email, password, client, 'reauthenticate');
  }
}
