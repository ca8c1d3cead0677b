import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Session } from './session.entity';

/**
 * Hashes of refresh tokens a session has already rotated away from. Seeing one again outside the
 * grace window means two parties hold the session's tokens: the session is revoked (theft
 * detection, RFC 9700 §4.14.2). Rows go with their session.
 */
@Entity({ name: 'rotated_refresh_tokens' })
@Index('IDX_rotated_refresh_tokens_session_id', ['sessionId'])
export class RotatedRefreshToken {
  @PrimaryColumn({
    name: 'token_hash',
    type: 'bytea',
    primaryKeyConstraintName: 'PK_rotated_refresh_tokens',
  })
  tokenHash: Buffer;

  @Column({ name: 'session_id', type: 'uuid' })
  sessionId: string;

  @ManyToOne(() => Session, { onDelete: 'CASCADE' })
  @JoinColumn({
    name: 'session_id',
    foreignKeyConstraintName: 'FK_rotated_refresh_tokens_session_id',
  })
  session?: Session;

  @Column({ name: 'rotated_at', type: 'timestamptz' })
  rotatedAt: Date;
}
