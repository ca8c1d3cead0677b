import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { AuditEventType } from './audit-event-type';

/**
 * One auth event. Holds who, which session, from where and when — never a password, token or
 * hash. No foreign keys: the record of what happened outlives the user and session it names.
 */
@Entity({ name: 'audit_events' })
@Index('IDX_audit_events_created_at', ['createdAt'])
@Index('IDX_audit_events_user_id_created_at', ['userId', 'createdAt'])
@Index('IDX_audit_events_type_created_at', ['type', 'createdAt'])
export class AuditEvent {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_audit_events' })
  id: string;

  @Column({ type: 'varchar', length: 32 })
  type: AuditEventType;

  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  /** The admin who acted on userId (admin routes); null when the user acted, or an operator command. */
  @Column({ name: 'actor_id', type: 'uuid', nullable: true })
  actorId: string | null;

  @Column({ name: 'session_id', type: 'uuid', nullable: true })
  sessionId: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
