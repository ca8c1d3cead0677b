import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
} from 'typeorm';
import { User } from './user.entity';

/** What an emailed token lets its holder do. */
export enum EmailTokenKind {
  VerifyEmail = 'verify_email',
  PasswordReset = 'password_reset',
}

/**
 * A token sent by mail (../shared/API.md, "Account lifecycle (email)"). Only its SHA-256 is kept,
 * never the token or the link. A row is deleted when its token is used, when a newer one of its
 * kind is issued, and (reset tokens) when the password changes: whatever is not in the table
 * cannot be redeemed. Rows go with their user.
 */
@Entity({ name: 'email_tokens' })
@Index('IDX_email_tokens_user_id_kind', ['userId', 'kind'])
export class EmailToken {
  @PrimaryColumn({ name: 'token_hash', type: 'bytea', primaryKeyConstraintName: 'PK_email_tokens' })
  tokenHash: Buffer;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_email_tokens_user_id' })
  user?: User;

  @Column({ type: 'varchar', length: 16 })
  kind: EmailTokenKind;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
