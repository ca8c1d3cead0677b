import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { User } from '../../users/user.entity';

/** One recovery code, as its SHA-256 only (the code has 80 random bits): usable once. */
@Entity({ name: 'mfa_recovery_codes' })
@Index('IDX_mfa_recovery_codes_user_id', ['userId'])
export class MfaRecoveryCode {
  @PrimaryColumn({
    name: 'code_hash',
    type: 'bytea',
    primaryKeyConstraintName: 'PK_mfa_recovery_codes',
  })
  codeHash: Buffer;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_mfa_recovery_codes_user_id' })
  user?: User;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt: Date | null;
}
