import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import * as bcrypt from 'bcrypt';
import { authConfig } from '../config/auth.config';

/** bcrypt reads at most 72 bytes; anything longer is refused upstream, never silently cut. */
export const BCRYPT_MAX_BYTES = 72;

/**
 * bcrypt through the native package's async API, which runs in libuv's thread pool: a login
 * costs ~250 ms of CPU at cost 12 and must not block the event loop that serves every other
 * request.
 */
@Injectable()
export class PasswordService implements OnModuleInit {
  private dummyHash: Promise<string>;

  constructor(@Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>) {}

  onModuleInit(): void {
    // Compared against when an email is unknown, so that answer takes as long as a wrong password.
    this.dummyHash = bcrypt.hash('not-a-real-password', this.config.bcryptCost);
  }

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.config.bcryptCost);
  }

  verify(password: string, hash: string): Promise<boolean> {
    return bcrypt.compare(password, hash);
  }

  /** Spends the same time as verify() and always fails. */
  async verifyAgainstNothing(password: string): Promise<false> {
    await bcrypt.compare(password, await this.dummyHash);
    return false;
  }

  /** A hash made at a lower cost than configured is upgraded at the next successful login. */
  needsRehash(hash: string): boolean {
    return bcrypt.getRounds(hash) < this.config.bcryptCost;
  }
}
