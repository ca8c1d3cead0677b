import { AuthConfig } from '../config/auth.config';
import { Role } from '../users/role.enum';
import { SessionsService } from '../users/sessions.service';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { AuthService } from './auth.service';
import { PasswordService } from './password.service';
import { TokenService } from './token.service';

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
  let service: AuthService;

  beforeEach(() => {
    users = { findByEmailWithPasswordHash: jest.fn(), updatePasswordHash: jest.fn() };
    passwords = {
      verify: jest.fn(),
      verifyAgainstNothing: jest.fn().mockResolvedValue(false),
      needsRehash: jest.fn().mockReturnValue(false),
      hash: jest.fn().mockResolvedValue('$2b$12$new'),
    };
    service = new AuthService(
      users as unknown as UsersService,
      {} as SessionsService,
      passwords as unknown as PasswordService,
      {} as TokenService,
      {} as AuthConfig,
    );
  });

  it('should return the user when the password matches', async () => {
    users.findByEmailWithPasswordHash.mockResolvedValue(user);
    passwords.verify.mockResolvedValue(true);
    await expect(service.validateCredentials(user.email, 'pw')).resolves.toBe(user);
  });

  it('should spend a bcrypt compare on an unknown email, so timing does not reveal it', async () => {
    users.findByEmailWithPasswordHash.mockResolvedValue(null);
    await expect(service.validateCredentials('nobody@example.com', 'pw')).rejects.toMatchObject({
      code: 'invalid_credentials',
    });
    expect(passwords.verifyAgainstNothing).toHaveBeenCalledWith('pw');
  });

  it('should give a wrong password the same error as an unknown email', async () => {
    users.findByEmailWithPasswordHash.mockResolvedValue(user);
    passwords.verify.mockResolvedValue(false);
    await expect(service.validateCredentials(user.email, 'wrong')).rejects.toMatchObject({
      code: 'invalid_credentials',
      message: 'Invalid email or password',
    });
  });

  it('should re-hash a password stored at a lower cost after a successful login', async () => {
    users.findByEmailWithPasswordHash.mockResolvedValue(user);
    passwords.verify.mockResolvedValue(true);
    passwords.needsRehash.mockReturnValue(true);
    await service.validateCredentials(user.email, 'pw');
    expect(users.updatePasswordHash).toHaveBeenCalledWith('u1', '$2b$12$new');
  });

  it('should not re-hash after a failed login', async () => {
    users.findByEmailWithPasswordHash.mockResolvedValue(user);
    passwords.verify.mockResolvedValue(false);
    passwords.needsRehash.mockReturnValue(true);
    await expect(service.validateCredentials(user.email, 'wrong')).rejects.toThrow();
    expect(users.updatePasswordHash).not.toHaveBeenCalled();
  });
});
