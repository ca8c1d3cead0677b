import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditEvent } from './audit-event.entity';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';
import { AuditPurgeService } from './audit-purge.service';

/** The audit log of auth events and its retention; owns the audit_events table. */
@Module({
  imports: [TypeOrmModule.forFeature([AuditEvent])],
  controllers: [AuditController],
  providers: [AuditService, AuditPurgeService],
  exports: [AuditService, AuditPurgeService],
})
export class AuditModule {}
