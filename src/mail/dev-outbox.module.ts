import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { mailConfig } from '../config/mail.config';
import { DevOutboxController } from './dev-outbox.controller';
import { OutboxStore } from './outbox.store';

/** GET /dev/outbox: development only (MailModule imports this module conditionally). */
@Module({
  controllers: [DevOutboxController],
  providers: [
    {
      provide: OutboxStore,
      inject: [mailConfig.KEY],
      useFactory: (config: ConfigType<typeof mailConfig>) => new OutboxStore(config.outboxDir),
    },
  ],
})
export class DevOutboxModule {}
