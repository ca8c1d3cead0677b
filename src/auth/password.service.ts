import {
  HttpStatus,
  Inject,
  Injectable,
  OnApplicationShutdown,
  OnModuleInit,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import * as bcrypt from 'bcrypt';
import { authConfig } from '../config/auth.config';
import { PasswordHasher } from './password-hasher';

/** bcrypt reads at most 72 bytes; anything longer is refused upstream, never silently cut. */
export const BCRYPT_MAX_BYTES = 72;

/**
 * bcrypt off the event loop, on worker threads at a lower priority (see PasswordHasher): a login
 * costs ~210 ms of CPU at cost 12 and must neither block nor starve the event loop that serves
 * every other request.
 *
 * At most PASSWORD_HASH_CONCURRENCY run at once (by default one per core: more only adds
 * context switches), PASSWORD_HASH_QUEUE may wait, and beyond that a request is shed with 503 at
 * once. An unbounded queue would let a login flood grow latency for everyone without limit.
 */
@Injectable()
export class PasswordService implements OnModuleInit, OnApplicationShutdown {
  private readonly hasher: PasswordHasher;
  private dummyHash: Promise<string>;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(@Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>) {
    this.hasher = new PasswordHasher(config.passwordHashConcurrency);
  }

  /** After the HTTP server has drained: a login in flight at SIGTERM still needs its worker. */
  async onApplicationShutdown(): Promise<void> {
    await this.hasher.close();
  }

  onModuleInit(): void {
    // Compared against when an email is unknown, so that answer takes as long as a wrong password.
    this.dummyHash = this.hash('not-a-real-password');
  }

  hash(password: string): Promise<string> {
    return this.limited(() => this.hasher.hash(password, this.config.bcryptCost));
  }

  verify(password: string, hash: string): Promise<boolean> {
    return this.limited(() => this.hasher.compare(password, hash));
  }

  /** Spends the same time as verify() and always fails. */
  async verifyAgainstNothing(password: string): Promise<false> {
    await this.verify(password, await this.dummyHash);
    return false;
  }

  /** A hash made at a lower cost than configured is upgraded at the next successful login. */
  needsRehash(hash: string): boolean {
    return bcrypt.getRounds(hash) < this.config.bcryptCost;
  }

  /** How many bcrypt operations run and wait now (for tests and metrics). */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  private async limited<T>(operation: () => Promise<T>): Promise<T> {
    if (this.running >= this.config.passwordHashConcurrency) {
      if (this.waiting.length >= this.config.passwordHashQueue) {
        throw new ServiceUnavailableException({
          statusCode: HttpStatus.SERVICE_UNAVAILABLE,
          error: 'Service Unavailable',
          message: 'Too many logins in progress; retry shortly',
          code: 'overloaded',
        });
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running += 1;
    }
    try {
      return await operation();
    } finally {
      // Hand the slot straight to the next waiter, or free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}
