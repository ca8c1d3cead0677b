/**
 * How long the cluster primary waits before replacing a worker that died (cluster.ts). A worker
 * that dies soon after it started will most likely die again (a taken port, a database that
 * refuses it): each such death doubles the wait, from 1 s up to 30 s, so a crash loop costs a
 * start every 30 s instead of a busy CPU. A worker that stayed up for a minute was healthy, and
 * the next replacement is quick again.
 */
export class RestartBackoff {
  static readonly FIRST_MS = 1_000;
  static readonly MAX_MS = 30_000;
  static readonly HEALTHY_AFTER_MS = 60_000;

  /** Workers in a row that died before they counted as healthy. */
  private shortLived = 0;

  /** The wait before replacing a worker that ran for `uptimeMs` and then died. */
  delayAfterExit(uptimeMs: number): number {
    if (uptimeMs >= RestartBackoff.HEALTHY_AFTER_MS) this.shortLived = 0;
    const delay = Math.min(RestartBackoff.MAX_MS, RestartBackoff.FIRST_MS * 2 ** this.shortLived);
    // Past the cap the count no longer matters; bounding it keeps 2 ** n finite.
    if (delay < RestartBackoff.MAX_MS) this.shortLived += 1;
    return delay;
  }
}
