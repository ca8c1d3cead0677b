import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull, MoreThan, Repository } from 'typeorm';
import { RotatedRefreshToken } from './rotated-refresh-token.entity';
import { Session } from './session.entity';
import { RevocationBroadcastService } from './revocation-broadcast.service';
import { SessionRevocationsService } from './session-revocations.service';
import { User } from './user.entity';

export type RevocationReason = 'logout' | 'logout_all' | 'revoked_by_user' | 'refresh_token_reused';

export interface NewSession {
  userId: string;
  refreshTokenHash: Buffer;
  refreshTtlMs: number;
  maxLifetimeMs: number;
  userAgent: string | null;
  ip: string | null;
}

export interface RotationPolicy {
  refreshTtlMs: number;
  graceMs: number;
  /** Hash of the successor token derived from the presented token and a nonce. */
  successorHash(nonce: Buffer): Buffer;
}

/**
 * What presenting a refresh token led to. `rotated` and `grace` carry the session (with its
 * user) and the nonce the successor token is derived from; the others are refusals.
 */
export type RotationResult =
  | { outcome: 'rotated' | 'grace'; session: Session & { user: User }; nonce: Buffer }
  | { outcome: 'reused'; sessionId: string; userId: string }
  | { outcome: 'unknown' | 'expired' | 'revoked' };

const NONCE_BYTES = 32;

@Injectable()
export class SessionsService {
  constructor(
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly revocations: SessionRevocationsService,
    private readonly broadcast: RevocationBroadcastService,
  ) {}

  async create(input: NewSession, now = new Date()): Promise<Session> {
    const absoluteExpiresAt = new Date(now.getTime() + input.maxLifetimeMs);
    return this.sessions.save(
      this.sessions.create({
        userId: input.userId,
        refreshTokenHash: input.refreshTokenHash,
        expiresAt: minDate(new Date(now.getTime() + input.refreshTtlMs), absoluteExpiresAt),
        absoluteExpiresAt,
        userAgent: input.userAgent?.slice(0, 512) ?? null,
        ip: input.ip?.slice(0, 64) ?? null,
        createdAt: now,
        lastUsedAt: now,
      }),
    );
  }

  /**
   * Exchanges a refresh token for its successor, in one transaction that locks the session row,
   * so N concurrent refreshes with one token serialise here (../shared/API.md, "Refresh token"):
   * - the current token rotates: its hash moves to `previous`, a fresh nonce is stored and the
   *   successor's hash becomes current;
   * - the token just rotated, within the grace window, is a race, not theft: the caller gets the
   *   same nonce back and so derives the same successor the first request got — all racers
   *   converge on one lineage and nobody is logged out;
   * - any older token, or the previous one after the window, is reuse: the session is revoked.
   */
  async rotate(
    presentedHash: Buffer,
    policy: RotationPolicy,
    now = new Date(),
  ): Promise<RotationResult> {
    const result = await this.dataSource.transaction(async (manager) => {
      const session = await manager
        .getRepository(Session)
        .createQueryBuilder('session')
        .innerJoinAndSelect('session.user', 'user')
        .setLock('pessimistic_write', undefined, ['session'])
        .where('session.refreshTokenHash = :hash OR session.previousRefreshTokenHash = :hash', {
          hash: presentedHash,
        })
        .getOne();

      if (!session) return this.detectReuse(manager, presentedHash, now);
      const withUser = session as Session & { user: User };
      if (session.revokedAt) return { outcome: 'revoked' } as const;
      if (session.expiresAt <= now || session.absoluteExpiresAt <= now)
        return { outcome: 'expired' } as const;

      if (session.refreshTokenHash.equals(presentedHash)) {
        const nonce = randomBytes(NONCE_BYTES);
        const expiresAt = minDate(
          new Date(now.getTime() + policy.refreshTtlMs),
          session.absoluteExpiresAt,
        );
        await manager.update(Session, session.id, {
          previousRefreshTokenHash: presentedHash,
          refreshTokenHash: policy.successorHash(nonce),
          rotationNonce: nonce,
          rotatedAt: now,
          lastUsedAt: now,
          expiresAt,
        });
        await manager.insert(RotatedRefreshToken, {
          tokenHash: presentedHash,
          sessionId: session.id,
          rotatedAt: now,
        });
        return {
          outcome: 'rotated',
          session: { ...withUser, expiresAt, lastUsedAt: now },
          nonce,
        } as const;
      }

      // The presented token is the previous one.
      const withinGrace =
        session.rotatedAt !== null && now.getTime() - session.rotatedAt.getTime() <= policy.graceMs;
      if (
        withinGrace &&
        session.rotationNonce &&
        policy.successorHash(session.rotationNonce).equals(session.refreshTokenHash)
      ) {
        return { outcome: 'grace', session: withUser, nonce: session.rotationNonce } as const;
      }
      await this.markRevoked(manager, [session.id], 'refresh_token_reused', now);
      return { outcome: 'reused', sessionId: session.id, userId: session.userId } as const;
    });
    // Only after commit: a rolled-back revocation must not reject tokens.
    if (result.outcome === 'reused') await this.revoked([result.sessionId], now);
    return result;
  }

