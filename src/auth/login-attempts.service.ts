import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { TooManyRequestsError } from '../common/http/too-many-requests.error';
import { authConfig } from '../config/auth.config';
import { clientAddressKey, digest } from '../rate-limit/client-key';
import { COUNTER_STORE, CounterStore } from '../rate-limit/counter-store';
import { UsersService } from '../users/users.service';

const WINDOW_MS = 15 * 60_000;

/** One counted login attempt, from begin() until it is known how it ended. */
export interface LoginAttempt {
  /** This attempt used the last try of its address or of the account: if it fails, lock. */
  readonly locksOnFailure: boolean;
  readonly addressKey: string;
  readonly accountKey: string;
}

/**
 * The failed-login lock (../shared/API.md, "Client addresses and rate-limit keys"; OWASP
 * Authentication Cheat Sheet, "Account lockout"):
 * - RATE_LIMIT_LOGIN_ACCOUNT attempts per account and client address per 15 minutes, so a
 *   stranger's failures lock the stranger out, not the owner at another address;
 * - RATE_LIMIT_LOGIN_ACCOUNT_GLOBAL per account from all addresses, against distributed guessing.
 * An attempt is counted before the password is checked (increment, then compare with the limit),
 * so a burst of concurrent guesses gets no more checks than the limit. Keys are digests of the
 * normalized email whether or not an account exists, so the lock behaves the same for both and
 * the store never holds an email address; every key of an account is in one group, which a
 * password reset deletes.
 */
@Injectable()
export class LoginAttemptsService {
  constructor(
    @Inject(COUNTER_STORE) private readonly store: CounterStore,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {}

  /** Counts an attempt, or throws 429 when its address or the account has no tries left. */
  async begin(email: string, ip: string | null): Promise<LoginAttempt> {
    const account = this.account(email);
    const addressKey = `${account}:${clientAddressKey(ip)}`;
    const accountKey = `${account}:*`;

    const address = await this.store.increment(addressKey, WINDOW_MS, account);
    // Refused here, the attempt does not reach the account-wide count: a stranger hammering a
    // locked address cannot use up the ceiling and so lock the owner out everywhere.
    if (address.count > this.config.rateLimitLoginAccount) throw locked(address.msLeft);

    const total = await this.store.increment(accountKey, WINDOW_MS, account);
    if (total.count > this.config.rateLimitLoginAccountGlobal) {
      // Nothing was tried, so the address keeps its try for when the ceiling lifts.
      await this.store.decrement(addressKey);
      throw locked(total.msLeft);
    }
    return {
      addressKey,
      accountKey,
      locksOnFailure:
        address.count === this.config.rateLimitLoginAccount ||
        total.count === this.config.rateLimitLoginAccountGlobal,
    };
  }

  /**
   * The right password: the address starts afresh, and the attempt is taken back from the
   * account-wide count (the owner's logins must not use up the ceiling). Other addresses' counts
   * stay: the owner's success says nothing about a stranger's guesses.
   */
  async succeeded(attempt: LoginAttempt): Promise<void> {
    await Promise.all([
      this.store.delete(attempt.addressKey),
      this.store.decrement(attempt.accountKey),
    ]);
  }

  /**
   * The right password of an account with a second factor: the login is not over, so the attempt
   * stays counted at its address until the code is right too (then succeeded()), or every right
   * password would wipe the count of wrong codes before it. Only the account-wide count gives it
   * back, as for any right password.
   */
  async passwordAccepted(attempt: LoginAttempt): Promise<void> {
    await this.store.decrement(attempt.accountKey);
  }

  /** The password could not be checked at all (database down, hashing overloaded): no try used. */
  async cancel(attempt: LoginAttempt): Promise<void> {
    await Promise.all([
      this.store.decrement(attempt.addressKey),
      this.store.decrement(attempt.accountKey),
    ]);
  }

  /** Lifts every lock of the account, at every address (a password reset does this). */
  async clearAccount(email: string): Promise<void> {
    await this.store.deleteGroup(this.account(email));
  }

  /** The account's key prefix and group: a fixed-length digest, whatever the email's length. */
  private account(email: string): string {
    return `login:${digest(UsersService.normalizeEmail(email))}`;
  }
}

function locked(msLeft: number): TooManyRequestsError {
  return new TooManyRequestsError(
    Math.max(1, Math.ceil(msLeft / 1000)),
    'Too many failed logins; retry later',
  );
}
