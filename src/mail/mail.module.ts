import { Module } from '@nestjs/common';
import { ConditionalModule, ConfigType } from '@nestjs/config';
import { mailConfig } from '../config/mail.config';
import { EnvReader } from '../config/env-parsers';
import { DevOutboxModule } from './dev-outbox.module';
import { MailTemplates } from './mail-templates';
import {
  MAIL_TRANSPORT,
  MailTransport,
  OutboxMailTransport,
  SmtpMailTransport,
} from './mail-transport';
import { MailService } from './mail.service';
import { OutboxStore } from './outbox.store';

/**
 * Whether GET /dev/outbox exists: only without SMTP_URL outside production. Decided once from
 * the process environment when the app starts (ConditionalModule), so in production the route is
 * not merely refused: it is not there, and not in the API document either.
 */
export function devOutboxEnabled(env: NodeJS.ProcessEnv): boolean {
  const read = new EnvReader(env);
  return !read.isProduction && read.raw('SMTP_URL') === undefined;
}

/** Sending mail (SMTP, or the development outbox) from editable templates, in the background. */
@Module({
  imports: [ConditionalModule.registerWhen(DevOutboxModule, devOutboxEnabled, { debug: false })],
  providers: [
    MailService,
    { provide: MailTemplates, useFactory: () => new MailTemplates() },
    {
      provide: MAIL_TRANSPORT,
      inject: [mailConfig.KEY],
      useFactory: (config: ConfigType<typeof mailConfig>): MailTransport | null => {
        if (config.smtpUrl) return new SmtpMailTransport(config.smtpUrl);
        if (config.useOutbox) return new OutboxMailTransport(new OutboxStore(config.outboxDir));
        return null;
      },
    },
  ],
  exports: [MailService],
})
export class MailModule {}
