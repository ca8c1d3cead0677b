import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThan, Repository } from 'typeorm';
import { authConfig } from '../config/auth.config';
import { Session } from './session.entity';

/** Access tokens are accepted up to this long after `exp` (../shared/API.md, "Tokens"). */
export const CLOCK_TOLERANCE_SECONDS = 30;

/**
 * How much later than the revocation the last access token of a session may have been signed.
 * A request that read the session before the revocation committed (a refresh holding the row
 * lock the revoking UPDATE waits for; a revocation on another instance whose notification is
 * still on its way) can sign after `revokedAt`; the instances' clocks also disagree a little.
 * Signing re-checks the set (AuthService), which closes the local case; this covers the rest.
 * With it the set reaches back access TTL + 60 s, which is what SESSION_PURGE_AFTER must at
 * least keep (config/auth.config.ts), so a reload still finds every row it needs.
 */
export const REVOCATION_MARGIN_SECONDS = 30;

export interface RevokedSession {
  id: string;
  revokedAt: Date;
}

/** Reads the sessions revoked after `since`. */
export type RevocationSource = (since: Date) => Promise<RevokedSession[]>;

/**
 * The ids of recently revoked sessions, in memory, so that a revoked session's access tokens fail
 * at once while accepting a token still needs no database read.
 *
 * An entry only has to outlive the longest-lived access token of its session: after
 * revocation + margin + access TTL + clock tolerance every such token has expired on its own, so
 * the set stays as small as the revocations of the last ~16 minutes. It is loaded from the
 * database at start, so a restart does not forget a logout.
 */
@Injectable()
export class SessionRevocationsService implements OnApplicationBootstrap {
  private readonly revoked = new Map<string, number>();
  private readonly retentionMs: number;
  private nextPruneAt = 0;

  constructor(
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    @Inject(authConfig.KEY) config: ConfigType<typeof authConfig>,
  ) {
    this.retentionMs =
      (config.accessTtlSeconds + CLOCK_TOLERANCE_SECONDS + REVOCATION_MARGIN_SECONDS) * 1000;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.reload();
  }

  /**
   * Reads the revocations still relevant; safe to call again (e.g. after a reconnect).
   * @param source where to read them, when the caller holds a connection it knows to be alive
   *   (the revocation listener's); the repository's pool otherwise
   */
  async reload(now = Date.now(), source?: RevocationSource): Promise<void> {
    const since = new Date(now - this.retentionMs);
    const recent = await (source ?? this.readRevokedSince)(since);
    for (const session of recent) this.add(session.id, session.revokedAt.getTime(), now);
  }

  /** @param now the clock for pruning; revokedAtMs may lie in the past (reload) */
  add(sessionId: string, revokedAtMs = Date.now(), now = Date.now()): void {
    const until = revokedAtMs + this.retentionMs;
    if ((this.revoked.get(sessionId) ?? 0) < until) this.revoked.set(sessionId, until);
    this.prune(now);
  }

  isRevoked(sessionId: string, now = Date.now()): boolean {
    const until = this.revoked.get(sessionId);
    return until !== undefined && until > now;
  }

  get size(): number {
    return this.revoked.size;
  }

  private readonly readRevokedSince: RevocationSource = async (since) => {
    const rows = await this.sessions.find({
      select: { id: true, revokedAt: true },
      where: { revokedAt: MoreThan(since) },
    });
    return rows.map((row) => ({ id: row.id, revokedAt: row.revokedAt! }));
  };

  private prune(now: number): void {
    if (now < this.nextPruneAt) return;
    this.nextPruneAt = now + 60_000;
    for (const [id, until] of this.revoked) if (until <= now) this.revoked.delete(id);
  }
}