  /** One indexed primary-key read: the per-request check of AUTH_CHECK_SESSION=true. */
  isLive(sessionId: string, now = new Date()): Promise<boolean> {
    return this.sessions.existsBy({
      id: sessionId,
      revokedAt: IsNull(),
      absoluteExpiresAt: MoreThan(now),
    });
  }

  /** The live session a refresh token belongs to, for logout without an access token. */
  findLiveByRefreshHash(hash: Buffer, now = new Date()): Promise<Session | null> {
    return this.sessions.findOneBy({
      refreshTokenHash: hash,
      revokedAt: IsNull(),
      expiresAt: MoreThan(now),
    });
  }

  /** @returns whether a live session was revoked (false: unknown, another user's, or already revoked) */
  async revoke(
    sessionId: string,
    reason: RevocationReason,
    userId?: string,
    now = new Date(),
  ): Promise<boolean> {
    const result = await this.sessions.update(
      { id: sessionId, revokedAt: IsNull(), ...(userId ? { userId } : {}) },
      { revokedAt: now, revokedReason: reason },
    );
    if (!result.affected) return false;
    await this.revoked([sessionId], now);
    return true;
  }

  async revokeAllForUser(
    userId: string,
    reason: RevocationReason,
    now = new Date(),
  ): Promise<string[]> {
    const revoked = await this.sessions
      .createQueryBuilder()
      .update()
      .set({ revokedAt: now, revokedReason: reason })
      .where('user_id = :userId AND revoked_at IS NULL', { userId })
      .returning('id')
      .execute();
    const ids = (revoked.raw as { id: string }[]).map((row) => row.id);
    await this.revoked(ids, now);
    return ids;
  }

  /** Sessions that can still be refreshed, newest activity first. */
  listLive(userId: string, now = new Date()): Promise<Session[]> {
    return this.sessions.find({
      where: {
        userId,
        revokedAt: IsNull(),
        expiresAt: MoreThan(now),
        absoluteExpiresAt: MoreThan(now),
      },
      order: { lastUsedAt: 'DESC' },
    });
  }

  /** This instance rejects the sessions' access tokens at once; the others within a second. */
  private async revoked(ids: string[], now: Date): Promise<void> {
    for (const id of ids) this.revocations.add(id, now.getTime());
    await this.broadcast.publish(ids, now.getTime());
  }

  private async detectReuse(
    manager: EntityManager,
    hash: Buffer,
    now: Date,
  ): Promise<RotationResult> {
    const rotated = await manager.findOneBy(RotatedRefreshToken, { tokenHash: hash });
    if (!rotated) return { outcome: 'unknown' };
    const live = await manager.findOneBy(Session, { id: rotated.sessionId, revokedAt: IsNull() });
    if (!live) return { outcome: 'revoked' };
    await this.markRevoked(manager, [rotated.sessionId], 'refresh_token_reused', now);
    return { outcome: 'reused', sessionId: rotated.sessionId, userId: live.userId };
  }

  private async markRevoked(
    manager: EntityManager,
    ids: string[],
    reason: RevocationReason,
    now: Date,
  ) {
    await manager.update(Session, ids, { revokedAt: now, revokedReason: reason });
  }
}

function minDate(a: Date, b: Date): Date {
  return a <= b ? a : b;
}
