import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RotatedRefreshToken } from './rotated-refresh-token.entity';
import { Session } from './session.entity';
import { SessionRevocationsService } from './session-revocations.service';
import { SessionsService } from './sessions.service';
import { SessionsPurgeService } from './sessions-purge.service';
import { RevocationBroadcastService } from './revocation-broadcast.service';
import { User } from './user.entity';
import { UsersService } from './users.service';

/** Identity and session state. The only module that touches the users and sessions tables. */
@Module({
  imports: [TypeOrmModule.forFeature([User, Session, RotatedRefreshToken])],
  providers: [
    UsersService,
    SessionsService,
    SessionRevocationsService,
    SessionsPurgeService,
    RevocationBroadcastService,
  ],
  exports: [
    UsersService,
    SessionsService,
    SessionRevocationsService,
    SessionsPurgeService,
    RevocationBroadcastService,
  ],
})
export class UsersModule {}
