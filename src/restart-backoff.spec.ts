import { RestartBackoff } from './restart-backoff';

const SECOND = 1_000;

describe('RestartBackoff (how long the cluster primary waits before replacing a dead worker)', () => {
  it('should wait a second before the first replacement', () => {
    expect(new RestartBackoff().delayAfterExit(5 * SECOND)).toBe(SECOND);
  });

  it('should double the wait for each worker that dies soon after it started', () => {
    const backoff = new RestartBackoff();
    const delays = [1, 2, 3, 4, 5].map(() => backoff.delayAfterExit(100));
    expect(delays).toEqual([1, 2, 4, 8, 16].map((s) => s * SECOND));
  });

  it('should never wait longer than 30 seconds', () => {
    const backoff = new RestartBackoff();
    const delays = Array.from({ length: 2_000 }, () => backoff.delayAfterExit(100));
    expect(delays.slice(5, 8)).toEqual([30 * SECOND, 30 * SECOND, 30 * SECOND]);
    expect(delays.at(-1)).toBe(30 * SECOND);
  });

  it('should start again from a second once a worker has stayed up for a minute', () => {
    const backoff = new RestartBackoff();
    for (let i = 0; i < 6; i++) backoff.delayAfterExit(100);
    expect(backoff.delayAfterExit(60 * SECOND)).toBe(SECOND);
    expect(backoff.delayAfterExit(100)).toBe(2 * SECOND);
  });

  it('should keep doubling for a worker that died just before the minute was up', () => {
    const backoff = new RestartBackoff();
    backoff.delayAfterExit(100);
    expect(backoff.delayAfterExit(60 * SECOND - 1)).toBe(2 * SECOND);
  });
});
