import { AuthService } from '../auth.service';
import { LocalStrategy } from './local.strategy';

/** passport-local's own flow (authenticate → validate), with the credential check faked. */
describe('LocalStrategy', () => {
  let validateCredentials: jest.Mock;
  let strategy: LocalStrategy;

  beforeEach(() => {
    validateCredentials = jest.fn().mockResolvedValue({ id: 'u1' });
    strategy = new LocalStrategy({ validateCredentials } as unknown as AuthService);
  });

  /** Runs the strategy as passport would and reports how it ended. */
  const authenticate = (body: object, query: object) =>
    new Promise<{ user?: unknown; failed?: number }>((resolve, reject) => {
      // The hooks passport's middleware would install on its per-request copy of the strategy.
      const run = Object.create(strategy) as {
        success(user: unknown): void;
        fail(challenge: unknown, status?: number): void;
        error(error: unknown): void;
        authenticate(request: object, options: object): void;
      };
      run.success = (user) => resolve({ user });
      run.fail = (_challenge, status) => resolve({ failed: status ?? 401 });
      run.error = reject;
      run.authenticate({ body, query, headers: {}, ip: '203.0.113.7' }, {});
    });

  it('should check the body credentials', async () => {
    await expect(
      authenticate({ email: 'ada@example.com', password: 'body password' }, {}),
    ).resolves.toEqual({ user: { id: 'u1' } });
    expect(validateCredentials).toHaveBeenCalledWith(
      'ada@example.com',
      'body password',
      expect.anything(),
    );
  });

  it('should never check a password taken from the query string', async () => {
    await authenticate({ email: 'ada@example.com', password: '' }, { password: 'url password' });
    expect(validateCredentials).not.toHaveBeenCalledWith(
      expect.anything(),
      'url password',
      expect.anything(),
    );
  });

  it('should never check an email taken from the query string', async () => {
    await authenticate({ email: '', password: 'body password' }, { email: 'ada@example.com' });
    expect(validateCredentials).not.toHaveBeenCalledWith(
      'ada@example.com',
      expect.anything(),
      expect.anything(),
    );
  });
});
