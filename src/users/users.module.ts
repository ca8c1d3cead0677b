import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CredentialsService } from './credentials.service';
import { EmailToken } from './email-token.entity';
import { EmailTokensService } from './email-tokens.service';
import { RotatedRefreshToken } from './rotated-refresh-token.entity';
import { Session } from './session.entity';
import { SessionRevocationsService } from './session-revocations.service';
import { SessionsService } from './sessions.service';
import { SessionsPurgeService } from './sessions-purge.service';
import { RevocationBroadcastService } from './revocation-broadcast.service';
import { User } from './user.entity';
import { UsersService } from './users.service';
import { UserAdministrationService } from './user-administration.service';

/** Identity and session state. The only module that touches the users and sessions tables. */
@Module({
  imports: [TypeOrmModule.forFeature([User, Session, RotatedRefreshToken, EmailToken])],
  providers: [
    UsersService,
    SessionsService,
    SessionRevocationsService,
    SessionsPurgeService,
    RevocationBroadcastService,
    EmailTokensService,
    CredentialsService,
    UserAdministrationService,
  ],
  exports: [
    UsersService,
    SessionsService,
    SessionRevocationsService,
    SessionsPurgeService,
    RevocationBroadcastService,
    EmailTokensService,
    CredentialsService,
    UserAdministrationService,
  ],
})
export class UsersModule {}
