import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { EmailToken, EmailTokenKind } from './email-token.entity';
import { User } from './user.entity';

/** 256 bits from the CSPRNG, base64url: 43 characters (../shared/API.md: opaque, ≥ 256 bits). */
const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** Why an emailed token could not be redeemed: `expired`, or anything else (used, voided, unknown). */
export type RedemptionFailure = 'link_invalid' | 'link_expired';

export type Redemption<T> = { ok: true; value: T } | { ok: false; reason: RedemptionFailure };

/**
 * Tokens sent by mail: issued, checked and redeemed (../shared/API.md, "Account lifecycle
 * (email)"). The table holds their SHA-256 only. Redeeming deletes the row in the same statement
 * that finds it, so two requests racing with one token cannot both succeed.
 */
@Injectable()
export class EmailTokensService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  static hash(token: string): Buffer {
    return createHash('sha256').update(token, 'utf8').digest();
  }

  /** Issues a token of `kind`; the user's older tokens of that kind stop working. */
  async issue(
    userId: string,
    kind: EmailTokenKind,
    ttlMs: number,
    now = new Date(),
  ): Promise<string> {
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    await this.dataSource.transaction(async (manager) => {
      await manager.delete(EmailToken, { userId, kind });
      await manager.insert(EmailToken, {
        tokenHash: EmailTokensService.hash(token),
        userId,
        kind,
        expiresAt: new Date(now.getTime() + ttlMs),
        createdAt: now,
      });
    });
    return token;
  }

  /** Whether the token could be redeemed now, without redeeming it. */
  async check(token: string, kind: EmailTokenKind, now = new Date()): Promise<Redemption<string>> {
    if (!TOKEN_PATTERN.test(token)) return { ok: false, reason: 'link_invalid' };
    const row = await this.dataSource.manager.findOneBy(EmailToken, {
      tokenHash: EmailTokensService.hash(token),
      kind,
    });
    if (!row) return { ok: false, reason: 'link_invalid' };
    if (row.expiresAt <= now) return { ok: false, reason: 'link_expired' };
    return { ok: true, value: row.userId };
  }

  /** Redeems a verification token: the address is verified from now on. */
  async redeemVerification(token: string, now = new Date()): Promise<Redemption<User>> {
    return this.dataSource.transaction(async (manager) => {
      const redeemed = await this.redeem(manager, token, EmailTokenKind.VerifyEmail, now);
      if (!redeemed.ok) return redeemed;
      await markVerified(manager, redeemed.value, now);
      return { ok: true, value: await manager.findOneByOrFail(User, { id: redeemed.value }) };
    });
  }

  /**
   * Deletes the token's row if it can be redeemed, within the caller's transaction. An expired
   * row stays, so the same link keeps answering `link_expired` rather than `link_invalid`.
   * @returns the user id
   */
  async redeem(
    manager: EntityManager,
    token: string,
    kind: EmailTokenKind,
    now: Date,
  ): Promise<Redemption<string>> {
    if (!TOKEN_PATTERN.test(token)) return { ok: false, reason: 'link_invalid' };
    const tokenHash = EmailTokensService.hash(token);
    const deleted = await manager
      .createQueryBuilder()
      .delete()
      .from(EmailToken)
      .where('token_hash = :tokenHash AND kind = :kind AND expires_at > :now', {
        tokenHash,
        kind,
        now,
      })
      .returning('user_id')
      .execute();
    const rows = deleted.raw as { user_id: string }[];
    if (rows.length === 1) return { ok: true, value: rows[0].user_id };
    const expired = await manager.existsBy(EmailToken, { tokenHash, kind });
    return { ok: false, reason: expired ? 'link_expired' : 'link_invalid' };
  }

  /** Voids every outstanding token of a kind (a changed password voids the reset links). */
  async voidAll(manager: EntityManager, userId: string, kind: EmailTokenKind): Promise<void> {
    await manager.delete(EmailToken, { userId, kind });
  }
}

export async function markVerified(
  manager: EntityManager,
  userId: string,
  now: Date,
): Promise<void> {
  await manager
    .createQueryBuilder()
    .update(User)
    .set({ emailVerifiedAt: () => 'COALESCE(email_verified_at, :now)' })
    .setParameter('now', now)
    .where('id = :userId', { userId })
    .execute();
}
