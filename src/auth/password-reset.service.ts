import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { AuditEventType } from '../audit/audit-event-type';
import { AuditService } from '../audit/audit.service';
import { mailConfig } from '../config/mail.config';
import { describeDuration } from '../mail/mail-templates';
import { MailService } from '../mail/mail.service';
import { digest } from '../rate-limit/client-key';
import { COUNTER_STORE, CounterStore } from '../rate-limit/counter-store';
import { CredentialsService } from '../users/credentials.service';
import { EmailTokenKind } from '../users/email-token.entity';
import { EmailTokensService } from '../users/email-tokens.service';
import { UsersService } from '../users/users.service';
import { linkRefused, mailUnavailable } from './account-errors';
import { ClientInfo } from './decorators/client-info.decorator';
import { LoginAttemptsService } from './login-attempts.service';
import { PasswordService } from './password.service';

const HOUR_MS = 3_600_000;
/** ../shared/API.md: at most 3 reset mails an hour per address; further requests send nothing. */
export const RESET_MAILS_PER_HOUR = 3;

/**
 * Forgot / reset (../shared/API.md, "Account lifecycle (email)").
 *
 * `forgot` must not tell which addresses have accounts, neither by its answer nor by its time. So
 * the request itself does only what is the same for every address — validate, count the address
 * (a digest, whether or not an account exists), queue a job — and answers 202. The lookup, the
 * token and the mail happen in the mail queue, after the answer: their cost, which does depend on
 * the account existing, is in no response time. The price is that a database outage during the
 * job is not the client's 503 but a logged error; the client simply gets no mail and asks again.
 */
@Injectable()
export class PasswordResetService {
  constructor(
    private readonly users: UsersService,
    private readonly emailTokens: EmailTokensService,
    private readonly credentials: CredentialsService,
    private readonly passwords: PasswordService,
    private readonly attempts: LoginAttemptsService,
    private readonly mail: MailService,
    private readonly audit: AuditService,
    @Inject(COUNTER_STORE) private readonly counters: CounterStore,
    @Inject(mailConfig.KEY) private readonly config: ConfigType<typeof mailConfig>,
  ) {}

  async forgot(email: string, client: ClientInfo): Promise<void> {
    if (!this.mail.available) throw mailUnavailable();
    const address = UsersService.normalizeEmail(email);
    const { count } = await this.counters.increment(`mail:reset:${digest(address)}`, HOUR_MS);
    if (count > RESET_MAILS_PER_HOUR) return;
    this.mail.enqueue({
      kind: 'password-reset',
      prepare: async () => {
        const user = await this.users.findByEmail(address);
        // Recorded for unknown addresses too (without one): a burst of them is a probe.
        await this.audit.record(AuditEventType.PasswordResetRequested, {
          userId: user?.id ?? null,
          ...client,
        });
        if (!user) return null;
        const ttl = this.config.passwordResetTtlMs;
        const token = await this.emailTokens.issue(user.id, EmailTokenKind.PasswordReset, ttl);
        const link = `${this.config.publicUrl}/#reset?token=${token}`;
        return {
          to: user.email,
          template: 'password-reset',
          values: { name: user.name ?? user.email, link, validFor: describeDuration(ttl) },
          links: [link],
          secrets: [token, link],
        };
      },
    });
  }

  /**
   * Sets the new password, verifies the address (the mail reached its owner), revokes every
   * session at once on every instance, voids the other reset links and lifts the login lock.
   */
  async reset(token: string, password: string, client: ClientInfo): Promise<void> {
    // A dead link costs no bcrypt; the redemption below decides, inside its transaction.
    const usable = await this.emailTokens.check(token, EmailTokenKind.PasswordReset);
    if (!usable.ok) throw linkRefused(usable.reason);
    const passwordHash = await this.passwords.hash(password);
    const result = await this.credentials.resetPassword(token, passwordHash);
    if (!result.ok) throw linkRefused(result.reason);
    const { user } = result.value;
    await this.attempts.clearAccount(user.email);
    await this.audit.record(AuditEventType.PasswordReset, { userId: user.id, ...client });
  }
}
