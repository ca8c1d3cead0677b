import { FindOperator, Repository } from 'typeorm';
import { AuthConfig } from '../config/auth.config';
import { Session } from './session.entity';
import {
  CLOCK_TOLERANCE_SECONDS,
  REVOCATION_MARGIN_SECONDS,
  SessionRevocationsService,
} from './session-revocations.service';

const ACCESS_TTL_SECONDS = 900;
/** The last moment a token signed at the revocation instant is still accepted. */
const LAST_ACCEPTED_MS = (ACCESS_TTL_SECONDS + CLOCK_TOLERANCE_SECONDS) * 1000;
const RETENTION_MS = LAST_ACCEPTED_MS + REVOCATION_MARGIN_SECONDS * 1000;
const T0 = Date.UTC(2030, 0, 1);

describe('SessionRevocationsService', () => {
  let rows: Array<Pick<Session, 'id' | 'revokedAt'>>;
  let find: jest.Mock;
  let service: SessionRevocationsService;

  beforeEach(() => {
    rows = [];
    find = jest.fn(async () => rows);
    service = new SessionRevocationsService(
      { find } as unknown as Repository<Session>,
      { accessTtlSeconds: ACCESS_TTL_SECONDS } as AuthConfig,
    );
  });

  it('should allow access tokens at most 30 s of clock tolerance', () => {
    expect(CLOCK_TOLERANCE_SECONDS).toBe(30);
  });

  it('should not report an unknown session as revoked', () => {
    expect(service.isRevoked('unknown', T0)).toBe(false);
  });

  it('should report an added session as revoked', () => {
    service.add('s1');
    expect(service.isRevoked('s1')).toBe(true);
  });

  it('should not report another session as revoked', () => {
    service.add('s1', T0);
    expect(service.isRevoked('s2', T0)).toBe(false);
  });

  it('should still refuse, when it expires, a token signed up to 30 s after the revocation by a request that raced it', () => {
    service.add('s1', T0);
    const signedAt = T0 + 30_000;
    expect(service.isRevoked('s1', signedAt + LAST_ACCEPTED_MS - 1)).toBe(true);
  });

  it('should still report the session as revoked just before access TTL + 30 s + the margin', () => {
    service.add('s1', T0);
    expect(service.isRevoked('s1', T0 + RETENTION_MS - 1)).toBe(true);
  });

  it('should forget the session at access TTL + 30 s + the margin', () => {
    service.add('s1', T0);
    expect(service.isRevoked('s1', T0 + RETENTION_MS)).toBe(false);
  });

  it('should keep the later expiry when a session is added twice', () => {
    service.add('s1', T0 + 60_000);
    service.add('s1', T0);
    expect(service.isRevoked('s1', T0 + RETENTION_MS + 30_000)).toBe(true);
  });

  describe('reload', () => {
    it('should load the revocations the repository returns', async () => {
      rows = [
        { id: 's1', revokedAt: new Date(T0 - 60_000) },
        { id: 's2', revokedAt: new Date(T0 - 120_000) },
      ];
      await service.reload(T0);
      expect(service.isRevoked('s1', T0)).toBe(true);
      expect(service.isRevoked('s2', T0)).toBe(true);
      expect(service.isRevoked('s3', T0)).toBe(false);
    });

    it('should keep a loaded revocation until its own revokedAt + access TTL + 30 s + the margin', async () => {
      rows = [{ id: 's1', revokedAt: new Date(T0 - 60_000) }];
      await service.reload(T0);
      expect(service.isRevoked('s1', T0 - 60_000 + RETENTION_MS - 1)).toBe(true);
      expect(service.isRevoked('s1', T0 - 60_000 + RETENTION_MS)).toBe(false);
    });

    it('should ask only for sessions revoked within the retention window', async () => {
      await service.reload(T0);
      expect(find).toHaveBeenCalledTimes(1);
      const criteria = find.mock.calls[0][0] as { where: { revokedAt: FindOperator<Date> } };
      const revokedAt = criteria.where.revokedAt;
      expect(revokedAt).toBeInstanceOf(FindOperator);
      expect(revokedAt.type).toBe('moreThan');
      expect(revokedAt.value).toEqual(new Date(T0 - RETENTION_MS));
    });

    it('should select only the id and revokedAt columns', async () => {
      await service.reload(T0);
      expect(find).toHaveBeenCalledWith(
        expect.objectContaining({ select: { id: true, revokedAt: true } }),
      );
    });

    it('should reload on application bootstrap', async () => {
      rows = [{ id: 's1', revokedAt: new Date() }];
      await service.onApplicationBootstrap();
      expect(service.isRevoked('s1')).toBe(true);
    });

    it('should read from the source it is given instead of the repository', async () => {
      const source = jest.fn(async () => [{ id: 's1', revokedAt: new Date(T0 - 60_000) }]);
      await service.reload(T0, source);
      expect(find).not.toHaveBeenCalled();
      expect(source).toHaveBeenCalledWith(new Date(T0 - RETENTION_MS));
      expect(service.isRevoked('s1', T0)).toBe(true);
    });

    it('should reject when the repository fails', async () => {
      find.mockRejectedValueOnce(new Error('connection lost'));
      await expect(service.reload(T0)).rejects.toThrow('connection lost');
    });
  });

  describe('pruning', () => {
    it('should drop expired entries when a later add prunes', () => {
      service.add('s1', T0, T0);
      service.add('s2', T0 + 10_000, T0 + 10_000);
      expect(service.size).toBe(2);

      service.add('s3', T0 + RETENTION_MS + 10_000, T0 + RETENTION_MS + 10_000);

      expect(service.size).toBe(1);
      expect(service.isRevoked('s3', T0 + RETENTION_MS + 10_000)).toBe(true);
    });

    it('should prune at most once a minute', () => {
      service.add('early', T0, T0); // prunes; next prune at T0 + 60 s
      service.add('later', T0 + 59_000, T0 + 59_000); // no prune
      const firstPrune = T0 + RETENTION_MS;
      service.add('a', firstPrune, firstPrune); // prunes 'early'; next prune one minute on
      expect(service.size).toBe(2);

      service.add('b', firstPrune + 59_999, firstPrune + 59_999); // 'later' has expired but no prune yet
      expect(service.isRevoked('later', firstPrune + 59_999)).toBe(false);
      expect(service.size).toBe(3);

      service.add('c', firstPrune + 60_000, firstPrune + 60_000); // a minute later: 'later' goes
      expect(service.size).toBe(3);
      expect(service.isRevoked('a', firstPrune + 60_000)).toBe(true);
    });
  });
});
