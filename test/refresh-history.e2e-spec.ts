import { ROTATED_TOKENS_KEPT_PER_SESSION } from '../src/users/sessions.service';
import { refresh, signedInUser } from './support/factories';
import { decodePart } from './support/jwt';
import { createTestApp, resetDatabase, TestApp } from './support/test-app';

/**
 * Every rotation remembers the token it retired, so that presenting it again is seen as reuse.
 * The memory is bounded per session: only the newest ROTATED_TOKENS_KEPT_PER_SESSION retired
 * tokens are kept; an older one is then merely unknown (401 token_invalid), still a refusal.
 */
describe('Rotated refresh-token history (bounded per session)', () => {
  const N = ROTATED_TOKENS_KEPT_PER_SESSION;
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
    await resetDatabase(t.dataSource);
  });
  afterAll(() => t.close());

  /** A session rotated `times` times: every refresh token it had, oldest first, and its id. */
  async function rotatedSession(times: number) {
    const user = await signedInUser(t);
    const lineage = [user.tokens.refreshToken];
    for (let i = 0; i < times; i++) {
      const response = await refresh(t, lineage[lineage.length - 1]).expect(200);
      lineage.push(response.body.refreshToken as string);
    }
    const sessionId = decodePart(user.tokens.accessToken, 1).sid as string;
    return { lineage, sessionId };
  }

  const historyRows = async (sessionId: string) => {
    const [{ count }] = await t.dataSource.query<{ count: number }[]>(
      'SELECT count(*)::int AS count FROM rotated_refresh_tokens WHERE session_id = $1',
      [sessionId],
    );
    return count;
  };

  it('should keep at most the newest N retired tokens of a session, however often it rotates', async () => {
    const { sessionId } = await rotatedSession(N + 5);
    expect(await historyRows(sessionId)).toBe(N);
  });

  it('should still treat the oldest token it keeps as reuse and revoke the session', async () => {
    const { lineage } = await rotatedSession(N + 5);
    const current = lineage[lineage.length - 1];
    const oldestKept = lineage[lineage.length - 1 - N];

    const reused = await refresh(t, oldestKept).expect(401);
    expect(reused.body.code).toBe('refresh_token_reused');
    const afterwards = await refresh(t, current).expect(401);
    expect(afterwards.body.code).toBe('session_revoked');
  });

  it('should refuse a token older than the kept history as unknown, leaving the session alive', async () => {
    const { lineage } = await rotatedSession(N + 5);
    const current = lineage[lineage.length - 1];
    const forgotten = lineage[lineage.length - 2 - N];

    const refused = await refresh(t, forgotten).expect(401);
    expect(refused.body.code).toBe('token_invalid');
    await refresh(t, current).expect(200);
  });
});
