import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { ThrottlerLimitDetail } from '@nestjs/throttler/dist/throttler.guard.interface';
import { TooManyRequestsError } from '../../common/http/too-many-requests.error';

/**
 * Per-IP limit on every /auth route (RATE_LIMIT_AUTH_IP a minute), counted before
 * authentication so that failed attempts count too. Global and first; other controllers skip it.
 */
@Injectable()
export class AuthThrottlerGuard extends ThrottlerGuard {
  protected override async throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw new TooManyRequestsError(detail.timeToBlockExpire);
  }
}
