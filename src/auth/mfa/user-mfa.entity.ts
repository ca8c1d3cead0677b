import { Column, CreateDateColumn, Entity, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { User } from '../../users/user.entity';

/**
 * A user's TOTP enrolment. Pending (confirmedAt NULL) from setup until a first code confirms it;
 * only a confirmed one is enforced at login. The secret is stored sealed with AES-256-GCM
 * (data-encryption.ts), never in clear. lastUsedStep is the time step of the last code accepted:
 * a code is accepted only for a later step, by one atomic UPDATE, so a code works once across
 * every instance (../shared/API.md, "Multi-factor authentication").
 */
@Entity({ name: 'user_mfa' })
export class UserMfa {
  @PrimaryColumn({ name: 'user_id', type: 'uuid', primaryKeyConstraintName: 'PK_user_mfa' })
  userId: string;

  @OneToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_user_mfa_user_id' })
  user?: User;

  @Column({ name: 'totp_secret_sealed', type: 'bytea' })
  totpSecretSealed: Buffer;

  @Column({ name: 'confirmed_at', type: 'timestamptz', nullable: true })
  confirmedAt: Date | null;

  /** A bigint: TypeORM reads it as a string. */
  @Column({ name: 'last_used_step', type: 'bigint', nullable: true })
  lastUsedStep: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
