import { AuditService } from '../audit/audit.service';
import { AuthConfig } from '../config/auth.config';
import { Role } from '../users/role.enum';
import { Session } from '../users/session.entity';
import { SessionsService } from '../users/sessions.service';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { AuthService } from './auth.service';
import { EmailVerificationService } from './email-verification.service';
import { LoginAttemptsService } from './login-attempts.service';
import { MfaService } from './mfa/mfa.service';
import { PasswordService } from './password.service';
import { TokenService } from './token.service';

/**
 * Issuing a pair re-checks the revocation set right before signing: a revocation that committed
 * after the request read the session (a logout waiting on the row lock a refresh holds, or one
 * heard from another instance meanwhile) must not be answered with a fresh access token.
 */
describe('AuthService: no access token for a session revoked while the pair was being issued', () => {
  const user = { id: 'u1', email: 'ada@example.com', roles: [Role.User] } as User;
  const session = {
    id: 's1',
    userId: user.id,
    user,
    expiresAt: new Date(Date.now() + 3_600_000),
    absoluteExpiresAt: new Date(Date.now() + 7_200_000),
  } as Session & { user: User };
  const refreshToken = 'r'.repeat(43);
  const client = { ip: '203.0.113.7', userAgent: 'spec' };
  let sessions: { rotate: jest.Mock; create: jest.Mock; isRevoked: jest.Mock; revoke: jest.Mock };
  let users: { recordLogin: jest.Mock };
  let tokens: Record<keyof TokenService, jest.Mock>;
  let service: AuthService;

  beforeEach(() => {
    sessions = {
      rotate: jest.fn().mockResolvedValue({ outcome: 'rotated', session, nonce: Buffer.alloc(32) }),
      create: jest.fn().mockResolvedValue(session),
      isRevoked: jest.fn().mockReturnValue(false),
      revoke: jest.fn().mockResolvedValue(true),
    };
    tokens = {
      signAccessToken: jest.fn().mockReturnValue({ accessToken: 'access', expiresIn: 900 }),
      newRefreshToken: jest.fn().mockReturnValue(refreshToken),
      isWellFormedRefreshToken: jest.fn().mockReturnValue(true),
      hashRefreshToken: jest.fn().mockReturnValue(Buffer.alloc(32)),
      deriveSuccessor: jest.fn().mockReturnValue('s'.repeat(43)),
    };
    users = { recordLogin: jest.fn().mockResolvedValue({ disabled: false }) };
    service = new AuthService(
      users as unknown as UsersService,
      sessions as unknown as SessionsService,
      {} as PasswordService,
      tokens as unknown as TokenService,
      {} as LoginAttemptsService,
      { record: jest.fn().mockResolvedValue(undefined) } as unknown as AuditService,
      {} as MfaService,
      {
        refreshTtlSeconds: 604_800,
        refreshReuseGraceMs: 10_000,
        sessionMaxLifetimeSeconds: 2_592_000,
      } as AuthConfig,
      {} as EmailVerificationService,
    );
  });

  it('should sign the pair of a refresh whose session is not revoked', async () => {
    await expect(service.refresh(refreshToken, client)).resolves.toMatchObject({
      accessToken: 'access',
    });
    expect(sessions.isRevoked).toHaveBeenCalledWith(session.id);
  });

  it('should refuse a refresh with session_revoked when the session was revoked after rotation read it', async () => {
    sessions.isRevoked.mockReturnValue(true);
    await expect(service.refresh(refreshToken, client)).rejects.toMatchObject({
      code: 'session_revoked',
    });
    expect(tokens.signAccessToken).not.toHaveBeenCalled();
  });

  it('should refuse a racing refresh inside the grace window the same way', async () => {
    sessions.rotate.mockResolvedValue({ outcome: 'grace', session, nonce: Buffer.alloc(32) });
    sessions.isRevoked.mockReturnValue(true);
    await expect(service.refresh(refreshToken, client)).rejects.toMatchObject({
      code: 'session_revoked',
    });
    expect(tokens.signAccessToken).not.toHaveBeenCalled();
  });

  it('should refuse a login whose new session was revoked before its pair was signed', async () => {
    sessions.isRevoked.mockReturnValue(true);
    await expect(service.login(user, client)).rejects.toMatchObject({ code: 'session_revoked' });
    expect(tokens.signAccessToken).not.toHaveBeenCalled();
  });

  it('should take back the session of a login that raced an admin disabling the account', async () => {
    users.recordLogin.mockResolvedValue({ disabled: true });
    await expect(service.login(user, client)).rejects.toMatchObject({
      response: { code: 'account_disabled' },
    });
    expect(sessions.revoke).toHaveBeenCalledWith(session.id, 'account_disabled');
    expect(tokens.signAccessToken).not.toHaveBeenCalled();
  });
});
