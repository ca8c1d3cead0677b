import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Page } from '../common/pagination/page.dto';
import { AuditEvent } from './audit-event.entity';
import { AuditEventType } from './audit-event-type';
import { AuditEventDto, AuditEventsQueryDto } from './dto/audit-event.dto';

export interface AuditContext {
  userId?: string | null;
  /** The admin acting on userId. */
  actorId?: string | null;
  sessionId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
}

@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);

  private readonly listeners: ((type: AuditEventType) => void)[] = [];

  constructor(@InjectRepository(AuditEvent) private readonly events: Repository<AuditEvent>) {}

  /**
   * Called with the type of every event as it is recorded (metrics/ counts logins, refreshes and
   * reuse this way, without auth knowing about metrics). A listener must be cheap and not throw.
   */
  onRecorded(listener: (type: AuditEventType) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Records an event after the fact. A failed write is logged, not thrown: the user's logout
   * already happened, and answering it with an error would only make the client retry.
   * Callers must not hold a transaction (the embedded database runs one at a time).
   */
  async record(type: AuditEventType, context: AuditContext = {}): Promise<void> {
    for (const listener of this.listeners) listener(type);
    try {
      await this.events.insert({
        type,
        userId: context.userId ?? null,
        actorId: context.actorId ?? null,
        sessionId: context.sessionId ?? null,
        ip: context.ip?.slice(0, 64) ?? null,
        userAgent: context.userAgent?.slice(0, 512) ?? null,
      });
    } catch (error) {
      this.logger.warn(
        `Audit event ${type} not recorded: ${error instanceof Error ? error.message : 'error'}`,
      );
    }
  }

  async list(query: AuditEventsQueryDto): Promise<Page<AuditEventDto>> {
    const [rows, total] = await this.events.findAndCount({
      where: {
        ...(query.userId ? { userId: query.userId } : {}),
        ...(query.type ? { type: query.type } : {}),
      },
      order: { createdAt: 'DESC', id: 'DESC' },
      skip: query.offset,
      take: query.limit,
    });
    return { items: rows.map(AuditEventDto.from), page: query.page, limit: query.limit, total };
  }
}
