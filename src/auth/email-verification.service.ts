import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { AuditEventType } from '../audit/audit-event-type';
import { AuditService } from '../audit/audit.service';
import { TooManyRequestsError } from '../common/http/too-many-requests.error';
import { mailConfig } from '../config/mail.config';
import { describeDuration } from '../mail/mail-templates';
import { MailJob, MailService } from '../mail/mail.service';
import { COUNTER_STORE, CounterStore } from '../rate-limit/counter-store';
import { UserDto } from '../users/dto/user.dto';
import { EmailTokenKind } from '../users/email-token.entity';
import { EmailTokensService } from '../users/email-tokens.service';
import { UsersService } from '../users/users.service';
import { linkRefused, mailUnavailable } from './account-errors';
import { AuthError } from './auth-errors';
import { AuthenticatedUser } from './authenticated-user';
import { ClientInfo } from './decorators/client-info.decorator';

const HOUR_MS = 3_600_000;
/** ../shared/API.md: at most 3 verification mails an hour per user. */
export const VERIFICATION_MAILS_PER_HOUR = 3;

/**
 * Proving an email address (../shared/API.md, "Account lifecycle (email)"): a mail with a
 * single-use link at registration and on request, and the route that redeems it. A new link voids
 * the older ones. The mail is prepared and sent in the background (MailService).
 */
@Injectable()
export class EmailVerificationService {
  constructor(
    private readonly users: UsersService,
    private readonly emailTokens: EmailTokensService,
    private readonly mail: MailService,
    private readonly audit: AuditService,
    @Inject(COUNTER_STORE) private readonly counters: CounterStore,
    @Inject(mailConfig.KEY) private readonly config: ConfigType<typeof mailConfig>,
  ) {}

  /** After registration. Without a way to send mail it is skipped: registration still succeeds. */
  sendAfterRegistration(userId: string): void {
    this.mail.enqueue(this.job(userId));
  }

  /** POST /auth/email/verify/resend: 202 whatever happens next; 429 beyond the hourly limit. */
  async resend(principal: AuthenticatedUser): Promise<void> {
    if (!this.mail.available) throw mailUnavailable();
    const user = await this.users.findById(principal.id);
    if (!user) throw new AuthError('session_revoked');
    // Already verified: nothing to send, and nothing to count.
    if (user.emailVerifiedAt) return;
    const { count, msLeft } = await this.counters.increment(this.counterKey(user.id), HOUR_MS);
    if (count > VERIFICATION_MAILS_PER_HOUR) {
      throw new TooManyRequestsError(
        Math.max(1, Math.ceil(msLeft / 1000)),
        'Too many verification mails; retry later',
      );
    }
    this.mail.enqueue(this.job(user.id));
  }

  /**
   * A correct login refused for an unverified address (REQUIRE_VERIFIED_EMAIL) sends a fresh link,
   * within the same hourly limit, so that a lost first mail does not lock the user out.
   */
  async sendForRefusedLogin(userId: string): Promise<void> {
    if (!this.mail.available) return;
    const { count } = await this.counters.increment(this.counterKey(userId), HOUR_MS);
    if (count <= VERIFICATION_MAILS_PER_HOUR) this.mail.enqueue(this.job(userId));
  }

  /** POST /auth/email/verify */
  async verify(token: string, client: ClientInfo): Promise<UserDto> {
    const result = await this.emailTokens.redeemVerification(token);
    if (!result.ok) throw linkRefused(result.reason);
    await this.audit.record(AuditEventType.EmailVerified, { userId: result.value.id, ...client });
    return UserDto.from(result.value);
  }

  private counterKey(userId: string): string {
    return `mail:verify:${userId}`;
  }

  private job(userId: string): MailJob {
    return {
      kind: 'verify-email',
      prepare: async () => {
        const user = await this.users.findById(userId);
        if (!user || user.emailVerifiedAt) return null;
        const ttl = this.config.emailVerifyTtlMs;
        const token = await this.emailTokens.issue(user.id, EmailTokenKind.VerifyEmail, ttl);
        const link = `${this.config.publicUrl}/#verify?token=${token}`;
        return {
          to: user.email,
          template: 'verify-email',
          values: { name: user.name ?? user.email, link, validFor: describeDuration(ttl) },
          links: [link],
          secrets: [token, link],
        };
      },
    };
  }
}
