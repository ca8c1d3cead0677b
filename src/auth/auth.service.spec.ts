import { AuthConfig } from '../config/auth.config';
import { Role } from '../users/role.enum';
import { SessionsService } from '../users/sessions.service';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { AuthService } from './auth.service';
import { EmailVerificationService } from './email-verification.service';
import { PasswordService } from './password.service';
import { MfaService } from './mfa/mfa.service';
import { TokenService } from './token.service';
import { AuditService } from '../audit/audit.service';
import { LoginAttempt, LoginAttemptsService } from './login-attempts.service';
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
  let attempts: {
    begin: jest.Mock;
    succeeded: jest.Mock;
    cancel: jest.Mock;
    passwordAccepted: jest.Mock;
  };
  const attempt = { locksOnFailure: false } as LoginAttempt;
  let audit: { record: jest.Mock };
  let mfa: { isEnabled: jest.Mock };
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
      begin: jest.fn().mockResolvedValue(attempt),
      succeeded: jest.fn().mockResolvedValue(undefined),
      cancel: jest.fn().mockResolvedValue(undefined),
      passwordAccepted: jest.fn().mockResolvedValue(undefined),
    };
    audit = { record: jest.fn().mockResolvedValue(undefined) };
    mfa = { isEnabled: jest.fn().mockResolvedValue(false) };
    service = new AuthService(
      users as unknown as UsersService,
      {} as SessionsService,
      passwords as unknown as PasswordService,
      {} as TokenService,
      attempts as unknown as LoginAttemptsService,
      audit as unknown as AuditService,
      mfa as unknown as MfaService,
      {} as AuthConfig,
      {} as EmailVerificationService,
    );
  });

  it('should return the user when the password matches', async () => {
    users.findByEmailWithPasswordHash.mockResolvedValue(user);
    passwords.verify.mockResolvedValue(true);
    await expect(service.validateCredentials(user.email, 'pw', client)).resolves.toBe(user);
  });

  it('should keep the attempt counted at the address when the account has a second factor', async () => {
    users.findByEmailWithPasswordHash.mockResolvedValue(user);
    passwords.verify.mockResolvedValue(true);
    mfa.isEnabled.mockResolvedValue(true);
    await service.validateCredentials(user.email, 'pw', client);
    expect(attempts.passwordAccepted).toHaveBeenCalledWith(attempt);
    expect(attempts.succeeded).not.toHaveBeenCalled();
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
    attempts.begin.mockRejectedValue(new TooManyRequestsError(600));
    users.findByEmailWithPasswordHash.mockResolvedValue(user);
    await expect(service.validateCredentials(user.email, 'pw', client)).rejects.toBeInstanceOf(
      TooManyRequestsError,
    );
    expect(passwords.verify).not.toHaveBeenCalled();
  });

  it('should count the attempt against the email and client address before the compare', async () => {
    users.findByEmailWithPasswordHash.mockResolvedValue(user);
    passwords.verify.mockResolvedValue(false);
    await expect(service.validateCredentials(user.email, 'wrong', client)).rejects.toThrow();
    expect(attempts.begin).toHaveBeenCalledWith(user.email, client.ip);
    expect(attempts.begin.mock.invocationCallOrder[0]).toBeLessThan(
      passwords.verify.mock.invocationCallOrder[0],
    );
  });

  it('should count an unknown email the same way, before its compare', async () => {
    users.findByEmailWithPasswordHash.mockResolvedValue(null);
    await expect(service.validateCredentials('nobody@example.com', 'pw', client)).rejects.toThrow();
    expect(attempts.begin).toHaveBeenCalledWith('nobody@example.com', client.ip);
    expect(attempts.begin.mock.invocationCallOrder[0]).toBeLessThan(
      passwords.verifyAgainstNothing.mock.invocationCallOrder[0],
    );
  });

  it('should audit a failure, existing email or not', async () => {
    users.findByEmailWithPasswordHash.mockResolvedValue(null);
    await expect(service.validateCredentials('nobody@example.com', 'pw', client)).rejects.toThrow();
    expect(audit.record).toHaveBeenCalledWith('login_failed', { userId: undefined, ...client });
  });

  it('should audit a lockout when the failed attempt was the last one allowed', async () => {
    users.findByEmailWithPasswordHash.mockResolvedValue(user);
    passwords.verify.mockResolvedValue(false);
    attempts.begin.mockResolvedValue({ locksOnFailure: true });
    await expect(service.validateCredentials(user.email, 'wrong', client)).rejects.toThrow();
    expect(audit.record).toHaveBeenCalledWith('lockout', { userId: 'u1', ...client });
  });

  it('should not audit a lockout for a failure that leaves tries', async () => {
    users.findByEmailWithPasswordHash.mockResolvedValue(user);
    passwords.verify.mockResolvedValue(false);
    await expect(service.validateCredentials(user.email, 'wrong', client)).rejects.toThrow();
    expect(audit.record).not.toHaveBeenCalledWith('lockout', expect.anything());
  });

  it('should not hold a successful attempt against the user', async () => {
    users.findByEmailWithPasswordHash.mockResolvedValue(user);
    passwords.verify.mockResolvedValue(true);
    await service.validateCredentials(user.email, 'pw', client);
    expect(attempts.succeeded).toHaveBeenCalledWith(attempt);
  });

  it('should not count a failed attempt as a success', async () => {
    users.findByEmailWithPasswordHash.mockResolvedValue(user);
    passwords.verify.mockResolvedValue(false);
    await expect(service.validateCredentials(user.email, 'wrong', client)).rejects.toThrow();
    expect(attempts.succeeded).not.toHaveBeenCalled();
    expect(attempts.cancel).not.toHaveBeenCalled();
  });

  it('should give the attempt back when the password could not be checked at all', async () => {
    const overloaded = new Error('hash queue full');
    users.findByEmailWithPasswordHash.mockResolvedValue(user);
    passwords.verify.mockRejectedValue(overloaded);
    await expect(service.validateCredentials(user.email, 'pw', client)).rejects.toBe(overloaded);
    expect(attempts.cancel).toHaveBeenCalledWith(attempt);
  });

  it('should give the attempt back when the user could not be looked up', async () => {
    const down = new Error('database down');
    users.findByEmailWithPasswordHash.mockRejectedValue(down);
    await expect(service.validateCredentials(user.email, 'pw', client)).rejects.toBe(down);
    expect(attempts.cancel).toHaveBeenCalledWith(attempt);
  });
});
