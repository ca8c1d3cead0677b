import { randomBytes } from 'node:crypto';
import { LoggerService } from '@nestjs/common';
import { createTestApp, resetDatabase, TestApp } from '../support/test-app';
import { login, refresh, registerUser } from '../support/factories';

/** Collects every line the app logs, at every level. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  private capture =
    (level: string) =>
    (message: unknown, ...rest: unknown[]) => {
      this.lines.push(
        `${level} ${[message, ...rest].map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join(' ')}`,
      );
    };
  log = this.capture('log');
  error = this.capture('error');
  warn = this.capture('warn');
  debug = this.capture('debug');
  verbose = this.capture('verbose');
  fatal = this.capture('fatal');
}

/**
 * ../shared/API.md: no password, token or signing key in a log line or the database. This drives
 * the whole flow, failures included, and then searches everything the app wrote.
 */
describe('Security: no secrets in logs or the database', () => {
  const secret = randomBytes(48).toString('base64url');
  const password = `Pa55-${randomBytes(8).toString('hex')}`;
  const wrongPassword = `Wrong-${randomBytes(8).toString('hex')}`;
  const logger = new CapturingLogger();
  const issued: string[] = [];
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(
      { JWT_SECRET: secret, RATE_LIMIT_LOGIN_ACCOUNT: '2', REFRESH_REUSE_GRACE: '0s' },
      { logger },
    );
    await resetDatabase(t.dataSource);

    const user = await registerUser(t, { password });
    await t
      .http()
      .post('/auth/login')
      .send({ email: user.email, password: wrongPassword })
      .expect(401);
    const first = await login(t, user.email, password);
    const second = (await refresh(t, first.refreshToken).expect(200)).body;
    await refresh(t, first.refreshToken).expect(401); // reuse: revokes, logs, audits
    const third = await login(t, user.email, password);
    issued.push(
      first.accessToken,
      first.refreshToken,
      second.accessToken,
      second.refreshToken,
      third.accessToken,
      third.refreshToken,
    );

    await t.http().get('/auth/me').set('Authorization', `Bearer ${third.accessToken}`).expect(200);
    await t.http().get('/auth/me').set('Authorization', `Bearer ${third.accessToken}x`).expect(401);
    await t
      .http()
      .post('/auth/register')
      .set('Content-Type', 'application/json')
      .send(`{"password":"${password}",`)
      .expect(400);
    await t.http().post('/auth/register').send({ email: user.email, password }).expect(409);
    await t
      .http()
      .post('/auth/login')
      .send({ email: user.email, password: wrongPassword })
      .expect(401);
    await t
      .http()
      .post('/auth/login')
      .send({ email: user.email, password: wrongPassword })
      .expect(401); // locks
    await t
      .http()
      .post('/auth/login')
      .send({ email: user.email, password: wrongPassword })
      .expect(429);
    await t.http().post('/auth/logout').send({ refreshToken: third.refreshToken }).expect(204);
    await t.http().post('/auth/logout').send({ refreshToken: third.refreshToken }).expect(401);
  });
  afterAll(() => t.close());

  const secrets = () => [
    ['the password', password],
    ['a wrong password', wrongPassword],
    ['the signing key', secret],
    ...issued.map((token, i) => [`issued token #${i}`, token]),
    // A JWT's signature alone is as good as the token for spotting a leak.
    ...issued
      .filter((token) => token.includes('.'))
      .map((token, i) => [`signature #${i}`, token.split('.')[2]]),
  ];

  it('should have logged something to search (the capture works)', () => {
    expect(logger.lines.length).toBeGreaterThan(0);
  });

  it('should write no password, token or key to any log line', () => {
    const log = logger.lines.join('\n');
    for (const [label, value] of secrets())
      expect({ label, leaked: log.includes(value) }).toEqual({ label, leaked: false });
  });

  it('should store no password, token or key in any table', async () => {
    const tables: { table_name: string }[] = await t.dataSource.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`,
    );
    const dump = (
      await Promise.all(
        tables.map(async ({ table_name }) => {
          const rows: Record<string, unknown>[] = await t.dataSource.query(
            `SELECT * FROM "${table_name}"`,
          );
          // bytea columns as text too, so a token stored raw would show.
          return JSON.stringify(rows, (_key, value: unknown) =>
            value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer'
              ? Buffer.from((value as { data: number[] }).data).toString('latin1')
              : value,
          );
        }),
      )
    ).join('\n');
    expect(dump).toContain('$2b$'); // the password is there, as a bcrypt hash
    for (const [label, value] of secrets())
      expect({ label, leaked: dump.includes(value) }).toEqual({ label, leaked: false });
  });
});
