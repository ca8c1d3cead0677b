import { TooManyRequestsError } from '../common/http/too-many-requests.error';
import { AuthConfig } from '../config/auth.config';
import { CounterStore, MemoryCounterStore } from '../rate-limit/counter-store';
import { LoginAttemptsService } from './login-attempts.service';

const PER_ADDRESS = 3;
const CEILING = 7;
const EMAIL = 'ada@example.com';
const OWNER_IP = '198.51.100.10';
const STRANGER_IP = '203.0.113.66';

/**
 * The failed-login lock (../shared/API.md, "Client addresses and rate-limit keys"): per account
 * and client address, under an account-wide ceiling, counted before the password is checked.
 */
describe('LoginAttemptsService', () => {
  let store: MemoryCounterStore;
  let attempts: LoginAttemptsService;

  afterEach(() => {
    jest.useRealTimers();
  });

  beforeEach(() => {
    store = new MemoryCounterStore();
    attempts = new LoginAttemptsService(store, {
      rateLimitLoginAccount: PER_ADDRESS,
      rateLimitLoginAccountGlobal: CEILING,
    } as AuthConfig);
  });

  /** `n` attempts that all fail (nothing is reported back for a failure). */
  const fail = async (n: number, email = EMAIL, ip: string | null = STRANGER_IP) => {
    for (let i = 0; i < n; i++) await attempts.begin(email, ip);
  };
  const refused = (email = EMAIL, ip: string | null = STRANGER_IP) =>
    expect(attempts.begin(email, ip)).rejects.toBeInstanceOf(TooManyRequestsError);
  const allowed = (email = EMAIL, ip: string | null = STRANGER_IP) =>
    expect(attempts.begin(email, ip)).resolves.toBeDefined();

  describe('per account and address', () => {
    it('should allow the limit of attempts from one address, then refuse with 429', async () => {
      await fail(PER_ADDRESS);
      await refused();
    });

    it('should give the refusal a Retry-After within the 15-minute window', async () => {
      await fail(PER_ADDRESS);
      const error = (await attempts.begin(EMAIL, STRANGER_IP).catch((e: unknown) => e)) as
        TooManyRequestsError | undefined;
      expect(error).toBeInstanceOf(TooManyRequestsError);
      expect(error!.retryAfterSeconds).toBeGreaterThan(14 * 60);
      expect(error!.retryAfterSeconds).toBeLessThanOrEqual(15 * 60);
    });

    it('should let no more than the limit through when attempts arrive at once', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 60 }, () => attempts.begin(EMAIL, STRANGER_IP)),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(PER_ADDRESS);
    });

    it('should let no more than the limit through when the store answers slowly', async () => {
      attempts = new LoginAttemptsService(slow(store), {
        rateLimitLoginAccount: PER_ADDRESS,
        rateLimitLoginAccountGlobal: CEILING,
      } as AuthConfig);
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, () => attempts.begin(EMAIL, STRANGER_IP)),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(PER_ADDRESS);
    });

    it('should keep the owner, from another address, able to try while a stranger is locked out', async () => {
      await fail(PER_ADDRESS, EMAIL, STRANGER_IP);
      await refused(EMAIL, STRANGER_IP);
      await allowed(EMAIL, OWNER_IP);
    });

    it('should count IPv6 addresses of one /64 as one address', async () => {
      await fail(PER_ADDRESS, EMAIL, '2001:db8:1:2::1');
      await refused(EMAIL, '2001:db8:1:2:ffff::9');
      await allowed(EMAIL, '2001:db8:1:3::1');
    });

    it('should leave other accounts alone', async () => {
      await fail(PER_ADDRESS);
      await allowed('grace@example.com');
    });

    it('should count case and spacing variants of an email as one account', async () => {
      await attempts.begin(EMAIL.toUpperCase(), STRANGER_IP);
      await attempts.begin(` ${EMAIL} `, STRANGER_IP);
      await attempts.begin(EMAIL, STRANGER_IP);
      await refused();
    });

    it('should count a client without an address like any other address', async () => {
      await fail(PER_ADDRESS, EMAIL, null);
      await refused(EMAIL, null);
      await allowed(EMAIL, OWNER_IP);
    });
  });

  describe('the account-wide ceiling', () => {
    it('should refuse every address once the account has had the ceiling of attempts', async () => {
      for (let i = 0; i < CEILING; i++) await attempts.begin(EMAIL, `192.0.2.${i}`);
      await refused(EMAIL, OWNER_IP);
    });

    it('should not be used up by attempts an address lock already refused', async () => {
      await fail(PER_ADDRESS);
      for (let i = 0; i < 50; i++) await refused();
      await allowed(EMAIL, OWNER_IP);
    });

    it('should not count an attempt it refused against that address', async () => {
      jest.useFakeTimers({ now: Date.now() });
      for (let i = 0; i < CEILING; i++) await attempts.begin(EMAIL, `192.0.2.${i}`);
      jest.advanceTimersByTime(10 * 60_000);
      for (let i = 0; i < 10; i++) await refused(EMAIL, OWNER_IP);
      // The ceiling's window ends; the owner's own window, had it counted those, would not.
      jest.advanceTimersByTime(5 * 60_000);
      for (let i = 0; i < PER_ADDRESS; i++) await allowed(EMAIL, OWNER_IP);
    });
  });

  describe('the outcome of an attempt', () => {
    it('should mark the attempt that uses an address’s last try', async () => {
      const marks = [];
      for (let i = 0; i < PER_ADDRESS; i++)
        marks.push((await attempts.begin(EMAIL, STRANGER_IP)).locksOnFailure);
      expect(marks).toEqual([false, false, true]);
    });

    it('should mark the attempt that reaches the account-wide ceiling', async () => {
      const marks: boolean[] = [];
      for (let i = 0; i < CEILING; i++)
        marks.push((await attempts.begin(EMAIL, `192.0.2.${i}`)).locksOnFailure);
      expect(marks.indexOf(true)).toBe(CEILING - 1);
    });

    it('should clear the address’s count after a successful attempt', async () => {
      await fail(PER_ADDRESS - 1);
      await attempts.succeeded(await attempts.begin(EMAIL, STRANGER_IP));
      await fail(PER_ADDRESS);
      await refused();
    });

    it('should not let successful logins use up the account-wide ceiling', async () => {
      for (let i = 0; i < CEILING * 3; i++)
        await attempts.succeeded(await attempts.begin(EMAIL, `192.0.2.${i}`));
      await allowed(EMAIL, OWNER_IP);
    });

    it('should give back an attempt whose check could not run', async () => {
      await fail(PER_ADDRESS - 1);
      await attempts.cancel(await attempts.begin(EMAIL, STRANGER_IP));
      await allowed();
    });

    it('should give back a cancelled attempt to the account-wide ceiling too', async () => {
      for (let i = 0; i < CEILING * 3; i++)
        await attempts.cancel(await attempts.begin(EMAIL, `192.0.2.${i}`));
      await allowed(EMAIL, OWNER_IP);
    });
  });

  describe('clearAccount (a password reset lifts every lock)', () => {
    it('should lift the lock of every address', async () => {
      await fail(PER_ADDRESS, EMAIL, STRANGER_IP);
      await fail(PER_ADDRESS, EMAIL, OWNER_IP);
      await attempts.clearAccount(EMAIL);
      await allowed(EMAIL, STRANGER_IP);
      await allowed(EMAIL, OWNER_IP);
    });

    it('should lift the account-wide ceiling', async () => {
      for (let i = 0; i < CEILING; i++) await attempts.begin(EMAIL, `192.0.2.${i}`);
      await attempts.clearAccount(EMAIL);
      await allowed(EMAIL, OWNER_IP);
    });

    it('should start every count from zero again', async () => {
      await fail(PER_ADDRESS);
      await attempts.clearAccount(EMAIL);
      await fail(PER_ADDRESS);
      await refused();
    });

    it('should find the account by any spelling of its email', async () => {
      await fail(PER_ADDRESS);
      await attempts.clearAccount(` ${EMAIL.toUpperCase()}`);
      await allowed();
    });

    it('should leave other accounts locked', async () => {
      await fail(PER_ADDRESS, 'grace@example.com');
      await attempts.clearAccount(EMAIL);
      await refused('grace@example.com');
    });
  });

  describe('the keys it stores', () => {
    it('should hold neither the email nor more than a few dozen bytes, whatever the input', async () => {
      const keys: string[] = [];
      const recording: CounterStore = {
        increment: (key, windowMs, group) => {
          keys.push(key, group ?? '');
          return store.increment(key, windowMs, group);
        },
        get: (key) => store.get(key),
        delete: (key) => store.delete(key),
        decrement: (key) => store.decrement(key),
        deleteGroup: (group) => store.deleteGroup(group),
      };
      attempts = new LoginAttemptsService(recording, {
        rateLimitLoginAccount: PER_ADDRESS,
        rateLimitLoginAccountGlobal: CEILING,
      } as AuthConfig);
      const long = `${'a'.repeat(300)}@example.com`;
      await attempts.begin(long, 'x'.repeat(8_000));
      await attempts.begin(EMAIL, 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff');
      for (const key of keys) {
        expect(key.length).toBeLessThanOrEqual(64);
        expect(key).not.toContain('example.com');
      }
    });
  });
});

/** A store whose every answer takes a turn of the event loop, as a network store does. */
function slow(store: CounterStore): CounterStore {
  const later = async <T>(value: Promise<T>): Promise<T> => {
    await new Promise((resolve) => setImmediate(resolve));
    return value;
  };
  return {
    increment: (key, windowMs, group) => later(store.increment(key, windowMs, group)),
    get: (key) => later(store.get(key)),
    delete: (key) => later(store.delete(key)),
    decrement: (key) => later(store.decrement(key)),
    deleteGroup: (group) => later(store.deleteGroup(group)),
  };
}
