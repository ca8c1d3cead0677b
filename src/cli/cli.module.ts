import { Module } from '@nestjs/common';
import { AppConfigModule } from '../config/config.module';
import { DatabaseModule } from '../database/database.module';
import { AuditModule } from '../audit/audit.module';
import { UsersModule } from '../users/users.module';

/** What operator commands need: config, the database (migrated) and the users module. */
@Module({
  imports: [AppConfigModule, DatabaseModule, UsersModule, AuditModule],
})
export class CliModule {}
