import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull, MoreThan, Not, Repository } from 'typeorm';
import { RotatedRefreshToken } from './rotated-refresh-token.entity';
import { Session } from './session.entity';
import { RevocationBroadcastService } from './revocation-broadcast.service';
import { SessionRevocationsService } from './session-revocations.service';
import { User } from './user.entity';

export type RevocationReason =
  | 'logout'
  | 'logout_all'
  | 'revoked_by_user'
  | 'refresh_token_reused'
  | 'user_deleted'
  | 'mfa_enabled'
  | 'password_reset'
  | 'password_changed'
  | 'account_disabled'
  | 'roles_changed'
  | 'admin_logout_all';

/** A session not revoked always has its user: deleting one revokes its sessions first. */
export type LiveSession = Session & { userId: string };

export interface NewSession {
  userId: string;
  refreshTokenHash: Buffer;
  refreshTtlMs: number;
  maxLifetimeMs: number;
  userAgent: string | null;
  ip: string | null;
  /** How the login was authenticated; ['pwd'] when not given. */
  amr?: string[];
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

/**
 * How many retired refresh tokens a session remembers for reuse detection. Without a bound a
 * session refreshed every few minutes for its 30 days would pile up thousands of rows. A token
 * older than that is no longer recognised as reuse: it is merely unknown (401 token_invalid) and
 * the session lives on. It is refused either way; what is lost is only the alarm (revoking the
 * session, the audit event) for a token that lay unused through 50 rotations — 12 hours and more
 * at the default access lifetime — while the rightful client kept refreshing.
 */
export const ROTATED_TOKENS_KEPT_PER_SESSION = 50;

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
        amr: input.amr ?? ['pwd'],
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
        await this.forgetOldestRotated(manager, session.id);
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
      return { outcome: 'reused', sessionId: session.id, userId: withUser.user.id } as const;
    });
    // Only after commit: a rolled-back revocation must not reject tokens.
    if (result.outcome === 'reused') await this.announceRevoked([result.sessionId], now);
    return result;
  }

  /** Whether this instance knows the session as revoked: the in-memory set, no database read. */
  isRevoked(sessionId: string): boolean {
    return this.revocations.isRevoked(sessionId);
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
  findLiveByRefreshHash(hash: Buffer, now = new Date()): Promise<LiveSession | null> {
    return this.sessions.findOneBy({
      refreshTokenHash: hash,
      revokedAt: IsNull(),
      expiresAt: MoreThan(now),
      userId: Not(IsNull()),
    }) as Promise<LiveSession | null>;
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
    await this.announceRevoked([sessionId], now);
    return true;
  }

  async revokeAllForUser(
    userId: string,
    reason: RevocationReason,
    now = new Date(),
  ): Promise<string[]> {
    const ids = await this.markAllRevokedForUser(this.dataSource.manager, userId, reason, now);
    await this.announceRevoked(ids, now);
    return ids;
  }

  /** Every live session of the user but one (the caller's): enabling MFA ends the others. */
  async revokeOthersForUser(
    userId: string,
    keepSessionId: string,
    reason: RevocationReason,
    now = new Date(),
  ): Promise<string[]> {
    const revoked = await this.sessions
      .createQueryBuilder()
      .update(Session)
      .set({ revokedAt: now, revokedReason: reason })
      .where('user_id = :userId AND id <> :keepSessionId AND revoked_at IS NULL', {
        userId,
        keepSessionId,
      })
      .returning('id')
      .execute();
    const ids = (revoked.raw as { id: string }[]).map((row) => row.id);
    await this.announceRevoked(ids, now);
    return ids;
  }

  /**
   * Revokes every live session of a user within the caller's transaction. Only the database
   * knows yet: the caller passes the ids to announceRevoked once it has committed.
   */
  async markAllRevokedForUser(
    manager: EntityManager,
    userId: string,
    reason: RevocationReason,
    now: Date,
  ): Promise<string[]> {
    const revoked = await manager
      .createQueryBuilder()
      .update(Session)
      .set({ revokedAt: now, revokedReason: reason })
      .where('user_id = :userId AND revoked_at IS NULL', { userId })
      .returning('id')
      .execute();
    return (revoked.raw as { id: string }[]).map((row) => row.id);
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

  /** How many sessions each user can still refresh (the admin list): one query for a page. */
  async countLiveByUser(userIds: string[], now = new Date()): Promise<Map<string, number>> {
    if (userIds.length === 0) return new Map();
    const rows: { user_id: string; live: string }[] = await this.sessions
      .createQueryBuilder('session')
      .select('session.user_id', 'user_id')
      .addSelect('COUNT(*)', 'live')
      .where('session.user_id IN (:...userIds)', { userIds })
      .andWhere('session.revoked_at IS NULL')
      .andWhere('session.expires_at > :now AND session.absolute_expires_at > :now', { now })
      .groupBy('session.user_id')
      .getRawMany();
    return new Map(rows.map((row) => [row.user_id, Number(row.live)]));
  }

  /** This instance rejects the sessions' access tokens at once; the others within a second. */
  async announceRevoked(ids: string[], now: Date): Promise<void> {
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
    if (!live?.userId) return { outcome: 'revoked' };
    await this.markRevoked(manager, [rotated.sessionId], 'refresh_token_reused', now);
    return { outcome: 'reused', sessionId: rotated.sessionId, userId: live.userId };
  }

  /** Rotations of one session are serialised by its row lock, so this cannot race itself. */
  private async forgetOldestRotated(manager: EntityManager, sessionId: string): Promise<void> {
    await manager.query(
      `DELETE FROM rotated_refresh_tokens WHERE token_hash IN (
         SELECT token_hash FROM rotated_refresh_tokens WHERE session_id = $1
         ORDER BY rotated_at DESC, token_hash OFFSET $2)`,
      [sessionId, ROTATED_TOKENS_KEPT_PER_SESSION],
    );
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
