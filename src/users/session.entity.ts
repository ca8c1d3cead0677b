import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { User } from './user.entity';

/**
 * One login on one device. Holds the SHA-256 of the current refresh token (never the token) and
 * what rotation needs to let a racing client converge (../shared/API.md, "Refresh token"):
 * the previous token's hash, when it was rotated, and the random nonce the successor was derived
 * from.
 */
@Entity({ name: 'sessions' })
@Index('IDX_sessions_user_id', ['userId'])
export class Session {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_sessions' })
  id: string;

  /**
   * NULL once the user is deleted: the session then stays, revoked, until the purge, so that
   * every instance (also one started later) still knows its access tokens are refused.
   */
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_sessions_user_id' })
  user?: User;

  @Index('UQ_sessions_refresh_token_hash', { unique: true })
  @Column({ name: 'refresh_token_hash', type: 'bytea' })
  refreshTokenHash: Buffer;

  /** When the current refresh token stops working (refresh lifetime, capped by absoluteExpiresAt). */
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  /** The hard end of the session, whatever the rotations (SESSION_MAX_LIFETIME). */
  @Column({ name: 'absolute_expires_at', type: 'timestamptz' })
  absoluteExpiresAt: Date;

  @Index('IDX_sessions_previous_refresh_token_hash')
  @Column({ name: 'previous_refresh_token_hash', type: 'bytea', nullable: true })
  previousRefreshTokenHash: Buffer | null;

  @Column({ name: 'rotation_nonce', type: 'bytea', nullable: true })
  rotationNonce: Buffer | null;

  @Column({ name: 'rotated_at', type: 'timestamptz', nullable: true })
  rotatedAt: Date | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz' })
  lastUsedAt: Date;

  @Index('IDX_sessions_revoked_at')
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'revoked_reason', type: 'varchar', length: 32, nullable: true })
  revokedReason: string | null;

  /**
   * How the login was authenticated (RFC 8176 values): ['pwd'], or ['pwd', 'otp'] after a second
   * factor. Every access token of the session carries it, refreshed ones too.
   */
  @Column({ type: 'text', array: true, default: () => `'{pwd}'` })
  amr: string[];
}
