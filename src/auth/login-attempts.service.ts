import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { TooManyRequestsError } from '../common/http/too-many-requests.error';
import { authConfig } from '../config/auth.config';
import { COUNTER_STORE, CounterStore } from '../rate-limit/counter-store';
import { UsersService } from '../users/users.service';

const WINDOW_MS = 15 * 60_000;

/**
 * Per-account brute-force limit: RATE_LIMIT_LOGIN_ACCOUNT failed logins per 15 minutes, then 429
 * until the window ends, even for the right password (OWASP Authentication Cheat Sheet,
 * "Account lockout"). Keyed by the normalized email whether or not an account exists, so the
 * lock behaves the same for both and reveals nothing; the key is a hash, so the store never
 * holds an email address.
 */
@Injectable()
export class LoginAttemptsService {
  constructor(
    @Inject(COUNTER_STORE) private readonly store: CounterStore,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {}

  /** Throws 429 while the account is locked. Checked before bcrypt: a locked login costs nothing. */
  async assertNotLocked(email: string): Promise<void> {
    const window = await this.store.get(this.key(email));
    if (window && window.count >= this.config.rateLimitLoginAccount) {
      throw new TooManyRequestsError(
        Math.ceil(window.msLeft / 1000),
        'Too many failed logins; retry later',
      );
    }
  }

  /** @returns true when this failure locked the account */
  async recordFailure(email: string): Promise<boolean> {
    const { count } = await this.store.increment(this.key(email), WINDOW_MS);
    return count === this.config.rateLimitLoginAccount;
  }

  async reset(email: string): Promise<void> {
    await this.store.delete(this.key(email));
  }

  private key(email: string): string {
    return (
      'login:' + createHash('sha256').update(UsersService.normalizeEmail(email)).digest('base64url')
    );
  }
}
