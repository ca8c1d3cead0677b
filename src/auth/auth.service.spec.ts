import { AuthConfig } from '../config/auth.config';
import { Role } from '../users/role.enum';
import { SessionsService } from '../users/sessions.service';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { AuthService } from './auth.service';
import { PasswordService } from './password.service';
import { TokenService } from './token.service';
import { AuditService } from '../audit/audit.service';
import { LoginAttemptsService } from './login-attempts.service';
import { TooManyRequestsError } from '../common/http/too-many-requests.error';

/** The credential check, with its collaborators faked: what it compares and what it refuses. */
describe('AuthService.validateCredentials', () => {
  const user = {
    id: 'u1',
    email: 'ada@example.com',
    passwordHash: '$2b$12$hash',
    roles: [Role.User],
  } as User;
  let users: { findByEmailWithPasswordHash: jest.Mock; updatePasswordHash: jest.Mock };
  let passwords: {
    verify: jest.Mock;
    verifyAgainstNothing: jest.Mock;
    needsRehash: jest.Mock;
    hash: jest.Mock;
  };
  let attempts: { assertNotLocked: jest.Mock; recordFailure: jest.Mock; reset: jest.Mock };
  let audit: { record: jest.Mock };
  let service: AuthService;
  const client = { ip: '203.0.113.7', userAgent: 'spec' };

  beforeEach(() => {
    users = { findByEmailWithPasswordHash: jest.fn(), updatePasswordHash: jest.fn() };
    passwords = {
      verify: jest.fn(),
      verifyAgainstNothing: jest.fn().mockResolvedValue(false),
      needsRehash: jest.fn().mockReturnValue(false),
      hash: jest.fn().mockResolvedValue('$2b$12$new'),
    };
    attempts = {
      assertNotLocked: jest.fn().mockResolvedValue(undefined),
      recordFailure: jest.fn().mockResolvedValue(false),
      reset: jest.fn().mockResolvedValue(undefined),
    };
    audit = { record: jest.fn().mockResolvedValue(undefined) };
    service = new AuthService(
      users as unknown as UsersService,
      {} as SessionsService,
      passwords as unknown as PasswordService,
      {} as TokenService,
      attempts as unknown as LoginAttemptsService,
      audit as unknown as AuditService,
      {} as AuthConfig,
    );
  });

  it('should return the user when the password matches', async () => {
    users.findByEmailWithPasswordHash.mockResolvedValue(user);
    passwords.verify.mockResolvedValue(true);
    await expect(service.validateCredentials(user.email, 'pw', client)).resolves.toBe(user);
  });

  it('should spend a bcrypt compare on an unknown email, so timing does not reveal it', async () => {
    users.findByEmailWithPasswordHash.mockResolvedValue(null);
    await expect(
      service.validateCredentials('nobody@example.com', 'pw', client),
    ).rejects.toMatchObject({
      code: 'invalid_credentials',
    });
    expect(passwords.verifyAgainstNothing).toHaveBeenCalledWith('pw');
  });

  it('should give a wrong password the same error as an unknown email', async () => {
    users.findByEmailWithPasswordHash.mockResolvedValue(user);
    passwords.verify.mockResolvedValue(false);
    await expect(service.validateCredentials(user.email, 'wrong', client)).rejects.toMatchObject({
      code: 'invalid_credentials',
      message: 'Invalid email or password',
    });
  });

  it('should re-hash a password stored at a lower cost after a successful login', async () => {
    users.findByEmailWithPasswordHash.mockResolvedValue(user);
    passwords.verify.mockResolvedValue(true);
    passwords.needsRehash.mockReturnValue(true);
    await service.validateCredentials(user.email, 'pw', client);
    expect(users.updatePasswordHash).toHaveBeenCalledWith('u1', '$2b$12$new');
  });

  it('should not re-hash after a failed login', async () => {
    users.findByEmailWithPasswordHash.mockResolvedValue(user);
    passwords.verify.mockResolvedValue(false);
    passwords.needsRehash.mockReturnValue(true);
    await expect(service.validateCredentials(user.email, 'wrong', client)).rejects.toThrow();
    expect(users.updatePasswordHash).not.toHaveBeenCalled();
  });

  it('should refuse a locked account with 429 before spending a bcrypt compare', async () => {
    attempts.assertNotLocked.mockRejectedValue(new TooManyRequestsError(600));
    users.findByEmailWithPasswordHash.mockResolvedValue(user);
    await expect(service.validateCredentials(user.email, 'pw', client)).rejects.toBeInstanceOf(
      TooManyRequestsError,
    );
    expect(passwords.verify).not.toHaveBeenCalled();
  });

  it('should count a failure against the email and audit it, existing or not', async () => {
    users.findByEmailWithPasswordHash.mockResolvedValue(null);
    await expect(service.validateCredentials('nobody@example.com', 'pw', client)).rejects.toThrow();
    expect(attempts.recordFailure).toHaveBeenCalledWith('nobody@example.com');
    expect(audit.record).toHaveBeenCalledWith('login_failed', { userId: undefined, ...client });
  });

  it('should audit a lockout when the failure reaches the limit', async () => {
    users.findByEmailWithPasswordHash.mockResolvedValue(user);
    passwords.verify.mockResolvedValue(false);
    attempts.recordFailure.mockResolvedValue(true);
    await expect(service.validateCredentials(user.email, 'wrong', client)).rejects.toThrow();
    expect(audit.record).toHaveBeenCalledWith('lockout', { userId: 'u1', ...client });
  });

  it('should clear the failure count after a successful login', async () => {
    users.findByEmailWithPasswordHash.mockResolvedValue(user);
    passwords.verify.mockResolvedValue(true);
    await service.validateCredentials(user.email, 'pw', client);
    expect(attempts.reset).toHaveBeenCalledWith(user.email);
  });
});
