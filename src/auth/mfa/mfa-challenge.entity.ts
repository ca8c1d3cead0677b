import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { User } from '../../users/user.entity';

/**
 * The second step of a login: a right password for an account with MFA gives an `mfaToken`, of
 * which only the SHA-256 is kept here, so that any instance can take the code that follows. It
 * lives 5 minutes, dies at the 5th wrong code and is deleted when accepted.
 */
@Entity({ name: 'mfa_challenges' })
@Index('IDX_mfa_challenges_user_id', ['userId'])
@Index('IDX_mfa_challenges_expires_at', ['expiresAt'])
export class MfaChallenge {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_mfa_challenges' })
  id: string;

  @Index('UQ_mfa_challenges_token_hash', { unique: true })
  @Column({ name: 'token_hash', type: 'bytea' })
  tokenHash: Buffer;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_mfa_challenges_user_id' })
  user?: User;

  /** Codes tried so far, counted before each is checked. */
  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
