import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EmailTokenKind } from './email-token.entity';
import { EmailTokensService, markVerified, Redemption } from './email-tokens.service';
import { Session } from './session.entity';
import { SessionsService } from './sessions.service';
import { User } from './user.entity';

export interface PasswordReset {
  user: User;
  revokedSessionIds: string[];
}

export interface KeptSession {
  id: string;
  /** SHA-256 of the refresh token the kept session continues with. */
  refreshTokenHash: Buffer;
  refreshTtlMs: number;
}

/**
 * Password changes and what must happen with them, each in one transaction
 * (../shared/API.md, "Account lifecycle (email)"): the new hash, the reset links voided, the
 * sessions revoked. The revocations are announced (this instance and, by NOTIFY, every other)
 * only after the commit, so a rolled-back change revokes nothing.
 */
@Injectable()
export class CredentialsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly emailTokens: EmailTokensService,
    private readonly sessions: SessionsService,
  ) {}

  /** Redeems a reset token: new password, address verified, every session of the user revoked. */
  async resetPassword(
    token: string,
    passwordHash: string,
    now = new Date(),
  ): Promise<Redemption<PasswordReset>> {
    const result = await this.dataSource.transaction(
      async (manager): Promise<Redemption<PasswordReset>> => {
        const redeemed = await this.emailTokens.redeem(
          manager,
          token,
          EmailTokenKind.PasswordReset,
          now,
        );
        if (!redeemed.ok) return redeemed;
        const userId = redeemed.value;
        await manager.update(User, { id: userId }, { passwordHash });
        await markVerified(manager, userId, now);
        await this.emailTokens.voidAll(manager, userId, EmailTokenKind.PasswordReset);
        const revokedSessionIds = await this.sessions.markAllRevokedForUser(
          manager,
          userId,
          'password_reset',
          now,
        );
        const user = await manager.findOneByOrFail(User, { id: userId });
        return { ok: true, value: { user, revokedSessionIds } };
      },
    );
    if (result.ok) await this.sessions.announceRevoked(result.value.revokedSessionIds, now);
    return result;
  }

  /**
   * A new password for a signed-in user: every other session is revoked, and the caller's
   * session continues with a new refresh token (the one it held stops working).
   * @returns the kept session with its user, or undefined when it is no longer live
   */
  async changePassword(
    userId: string,
    passwordHash: string,
    kept: KeptSession,
    now = new Date(),
  ): Promise<(Session & { user: User }) | undefined> {
    const result = await this.dataSource.transaction(async (manager) => {
      const session = await manager
        .getRepository(Session)
        .createQueryBuilder('session')
        .innerJoinAndSelect('session.user', 'user')
        .setLock('pessimistic_write', undefined, ['session'])
        .where(
          'session.id = :id AND session.userId = :userId AND session.revokedAt IS NULL ' +
            'AND session.absoluteExpiresAt > :now',
          { id: kept.id, userId, now },
        )
        .getOne();
      if (!session) return undefined;
      await manager.update(User, { id: userId }, { passwordHash });
      await this.emailTokens.voidAll(manager, userId, EmailTokenKind.PasswordReset);
      const revoked = await manager
        .createQueryBuilder()
        .update(Session)
        .set({ revokedAt: now, revokedReason: 'password_changed' })
        .where('user_id = :userId AND id <> :keep AND revoked_at IS NULL', {
          userId,
          keep: kept.id,
        })
        .returning('id')
        .execute();
      const expiresAt = new Date(
        Math.min(now.getTime() + kept.refreshTtlMs, session.absoluteExpiresAt.getTime()),
      );
      await manager.update(Session, session.id, {
        refreshTokenHash: kept.refreshTokenHash,
        previousRefreshTokenHash: null,
        rotationNonce: null,
        rotatedAt: null,
        lastUsedAt: now,
        expiresAt,
      });
      return {
        session: { ...session, expiresAt, lastUsedAt: now } as Session & { user: User },
        revokedIds: (revoked.raw as { id: string }[]).map((row) => row.id),
      };
    });
    if (!result) return undefined;
    await this.sessions.announceRevoked(result.revokedIds, now);
    return result.session;
  }
}
